package typed

import "github.com/querybus/querybus/internal/bus"

// Message is what a subscription of a Server[T] receives: the published
// data, a T, and the events it was published with.
type Message[T any] struct {
	data   T
	events map[string][]string
}

// NewMessage returns a Message with the given data and events.
func NewMessage[T any](data T, events map[string][]string) Message[T] {
	return Message[T]{data: data, events: events}
}

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

// NewSubscription returns a subscription, not attached to any server, whose
// Out channel has capacity outCapacity (0: unbuffered). It panics if
// outCapacity is negative.
func NewSubscription[T any](outCapacity int) *Subscription[T] {
	if outCapacity < 0 {
		panic("typed: NewSubscription: negative capacity")
	}
	return &Subscription[T]{out: make(chan Message[T], outCapacity), h: bus.NewHandle()}
}

// Out returns the channel messages are delivered on: the server delivers
// into it directly. It is never closed: select on Cancelled as well.
func (s *Subscription[T]) Out() <-chan Message[T] { return s.out }

// Cancelled returns a channel closed when the subscription is cancelled
// (unsubscribed, out of capacity, or server stopped). By then the
// subscription no longer counts in NumClients / NumClientSubscriptions.
func (s *Subscription[T]) Cancelled() <-chan struct{} { return s.h.Cancelled() }

// Err returns nil while the subscription is live, then why it was cancelled:
// pubsub.ErrUnsubscribed, pubsub.ErrOutOfCapacity or pubsub.ErrServerStopped.
func (s *Subscription[T]) Err() error { return s.h.Err() }
