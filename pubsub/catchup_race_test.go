package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/pubsub"
)

// pace makes a goroutine alternate, at random, between stretches where it
// runs flat out and stretches where it is slow, yielding before each step:
// no sleeps, so that the test's speed is the machine's. A reader paced so
// falls behind a publisher and catches up again and again.
type pace struct {
	r        *rand.Rand
	slowOdds int // one stretch in slowOdds is slow
	maxYield int // yields per step in a slow stretch, at most
	left     int // steps left in this stretch
	slow     int // yields per step in this stretch
}

// readerPace is mostly fast, publisherPace mostly slow: with four
// publishers, their bursts still outrun the reader now and then.
func readerPace(seed int64) *pace {
	return &pace{r: rand.New(rand.NewSource(seed)), slowOdds: 3, maxYield: 40}
}
func publisherPace(seed int64) *pace {
	return &pace{r: rand.New(rand.NewSource(seed)), slowOdds: 1, maxYield: 100}
}

func (p *pace) step() {
	if p.left == 0 {
		p.left = 1 + p.r.Intn(64)
		p.slow = 0
		if p.r.Intn(p.slowOdds) == 0 {
			p.slow = 1 + p.r.Intn(p.maxYield)
		}
	}
	p.left--
	for i := 0; i < p.slow; i++ {
		runtime.Gosched()
	}
}

// publishAll has publishers goroutines publish perPub messages each,
// stamped with their publisher and rank, and returns once all are taken.
func publishAll(t *testing.T, s *pubsub.Server, publishers, perPub int) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, publishers)
	for p := 0; p < publishers; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc := publisherPace(int64(p))
			for i := 0; i < perPub; i++ {
				if err := s.PublishWithEvents(context.Background(), stamp{p, i}, map[string][]string{"p": {fmt.Sprint(p)}}); err != nil {
					errs <- err
					return
				}
				pc.step()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

// streamCheck checks a subscription's stream as it comes: sequence numbers
// increasing by exactly one (the subscription matches everything) and each
// publisher's messages in order, without a gap.
type streamCheck struct {
	last     uint64
	perPub   map[int]int
	n        int
	problems []string
}

func (c *streamCheck) take(m pubsub.Message) {
	if c.perPub == nil {
		c.perPub = map[int]int{}
	}
	if m.Seq() != c.last+1 && len(c.problems) < 5 {
		c.problems = append(c.problems, fmt.Sprintf("seq %d after %d", m.Seq(), c.last))
	}
	c.last = m.Seq()
	st := m.Data().(stamp)
	if st.seq != c.perPub[st.pub] && len(c.problems) < 5 {
		c.problems = append(c.problems, fmt.Sprintf("publisher %d: rank %d, want %d", st.pub, st.seq, c.perPub[st.pub]))
	}
	c.perPub[st.pub] = st.seq + 1
	c.n++
}

// TestCatchUpHandoverRace: a FallBehind subscriber reading at random speeds
// while four publishers publish flat out falls behind and catches up again
// and again; the history holds every message, so it is never cancelled, and
// it receives every message exactly once, in order, whatever moment a
// publish arrives at relative to its handover from catching up to live. An
// unbuffered subscriber, also of random pace, makes the server wait in the
// middle of publishes, when catch-ups are served too. Several capacities and
// both publish queues; run under -race.
func TestCatchUpHandoverRace(t *testing.T) {
	const publishers, perPub = 4, 1500
	const total = publishers * perPub
	for _, bufCap := range []int{0, 16} {
		for _, capacity := range []int{1, 3} {
			t.Run(fmt.Sprintf("queue=%d/capacity=%d", bufCap, capacity), func(t *testing.T) {
				s := pubsub.NewServer(pubsub.History(total), pubsub.BufferCapacity(bufCap))
				require.NoError(t, s.Start())
				defer func() { require.NoError(t, s.Stop()) }()
				ctx := context.Background()
				sub, err := s.SubscribeWith(ctx, "slow", matchAll{}, pubsub.Capacity(capacity), pubsub.FallBehind())
				require.NoError(t, err)

				waiter, err := s.SubscribeUnbuffered(ctx, "waiter", matchAll{})
				require.NoError(t, err)
				var check, waited streamCheck
				waiterDone := readAll(waiter, total, readerPace(43), &waited)
				done := readAll(sub, total, readerPace(42), &check)
				publishAll(t, s, publishers, perPub)
				<-done
				<-waiterDone
				assert.Empty(t, check.problems)
				assert.Equal(t, total, check.n)
				assert.Empty(t, waited.problems)
				assert.Equal(t, total, waited.n)
				assert.NoError(t, sub.Err(), "the history held every message")
				st := s.Stats()
				assert.EqualValues(t, total, st.Published)
				assert.LessOrEqual(t, st.Delivered, uint64(2*total), "the count may trail the last send")
				assert.Zero(t, st.CancelledOutOfCapacity)
			})
		}
	}
}

// readAll has a goroutine receive sub's messages into c, at pace pc, until
// c has total of them or sub is cancelled; the channel it returns is closed
// when the goroutine ends.
func readAll(sub *pubsub.Subscription, total int, pc *pace, c *streamCheck) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m := range sub.Messages() {
			c.take(m)
			if c.n == total {
				return
			}
			pc.step()
		}
	}()
	return done
}

// TestCatchUpLosesNothingSilently: with a history shorter than the burst, a
// FallBehind subscriber reading at random speeds either receives every
// message or is cancelled with ErrOutOfCapacity; what it received is a
// prefix of the stream without a gap either way.
func TestCatchUpLosesNothingSilently(t *testing.T) {
	const publishers, perPub = 4, 1000
	s := pubsub.NewServer(pubsub.History(64))
	s.SetLogger(discardLogger())
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	sub, err := s.SubscribeWith(context.Background(), "slow", matchAll{}, pubsub.Capacity(2), pubsub.FallBehind())
	require.NoError(t, err)
	var check streamCheck
	done := readAll(sub, publishers*perPub, readerPace(7), &check)
	publishAll(t, s, publishers, perPub)
	// End the reader if it is still live and waiting for more.
	if err := s.Unsubscribe(context.Background(), "slow", matchAll{}); err != nil {
		require.ErrorIs(t, err, pubsub.ErrSubscriptionNotFound)
	}
	<-done
	assert.Empty(t, check.problems)
	if check.n < publishers*perPub {
		assert.True(t, errors.Is(sub.Err(), pubsub.ErrOutOfCapacity) || errors.Is(sub.Err(), pubsub.ErrUnsubscribed), "Err = %v", sub.Err())
	}
	t.Logf("received %d of %d, Err %v", check.n, publishers*perPub, sub.Err())
}

// TestResumeRace: a subscriber that keeps leaving and resuming After the
// last Seq it saw, while four publishers publish, receives every message
// exactly once and in order across its subscriptions.
func TestResumeRace(t *testing.T) {
	const publishers, perPub = 4, 1000
	const total = publishers * perPub
	s := pubsub.NewServer(pubsub.History(total))
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	ctx := context.Background()

	var check streamCheck
	done := make(chan error, 1)
	first, err := s.SubscribeWith(ctx, "r", matchAll{}, pubsub.Capacity(4))
	require.NoError(t, err)
	go func() {
		r := rand.New(rand.NewSource(3))
		pc := readerPace(3)
		sub := first
		for check.n < total {
			for m := range sub.Messages() {
				check.take(m)
				if check.n == total || r.Intn(100) == 0 {
					break
				}
				pc.step()
			}
			if check.n == total {
				break
			}
			// Leave (or be dropped: a full Out cancels this subscription),
			// then resume after the last message seen.
			if err := s.Unsubscribe(ctx, "r", matchAll{}); err != nil && !errors.Is(err, pubsub.ErrSubscriptionNotFound) {
				done <- err
				return
			}
			var err error
			sub, err = s.SubscribeWith(ctx, "r", matchAll{}, pubsub.Capacity(4), pubsub.After(check.last))
			if err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	publishAll(t, s, publishers, perPub)
	require.NoError(t, <-done)
	assert.Empty(t, check.problems)
	assert.Equal(t, total, check.n)
}
