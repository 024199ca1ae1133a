package bustest

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// Drainers are the subscribers of a benchmark: each receives one
// subscription in its own goroutine until it is cancelled, counting what it
// receives, so that the benchmark can check that every publish was delivered
// as its workload implies (one whose deliveries were lost would look
// faster).
//
// A drainer that receives a fence calls Fence.Done instead of counting it:
// a benchmark publishes fences now and then to wait for the drainers to
// catch up, so that none falls behind and is cancelled for capacity.
type Drainers struct {
	Fence    sync.WaitGroup
	wg       sync.WaitGroup
	received atomic.Int64
}

// Drain receives from out in a goroutine of d until cancelled is closed,
// then takes what out still holds: everything delivered before the
// cancellation. It counts in a variable of its own, added to d's count when
// it returns, so that the drainers do not contend on the count.
func Drain[M any](d *Drainers, out <-chan M, cancelled <-chan struct{}, isFence func(M) bool) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		n := 0
		take := func(m M) {
			if isFence(m) {
				d.Fence.Done()
			} else {
				n++
			}
		}
		for {
			select {
			case m := <-out:
				take(m)
			case <-cancelled:
				for len(out) > 0 {
					take(<-out)
				}
				d.received.Add(int64(n))
				return
			}
		}
	}()
}

// Wait waits for every drainer to return, their subscriptions cancelled
// (the server stopped), and returns how many messages they received,
// fences aside.
func (d *Drainers) Wait() int {
	d.wg.Wait()
	return int(d.received.Load())
}

// BenchServer is the server of a benchmark: pubsub.Server, typed.Server[T].
type BenchServer interface {
	NumClients() int
	Stop() error
}

// StopBench ends a benchmark whose subscribers are d: it reports how many
// subscriptions were still live (live-subs: a drainer that falls behind is
// cancelled for capacity), stops s, waits for the drainers and fails b
// unless they received want messages, fences aside. A benchmark defers it
// with want computed from b.N, a deferred call's arguments being evaluated
// at once.
func (d *Drainers) StopBench(b *testing.B, s BenchServer, want int) {
	b.Helper()
	live := s.NumClients()
	b.ReportMetric(float64(live), "live-subs")
	require.NoError(b, s.Stop())
	if got := d.Wait(); got != want && !b.Failed() {
		b.Fatalf("subscribers received %d messages, want %d (%d subscriptions live at the end)", got, want, live)
	}
}
