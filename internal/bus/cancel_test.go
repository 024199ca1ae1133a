package bus

import (
	"context"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type matchEverything struct{}

func (matchEverything) Matches(map[string][]string) (bool, error) { return true, nil }
func (matchEverything) String() string                            { return "everything" }

// observer is a Deliverer that records, when the loop lets go of it (release, which
// cancel calls between the count updates and the handle's cancellation), what a
// subscriber woken at that moment would see. Its Offer finds the channel full.
type observer struct {
	e        *Engine
	h        *Handle
	released bool
	clients  int   // NumClients at release
	subs     int   // NumClientSubscriptions("a") at release
	errThen  error // the handle's Err at release
}

func (o *observer) Offer(any, map[string][]string, uint64) Outcome { return Full }
func (o *observer) Send(any, map[string][]string, uint64, <-chan Request, <-chan struct{}) (Outcome, Request) {
	return Sent, nil
}
func (o *observer) accepts(any, map[string][]string, uint64) bool { return true }
func (o *observer) pump(*loop, *subscription, *entry)             { panic("observer: no history") }

func (o *observer) release() {
	o.released = true
	o.clients, o.subs = o.e.NumClients(), o.e.NumClientSubscriptions("a")
	o.errThen = o.h.Err()
}

// cancel updates the counts before it cancels the handle, so that a subscriber woken by
// Cancelled sees the new counts, whatever the reason of the cancellation: the order the
// contract promises, checked at the one moment between the two.
func TestCancelUpdatesCountsBeforeCancelling(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		reason error
		cancel func(e *Engine)
	}{
		{ErrUnsubscribed, func(e *Engine) { require.NoError(t, e.Unsubscribe(ctx, "a", "everything")) }},
		{ErrUnsubscribed, func(e *Engine) { require.NoError(t, e.UnsubscribeAll(ctx, "a")) }},
		{ErrOutOfCapacity, func(e *Engine) {
			require.NoError(t, e.Publish(ctx, 1, nil))
			require.ErrorIs(t, e.Unsubscribe(ctx, "barrier", "none"), ErrSubscriptionNotFound)
		}},
		{ErrServerStopped, func(e *Engine) { e.Stop() }},
	} {
		t.Run(tc.reason.Error(), func(t *testing.T) {
			e := NewEngine(0, nil)
			e.Start()
			defer e.Stop()
			o := &observer{e: e}
			b := &sinkSubscription[int]{}
			h, err := e.subscribe(ctx, "a", matchEverything{}, o, false, SubOptions{}, &b.sub, &b.qe)
			require.NoError(t, err)
			o.h = h
			require.Equal(t, 1, e.NumClients())

			tc.cancel(e)
			<-h.Cancelled()
			require.True(t, o.released, "the loop lets go of the deliverer")
			assert.Zero(t, o.clients, "NumClients before the handle is cancelled")
			assert.Zero(t, o.subs, "NumClientSubscriptions before the handle is cancelled")
			assert.NoError(t, o.errThen, "the handle is cancelled after the counts and the release")
			assert.ErrorIs(t, h.Err(), tc.reason)
		})
	}
}

// The block of a subscription, its sink and its query's entry fits the 192-byte size class,
// whose blocks start on a cache line (see sinkSubscription): one field more and every
// delivery at many distinct queries straddles a line more.
func TestSubscriptionBlockFitsItsSizeClass(t *testing.T) {
	assert.LessOrEqual(t, unsafe.Sizeof(sinkSubscription[int]{}), uintptr(192))
}
