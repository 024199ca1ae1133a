package bus_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bus"
)

// publishContexts are the two ways Publish waits for the loop: a plain send for a context
// that never ends, a select for one that may.
func publishContexts(t *testing.T) map[string]context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return map[string]context.Context{"background": context.Background(), "cancellable": ctx}
}

// Publishers racing with Stop: each learns exactly whether its message was taken. On an
// unbuffered engine every nil is a message the subscriber received, and every
// ErrServerStopped one it did not; with a queue, at most the queue's worth of messages
// returned nil and were discarded with the queue.
func TestStopAnswersEveryPublisherExactly(t *testing.T) {
	const publishers, each = 4, 3000
	for _, queue := range []int{0, 8} {
		for name, ctx := range publishContexts(t) {
			t.Run(fmt.Sprintf("queue=%d/ctx=%s", queue, name), func(t *testing.T) {
				e := bus.NewEngine(queue, nil)
				e.Start()
				out := make(chan int, publishers*each)
				_, err := bus.Subscribe(context.Background(), e, "c", all{}, out, onlyInts, bus.SubOptions{})
				require.NoError(t, err)

				taken := make([][]int, publishers)
				var wg sync.WaitGroup
				for p := 0; p < publishers; p++ {
					wg.Add(1)
					go func(p int) {
						defer wg.Done()
						for i := 0; i < each; i++ {
							v := p*each + i
							err := e.Publish(ctx, v, nil)
							if err != nil {
								assert.ErrorIs(t, err, bus.ErrServerStopped, "publish %d", v)
								return
							}
							taken[p] = append(taken[p], v)
						}
					}(p)
				}
				for e.Stats().Delivered < 500 {
					runtime.Gosched()
				}
				e.Stop()
				wg.Wait()

				delivered := map[int]bool{}
				for len(out) > 0 {
					delivered[<-out] = true
				}
				nils, lost := 0, 0
				for p, vs := range taken {
					nils += len(vs)
					for _, v := range vs {
						if !delivered[v] {
							lost++
						}
					}
					t.Logf("publisher %d: %d taken of %d", p, len(vs), each)
				}
				assert.Equal(t, len(delivered), nils-lost, "every message delivered returned nil")
				assert.LessOrEqual(t, lost, queue, "messages that returned nil but were not delivered")
			})
		}
	}
}

// A publisher waiting on a full queue when Stop comes returns ErrServerStopped, though
// Stop, emptying the queue, makes room for its message.
func TestStopReleasesPublisherOfFullQueue(t *testing.T) {
	for name, ctx := range publishContexts(t) {
		t.Run("ctx="+name, func(t *testing.T) {
			e := bus.NewEngine(1, nil)
			e.Start()
			stuck := make(chan int) // never read: the loop blocks delivering the first message
			_, err := bus.Subscribe(context.Background(), e, "c", all{}, stuck, onlyInts, bus.SubOptions{})
			require.NoError(t, err)
			require.NoError(t, e.Publish(ctx, 1, nil))
			for e.Stats().Queued != 0 { // the loop has taken it
				runtime.Gosched()
			}
			require.NoError(t, e.Publish(ctx, 2, nil)) // queued
			waiting := make(chan error, 1)
			go func() { waiting <- e.Publish(ctx, 3, nil) }()
			for bus.PublishersIn(e) != 1 { // on its way to wait, or waiting
				runtime.Gosched()
			}
			e.Stop()
			assert.ErrorIs(t, <-waiting, bus.ErrServerStopped)
			assert.Equal(t, 0, e.Stats().Queued, "stop empties the queue")
		})
	}
}

// A publisher waiting on an engine that was never started is released by Stop.
func TestStopWithoutStartReleasesPublishers(t *testing.T) {
	for name, ctx := range publishContexts(t) {
		t.Run("ctx="+name, func(t *testing.T) {
			e := bus.NewEngine(0, nil)
			waiting := make(chan error, 1)
			go func() { waiting <- e.Publish(ctx, 1, nil) }()
			for bus.PublishersIn(e) != 1 {
				runtime.Gosched()
			}
			e.Stop()
			assert.ErrorIs(t, <-waiting, bus.ErrServerStopped)
		})
	}
}
