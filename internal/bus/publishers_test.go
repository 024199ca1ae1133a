package bus

import (
	"testing"
	"time"
)

// A publisher whose message the loop took reads stopping as false, and then Stop begins
// and waits for it: when it counts itself out, it must wake Stop, though it never saw
// stopping before its send. The steps of both sides are taken here one by one, in that
// order.
func TestLastPublisherOutWakesStop(t *testing.T) {
	r := newRun(0)
	r.entered.Add(1) // a publisher counts itself in
	if r.stopping.Load() {
		t.Fatal("stopping before Stop")
	}
	// (its message is taken by the loop, and it reads stopping: false)

	r.stopping.Store(true) // Stop begins; the loop has exited
	released := make(chan struct{})
	go func() {
		r.releasePublishers()
		close(released)
	}()
	// A request that only Stop's receiving can take: once it is taken, Stop has seen
	// the publisher still in and waits for it.
	r.pubs <- envelope{req: wake{}}

	r.leave() // the publisher counts itself out
	select {
	case <-released:
	case <-time.After(10 * time.Second):
		t.Fatal("Stop still waits for a publisher that has left")
	}
}
