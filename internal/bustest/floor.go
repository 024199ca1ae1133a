package bustest

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// Floor is the bare-channel floor of a delivery benchmark: what Go itself costs for the
// work of a bus. A goroutine takes each publish through an unbuffered channel (as a bus's
// goroutine does), looks its recipient up in a map by the value of one key (or, for a
// fan-out, takes every subscriber) and sends the message into each recipient's buffered
// channel without blocking; Drainers receive, as they do a bus's subscriptions. A message
// that finds a channel full is dropped and counted: NumClients goes down by one, so that
// StopBench reports it.
type Floor[M any] struct {
	key       string // whose value names the recipient; "" for a fan-out to everyone
	message   func(data any, events map[string][]string) M
	in        chan floorPub
	subs      map[string]chan M
	all       []chan M
	cancelled chan struct{}
	done      chan struct{}
	dropped   atomic.Int64
}

type floorPub struct {
	data   any
	events map[string][]string
}

// NewFloor returns a floor whose recipients are named by the value of key ("" for a
// fan-out), making its messages with message. Subscribe, then Start.
func NewFloor[M any](key string, message func(data any, events map[string][]string) M) *Floor[M] {
	return &Floor[M]{key: key, message: message, in: make(chan floorPub), subs: map[string]chan M{},
		cancelled: make(chan struct{}), done: make(chan struct{})}
}

// Subscribe adds the subscriber of the value name, with a channel of capacity, drained by
// d; isFence tells fences (see Drainers).
func (f *Floor[M]) Subscribe(d *Drainers, name string, capacity int, isFence func(M) bool) {
	ch := make(chan M, capacity)
	f.subs[name] = ch
	f.all = append(f.all, ch)
	Drain(d, ch, f.cancelled, isFence)
}

// Start starts the floor's goroutine.
func (f *Floor[M]) Start() {
	go func() {
		defer close(f.done)
		for p := range f.in {
			msg := f.message(p.data, p.events)
			if f.key == "" {
				for _, ch := range f.all {
					f.send(ch, msg)
				}
				continue
			}
			if vs := p.events[f.key]; len(vs) > 0 {
				if ch, ok := f.subs[vs[0]]; ok {
					f.send(ch, msg)
				}
			}
		}
	}()
}

func (f *Floor[M]) send(ch chan M, msg M) {
	select {
	case ch <- msg:
	default:
		f.dropped.Add(1)
	}
}

// PublishWithEvents hands a message to the floor's goroutine.
func (f *Floor[M]) PublishWithEvents(_ context.Context, data any, events map[string][]string) error {
	f.in <- floorPub{data, events}
	return nil
}

// NumClients is the number of subscribers, less one per message dropped.
func (f *Floor[M]) NumClients() int { return len(f.all) - int(f.dropped.Load()) }

// Stop stops the floor's goroutine and ends the drainers.
func (f *Floor[M]) Stop() error {
	close(f.in)
	<-f.done
	close(f.cancelled)
	return nil
}

// Publisher is what a delivery benchmark publishes to: a bus, CometBFT's server or a Floor.
type Publisher interface {
	PublishWithEvents(ctx context.Context, data any, events map[string][]string) error
}

// PublishServer is a Publisher that a benchmark ends with StopBench.
type PublishServer interface {
	Publisher
	BenchServer
}

// Workload is what a delivery benchmark publishes: Data with each of Events in turn and,
// every FenceEvery publishes, a fence with each of Fences, which reaches Receivers
// subscribers in all. The benchmark waits for the fences (outside the timing), so that no
// subscriber falls behind its channel and is dropped.
type Workload struct {
	Data, Fence any
	Events      []map[string][]string
	FenceEvery  int
	Fences      []map[string][]string
	Receivers   int
}

// PublishFenced publishes w b.N times on p, whose subscribers are d, the fences outside
// the timing.
func (d *Drainers) PublishFenced(b *testing.B, p Publisher, w Workload) {
	b.Helper()
	b.ReportAllocs()
	b.ResetTimer()
	d.publish(b, p, w, 0, b.N, b.StopTimer, b.StartTimer)
}

// publish makes publishes from to to-1 of w on p, calling pause before each round of
// fences and resume after it.
func (d *Drainers) publish(tb testing.TB, p Publisher, w Workload, from, to int, pause, resume func()) {
	tb.Helper()
	ctx := context.Background()
	for i := from; i < to; i++ {
		if err := p.PublishWithEvents(ctx, w.Data, w.Events[i%len(w.Events)]); err != nil {
			tb.Fatal(err)
		}
		if i%w.FenceEvery == w.FenceEvery-1 {
			pause()
			d.Fence.Add(w.Receivers)
			for _, ev := range w.Fences {
				if err := p.PublishWithEvents(ctx, w.Fence, ev); err != nil {
					tb.Fatal(err)
				}
			}
			d.Fence.Wait()
			resume()
		}
	}
}

// Side is one of the servers a paired benchmark compares: the publisher, its
// subscribers and its workload.
type Side struct {
	P Publisher
	D *Drainers
	W Workload
}

// pairedDeliveries is about how many deliveries a paired benchmark makes on one side
// before it turns to the next: some ten milliseconds' worth, long against the caches a side
// must warm again at each turn (a thousand gave the same ratios) and against reading the
// clock, short against the drift of a shared machine's speed.
const pairedDeliveries = 10000

// Paired publishes each side's workload b.N times, the sides taking turns about every
// ten thousand deliveries (a publish makes perPublish), and returns each side's time per
// publish in nanoseconds, fences excluded. A machine whose speed drifts (a shared one)
// slows the sides alike, so the ratio of two results holds up where two benchmarks run
// one after the other would not.
func Paired(b *testing.B, perPublish int, sides ...Side) []float64 {
	b.Helper()
	b.ReportAllocs()
	chunk := max(1, pairedDeliveries/perPublish)
	spent := make([]time.Duration, len(sides))
	b.ResetTimer()
	for from := 0; from < b.N; from += chunk {
		to := min(from+chunk, b.N)
		for i, s := range sides {
			var paused time.Time
			start := time.Now()
			s.D.publish(b, s.P, s.W, from, to, func() { paused = time.Now() }, func() { start = start.Add(time.Since(paused)) })
			spent[i] += time.Since(start)
		}
	}
	b.StopTimer()
	per := make([]float64, len(sides))
	for i := range spent {
		per[i] = float64(spent[i].Nanoseconds()) / float64(b.N)
	}
	return per
}
