package pubsub_test

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

// scenarios are the sentences of the contract (shared/spec/pubsub.md), each
// run against a server under test.
var scenarios = []struct {
	name string
	run  func(t *testing.T, mk newSUT)
}{
	{"DefaultCapacityIsOne", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "c", matchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		barrier(t, s)
		assert.NoError(t, sub.Err(), "one message fits")
		require.NoError(t, s.Publish(ctx, "m2"))
		barrier(t, s)
		assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity, "the second does not")
		assert.Equal(t, []string{"m1"}, drained(sub))
	}},
	{"CapacityN", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "c", matchAll{}, 3)
		require.NoError(t, err)
		for i := 0; i < 3; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		barrier(t, s)
		require.NoError(t, sub.Err())
		require.NoError(t, s.Publish(ctx, "3"))
		barrier(t, s)
		require.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
		assert.True(t, isClosed(sub.Cancelled()))
		assert.Equal(t, []string{"0", "1", "2"}, drained(sub), "what was delivered stays readable")
	}},
	{"UnbufferedBlocksServer", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		sub, err := s.SubscribeUnbuffered(ctx, "c", matchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		// The server waits for the subscriber, so it takes no other message.
		require.ErrorIs(t, s.Publish(shortCtx(t), "m2"), context.DeadlineExceeded)
		assert.Equal(t, "m1", recvData(t, sub))
		require.NoError(t, s.Publish(ctx, "m2"))
		assert.Equal(t, "m2", recvData(t, sub))
		assert.NoError(t, sub.Err(), "never cancelled for capacity")
	}},
	{"UnbufferedReleasedByUnsubscribe", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		stuck, err := s.SubscribeUnbuffered(ctx, "stuck", matchAll{})
		require.NoError(t, err)
		other, err := s.Subscribe(ctx, "other", matchAll{}, 10)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1")) // the server now waits for stuck
		require.NoError(t, s.Unsubscribe(guardCtx(t), "stuck", matchAll{}))
		assert.ErrorIs(t, stuck.Err(), pubsub.ErrUnsubscribed)
		require.NoError(t, s.Publish(ctx, "m2"))
		barrier(t, s)
		assert.Equal(t, []string{"m1", "m2"}, drained(other))
		_, got := stuck.TryRecv()
		assert.False(t, got, "nothing reaches an unsubscribed subscription")
		assert.Equal(t, 1, s.NumClients())
	}},
	{"UnbufferedReleasedByUnsubscribeAll", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		stuck, err := s.SubscribeUnbuffered(ctx, "stuck", matchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		require.NoError(t, s.UnsubscribeAll(guardCtx(t), "stuck"))
		assert.ErrorIs(t, stuck.Err(), pubsub.ErrUnsubscribed)
		require.NoError(t, s.Publish(ctx, "m2"))
		assert.Equal(t, 0, s.NumClients())
	}},
	{"UnbufferedReleasedByStop", func(t *testing.T, mk newSUT) {
		s := mk()
		require.NoError(t, s.Start())
		ctx := context.Background()
		stuck, err := s.SubscribeUnbuffered(ctx, "stuck", matchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "m1"))
		// A second publisher waits for the server to take its message.
		pubErr := make(chan error, 1)
		go func() { pubErr <- s.Publish(ctx, "m2") }()
		require.NoError(t, s.Stop())
		assert.ErrorIs(t, stuck.Err(), pubsub.ErrServerStopped)
		assert.ErrorIs(t, <-pubErr, pubsub.ErrServerStopped)
	}},
	{"OutOfCapacityCancelsOnlySlowSubscription", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		q := keyEquals{"tm.event", "Tx"}
		slow, err := s.Subscribe(ctx, "a", q, 1)
		require.NoError(t, err)
		fastSameClient, err := s.Subscribe(ctx, "a", matchAll{}, 10)
		require.NoError(t, err)
		fastSameQuery, err := s.Subscribe(ctx, "b", q, 10)
		require.NoError(t, err)
		for i := 0; i < 3; i++ {
			require.NoError(t, s.PublishWithEvents(ctx, fmt.Sprint(i), ev("tm.event", "Tx")))
		}
		barrier(t, s)
		waitCancelled(t, slow)
		assert.ErrorIs(t, slow.Err(), pubsub.ErrOutOfCapacity)
		assert.NoError(t, fastSameClient.Err())
		assert.NoError(t, fastSameQuery.Err())
		assert.Equal(t, []string{"0", "1", "2"}, drained(fastSameClient))
		assert.Equal(t, []string{"0", "1", "2"}, drained(fastSameQuery))
		assert.Equal(t, []string{"0"}, drained(slow))
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
		assert.Equal(t, 2, s.NumClients())
		again, err := s.Subscribe(ctx, "a", q, 1)
		require.NoError(t, err, "re-subscribing after out of capacity")
		require.NoError(t, s.PublishWithEvents(ctx, "3", ev("tm.event", "Tx")))
		assert.Equal(t, "3", recvData(t, again))
	}},
	{"CountsRightAtOnceAfterCancellation", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		q1, q2 := keyEquals{"k", "1"}, keyEquals{"k", "2"}
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
		require.NoError(t, s.PublishWithEvents(ctx, "x", ev("k", "1")))
		require.NoError(t, s.PublishWithEvents(ctx, "y", ev("k", "1")))
		waitCancelled(t, a1)
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
	{"AlreadySubscribed", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		first, err := s.Subscribe(ctx, "a", keyEquals{"k", "1"})
		require.NoError(t, err)
		_, err = s.Subscribe(ctx, "a", keyEquals{"k", "1"}, 5)
		assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed, "same String, another value")
		_, err = s.SubscribeUnbuffered(ctx, "a", keyEquals{"k", "1"})
		assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed)
		_, err = s.Subscribe(ctx, "b", keyEquals{"k", "1"})
		assert.NoError(t, err, "another client may share the query")
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
		assert.NoError(t, first.Err(), "the refused subscription does not disturb the first")
	}},
	{"ConcurrentDuplicateSubscribe", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		const n = 32
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.Subscribe(context.Background(), "a", keyEquals{"k", "1"})
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
	{"SubscriptionNotFound", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		assert.ErrorIs(t, s.Unsubscribe(ctx, "nobody", matchAll{}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.UnsubscribeAll(ctx, "nobody"), pubsub.ErrSubscriptionNotFound)
		_, err := s.Subscribe(ctx, "a", keyEquals{"k", "1"})
		require.NoError(t, err)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", keyEquals{"k", "2"}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "b", keyEquals{"k", "1"}), pubsub.ErrSubscriptionNotFound)
		require.NoError(t, s.Unsubscribe(ctx, "a", keyEquals{"k", "1"}))
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", keyEquals{"k", "1"}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.UnsubscribeAll(ctx, "a"), pubsub.ErrSubscriptionNotFound)
	}},
	{"UnsubscribeCancels", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", matchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "before"))
		require.NoError(t, s.Unsubscribe(ctx, "a", matchAll{}))
		assert.True(t, isClosed(sub.Cancelled()))
		assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)
		require.NoError(t, s.Publish(ctx, "after"))
		barrier(t, s)
		assert.Equal(t, []string{"before"}, drained(sub))
	}},
	{"UnsubscribeAllCancelsEveryOne", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		var subs []tsub
		for i := 0; i < 3; i++ {
			sub, err := s.Subscribe(ctx, "a", keyEquals{"k", fmt.Sprint(i)})
			require.NoError(t, err)
			subs = append(subs, sub)
		}
		other, err := s.Subscribe(ctx, "b", keyEquals{"k", "0"})
		require.NoError(t, err)
		require.NoError(t, s.UnsubscribeAll(ctx, "a"))
		for _, sub := range subs {
			assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)
		}
		assert.NoError(t, other.Err())
		assert.Equal(t, 1, s.NumClients())
	}},
	{"OrderPerSubscription", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		const n = 200
		a, err := s.Subscribe(ctx, "a", matchAll{}, n)
		require.NoError(t, err)
		b, err := s.SubscribeUnbuffered(ctx, "b", keyEquals{"k", "v"})
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
				got = append(got, m.data)
			}
		}()
		var want []string
		for i := 0; i < n; i++ {
			want = append(want, fmt.Sprint(i))
			require.NoError(t, s.PublishWithEvents(ctx, want[i], ev("k", "v")))
		}
		<-done
		assert.Equal(t, want, got)
		barrier(t, s)
		assert.Equal(t, want, drained(a))
	}},
	{"PublishReachesOnlyMatchAll", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		all, err := s.Subscribe(ctx, "a", matchAll{}, 5)
		require.NoError(t, err)
		some, err := s.Subscribe(ctx, "b", keyEquals{"k", "v"}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "p"))
		require.NoError(t, s.PublishWithEvents(ctx, "nil", nil))
		require.NoError(t, s.PublishWithEvents(ctx, "kv", ev("k", "v")))
		barrier(t, s)
		assert.Equal(t, []string{"p", "nil", "kv"}, drained(all))
		assert.Equal(t, []string{"kv"}, drained(some))
	}},
	{"MessageCarriesTheVeryMap", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", matchAll{})
		require.NoError(t, err)
		events := ev("k", "v", "k", "w")
		require.NoError(t, s.PublishWithEvents(ctx, "x", events))
		m, ok := sub.Recv()
		require.True(t, ok)
		assert.Equal(t, "x", m.data)
		assert.Equal(t, reflect.ValueOf(events).Pointer(), reflect.ValueOf(m.events).Pointer())
		require.NoError(t, s.Publish(ctx, "y"))
		m, ok = sub.Recv()
		require.True(t, ok)
		assert.Empty(t, m.events)
	}},
	{"MatchesErrorIsNoMatch", func(t *testing.T, mk newSUT) {
		s := mk()
		var log syncBuffer
		s.SetLogger(slog.New(slog.NewTextHandler(&log, nil)))
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		ctx := context.Background()
		before, err := s.Subscribe(ctx, "a", keyEquals{"k", "v"}, 5)
		require.NoError(t, err)
		bad, err := s.Subscribe(ctx, "b", failing{"bad query"}, 5)
		require.NoError(t, err)
		after, err := s.Subscribe(ctx, "c", matchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.PublishWithEvents(ctx, "m", ev("k", "v")))
		barrier(t, s)
		assert.Equal(t, []string{"m"}, drained(before))
		assert.Equal(t, []string{"m"}, drained(after))
		assert.Empty(t, drained(bad))
		assert.NoError(t, bad.Err(), "a failing query does not cancel its subscription")
		assert.Contains(t, log.String(), `query="bad query"`)
		assert.Contains(t, log.String(), "err=boom")
	}},
	{"SharedQueryEvaluatedOnce", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		var n1, n2 atomic.Int64
		a, err := s.Subscribe(ctx, "a", counting{keyEquals{"k", "v"}, &n1}, 5)
		require.NoError(t, err)
		b, err := s.Subscribe(ctx, "b", counting{keyEquals{"k", "v"}, &n2}, 5)
		require.NoError(t, err)
		require.NoError(t, s.PublishWithEvents(ctx, "m", ev("k", "v")))
		barrier(t, s)
		assert.Equal(t, int64(1), n1.Load()+n2.Load())
		assert.Equal(t, []string{"m"}, drained(a))
		assert.Equal(t, []string{"m"}, drained(b))
	}},
	{"ContextEndedBeforeServerTakesRequest", func(t *testing.T, mk newSUT) {
		s := mk() // not started: nothing takes requests
		_, err := s.Subscribe(cancelledCtx(), "a", matchAll{})
		assert.ErrorIs(t, err, context.Canceled)
		_, err = s.Subscribe(shortCtx(t), "a", matchAll{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		_, err = s.SubscribeUnbuffered(shortCtx(t), "b", matchAll{})
		assert.ErrorIs(t, err, context.DeadlineExceeded)
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		assert.Equal(t, 0, s.NumClients())
		assert.ErrorIs(t, s.UnsubscribeAll(context.Background(), "a"), pubsub.ErrSubscriptionNotFound,
			"the timed-out Subscribe must not be applied later")

		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", matchAll{})
		require.NoError(t, err)
		assert.ErrorIs(t, s.Unsubscribe(cancelledCtx(), "a", matchAll{}), context.Canceled)
		assert.ErrorIs(t, s.UnsubscribeAll(cancelledCtx(), "a"), context.Canceled)
		assert.ErrorIs(t, s.Publish(cancelledCtx(), "x"), context.Canceled)
		assert.NoError(t, sub.Err())
		assert.Equal(t, 1, s.NumClients())
		_, err = s.Subscribe(cancelledCtx(), "z", matchAll{})
		assert.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 1, s.NumClients())
	}},
	{"BufferCapacityQueuesBeforeStart", func(t *testing.T, mk newSUT) {
		s := mk(pubsub.BufferCapacity(2))
		ctx := context.Background()
		require.NoError(t, s.Publish(ctx, "q1"))
		require.NoError(t, s.Publish(ctx, "q2"))
		assert.ErrorIs(t, s.Publish(shortCtx(t), "q3"), context.DeadlineExceeded, "the queue is full")
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		sub, err := s.Subscribe(ctx, "a", matchAll{}, 10)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "p"))
		// The queued messages went before "p"; sub may or may not have
		// subscribed before the server took them.
		var got []string
		for {
			d := recvData(t, sub)
			got = append(got, d)
			if d == "p" {
				break
			}
		}
		want := []string{"q1", "q2", "p"}
		assert.Equal(t, want[len(want)-len(got):], got)
	}},
	{"UnbufferedQueueMakesPublisherWaitBeforeStart", func(t *testing.T, mk newSUT) {
		s := mk()
		assert.ErrorIs(t, s.Publish(shortCtx(t), "x"), context.DeadlineExceeded)
	}},
	{"AfterStop", func(t *testing.T, mk newSUT) {
		s := mk(pubsub.BufferCapacity(10))
		require.NoError(t, s.Start())
		ctx := context.Background()
		a, err := s.Subscribe(ctx, "a", matchAll{}, 5)
		require.NoError(t, err)
		b, err := s.SubscribeUnbuffered(ctx, "b", keyEquals{"k", "v"})
		require.NoError(t, err)
		require.NoError(t, s.Stop())
		assert.True(t, isClosed(a.Cancelled()))
		assert.True(t, isClosed(b.Cancelled()))
		assert.ErrorIs(t, a.Err(), pubsub.ErrServerStopped)
		assert.ErrorIs(t, b.Err(), pubsub.ErrServerStopped)
		assert.Equal(t, 0, s.NumClients())
		assert.Equal(t, 0, s.NumClientSubscriptions("a"))
		assert.ErrorIs(t, s.Publish(ctx, "x"), pubsub.ErrServerStopped, "even with room in the queue")
		assert.ErrorIs(t, s.PublishWithEvents(ctx, "x", ev("k", "v")), pubsub.ErrServerStopped)
		_, err = s.Subscribe(ctx, "a", matchAll{})
		assert.ErrorIs(t, err, pubsub.ErrServerStopped)
		_, err = s.SubscribeUnbuffered(ctx, "c", matchAll{})
		assert.ErrorIs(t, err, pubsub.ErrServerStopped)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", matchAll{}), pubsub.ErrSubscriptionNotFound)
		assert.ErrorIs(t, s.UnsubscribeAll(ctx, "a"), pubsub.ErrSubscriptionNotFound)
		assert.Error(t, s.Stop())
		assert.Error(t, s.Start())
	}},
	{"ResetThenStartAgain", func(t *testing.T, mk newSUT) {
		s := mk(pubsub.BufferCapacity(5))
		require.NoError(t, s.Start())
		ctx := context.Background()
		old, err := s.Subscribe(ctx, "a", matchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Stop())
		require.NoError(t, s.Reset())
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		assert.Equal(t, 0, s.NumClients())
		sub, err := s.Subscribe(ctx, "a", matchAll{}, 5)
		require.NoError(t, err, "the old subscription is gone")
		require.NoError(t, s.Publish(ctx, "new"))
		assert.Equal(t, "new", recvData(t, sub))
		assert.ErrorIs(t, old.Err(), pubsub.ErrServerStopped)
		_, got := old.TryRecv()
		assert.False(t, got)
	}},
	{"NilQuery", func(t *testing.T, mk newSUT) {
		s := started(t, mk)
		ctx := context.Background()
		_, err := s.Subscribe(ctx, "a", nil)
		assert.ErrorIs(t, err, pubsub.ErrNilQuery)
		_, err = s.SubscribeUnbuffered(ctx, "a", nil)
		assert.ErrorIs(t, err, pubsub.ErrNilQuery)
		assert.ErrorIs(t, s.Unsubscribe(ctx, "a", nil), pubsub.ErrNilQuery)
		assert.Equal(t, 0, s.NumClients())
	}},
}

func TestScenarios(t *testing.T) {
	configs := []struct {
		name string
		mk   newSUT
	}{
		{"untyped", newUntyped},
	}
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			for _, sc := range scenarios {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, c.mk) })
			}
		})
	}
}
