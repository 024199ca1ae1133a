package bustest

import (
	"context"
	"sync/atomic"
	"testing"
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

// PublishFenced publishes data b.N times, with events[i%len(events)], on p, whose
// subscribers are d. Every fenceEvery publishes it publishes fence once with each of
// fences, which must reach subscribers receivers in all, and waits for them (outside the
// timing), so that no subscriber falls behind its channel.
func (d *Drainers) PublishFenced(b *testing.B, p Publisher, data, fence any, events []map[string][]string, fenceEvery int, fences []map[string][]string, receivers int) {
	b.Helper()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := p.PublishWithEvents(ctx, data, events[i%len(events)]); err != nil {
			b.Fatal(err)
		}
		if i%fenceEvery == fenceEvery-1 {
			b.StopTimer()
			d.Fence.Add(receivers)
			for _, ev := range fences {
				if err := p.PublishWithEvents(ctx, fence, ev); err != nil {
					b.Fatal(err)
				}
			}
			d.Fence.Wait()
			b.StartTimer()
		}
	}
}
