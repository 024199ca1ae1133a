package pubsub

import (
	"iter"

	"github.com/querybus/querybus/internal/bus"
)

// Message is what a subscription receives: the published data, the events
// it was published with, and its sequence number.
type Message struct {
	data   interface{}
	events map[string][]string
	seq    uint64
}

// NewMessage returns a Message with the given data and events, and sequence
// number 0.
func NewMessage(data interface{}, events map[string][]string) Message {
	return Message{data: data, events: events}
}

// Seq returns the message's sequence number: 1, 2, 3, ... in the order the
// server took the messages published to it, never reused during the
// server's lifetime (Reset does not restart them). A subscription receives
// messages in increasing Seq order; resume after the last one seen with
// SubscribeWith and After. It is 0 for a message made by NewMessage.
func (m Message) Seq() uint64 { return m.seq }

// Data returns the published data.
func (m Message) Data() interface{} { return m.data }

// Events returns the events the message was published with: the very map
// given to PublishWithEvents (nil for Publish). Do not modify it.
func (m Message) Events() map[string][]string { return m.events }

// Subscription is one client's subscription to one query. Like a
// context.Context, it reports its end on Cancelled and the reason in Err.
type Subscription struct {
	out chan Message
	h   *bus.Handle
}

// NewSubscription returns a subscription, not attached to any server, whose
// Out channel has capacity outCapacity (0: unbuffered). It panics if
// outCapacity is negative.
func NewSubscription(outCapacity int) *Subscription {
	if outCapacity < 0 {
		panic("pubsub: NewSubscription: negative capacity")
	}
	return &Subscription{out: make(chan Message, outCapacity), h: bus.NewHandle()}
}

// Out returns the channel messages are delivered on. It is never closed:
// select on Cancelled as well.
func (s *Subscription) Out() <-chan Message { return s.out }

// Cancelled returns a channel closed when the subscription is cancelled
// (unsubscribed, out of capacity, server stopped, or its query panicked). By then the
// subscription no longer counts in NumClients / NumClientSubscriptions.
func (s *Subscription) Cancelled() <-chan struct{} { return s.h.Cancelled() }

// Canceled is Cancelled under CometBFT's spelling: the same channel.
func (s *Subscription) Canceled() <-chan struct{} { return s.h.Cancelled() }

// Err returns nil while the subscription is live, then why it was
// cancelled: ErrUnsubscribed, ErrOutOfCapacity, ErrServerStopped, or an
// error for which errors.Is(err, ErrQueryFailed) holds, naming the query's
// method that panicked and the panic value.
func (s *Subscription) Err() error { return s.h.Err() }

// Messages returns an iterator over the messages received on Out, in order,
// until the subscription is cancelled: it then yields what is left on Out
// and ends, and Err says why. Breaking out of the loop does not unsubscribe.
//
//	for msg := range sub.Messages() {
//		...
//	}
//	if err := sub.Err(); err != pubsub.ErrUnsubscribed { ... }
func (s *Subscription) Messages() iter.Seq[Message] {
	return bus.Messages(s.out, s.h)
}
