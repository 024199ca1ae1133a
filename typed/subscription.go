package typed

import (
	"iter"

	"github.com/querybus/querybus/internal/bus"
)

// Message is what a subscription of a Server[T] receives: the published
// data, a T, the events it was published with, and its sequence number.
type Message[T any] struct {
	data   T
	events map[string][]string
	seq    uint64
}

// NewMessage returns a Message with the given data and events, and sequence
// number 0.
func NewMessage[T any](data T, events map[string][]string) Message[T] {
	return Message[T]{data: data, events: events}
}

// Seq returns the message's sequence number, as pubsub.Message.Seq: the
// server numbers every message it takes, whatever its type, so that the
// messages a typed subscription receives have increasing, not consecutive,
// numbers. It is 0 for a message made by NewMessage.
func (m Message[T]) Seq() uint64 { return m.seq }

// Data returns the published data.
func (m Message[T]) Data() T { return m.data }

// Events returns the events the message was published with: the very map
// given to PublishWithEvents (nil for Publish). Do not modify it.
func (m Message[T]) Events() map[string][]string { return m.events }

// Subscription is one client's subscription to one query, receiving the
// messages whose data is a T. Like a context.Context, it reports its end on
// Cancelled and the reason in Err.
type Subscription[T any] struct {
	out chan Message[T]
	h   *bus.Handle
}

// Out returns the channel messages are delivered on: the server delivers
// into it directly. It is never closed: select on Cancelled as well.
func (s *Subscription[T]) Out() <-chan Message[T] { return s.out }

// Cancelled returns a channel closed when the subscription is cancelled
// (unsubscribed, out of capacity, or server stopped). By then the
// subscription no longer counts in NumClients / NumClientSubscriptions.
func (s *Subscription[T]) Cancelled() <-chan struct{} { return s.h.Cancelled() }

// Canceled is Cancelled under CometBFT's spelling: the same channel.
func (s *Subscription[T]) Canceled() <-chan struct{} { return s.h.Cancelled() }

// Err returns nil while the subscription is live, then why it was cancelled:
// pubsub.ErrUnsubscribed, pubsub.ErrOutOfCapacity or pubsub.ErrServerStopped.
func (s *Subscription[T]) Err() error { return s.h.Err() }

// Messages returns an iterator over the messages received on Out, in order,
// until the subscription is cancelled: it then yields what is left on Out
// and ends, and Err says why. Breaking out of the loop does not unsubscribe.
func (s *Subscription[T]) Messages() iter.Seq[Message[T]] {
	return bus.Messages(s.out, s.h)
}
