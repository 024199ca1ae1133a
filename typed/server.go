package typed

import (
	"context"
	"log/slog"
	"reflect"

	"github.com/querybus/querybus/internal/bus"
	"github.com/querybus/querybus/pubsub"
)

// Server is a publish-subscribe server whose messages carry data of type T:
// either a server of its own (NewServer) or a typed view of an untyped
// server (Wrap). Its methods are those of *pubsub.Server with T in place of
// interface{}, and behave the same; the lifecycle methods act on the
// underlying server.
type Server[T any] struct {
	s    *pubsub.Server
	eng  *bus.Engine
	conv bus.Conv[Message[T]]
}

// NewServer returns a server of its own, not started, carrying data of type
// T. It is Wrap[T](pubsub.NewServer(opts...)).
func NewServer[T any](opts ...pubsub.Option) *Server[T] {
	return Wrap[T](pubsub.NewServer(opts...))
}

// Wrap returns a typed view of s. The view publishes into s, and its
// subscriptions receive only the matching messages whose data is a T (for an
// interface T: implements T, or is nil); other messages neither reach them
// nor count against their capacity. s's untyped subscribers see what the
// view publishes. Views of one server share its clients: a client's
// subscriptions through any view or through s count together, and a second
// one with a query of the same String() is ErrAlreadySubscribed.
//
// Wrap panics if s is nil.
func Wrap[T any](s *pubsub.Server) *Server[T] {
	eng := bus.EngineOf(s)
	if eng == nil {
		panic("typed: Wrap: nil *pubsub.Server")
	}
	conv := bus.Conv[Message[T]](toMessage[T])
	if reflect.TypeFor[T]().Kind() == reflect.Interface {
		conv = toMessageNilable[T]
	}
	return &Server[T]{s: s, eng: eng, conv: conv}
}

// toMessage is the conversion of a subscription of a non-interface type T:
// the data is delivered if it is a T.
func toMessage[T any](data any, events map[string][]string, seq uint64) (Message[T], bool) {
	d, ok := data.(T)
	return Message[T]{data: d, events: events, seq: seq}, ok
}

// toMessageNilable is the conversion of a subscription of an interface type
// T: the data is delivered if it implements T or is nil (the zero T; a type
// assertion alone would refuse it).
func toMessageNilable[T any](data any, events map[string][]string, seq uint64) (Message[T], bool) {
	if data == nil {
		return Message[T]{events: events, seq: seq}, true
	}
	d, ok := data.(T)
	return Message[T]{data: d, events: events, seq: seq}, ok
}

// Untyped returns the server underneath: the one given to Wrap, or the one
// NewServer made.
func (s *Server[T]) Untyped() *pubsub.Server { return s.s }

// BufferCapacity returns the capacity of the server's publish queue.
func (s *Server[T]) BufferCapacity() int { return s.s.BufferCapacity() }

// NumClients returns the number of clients with at least one subscription,
// counting those of every view of the server and its untyped subscribers.
func (s *Server[T]) NumClients() int { return s.s.NumClients() }

// NumClientSubscriptions returns the number of subscriptions of clientID,
// through any view of the server or untyped.
func (s *Server[T]) NumClientSubscriptions(clientID string) int {
	return s.s.NumClientSubscriptions(clientID)
}

// Subscribe is pubsub.Server.Subscribe for messages whose data is a T:
// capacity outCapacity (1 if omitted), cancelled with pubsub.ErrOutOfCapacity
// when a message of type T finds Out full. It panics if outCapacity ≤ 0 or if
// more than one capacity is given; use SubscribeUnbuffered for an unbuffered
// subscription.
//
// It returns pubsub.ErrNilQuery for a nil query, pubsub.ErrAlreadySubscribed
// if clientID already has a query with the same String() (through any view
// of the server, or untyped), pubsub.ErrServerStopped after Stop, and
// ctx.Err() if ctx ends before the server takes the request (nothing changed
// then). Before Start it waits for the server to start.
func (s *Server[T]) Subscribe(ctx context.Context, clientID string, query pubsub.Query, outCapacity ...int) (*Subscription[T], error) {
	return s.subscribe(ctx, clientID, query, bus.OutCapacity("typed", outCapacity))
}

// SubscribeUnbuffered is Subscribe with an unbuffered Out channel: the server
// waits for the subscriber to receive each message of type T (delivering
// nothing else meanwhile), until it receives, is unsubscribed, or the server
// stops. Messages of other types do not make it wait.
func (s *Server[T]) SubscribeUnbuffered(ctx context.Context, clientID string, query pubsub.Query) (*Subscription[T], error) {
	return s.subscribe(ctx, clientID, query, 0)
}

// SubscribeWith is pubsub.Server.SubscribeWith for messages whose data is a
// T, with the same options (pubsub.Capacity, pubsub.After,
// pubsub.FallBehind): for this subscription, "messages" are the messages
// whose data is a T. Resuming After a sequence number replays the retained
// messages of type T whose events match the query; a subscription that
// falls behind is cancelled only when the history evicts such a message it
// has not received. It panics if FallBehind is given with Capacity(0).
func (s *Server[T]) SubscribeWith(ctx context.Context, clientID string, query pubsub.Query, opts ...pubsub.SubscribeOption) (*Subscription[T], error) {
	return s.subscribeWith(ctx, clientID, query, bus.SubConfigOf("typed", opts))
}

func (s *Server[T]) subscribe(ctx context.Context, clientID string, query pubsub.Query, capacity int) (*Subscription[T], error) {
	return s.subscribeWith(ctx, clientID, query, bus.SubConfig{Capacity: capacity})
}

// subscribeWith registers with the engine a subscription whose Out is the
// channel the engine delivers into, through s.conv.
func (s *Server[T]) subscribeWith(ctx context.Context, clientID string, query pubsub.Query, c bus.SubConfig) (*Subscription[T], error) {
	if query == nil {
		return nil, pubsub.ErrNilQuery
	}
	out := make(chan Message[T], c.Capacity)
	h, err := bus.Subscribe(ctx, s.eng, clientID, query, out, s.conv, c.SubOptions)
	if err != nil {
		return nil, err
	}
	return &Subscription[T]{out: out, h: h}, nil
}

// Unsubscribe cancels the subscription of clientID whose query has the same
// String() as query, whichever view (or the untyped server) made it; see
// pubsub.Server.Unsubscribe.
func (s *Server[T]) Unsubscribe(ctx context.Context, clientID string, query pubsub.Query) error {
	return s.s.Unsubscribe(ctx, clientID, query)
}

// UnsubscribeAll cancels every subscription of clientID, whichever view (or
// the untyped server) made it; see pubsub.Server.UnsubscribeAll.
func (s *Server[T]) UnsubscribeAll(ctx context.Context, clientID string) error {
	return s.s.UnsubscribeAll(ctx, clientID)
}

// Publish is PublishWithEvents with an empty event set: only subscriptions
// whose query matches an empty set (query.All) receive msg.
func (s *Server[T]) Publish(ctx context.Context, msg T) error {
	return s.s.Publish(ctx, msg)
}

// PublishWithEvents is pubsub.Server.PublishWithEvents for data of type T.
// Every subscription of the server whose query matches events receives it:
// those of views whose type msg is (or implements), and untyped ones.
func (s *Server[T]) PublishWithEvents(ctx context.Context, msg T, events map[string][]string) error {
	return s.s.PublishWithEvents(ctx, msg, events)
}

// Stats returns the underlying server's counters; see pubsub.Server.Stats.
// They count every message and subscription of the server, whatever its
// type.
func (s *Server[T]) Stats() pubsub.Stats { return s.s.Stats() }

// Start starts the underlying server; see pubsub.Server.
func (s *Server[T]) Start() error { return s.s.Start() }

// Stop stops the underlying server: every subscription of every view is
// cancelled with pubsub.ErrServerStopped.
func (s *Server[T]) Stop() error { return s.s.Stop() }

// Reset makes the stopped underlying server startable again, empty.
func (s *Server[T]) Reset() error { return s.s.Reset() }

// IsRunning reports whether the underlying server is running.
func (s *Server[T]) IsRunning() bool { return s.s.IsRunning() }

// Quit returns a channel closed when the underlying server stops.
func (s *Server[T]) Quit() <-chan struct{} { return s.s.Quit() }

// Wait waits for the underlying server to stop.
func (s *Server[T]) Wait() { s.s.Wait() }

// String returns the underlying server's name.
func (s *Server[T]) String() string { return s.s.String() }

// SetLogger sets the underlying server's logger; nil restores the default
// (warnings and errors to slog.Default()).
func (s *Server[T]) SetLogger(l *slog.Logger) { s.s.SetLogger(l) }

// Logger returns the underlying server's logger.
func (s *Server[T]) Logger() *slog.Logger { return s.s.Logger() }
