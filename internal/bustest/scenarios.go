package bustest

import (
	"context"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/pubsub"
)

// Scenario is one sentence (or a few related ones) of the contract, checked
// against a server under test. Run calls it in a subtest of its own; mk
// makes a fresh server, not started, for this scenario alone.
type Scenario struct {
	Name string
	Run  func(t *testing.T, mk Maker)
}

// Scenarios are the sentences of the contract (shared/spec/pubsub.md), each
// run against a server under test.
var Scenarios = []Scenario{
	{"DefaultCapacityIsOne", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "c", MatchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		Barrier(t, s)
		assert.NoError(t, sub.Err(), "one message fits")
		require.NoError(t, s.Publish(ctx, "m2"))
		Barrier(t, s)
		assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity, "the second does not")
		assert.Equal(t, []string{"m1"}, Drained(sub))
	}},
	{"CapacityN", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "c", MatchAll{}, 3)
		require.NoError(t, err)
		for i := 0; i < 3; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		require.NoError(t, sub.Err())
		require.NoError(t, s.Publish(ctx, "3"))
		Barrier(t, s)
		require.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
		assert.True(t, IsClosed(sub.Cancelled()))
		assert.Equal(t, []string{"0", "1", "2"}, Drained(sub), "what was delivered stays readable")
	}},
	{"UnbufferedBlocksServer", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.SubscribeUnbuffered(ctx, "c", MatchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		// The server waits for the subscriber, so it takes no other message.
		require.ErrorIs(t, s.Publish(ShortCtx(t), "m2"), context.DeadlineExceeded)
		assert.Equal(t, "m1", RecvData(t, sub))
		require.NoError(t, s.Publish(ctx, "m2"))
		assert.Equal(t, "m2", RecvData(t, sub))
		assert.NoError(t, sub.Err(), "never cancelled for capacity")
	}},
	{"UnbufferedReleasedByUnsubscribe", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		stuck, err := s.SubscribeUnbuffered(ctx, "stuck", MatchAll{})
		require.NoError(t, err)
		other, err := s.Subscribe(ctx, "other", MatchAll{}, 10)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1")) // the server now waits for stuck
		require.NoError(t, s.Unsubscribe(GuardCtx(t), "stuck", MatchAll{}))
		assert.ErrorIs(t, stuck.Err(), pubsub.ErrUnsubscribed)
		require.NoError(t, s.Publish(ctx, "m2"))
		Barrier(t, s)
		assert.Equal(t, []string{"m1", "m2"}, Drained(other))
		_, got := stuck.TryRecv()
		assert.False(t, got, "nothing reaches an unsubscribed subscription")
		assert.Equal(t, 1, s.NumClients())
	}},
	{"UnbufferedReleasedByUnsubscribeAll", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		stuck, err := s.SubscribeUnbuffered(ctx, "stuck", MatchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		require.NoError(t, s.UnsubscribeAll(GuardCtx(t), "stuck"))
		assert.ErrorIs(t, stuck.Err(), pubsub.ErrUnsubscribed)
		require.NoError(t, s.Publish(ctx, "m2"))
		assert.Equal(t, 0, s.NumClients())
	}},
	{"UnbufferedReleasedByStop", func(t *testing.T, mk Maker) {
		s := mk()
		require.NoError(t, s.Start())
		ctx := context.Background()
		stuck, err := s.SubscribeUnbuffered(ctx, "stuck", MatchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		// A second publisher waits for the server to take its message.
		pubErr := make(chan error, 1)
		go func() { pubErr <- s.Publish(ctx, "m2") }()
		require.NoError(t, s.Stop())
		assert.ErrorIs(t, stuck.Err(), pubsub.ErrServerStopped)
		assert.ErrorIs(t, <-pubErr, pubsub.ErrServerStopped)
	}},
	{"OutOfCapacityCancelsOnlySlowSubscription", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		q := KeyEquals{"tm.event", "Tx"}
		slow, err := s.Subscribe(ctx, "a", q, 1)
		require.NoError(t, err)
		fastSameClient, err := s.Subscribe(ctx, "a", MatchAll{}, 10)
		require.NoError(t, err)
		fastSameQuery, err := s.Subscribe(ctx, "b", q, 10)
		require.NoError(t, err)
		for i := 0; i < 3; i++ {
			require.NoError(t, s.PublishWithEvents(ctx, fmt.Sprint(i), Ev("tm.event", "Tx")))
		}
		Barrier(t, s)
		WaitCancelled(t, slow)
		assert.ErrorIs(t, slow.Err(), pubsub.ErrOutOfCapacity)
		assert.NoError(t, fastSameClient.Err())
		assert.NoError(t, fastSameQuery.Err())
		assert.Equal(t, []string{"0", "1", "2"}, Drained(fastSameClient))
		assert.Equal(t, []string{"0", "1", "2"}, Drained(fastSameQuery))
		assert.Equal(t, []string{"0"}, Drained(slow))
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
		assert.Equal(t, 2, s.NumClients())
		again, err := s.Subscribe(ctx, "a", q, 1)
		require.NoError(t, err, "re-subscribing after out of capacity")
		require.NoError(t, s.PublishWithEvents(ctx, "3", Ev("tm.event", "Tx")))
		assert.Equal(t, "3", RecvData(t, again))
	}},
	{"CountsRightAtOnceAfterCancellation", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		q1, q2 := KeyEquals{"k", "1"}, KeyEquals{"k", "2"}
		assert.Equal(t, 0, s.NumClients())
		a1, err := s.Subscribe(ctx, "a", q1, 1)
		require.NoError(t, err)
		_, err = s.Subscribe(ctx, "a", q2, 1)
		require.NoError(t, err)
		_, err = s.Subscribe(ctx, "b", q1, 5)
		require.NoError(t, err)
		assert.Equal(t, 2, s.NumClients())
		assert.Equal(t, 2, s.NumClientSubscriptions("a"))
		assert.Equal(t, 1, s.NumClientSubscriptions("b"))
		assert.Equal(t, 0, s.NumClientSubscriptions("nobody"))

		// Out of capacity: counts are right when Cancelled is closed.
		require.NoError(t, s.PublishWithEvents(ctx, "x", Ev("k", "1")))
		require.NoError(t, s.PublishWithEvents(ctx, "y", Ev("k", "1")))
		WaitCancelled(t, a1)
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
		assert.Equal(t, 2, s.NumClients())

		// Unsubscribe: right when it returns.
		require.NoError(t, s.Unsubscribe(ctx, "a", q2))
		assert.Equal(t, 0, s.NumClientSubscriptions("a"))
		assert.Equal(t, 1, s.NumClients())
		_, err = s.Subscribe(ctx, "a", q2, 1)
		require.NoError(t, err, "re-subscribing after unsubscribe")
		assert.Equal(t, 2, s.NumClients())

		// UnsubscribeAll.
		require.NoError(t, s.UnsubscribeAll(ctx, "b"))
		assert.Equal(t, 0, s.NumClientSubscriptions("b"))
		assert.Equal(t, 1, s.NumClients())

		// Stop.
		require.NoError(t, s.Stop())
		assert.Equal(t, 0, s.NumClients())
		assert.Equal(t, 0, s.NumClientSubscriptions("a"))
	}},
	{"AlreadySubscribed", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		first, err := s.Subscribe(ctx, "a", KeyEquals{"k", "1"})
		require.NoError(t, err)
		_, err = s.Subscribe(ctx, "a", KeyEquals{"k", "1"}, 5)
		assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed, "same String, another value")
		_, err = s.SubscribeUnbuffered(ctx, "a", KeyEquals{"k", "1"})
		assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed)
		_, err = s.Subscribe(ctx, "b", KeyEquals{"k", "1"})
		assert.NoError(t, err, "another client may share the query")
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
		assert.NoError(t, first.Err(), "the refused subscription does not disturb the first")
	}},
	{"ConcurrentDuplicateSubscribe", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		const n = 32
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Subscribe(context.Background(), "a", KeyEquals{"k", "1"})
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		var ok, dup int
		for err := range errs {
			switch err {
			case nil:
				ok++
			case pubsub.ErrAlreadySubscribed:
				dup++
			default:
				t.Errorf("unexpected error %v", err)
			}
		}
		assert.Equal(t, 1, ok)
		assert.Equal(t, n-1, dup)
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
	}},
	{"SubscriptionNotFound", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		assert.ErrorIs(t, s.Unsubscribe(ctx, "nobody", MatchAll{}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.UnsubscribeAll(ctx, "nobody"), pubsub.ErrSubscriptionNotFound)
		_, err := s.Subscribe(ctx, "a", KeyEquals{"k", "1"})
		require.NoError(t, err)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", KeyEquals{"k", "2"}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "b", KeyEquals{"k", "1"}), pubsub.ErrSubscriptionNotFound)
		require.NoError(t, s.Unsubscribe(ctx, "a", KeyEquals{"k", "1"}))
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", KeyEquals{"k", "1"}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.UnsubscribeAll(ctx, "a"), pubsub.ErrSubscriptionNotFound)
	}},
	{"UnsubscribeCancels", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "before"))
		require.NoError(t, s.Unsubscribe(ctx, "a", MatchAll{}))
		assert.True(t, IsClosed(sub.Cancelled()))
		assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)
		require.NoError(t, s.Publish(ctx, "after"))
		Barrier(t, s)
		assert.Equal(t, []string{"before"}, Drained(sub))
	}},
	{"UnsubscribeAllCancelsEveryOne", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		var subs []Sub
		for i := 0; i < 3; i++ {
			sub, err := s.Subscribe(ctx, "a", KeyEquals{"k", fmt.Sprint(i)})
			require.NoError(t, err)
			subs = append(subs, sub)
		}
		other, err := s.Subscribe(ctx, "b", KeyEquals{"k", "0"})
		require.NoError(t, err)
		require.NoError(t, s.UnsubscribeAll(ctx, "a"))
		for _, sub := range subs {
			assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)
		}
		assert.NoError(t, other.Err())
		assert.Equal(t, 1, s.NumClients())
	}},
	{"OrderPerSubscription", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		const n = 200
		a, err := s.Subscribe(ctx, "a", MatchAll{}, n)
		require.NoError(t, err)
		b, err := s.SubscribeUnbuffered(ctx, "b", KeyEquals{"k", "v"})
		require.NoError(t, err)
		var got []string
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := 0; i < n; i++ {
				m, ok := b.Recv()
				if !ok {
					return
				}
				got = append(got, m.Data)
			}
		}()
		var want []string
		for i := 0; i < n; i++ {
			want = append(want, fmt.Sprint(i))
			require.NoError(t, s.PublishWithEvents(ctx, want[i], Ev("k", "v")))
		}
		<-done
		assert.Equal(t, want, got)
		Barrier(t, s)
		assert.Equal(t, want, Drained(a))
	}},
	{"PublishReachesOnlyMatchAll", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		all, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err)
		some, err := s.Subscribe(ctx, "b", KeyEquals{"k", "v"}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "p"))
		require.NoError(t, s.PublishWithEvents(ctx, "nil", nil))
		require.NoError(t, s.PublishWithEvents(ctx, "kv", Ev("k", "v")))
		Barrier(t, s)
		assert.Equal(t, []string{"p", "nil", "kv"}, Drained(all))
		assert.Equal(t, []string{"kv"}, Drained(some))
	}},
	{"MessageCarriesTheVeryMap", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", MatchAll{})
		require.NoError(t, err)
		events := Ev("k", "v", "k", "w")
		require.NoError(t, s.PublishWithEvents(ctx, "x", events))
		m, ok := sub.Recv()
		require.True(t, ok)
		assert.Equal(t, "x", m.Data)
		assert.Equal(t, reflect.ValueOf(events).Pointer(), reflect.ValueOf(m.Events).Pointer())
		require.NoError(t, s.Publish(ctx, "y"))
		m, ok = sub.Recv()
		require.True(t, ok)
		assert.Empty(t, m.Events)
	}},
	{"MatchesErrorIsNoMatch", func(t *testing.T, mk Maker) {
		s := mk()
		var log SyncBuffer
		s.SetLogger(slog.New(slog.NewTextHandler(&log, nil)))
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		ctx := context.Background()
		before, err := s.Subscribe(ctx, "a", KeyEquals{"k", "v"}, 5)
		require.NoError(t, err)
		bad, err := s.Subscribe(ctx, "b", Failing{"bad query"}, 5)
		require.NoError(t, err)
		after, err := s.Subscribe(ctx, "c", MatchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.PublishWithEvents(ctx, "m", Ev("k", "v")))
		Barrier(t, s)
		assert.Equal(t, []string{"m"}, Drained(before))
		assert.Equal(t, []string{"m"}, Drained(after))
		assert.Empty(t, Drained(bad))
		assert.NoError(t, bad.Err(), "a failing query does not cancel its subscription")
		assert.Contains(t, log.String(), `query="bad query"`)
		assert.Contains(t, log.String(), "err=boom")
	}},
	{"SharedQueryEvaluatedOnce", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		var n1, n2 atomic.Int64
		a, err := s.Subscribe(ctx, "a", Counting{KeyEquals{"k", "v"}, &n1}, 5)
		require.NoError(t, err)
		b, err := s.Subscribe(ctx, "b", Counting{KeyEquals{"k", "v"}, &n2}, 5)
		require.NoError(t, err)
		require.NoError(t, s.PublishWithEvents(ctx, "m", Ev("k", "v")))
		Barrier(t, s)
		assert.Equal(t, int64(1), n1.Load()+n2.Load())
		assert.Equal(t, []string{"m"}, Drained(a))
		assert.Equal(t, []string{"m"}, Drained(b))
	}},
	{"ContextEndedBeforeServerTakesRequest", func(t *testing.T, mk Maker) {
		s := mk() // not started: nothing takes requests
		_, err := s.Subscribe(CancelledCtx(), "a", MatchAll{})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.Subscribe(ShortCtx(t), "a", MatchAll{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		_, err = s.SubscribeUnbuffered(ShortCtx(t), "b", MatchAll{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		assert.Equal(t, 0, s.NumClients())
		assert.ErrorIs(t, s.UnsubscribeAll(context.Background(), "a"), pubsub.ErrSubscriptionNotFound,
			"the timed-out Subscribe must not be applied later")

		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", MatchAll{})
		require.NoError(t, err)
		assert.ErrorIs(t, s.Unsubscribe(CancelledCtx(), "a", MatchAll{}), context.Canceled)
		assert.ErrorIs(t, s.UnsubscribeAll(CancelledCtx(), "a"), context.Canceled)
		assert.ErrorIs(t, s.Publish(CancelledCtx(), "x"), context.Canceled)
		assert.NoError(t, sub.Err())
		assert.Equal(t, 1, s.NumClients())
		_, err = s.Subscribe(CancelledCtx(), "z", MatchAll{})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, s.NumClients())
	}},
	{"BufferCapacityQueuesBeforeStart", func(t *testing.T, mk Maker) {
		s := mk(pubsub.BufferCapacity(2))
		ctx := context.Background()
		require.NoError(t, s.Publish(ctx, "q1"))
		require.NoError(t, s.Publish(ctx, "q2"))
		assert.ErrorIs(t, s.Publish(ShortCtx(t), "q3"), context.DeadlineExceeded, "the queue is full")
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		sub, err := s.Subscribe(ctx, "a", MatchAll{}, 10)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "p"))
		// The queued messages went before "p"; sub may or may not have
		// subscribed before the server took them.
		var got []string
		for {
			d := RecvData(t, sub)
			got = append(got, d)
			if d == "p" {
				break
			}
		}
		want := []string{"q1", "q2", "p"}
		assert.Equal(t, want[len(want)-len(got):], got)
	}},
	{"UnbufferedQueueMakesPublisherWaitBeforeStart", func(t *testing.T, mk Maker) {
		s := mk()
		assert.ErrorIs(t, s.Publish(ShortCtx(t), "x"), context.DeadlineExceeded)
	}},
	{"AfterStop", func(t *testing.T, mk Maker) {
		s := mk(pubsub.BufferCapacity(10))
		require.NoError(t, s.Start())
		ctx := context.Background()
		a, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err)
		b, err := s.SubscribeUnbuffered(ctx, "b", KeyEquals{"k", "v"})
		require.NoError(t, err)
		require.NoError(t, s.Stop())
		assert.True(t, IsClosed(a.Cancelled()))
		assert.True(t, IsClosed(b.Cancelled()))
		assert.ErrorIs(t, a.Err(), pubsub.ErrServerStopped)
		assert.ErrorIs(t, b.Err(), pubsub.ErrServerStopped)
		assert.Equal(t, 0, s.NumClients())
		assert.Equal(t, 0, s.NumClientSubscriptions("a"))
		assert.ErrorIs(t, s.Publish(ctx, "x"), pubsub.ErrServerStopped, "even with room in the queue")
		assert.ErrorIs(t, s.PublishWithEvents(ctx, "x", Ev("k", "v")), pubsub.ErrServerStopped)
		_, err = s.Subscribe(ctx, "a", MatchAll{})
		assert.ErrorIs(t, err, pubsub.ErrServerStopped)
		_, err = s.SubscribeUnbuffered(ctx, "c", MatchAll{})
		assert.ErrorIs(t, err, pubsub.ErrServerStopped)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", MatchAll{}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.UnsubscribeAll(ctx, "a"), pubsub.ErrSubscriptionNotFound)
		assert.Error(t, s.Stop())
		assert.Error(t, s.Start())
	}},
	{"ResetThenStartAgain", func(t *testing.T, mk Maker) {
		s := mk(pubsub.BufferCapacity(5))
		require.NoError(t, s.Start())
		ctx := context.Background()
		old, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Stop())
		require.NoError(t, s.Reset())
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		assert.Equal(t, 0, s.NumClients())
		sub, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err, "the old subscription is gone")
		require.NoError(t, s.Publish(ctx, "new"))
		assert.Equal(t, "new", RecvData(t, sub))
		assert.ErrorIs(t, old.Err(), pubsub.ErrServerStopped)
		_, got := old.TryRecv()
		assert.False(t, got)
	}},
	{"NilQuery", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		_, err := s.Subscribe(ctx, "a", nil)
		assert.ErrorIs(t, err, pubsub.ErrNilQuery)
		_, err = s.SubscribeUnbuffered(ctx, "a", nil)
		assert.ErrorIs(t, err, pubsub.ErrNilQuery)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", nil), pubsub.ErrNilQuery)
		assert.Equal(t, 0, s.NumClients())
	}},
}

// Run runs every scenario against the servers mk makes, each in a subtest
// named after it. opts are given to every server before the scenario's own
// options: a configuration of the matrix (indexed queries on or off, say) is
// one Run with its option.
func Run(t *testing.T, mk Maker, opts ...pubsub.Option) {
	t.Helper()
	withOpts := mk
	if len(opts) > 0 {
		withOpts = func(more ...pubsub.Option) Server {
			return mk(append(append([]pubsub.Option(nil), opts...), more...)...)
		}
	}
	for _, sc := range append(Scenarios[:len(Scenarios):len(Scenarios)], DeliveryScenarios...) {
		t.Run(sc.Name, func(t *testing.T) { sc.Run(t, withOpts) })
	}
}
