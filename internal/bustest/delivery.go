package bustest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/pubsub"
)

// DeliveryScenarios are the sentences of the delivery contract
// (shared/spec/delivery.md): sequence numbers, history, resume, falling
// behind, Messages and Stats. Run runs them after Scenarios.
var DeliveryScenarios = []Scenario{
	{"SeqCountsFromOneAcrossRestarts", func(t *testing.T, mk Maker) {
		s := mk()
		require.NoError(t, s.Start())
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", MatchAll{}, 10)
		require.NoError(t, err)
		for i := 0; i < 3; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		assert.Equal(t, []uint64{1, 2, 3}, seqs(drainedMsgs(sub)))
		assert.EqualValues(t, 3, s.Stats().Newest)
		require.NoError(t, s.Stop())
		require.NoError(t, s.Reset())
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		sub, err = s.Subscribe(ctx, "a", MatchAll{}, 10)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "after reset"))
		m, ok := sub.Recv()
		require.True(t, ok)
		assert.EqualValues(t, 4, m.Seq, "Reset does not restart the numbers")
	}},
	{"SeqCountsMessagesNobodyReceived", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", KeyEquals{"k", "v"}, 10)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "nobody"))
		require.NoError(t, s.PublishWithEvents(ctx, "other", Ev("k", "w")))
		require.NoError(t, s.PublishWithEvents(ctx, "mine", Ev("k", "v")))
		m, ok := sub.Recv()
		require.True(t, ok)
		assert.Equal(t, "mine", m.Data)
		assert.EqualValues(t, 3, m.Seq)
	}},
	{"HistoryRange", func(t *testing.T, mk Maker) {
		s := mk(pubsub.History(3))
		ctx := context.Background()
		assert.Equal(t, pubsub.Stats{}, s.Stats(), "a new server")
		require.NoError(t, s.Start())
		for i := 0; i < 2; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		st := s.Stats()
		assert.EqualValues(t, 1, st.Oldest)
		assert.EqualValues(t, 2, st.Newest)
		for i := 2; i < 5; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		st = s.Stats()
		assert.EqualValues(t, 3, st.Oldest, "three kept of five")
		assert.EqualValues(t, 5, st.Newest)
		assert.EqualValues(t, 5, st.Published)

		require.NoError(t, s.Stop())
		st = s.Stats()
		assert.Zero(t, st.Oldest, "Stop keeps nothing")
		assert.EqualValues(t, 5, st.Newest)
		require.NoError(t, s.Reset())
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		assert.Zero(t, s.Stats().Oldest, "after Reset the history begins empty")
		require.NoError(t, s.Publish(ctx, "6"))
		Barrier(t, s)
		st = s.Stats()
		assert.EqualValues(t, 6, st.Oldest)
		assert.EqualValues(t, 6, st.Newest)
	}},
	{"NoHistoryKeepsNothing", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		for i := 0; i < 4; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		st := s.Stats()
		assert.Zero(t, st.Oldest)
		assert.EqualValues(t, 4, st.Newest, "Newest is the last Seq taken, even without history")
	}},
	{"AfterReplaysMatchingThenLive", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(10))
		ctx := context.Background()
		for i := 1; i <= 6; i++ {
			require.NoError(t, s.PublishWithEvents(ctx, fmt.Sprint(i), Ev("k", fmt.Sprint(i%2))))
		}
		sub, err := s.SubscribeWith(ctx, "a", KeyEquals{"k", "1"}, pubsub.After(2), pubsub.Capacity(10))
		require.NoError(t, err)
		require.NoError(t, s.PublishWithEvents(ctx, "7", Ev("k", "1")))
		require.NoError(t, s.PublishWithEvents(ctx, "8", Ev("k", "0")))
		Barrier(t, s)
		got := drainedMsgs(sub)
		assert.Equal(t, []string{"3", "5", "7"}, datas(got), "the matching retained ones after 2, then live, no gap, no duplicate")
		assert.Equal(t, []uint64{3, 5, 7}, seqs(got))
		assert.NoError(t, sub.Err())
	}},
	{"AfterZeroReplaysEverything", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(10))
		ctx := context.Background()
		for i := 1; i <= 4; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(0), pubsub.Capacity(10))
		require.NoError(t, err)
		Barrier(t, s)
		assert.Equal(t, []string{"1", "2", "3", "4"}, Drained(sub))
	}},
	{"AfterNewestIsLive", func(t *testing.T, mk Maker) {
		s := Started(t, mk) // no history: nothing to replay, nothing missing
		ctx := context.Background()
		require.NoError(t, s.Publish(ctx, "before"))
		Barrier(t, s)
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(s.Stats().Newest))
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "after"))
		assert.Equal(t, "after", RecvData(t, sub))
	}},
	{"AfterTruncated", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(3))
		ctx := context.Background()
		for i := 1; i <= 5; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		for _, tc := range []struct {
			after uint64
			want  pubsub.TruncatedError
		}{
			{0, pubsub.TruncatedError{After: 0, Oldest: 3, Newest: 5}},
			{1, pubsub.TruncatedError{After: 1, Oldest: 3, Newest: 5}},
			{6, pubsub.TruncatedError{After: 6, Oldest: 3, Newest: 5}},
		} {
			_, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(tc.after))
			require.ErrorIs(t, err, pubsub.ErrHistoryTruncated, "after %d", tc.after)
			var te *pubsub.TruncatedError
			require.True(t, errors.As(err, &te))
			assert.Equal(t, tc.want, *te)
			assert.Equal(t, 0, s.NumClients(), "nothing subscribed")
		}
		// Accepting the loss: resume after Oldest-1.
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(2), pubsub.Capacity(5))
		require.NoError(t, err)
		Barrier(t, s)
		assert.Equal(t, []string{"3", "4", "5"}, Drained(sub))
	}},
	{"AfterWithoutHistory", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		require.NoError(t, s.Publish(ctx, "1"))
		require.NoError(t, s.Publish(ctx, "2"))
		_, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(1))
		var te *pubsub.TruncatedError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, pubsub.TruncatedError{After: 1, Oldest: 0, Newest: 2}, *te)
		assert.Contains(t, err.Error(), "after 1")
	}},
	{"AfterReplayLongerThanOut", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(20))
		ctx := context.Background()
		for i := 1; i <= 10; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(0), pubsub.Capacity(2))
		require.NoError(t, err)
		for i := 11; i <= 12; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		var got []string
		for i := 0; i < 12; i++ {
			got = append(got, RecvData(t, sub))
		}
		assert.Equal(t, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}, got)
		require.NoError(t, s.Publish(ctx, "13"))
		assert.Equal(t, "13", RecvData(t, sub), "live again")
		assert.NoError(t, sub.Err())
	}},
	{"AfterUnbuffered", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(5))
		ctx := context.Background()
		for i := 1; i <= 3; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.After(1), pubsub.Capacity(0))
		require.NoError(t, err)
		assert.Equal(t, "2", RecvData(t, sub))
		assert.Equal(t, "3", RecvData(t, sub))
		done := make(chan error, 1)
		go func() { done <- s.Publish(ctx, "4") }()
		assert.Equal(t, "4", RecvData(t, sub), "then live, unbuffered")
		require.NoError(t, <-done)
	}},
	{"FallBehindCatchesUp", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(16))
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind())
		require.NoError(t, err)
		other, err := s.Subscribe(ctx, "b", MatchAll{}, 10)
		require.NoError(t, err)
		for i := 1; i <= 10; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		assert.NoError(t, sub.Err(), "fallen behind, not cancelled")
		assert.Equal(t, 1, s.Stats().Behind)
		assert.Len(t, Drained(other), 10, "the others are served meanwhile")
		var got []string
		for i := 0; i < 10; i++ {
			got = append(got, RecvData(t, sub))
		}
		assert.Equal(t, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10"}, got)
		require.NoError(t, s.Publish(ctx, "11"))
		assert.Equal(t, "11", RecvData(t, sub))
		WaitUntil(t, "caught up", func() bool { return s.Stats().Behind == 0 })
		assert.NoError(t, sub.Err())
	}},
	{"FallBehindCancelledWhenItsNextMessageIsEvicted", func(t *testing.T, mk Maker) {
		// Capacity 1: message 1 sits in Out, 2 finds it full and is handed to
		// the subscription's catch-up (it is out of the history's reach), 3
		// on are only in the history of 4.
		s := Started(t, mk, pubsub.History(4))
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind())
		require.NoError(t, err)
		for i := 1; i <= 6; i++ { // 6 evicts 2, which it holds already
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		require.NoError(t, sub.Err())
		require.NoError(t, s.Publish(ctx, "7")) // evicts 3, which it has not received
		Barrier(t, s)
		require.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
		assert.EqualValues(t, 1, s.Stats().CancelledOutOfCapacity)
		assert.Equal(t, 0, s.Stats().Behind)
		assert.Equal(t, []string{"1"}, Drained(sub), "what was on Out stays readable")
	}},
	{"CatchUpDuringABlockedDelivery", func(t *testing.T, mk Maker) {
		// A delivery blocked on an unbuffered subscriber lets requests in,
		// a catch-up's refill among them: a subscription that catches up
		// then, with the message being delivered, must not get it twice.
		s := Started(t, mk, pubsub.History(10))
		ctx := context.Background()
		u, err := s.SubscribeUnbuffered(ctx, "u", MatchAll{}) // first in the query's list
		require.NoError(t, err)
		b, err := s.SubscribeWith(ctx, "b", MatchAll{}, pubsub.Capacity(2), pubsub.FallBehind())
		require.NoError(t, err)
		for i := 1; i <= 3; i++ { // 1 and 2 on b's Out, 3 in hand
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
			assert.Equal(t, fmt.Sprint(i), RecvData(t, u))
		}
		require.NoError(t, s.Publish(ctx, "4")) // the server now waits for u
		assert.Equal(t, "1", RecvData(t, b))
		assert.Equal(t, "2", RecvData(t, b)) // 3, then 4 from the history: caught up
		WaitUntil(t, "b caught up", func() bool { return s.Stats().Behind == 0 })
		assert.Equal(t, "4", RecvData(t, u)) // the delivery of 4 goes on, past b
		assert.Equal(t, "3", RecvData(t, b))
		assert.Equal(t, "4", RecvData(t, b))
		require.NoError(t, s.Publish(ctx, "5"))
		assert.Equal(t, "5", RecvData(t, u))
		assert.Equal(t, "5", RecvData(t, b), "each once, in order")
		Barrier(t, s)
		assert.Empty(t, Drained(b))
		assert.NoError(t, b.Err())
	}},
	{"FallBehindLosesNothingItDoesNotMatch", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(3))
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", KeyEquals{"k", "v"}, pubsub.FallBehind())
		require.NoError(t, err)
		require.NoError(t, s.PublishWithEvents(ctx, "1", Ev("k", "v")))
		require.NoError(t, s.PublishWithEvents(ctx, "2", Ev("k", "v"))) // behind, in hand
		for i := 3; i <= 20; i++ {
			require.NoError(t, s.PublishWithEvents(ctx, fmt.Sprint(i), Ev("k", "other")))
		}
		Barrier(t, s)
		require.NoError(t, sub.Err(), "every evicted message was none of its own")
		assert.Equal(t, "1", RecvData(t, sub))
		assert.Equal(t, "2", RecvData(t, sub))
		require.NoError(t, s.PublishWithEvents(ctx, "21", Ev("k", "v")))
		assert.Equal(t, "21", RecvData(t, sub))
	}},
	{"FallBehindWithoutHistoryIsCancelled", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind())
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "1"))
		require.NoError(t, s.Publish(ctx, "2"))
		Barrier(t, s)
		assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
		assert.Equal(t, []string{"1"}, Drained(sub))
	}},
	{"FallBehindUnsubscribed", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(8))
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind())
		require.NoError(t, err)
		for i := 1; i <= 5; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		require.NoError(t, s.Unsubscribe(ctx, "a", MatchAll{}))
		assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)
		Settle(t, s)
		assert.Equal(t, 0, s.Stats().Behind)
		assert.Equal(t, []string{"1"}, Drained(sub))
	}},
	{"FallBehindServerStopped", func(t *testing.T, mk Maker) {
		s := mk(pubsub.History(8))
		require.NoError(t, s.Start())
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind())
		require.NoError(t, err)
		for i := 1; i <= 5; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		require.NoError(t, s.Stop()) // returns once the catch-up has ended too (goleak)
		assert.ErrorIs(t, sub.Err(), pubsub.ErrServerStopped)
	}},
	{"OptionsPanic", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		assert.Panics(t, func() { pubsub.Capacity(-1) })
		assert.Panics(t, func() { pubsub.History(-1) })
		assert.Panics(t, func() {
			_, _ = s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind(), pubsub.Capacity(0))
		})
		assert.Panics(t, func() {
			_, _ = s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.SubscribeOption{})
		})
		assert.Equal(t, 0, s.NumClients())
	}},
	{"SubscribeWithDefaults", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{})
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "1"))
		require.NoError(t, s.Publish(ctx, "2"))
		Barrier(t, s)
		assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity, "capacity 1, cancelled when full, as Subscribe")
		_, err = s.SubscribeWith(ctx, "b", MatchAll{}, pubsub.Capacity(0))
		require.NoError(t, err)
		_, err = s.SubscribeWith(ctx, "b", MatchAll{}, pubsub.Capacity(3))
		assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed)
		_, err = s.SubscribeWith(ctx, "b", nil)
		assert.ErrorIs(t, err, pubsub.ErrNilQuery)
	}},
	{"MessagesEndsWhenCancelled", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err)
		for i := 1; i <= 3; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		var got []string
		sub.Range(func(m Msg) bool {
			got = append(got, m.Data)
			if len(got) == 2 {
				require.NoError(t, s.Unsubscribe(ctx, "a", MatchAll{}))
			}
			return true
		})
		assert.Equal(t, []string{"1", "2", "3"}, got, "what was on Out, then the end")
		assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)
	}},
	{"MessagesBreakDoesNotUnsubscribe", func(t *testing.T, mk Maker) {
		s := Started(t, mk)
		ctx := context.Background()
		sub, err := s.Subscribe(ctx, "a", MatchAll{}, 5)
		require.NoError(t, err)
		require.NoError(t, s.Publish(ctx, "1"))
		require.NoError(t, s.Publish(ctx, "2"))
		sub.Range(func(Msg) bool { return false })
		assert.NoError(t, sub.Err())
		assert.Equal(t, 1, s.NumClientSubscriptions("a"))
		assert.Equal(t, "2", RecvData(t, sub))
	}},
	{"StatsQueued", func(t *testing.T, mk Maker) {
		s := mk(pubsub.BufferCapacity(5))
		ctx := context.Background()
		for i := 0; i < 3; i++ { // before Start: queued
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		assert.Equal(t, 3, s.Stats().Queued)
		assert.Zero(t, s.Stats().Published, "not taken yet")
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		WaitUntil(t, "the queue taken", func() bool { return s.Stats().Published == 3 })
		assert.Zero(t, s.Stats().Queued)
	}},
	{"LossIsLogged", func(t *testing.T, mk Maker) {
		s := mk(pubsub.History(2))
		var log SyncBuffer
		s.SetLogger(slog.New(slog.NewTextHandler(&log, nil)))
		require.NoError(t, s.Start())
		t.Cleanup(func() { _ = s.Stop() })
		ctx := context.Background()
		sub, err := s.SubscribeWith(ctx, "a", MatchAll{}, pubsub.FallBehind())
		require.NoError(t, err)
		for i := 1; i <= 5; i++ {
			require.NoError(t, s.Publish(ctx, fmt.Sprint(i)))
		}
		Barrier(t, s)
		require.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
		assert.Contains(t, log.String(), "level=WARN")
		assert.Contains(t, log.String(), "evicted a message it had not received")
		assert.Contains(t, log.String(), "client=a")
	}},
	{"StatsCount", func(t *testing.T, mk Maker) {
		s := Started(t, mk, pubsub.History(2))
		ctx := context.Background()
		a1, err := s.Subscribe(ctx, "a", KeyEquals{"k", "1"}, 10)
		require.NoError(t, err)
		_, err = s.Subscribe(ctx, "a", KeyEquals{"k", "2"}, 10)
		require.NoError(t, err)
		_, err = s.Subscribe(ctx, "b", KeyEquals{"k", "1"}) // capacity 1
		require.NoError(t, err)
		for i := 0; i < 3; i++ {
			require.NoError(t, s.PublishWithEvents(ctx, fmt.Sprint(i), Ev("k", "1")))
		}
		Barrier(t, s)
		assert.Equal(t, pubsub.Stats{
			Published:              3,
			Delivered:              4, // three to a1, one to b's before it overflowed
			CancelledOutOfCapacity: 1,
			Clients:                1,
			Subscriptions:          2,
			Queries:                2,
			Oldest:                 2,
			Newest:                 3,
		}, s.Stats())
		assert.Len(t, Drained(a1), 3)
	}},
}

// drainedMsgs is Drained with the whole messages.
func drainedMsgs(sub Sub) []Msg {
	var got []Msg
	for {
		m, ok := sub.TryRecv()
		if !ok {
			return got
		}
		got = append(got, m)
	}
}

func seqs(ms []Msg) []uint64 {
	out := make([]uint64, len(ms))
	for i, m := range ms {
		out[i] = m.Seq
	}
	return out
}

func datas(ms []Msg) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Data
	}
	return out
}
