package pubsub

import (
	"context"

	"github.com/querybus/querybus/internal/bus"
	"github.com/querybus/querybus/pubsub/service"
)

// Errors. They are the same values as those of the engine shared with the
// typed layer, so errors.Is works across both.
var (
	// ErrSubscriptionNotFound is returned by Unsubscribe and UnsubscribeAll
	// when there is nothing to remove (always, after Stop).
	ErrSubscriptionNotFound = bus.ErrSubscriptionNotFound
	// ErrAlreadySubscribed is returned by Subscribe when the client already
	// has a subscription with a query of the same String().
	ErrAlreadySubscribed = bus.ErrAlreadySubscribed
	// ErrUnsubscribed is Subscription.Err after Unsubscribe or UnsubscribeAll.
	ErrUnsubscribed = bus.ErrUnsubscribed
	// ErrOutOfCapacity is Subscription.Err after a message found a buffered
	// subscription's Out channel full.
	ErrOutOfCapacity = bus.ErrOutOfCapacity
	// ErrServerStopped is Subscription.Err after the server stopped, and the
	// result of Subscribe and Publish on a stopped server.
	ErrServerStopped = bus.ErrServerStopped
	// ErrNilQuery is returned by Subscribe, SubscribeUnbuffered and
	// Unsubscribe given a nil query.
	ErrNilQuery = bus.ErrNilQuery
	// ErrQueryFailed is wrapped by Subscription.Err when the subscription's
	// query panicked on the server's goroutine (its Matches, or its
	// IndexTerms), and by the error of a Subscribe whose query's IndexTerms
	// panicked (nothing is subscribed then). The wrapping error names the
	// query and the method and includes the panic value; the panic and its
	// stack are logged. Every subscription of that query is cancelled;
	// nothing else is affected. Test it with errors.Is.
	ErrQueryFailed = bus.ErrQueryFailed
)

// Query selects the messages a subscription receives by their events.
// *query.Query (package github.com/querybus/querybus/query) implements it.
// Two queries with the same String() are the same query for the server.
//
// Matches (and IndexTerms, see IndexedQuery) of any other implementation
// run on the server's goroutine, which delivers every message: they must be
// fast and must never block, because while one of them waits, no message is
// delivered to anyone and every publisher waits too. A panic in them is
// recovered: the query's subscriptions are cancelled (see ErrQueryFailed).
type Query interface {
	// Matches reports whether events satisfy the query. An error counts as
	// no match (and is logged at level Warn).
	Matches(events map[string][]string) (bool, error)
	// String returns the query's text.
	String() string
}

var _ bus.Query = Query(nil)

// IndexTerm is a fact about an event set: Key has Value among its values or,
// with AnyValue, Key has at least one value. It is an alias of an unnamed
// struct type, identical to query.IndexTerm, so that *query.Query implements
// IndexedQuery without either package importing the other.
type IndexTerm = struct {
	Key      string
	Value    string
	AnyValue bool
}

// IndexedQuery is a Query that tells the server which event sets it could
// match, so that a publish evaluates it only when it might match (see the
// package documentation, "The query index"). *query.Query implements it.
// Any other Query is evaluated on every publish.
type IndexedQuery interface {
	Query
	// IndexTerms returns alternative sets of terms: if the query matches an
	// event set, every set has a term that holds in it (Value among Key's
	// values, or with AnyValue any value of Key). nil: evaluate the query on
	// every publish. The server calls it once, when the first subscription
	// of a query (by String) arrives.
	IndexTerms() [][]IndexTerm
}

var (
	_ bus.IndexedQuery = IndexedQuery(nil)
	_ IndexedQuery     = bus.IndexedQuery(nil)
)

func init() {
	bus.EngineOf = func(v any) *bus.Engine {
		if s, ok := v.(*Server); ok && s != nil {
			return s.eng
		}
		return nil
	}
}

// Option configures a Server.
type Option func(*Server)

// BufferCapacity sets the capacity of the server's publish queue (default
// 0: a publisher waits until the server takes its message). It panics if cap
// is negative.
func BufferCapacity(cap int) Option {
	if cap < 0 {
		panic("pubsub: BufferCapacity: negative capacity")
	}
	return func(s *Server) { s.bufCap = cap }
}

// QueryIndex switches the server's query index on (the default) or off.
// With the index on, a publish evaluates only the distinct queries that
// could match its events (see IndexedQuery); off, every distinct query is
// evaluated on every publish. Which subscriptions receive a message is the
// same either way.
func QueryIndex(enabled bool) Option {
	return func(s *Server) { s.noIndex = !enabled }
}

// Server is a publish-subscribe server. Create it with NewServer and start
// it with Start.
type Server struct {
	service.BaseService

	bufCap  int
	noIndex bool
	eng     *bus.Engine
}

// NewServer returns a server, not started.
func NewServer(options ...Option) *Server {
	s := &Server{}
	s.BaseService = *service.NewBaseService(nil, "PubSub", s)
	for _, o := range options {
		o(s)
	}
	s.eng = bus.NewEngine(s.bufCap, s.Logger, bus.QueryIndex(!s.noIndex))
	return s
}

// BufferCapacity returns the capacity of the server's publish queue.
func (s *Server) BufferCapacity() int { return s.eng.BufferCapacity() }

// NumClients returns the number of clients with at least one subscription.
func (s *Server) NumClients() int { return s.eng.NumClients() }

// NumClientSubscriptions returns the number of subscriptions of clientID.
func (s *Server) NumClientSubscriptions(clientID string) int {
	return s.eng.NumClientSubscriptions(clientID)
}

// Subscribe subscribes clientID to the messages whose events match query,
// delivered on a buffered Out channel of capacity outCapacity (1 if omitted).
// When a message finds Out full, the subscription is cancelled with
// ErrOutOfCapacity. Subscribe panics if outCapacity ≤ 0 or if more than one
// capacity is given; use SubscribeUnbuffered for an unbuffered subscription.
//
// It returns ErrNilQuery for a nil query, ErrAlreadySubscribed if clientID
// already has a query with the same String(), ErrServerStopped after Stop,
// and ctx.Err() if ctx ends before the server takes the request (nothing
// changed then). Before Start it waits for the server to start.
func (s *Server) Subscribe(ctx context.Context, clientID string, query Query, outCapacity ...int) (*Subscription, error) {
	return s.subscribe(ctx, clientID, query, bus.OutCapacity("pubsub", outCapacity))
}

// SubscribeUnbuffered is Subscribe with an unbuffered Out channel: the server
// waits for the subscriber to receive each message (delivering nothing else
// meanwhile), until it receives, is unsubscribed, or the server stops. Such
// a subscription is never cancelled for capacity.
func (s *Server) SubscribeUnbuffered(ctx context.Context, clientID string, query Query) (*Subscription, error) {
	return s.subscribe(ctx, clientID, query, 0)
}

func (s *Server) subscribe(ctx context.Context, clientID string, query Query, capacity int) (*Subscription, error) {
	if query == nil {
		return nil, ErrNilQuery
	}
	out := make(chan Message, capacity)
	h, err := bus.Subscribe(ctx, s.eng, clientID, query, out, toMessage)
	if err != nil {
		return nil, err
	}
	return &Subscription{out: out, h: h}, nil
}

// toMessage is the conversion of every untyped subscription.
func toMessage(data any, events map[string][]string) (Message, bool) {
	return Message{data: data, events: events}, true
}

// Unsubscribe cancels the subscription of clientID whose query has the same
// String() as query; its Err becomes ErrUnsubscribed and nothing published
// after Unsubscribe returns reaches it. It returns ErrSubscriptionNotFound if
// there is none (always, after Stop), ErrNilQuery for a nil query, and
// ctx.Err() if ctx ends before the server takes the request (nothing changed
// then).
func (s *Server) Unsubscribe(ctx context.Context, clientID string, query Query) error {
	if query == nil {
		return ErrNilQuery
	}
	return s.eng.Unsubscribe(ctx, clientID, query.String())
}

// UnsubscribeAll cancels every subscription of clientID, as Unsubscribe
// does. It returns ErrSubscriptionNotFound if there is none.
func (s *Server) UnsubscribeAll(ctx context.Context, clientID string) error {
	return s.eng.UnsubscribeAll(ctx, clientID)
}

// Publish is PublishWithEvents with an empty event set: only subscriptions
// whose query matches an empty set (query.All) receive msg.
func (s *Server) Publish(ctx context.Context, msg interface{}) error {
	return s.eng.Publish(ctx, msg, nil)
}

// PublishWithEvents hands msg and events to the server and returns nil once
// the server (or its queue) has taken them, ctx.Err() if ctx ends first, and
// ErrServerStopped once the server has stopped. Every subscription whose
// query matches events receives Message{msg, events}, with this very map
// (do not change it afterwards). A nil map is an empty set.
func (s *Server) PublishWithEvents(ctx context.Context, msg interface{}, events map[string][]string) error {
	return s.eng.Publish(ctx, msg, events)
}

// OnStart starts the server's goroutine. Called by Start.
func (s *Server) OnStart() error {
	s.eng.Start()
	return nil
}

// OnStop makes the server's goroutine exit and waits for it; every live
// subscription is cancelled with ErrServerStopped and queued messages are
// discarded. Called by Stop.
func (s *Server) OnStop() { s.eng.Stop() }

// OnReset empties the stopped server so that it can start again. Called by
// Reset.
func (s *Server) OnReset() error {
	s.eng.Reset()
	return nil
}
