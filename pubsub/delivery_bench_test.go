package pubsub_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// Benchmarks of the delivery guarantees (History, FallBehind, After). The
// publishing ones are bufferedBench's (see the index benchmarks): the
// server's own cost per publish, every delivery checked, no subscription
// cancelled for capacity.

// BenchmarkHistory: the publish of BenchmarkIndexDistinct (N distinct
// subscriptions, each publish matching one; event sets prebuilt, since the
// history keeps them) without history and with History(1024). Compare with
// benchstat -col /history.
func BenchmarkHistory(b *testing.B) {
	for _, n := range []int{10, 1000} {
		for _, queue := range []int{0, 1024} {
			for _, h := range []int{0, 1024} {
				b.Run(fmt.Sprintf("N=%d/queue=%d/history=%d", n, queue, h), func(b *testing.B) {
					bb := newBufferedBench(b, true, n, 200, n, func(i int) pubsub.Query { return compiledQuery(recipientFormat, i) },
						pubsub.BufferCapacity(queue), pubsub.History(h))
					defer bb.stop(b)
					events := transferEvents(n)
					bb.run(b, func(i int) map[string][]string { return events[i%n] })
				})
			}
		}
	}
}

// behindFlag is what the fallen-behind subscription of BenchmarkFallenBehind
// matches: only the two messages that make it fall behind.
var behindFlag = query.MustCompile("bench.behind = 'yes'")

// BenchmarkFallenBehind: the publish of BenchmarkHistory at N=100 with
// History(1024), with no subscription behind and with one that has fallen
// behind and never reads. Its next message is gone from the history only
// after the next match, which never comes, so it stays behind for the whole
// run, ever further behind; each publish evicts a message it has not been
// handed and evaluates its query on it. Compare with benchstat -col
// /behind: the difference is what a subscription behind costs a publish,
// the same however far behind it is.
func BenchmarkFallenBehind(b *testing.B) {
	const n = 100
	for _, behind := range []int{0, 1} {
		b.Run(fmt.Sprintf("behind=%d", behind), func(b *testing.B) {
			bb := newBufferedBench(b, true, n, 200, n, func(i int) pubsub.Query { return compiledQuery(recipientFormat, i) },
				pubsub.History(1024))
			defer bb.stop(b)
			ctx := context.Background()
			if behind == 1 {
				_, err := bb.s.SubscribeWith(ctx, "\x00behind", behindFlag, pubsub.Capacity(1), pubsub.FallBehind())
				require.NoError(b, err)
				for i := 0; i < 2; i++ { // one on Out, one in hand
					require.NoError(b, bb.s.PublishWithEvents(ctx, "x", map[string][]string{"bench.behind": {"yes"}}))
				}
				bb.sync(b)
				bb.extra = 1
			}
			events := transferEvents(n)
			bb.run(b, func(i int) map[string][]string { return events[i%n] })
			if got := bb.s.Stats().Behind; got != behind {
				b.Fatalf("%d subscriptions behind at the end, want %d", got, behind)
			}
		})
	}
}

// BenchmarkCatchUp: how fast a subscriber receives bursts of 1,024
// messages, per message. mode=live: they are published while it receives,
// into an Out of capacity 1,024 (so that it is never cancelled). mode=behind:
// they were published before it began to read, into an Out of capacity 64,
// so that it had fallen behind after 65 of them, and it receives the rest
// from the history (History(1024)), refilled as it drains Out.
func BenchmarkCatchUp(b *testing.B) {
	const burst, capacity = 1024, 64
	ctx := context.Background()
	events := map[string][]string{"tm.event": {"Tx"}}
	var data any = "tx"
	b.Run("mode=live", func(b *testing.B) {
		s := pubsub.NewServer()
		require.NoError(b, s.Start())
		defer func() { require.NoError(b, s.Stop()) }()
		sub, err := s.SubscribeWith(ctx, "reader", query.All, pubsub.Capacity(burst))
		require.NoError(b, err)
		b.ReportAllocs()
		b.ResetTimer()
		for left := b.N; left > 0; left -= burst {
			k := min(left, burst)
			go func() {
				for i := 0; i < k; i++ {
					if err := s.PublishWithEvents(ctx, data, events); err != nil {
						panic(err)
					}
				}
			}()
			for i := 0; i < k; i++ {
				if _, ok := recvOrCancelled(sub); !ok {
					b.Fatalf("cancelled: %v", sub.Err())
				}
			}
		}
		b.StopTimer()
		assert.NoError(b, sub.Err(), "the reader kept up")
	})
	b.Run("mode=behind", func(b *testing.B) {
		s := pubsub.NewServer(pubsub.History(burst))
		require.NoError(b, s.Start())
		defer func() { require.NoError(b, s.Stop()) }()
		sub, err := s.SubscribeWith(ctx, "reader", query.All, pubsub.Capacity(capacity), pubsub.FallBehind())
		require.NoError(b, err)
		b.ReportAllocs()
		b.ResetTimer()
		for left := b.N; left > 0; left -= burst {
			k := min(left, burst)
			b.StopTimer()
			for i := 0; i < k; i++ {
				require.NoError(b, s.PublishWithEvents(ctx, data, events))
			}
			require.ErrorIs(b, s.UnsubscribeAll(ctx, "\x00barrier"), pubsub.ErrSubscriptionNotFound)
			if k > capacity+1 && s.Stats().Behind != 1 {
				b.Fatal("the reader has not fallen behind")
			}
			b.StartTimer()
			for i := 0; i < k; i++ {
				if _, ok := recvOrCancelled(sub); !ok {
					b.Fatalf("cancelled: %v", sub.Err())
				}
			}
		}
		b.StopTimer()
		assert.NoError(b, sub.Err(), "the history held the burst")
	})
}

// BenchmarkHistoryMemory: the heap a History(100000) holds once full of
// messages that share their data and events: what the history itself costs
// per entry (B/entry), beside what each message holds.
func BenchmarkHistoryMemory(b *testing.B) {
	const n = 100_000
	ctx := context.Background()
	events := map[string][]string{"tm.event": {"Tx"}}
	var data any = "tx"
	for i := 0; i < b.N; i++ {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		s := pubsub.NewServer(pubsub.History(n))
		require.NoError(b, s.Start())
		for j := 0; j < n; j++ {
			require.NoError(b, s.PublishWithEvents(ctx, data, events))
		}
		require.ErrorIs(b, s.UnsubscribeAll(ctx, "\x00barrier"), pubsub.ErrSubscriptionNotFound)
		runtime.GC()
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/entry")
		require.NoError(b, s.Stop())
	}
}

// recvOrCancelled receives the next message of sub, or reports that it was
// cancelled with nothing left on Out.
func recvOrCancelled(sub *pubsub.Subscription) (pubsub.Message, bool) {
	select {
	case m := <-sub.Out():
		return m, true
	case <-sub.Cancelled():
		select {
		case m := <-sub.Out():
			return m, true
		default:
			return pubsub.Message{}, false
		}
	}
}
