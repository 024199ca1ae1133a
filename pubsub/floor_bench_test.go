package pubsub_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
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

// deliverer is what BenchmarkDelivery publishes to: the bus or its floor.
type deliverer interface {
	PublishWithEvents(ctx context.Context, data any, events map[string][]string) error
	bustest.BenchServer
}

func benchDelivery(b *testing.B, mode string, n int, impl string) {
	capacity := min(1000, 2_000_000/n)
	d := &bustest.Drainers{}
	var srv deliverer
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
		f := newFloor(mode == "fanout")
		for i := 0; i < n; i++ {
			f.subscribe(d, fmt.Sprint("addr", i), capacity)
		}
		f.start()
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
	// A fence every so many publishes, so that no subscriber has more than half its
	// channel waiting: at most capacity/2 messages reach one subscriber between fences.
	fenceEvery := capacity / 2
	if mode == "distinct" {
		fenceEvery = capacity / 2 * n
	}
	var data any = "invoice"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := srv.PublishWithEvents(ctx, data, events[i%n]); err != nil {
			b.Fatal(err)
		}
		if i%fenceEvery == fenceEvery-1 {
			fences := n
			if mode == "distinct" {
				fences = 1
			}
			d.Fence.Add(fences)
			if err := srv.PublishWithEvents(ctx, fenceData, events[i%n]); err != nil {
				b.Fatal(err)
			}
			d.Fence.Wait()
		}
	}
	b.StopTimer()
	if mode == "fanout" {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/delivery")
	}
}

// floor is the bare-channel floor of BenchmarkDelivery.
type floor struct {
	fanout    bool
	in        chan floorPub
	subs      map[string]chan pubsub.Message // by recipient
	all       []chan pubsub.Message
	cancelled chan struct{}
	done      chan struct{}
	dropped   atomic.Int64
}

type floorPub struct {
	data   any
	events map[string][]string
}

func newFloor(fanout bool) *floor {
	return &floor{fanout: fanout, in: make(chan floorPub), subs: map[string]chan pubsub.Message{},
		cancelled: make(chan struct{}), done: make(chan struct{})}
}

func (f *floor) subscribe(d *bustest.Drainers, recipient string, capacity int) {
	ch := make(chan pubsub.Message, capacity)
	f.subs[recipient] = ch
	f.all = append(f.all, ch)
	bustest.Drain(d, ch, f.cancelled, isFence)
}

func (f *floor) start() {
	go func() {
		defer close(f.done)
		for p := range f.in {
			msg := pubsub.NewMessage(p.data, p.events)
			if f.fanout {
				for _, ch := range f.all {
					f.send(ch, msg)
				}
				continue
			}
			if ch, ok := f.subs[p.events["transfer.recipient"][0]]; ok {
				f.send(ch, msg)
			}
		}
	}()
}

func (f *floor) send(ch chan pubsub.Message, msg pubsub.Message) {
	select {
	case ch <- msg:
	default:
		f.dropped.Add(1)
	}
}

func (f *floor) PublishWithEvents(_ context.Context, data any, events map[string][]string) error {
	f.in <- floorPub{data, events}
	return nil
}

// NumClients is the number of subscribers, less one per message dropped: StopBench then
// reports the loss.
func (f *floor) NumClients() int { return len(f.all) - int(f.dropped.Load()) }

func (f *floor) Stop() error {
	close(f.in)
	<-f.done
	close(f.cancelled)
	return nil
}

// BenchmarkFanIn: several goroutines publishing on one server (the documented way to have
// several publishers: share the pointer), with and without a publish queue; 100 distinct
// subscriptions, each publish matching one. ns/op is per publish, whichever goroutine made
// it; publishes/s is the server's throughput. It must not collapse as publishers are added.
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
					b.StopTimer() // the fences are not the workload
					d.Fence.Add(n)
					for i := 0; i < n; i++ {
						if err := s.PublishWithEvents(ctx, fenceData, events[i]); err != nil {
							b.Fatal(err)
						}
					}
					d.Fence.Wait()
					b.StartTimer()
				}
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "publishes/s")
			})
		}
	}
}
