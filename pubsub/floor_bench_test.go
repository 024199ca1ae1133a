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

// deliveryCases are the workloads of BenchmarkDelivery and BenchmarkDeliveryPaired.
var deliveryCases = []struct {
	mode string
	n    int
}{{"distinct", 10}, {"distinct", 1000}, {"distinct", 10000}, {"fanout", 100}, {"fanout", 1000}}

// BenchmarkDelivery compares the bus with its floor: what Go itself costs for the same
// workload. The floor is a goroutine that takes each publish through an unbuffered channel
// (as the server's goroutine does), looks the recipients up in a map (distinct: the one
// subscriber of the transfer's recipient; fanout: all of them) and sends into each one's buffered
// channel without blocking, with the same drainer goroutines receiving. Same subscribers,
// same events as BenchmarkIndexDistinct (transfer.recipient = 'addr<i>' AND tm.event = 'Tx'),
// one run: benchstat -col /impl. A benchmark in which any subscriber was
// dropped for capacity (by the bus or by the floor) fails.
func BenchmarkDelivery(b *testing.B) {
	for _, c := range deliveryCases {
		for _, impl := range []string{"bus", "floor"} {
			b.Run(fmt.Sprintf("mode=%s/N=%d/impl=%s", c.mode, c.n, impl), func(b *testing.B) {
				benchDelivery(b, c.mode, c.n, impl)
			})
		}
	}
}

func benchDelivery(b *testing.B, mode string, n int, impl string) {
	side, srv, perPublish := deliverySide(b, mode, n, impl)
	defer func() { side.D.StopBench(b, srv, b.N*perPublish) }()
	side.D.PublishFenced(b, side.P, side.W)
	b.StopTimer()
	if mode == "fanout" {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
	}
}

// BenchmarkDeliveryPaired is BenchmarkDelivery with the bus and the floor running side by
// side in one benchmark, taking turns about every ten thousand deliveries: bus/floor is their
// ratio, which the drift of a shared machine's speed spoils less than it spoils two
// benchmarks run one after the other. bus-ns/op and floor-ns/op are per publish. It fails
// if either side dropped a subscriber.
func BenchmarkDeliveryPaired(b *testing.B) {
	for _, c := range deliveryCases {
		b.Run(fmt.Sprintf("mode=%s/N=%d", c.mode, c.n), func(b *testing.B) {
			bus, busSrv, perPublish := deliverySide(b, c.mode, c.n, "bus")
			floor, floorSrv, _ := deliverySide(b, c.mode, c.n, "floor")
			defer func() {
				bus.D.StopBench(b, busSrv, b.N*perPublish)
				floor.D.StopBench(b, floorSrv, b.N*perPublish)
			}()
			ns := bustest.Paired(b, perPublish, bus, floor)
			b.ReportMetric(ns[0], "bus-ns/op")
			b.ReportMetric(ns[1], "floor-ns/op")
			b.ReportMetric(ns[0]/ns[1], "bus/floor")
		})
	}
}

// deliverySide sets up one side of a delivery benchmark: n subscribers of impl (the bus
// or its floor) for mode, their drainers and the workload. perPublish is how many
// deliveries a publish makes.
func deliverySide(b *testing.B, mode string, n int, impl string) (side bustest.Side, srv bustest.PublishServer, perPublish int) {
	capacity := min(1000, 2_000_000/n)
	d := &bustest.Drainers{}
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
	// A fence to every subscriber whenever each may have capacity/4 messages waiting, so
	// that none is dropped for capacity.
	w := bustest.Workload{Data: "invoice", Fence: fenceData, Events: events, FenceEvery: capacity / 4, Fences: events[:1], Receivers: n}
	perPublish = n // a fan-out's fence reaches everyone
	if mode == "distinct" {
		w.FenceEvery, w.Fences, perPublish = capacity/4*n, events, 1
	}
	// Each side starts from a collected heap, whatever the benchmarks before it left: the
	// goroutines and channels they freed otherwise favour whichever side comes next.
	runtime.GC()
	return bustest.Side{P: srv, D: d, W: w}, srv, perPublish
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
