package pubsub_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
)

// BenchmarkDelivery compares the bus with its floor: what Go itself costs for the same
// workload. The floor is a goroutine that takes each publish through an unbuffered channel
// (as the server's goroutine does), looks the recipients up in a map (distinct: the one
// subscriber of the transfer's recipient; fanout: all of them) and sends into each one's buffered
// channel without blocking, with the same drainer goroutines receiving. Same subscribers,
// same events as BenchmarkIndexDistinct (transfer.recipient = 'addr<i>' AND tm.event = 'Tx'),
// one run: benchstat -col /impl. A benchmark in which any subscriber was
// dropped for capacity (by the bus or by the floor) fails.
func BenchmarkDelivery(b *testing.B) {
	cases := []struct {
		mode string
		n    int
	}{{"distinct", 10}, {"distinct", 1000}, {"distinct", 10000}, {"fanout", 100}, {"fanout", 1000}}
	for _, c := range cases {
		for _, impl := range []string{"bus", "floor"} {
			b.Run(fmt.Sprintf("mode=%s/N=%d/impl=%s", c.mode, c.n, impl), func(b *testing.B) {
				benchDelivery(b, c.mode, c.n, impl)
			})
		}
	}
}

func benchDelivery(b *testing.B, mode string, n int, impl string) {
	capacity := min(1000, 2_000_000/n)
	d := &bustest.Drainers{}
	var srv bustest.PublishServer
	q := func(i int) pubsub.Query { return compiledQuery(recipientFormat, i) }
	if mode == "fanout" {
		shared := compiledQuery(recipientFormat, 7)
		q = func(int) pubsub.Query { return shared }
	}
	if impl == "bus" {
		s := pubsub.NewServer()
		require.NoError(b, s.Start())
		for i := 0; i < n; i++ {
			sub, err := s.Subscribe(context.Background(), fmt.Sprintf("client-%d", i), q(i), capacity)
			require.NoError(b, err)
			drain(d, sub)
		}
		srv = s
	} else {
		key := "transfer.recipient"
		if mode == "fanout" {
			key = ""
		}
		f := bustest.NewFloor(key, pubsub.NewMessage)
		for i := 0; i < n; i++ {
			f.Subscribe(d, fmt.Sprint("addr", i), capacity, isFence)
		}
		f.Start()
		srv = f
	}
	events := transferEvents(n)
	if mode == "fanout" {
		for i := range events {
			events[i] = events[7]
		}
	}
	perPublish := 1
	if mode == "fanout" {
		perPublish = n
	}
	defer func() { d.StopBench(b, srv, b.N*perPublish) }()
	// A fence to every subscriber whenever each may have capacity/4 messages waiting, so
	// that none is dropped for capacity.
	fenceEvery := capacity / 4
	fences := events[:1] // a fan-out's fence reaches everyone
	if mode == "distinct" {
		fenceEvery, fences = capacity/4*n, events
	}
	d.PublishFenced(b, srv, "invoice", fenceData, events, fenceEvery, fences, n)
	b.StopTimer()
	if mode == "fanout" {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
	}
}

// BenchmarkFanIn: several goroutines publishing on one server (the documented way to have
// several publishers: share the pointer), with and without a publish queue; 100 distinct
// subscriptions, each publish matching one. ns/op is per publish, whichever goroutine made
// it, until the server has delivered it; publishes/s is the server's throughput. It must not collapse as publishers are added.
func BenchmarkFanIn(b *testing.B) {
	const n = 100
	for _, queue := range []int{0, 1024} {
		for _, publishers := range []int{1, 2, 4, 8} {
			b.Run(fmt.Sprintf("queue=%d/publishers=%d", queue, publishers), func(b *testing.B) {
				s := pubsub.NewServer(pubsub.BufferCapacity(queue))
				require.NoError(b, s.Start())
				d := &bustest.Drainers{}
				for i := 0; i < n; i++ {
					sub, err := s.Subscribe(context.Background(), fmt.Sprintf("client-%d", i), compiledQuery(recipientFormat, i), 1000)
					require.NoError(b, err)
					drain(d, sub)
				}
				defer func() { d.StopBench(b, s, b.N) }()
				events := transferEvents(n)
				var data any = "transfer"
				ctx := context.Background()
				// The publishers publish in rounds of 400 each, fenced (outside the timing),
				// so that no subscriber has more than 4 × publishers messages waiting.
				const round = 400
				fenced := 0
				b.ReportAllocs()
				b.ResetTimer()
				for done := 0; done < b.N; {
					w := min(round*publishers, b.N-done)
					var wg sync.WaitGroup
					for p := 0; p < publishers; p++ {
						wg.Add(1)
						go func(p int) {
							defer wg.Done()
							for i := p; i < w; i += publishers {
								if err := s.PublishWithEvents(ctx, data, events[(done+i)%n]); err != nil {
									b.Error(err)
									return
								}
							}
						}(p)
					}
					wg.Wait()
					done += w
					// The round ends when the server has delivered it, not when the
					// publishers have queued it: each publish here delivers once.
					for s.Stats().Delivered < uint64(done+fenced) {
						runtime.Gosched()
					}
					b.StopTimer() // the fences are not the workload
					d.Fence.Add(n)
					for i := 0; i < n; i++ {
						if err := s.PublishWithEvents(ctx, fenceData, events[i]); err != nil {
							b.Fatal(err)
						}
					}
					d.Fence.Wait()
					fenced += n
					b.StartTimer()
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "publishes/s")
			})
		}
	}
}
