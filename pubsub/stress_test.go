package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/pubsub"
)

type stamp struct{ pub, seq int }

// keeper is a subscriber that keeps up: its capacity holds every message.
type keeper struct {
	sub      *pubsub.Subscription
	pubs     []int // publishers whose messages it matches
	received []int // per publisher
	problems []string
	enough   chan struct{} // closed once it has `want` messages
	want     int
	midway   chan struct{} // closed once it has `mid` messages
	mid      int
	done     chan struct{}
}

// run receives until the subscription is cancelled, checking that each
// publisher's messages come in order without a gap.
func (k *keeper) run() {
	defer close(k.done)
	total := 0
	take := func(m pubsub.Message) {
		st := m.Data().(stamp)
		if st.seq != k.received[st.pub] {
			k.problems = append(k.problems, fmt.Sprintf("from publisher %d: got %d, want %d", st.pub, st.seq, k.received[st.pub]))
		}
		k.received[st.pub] = st.seq + 1
		total++
		if total == k.want {
			close(k.enough)
		}
		if total == k.mid {
			close(k.midway)
		}
	}
	for {
		select {
		case m := <-k.sub.Out():
			take(m)
		case <-k.sub.Cancelled():
			for {
				select {
				case m := <-k.sub.Out():
					take(m)
				default:
					return
				}
			}
		}
	}
}

func TestStress(t *testing.T) {
	for _, bufCap := range []int{0, 16} {
		t.Run(fmt.Sprintf("BufferCapacity=%d", bufCap), func(t *testing.T) { stress(t, bufCap) })
	}
}

func stress(t *testing.T, bufCap int) {
	const (
		publishers   = 4
		perPublisher = 300 // per phase
		churners     = 8
	)
	s := pubsub.NewServer(pubsub.BufferCapacity(bufCap))
	require.NoError(t, s.Start())
	ctx := context.Background()

	pubQuery := func(p int) pubsub.Query { return keyEquals{"pub", fmt.Sprint(p)} }
	var keepers []*keeper
	for i := 0; i <= publishers; i++ {
		k := &keeper{
			received: make([]int, publishers),
			enough:   make(chan struct{}),
			midway:   make(chan struct{}),
			done:     make(chan struct{}),
		}
		var q pubsub.Query = matchAll{}
		k.pubs = []int{0, 1, 2, 3}
		if i < publishers {
			q, k.pubs = pubQuery(i), []int{i}
		}
		k.want = len(k.pubs) * perPublisher
		k.mid = k.want + k.want/2 // halfway through phase 2
		var err error
		k.sub, err = s.Subscribe(ctx, fmt.Sprintf("keeper-%d", i), q, 2*publishers*perPublisher)
		require.NoError(t, err)
		keepers = append(keepers, k)
		go k.run()
	}

	var seqs [publishers]int
	publish := func(wg *sync.WaitGroup, p, n int, stopping bool) {
		defer wg.Done()
		for i := 0; i < n; i++ {
			events := map[string][]string{"pub": {fmt.Sprint(p)}}
			err := s.PublishWithEvents(ctx, stamp{p, seqs[p]}, events)
			if stopping && errors.Is(err, pubsub.ErrServerStopped) {
				return
			}
			if !assert.NoError(t, err) {
				return
			}
			seqs[p]++
		}
	}
	churn := func(wg *sync.WaitGroup, id int, quit <-chan struct{}) {
		defer wg.Done()
		rnd := rand.New(rand.NewSource(int64(id)))
		client := fmt.Sprintf("churner-%d", id%3) // clients shared between churners
		for {
			select {
			case <-quit:
				return
			default:
			}
			var q pubsub.Query = matchAll{}
			if p := rnd.Intn(publishers + 1); p < publishers {
				q = pubQuery(p)
			}
			var sub *pubsub.Subscription
			var err error
			if rnd.Intn(3) == 0 {
				sub, err = s.SubscribeUnbuffered(ctx, client, q)
			} else {
				sub, err = s.Subscribe(ctx, client, q, 1+rnd.Intn(2))
			}
			switch {
			case errors.Is(err, pubsub.ErrAlreadySubscribed):
				continue
			case errors.Is(err, pubsub.ErrServerStopped):
				return
			case !assert.NoError(t, err):
				return
			}
			for i := rnd.Intn(4); i > 0; i-- {
				select {
				case <-sub.Out():
				default:
				}
			}
			if rnd.Intn(4) == 0 {
				err = s.UnsubscribeAll(ctx, client)
			} else {
				err = s.Unsubscribe(ctx, client, q)
			}
			// Not found: cancelled for capacity, or removed by another churner of the client.
			if err != nil && !errors.Is(err, pubsub.ErrSubscriptionNotFound) {
				t.Errorf("unsubscribe: %v", err)
			}
		}
	}

	// Phase 1: publishers and churners; the keepers receive everything.
	var pubWG, churnWG sync.WaitGroup
	quit := make(chan struct{})
	for i := 0; i < churners; i++ {
		churnWG.Add(1)
		go churn(&churnWG, i, quit)
	}
	for p := 0; p < publishers; p++ {
		pubWG.Add(1)
		go publish(&pubWG, p, perPublisher, false)
	}
	pubWG.Wait()
	for _, k := range keepers {
		select {
		case <-k.enough:
		case <-time.After(guard):
			t.Errorf("keeper of %v: not every message within %v", k.pubs, guard)
		}
	}
	for _, k := range keepers {
		assert.NoError(t, k.sub.Err())
	}
	if t.Failed() {
		_ = s.Stop()
		close(quit)
		churnWG.Wait()
		return
	}

	// Phase 2: the same, and a concurrent Stop.
	for p := 0; p < publishers; p++ {
		pubWG.Add(1)
		go publish(&pubWG, p, perPublisher, true)
	}
	stopErr := make(chan error, 1)
	go func() {
		<-keepers[publishers].midway // stop while publishers are busy
		stopErr <- s.Stop()
	}()
	require.NoError(t, <-stopErr)
	pubWG.Wait()
	close(quit)
	churnWG.Wait()

	assert.Equal(t, 0, s.NumClients())
	for _, k := range keepers {
		<-k.done
		assert.Empty(t, k.problems)
		assert.ErrorIs(t, k.sub.Err(), pubsub.ErrServerStopped)
		for _, p := range k.pubs {
			// Every message taken before the stop may or may not be
			// delivered, but the ones delivered are a prefix.
			assert.LessOrEqual(t, k.received[p], seqs[p])
			assert.GreaterOrEqual(t, k.received[p], perPublisher)
		}
	}
}
