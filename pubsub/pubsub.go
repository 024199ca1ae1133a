package pubsub

import (
	"context"
	"errors"

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
	// ErrHistoryTruncated is what the error of a SubscribeWith with After
	// is (errors.Is) when the history no longer holds every message after
	// the cursor; errors.As gives the details in a *TruncatedError.
	ErrHistoryTruncated = bus.ErrHistoryTruncated
)

// TruncatedError is the error of a SubscribeWith with After(seq) when the
// server's history does not hold every message after seq: some were
// evicted, the server never kept them (History(0)), or seq is greater than
// Newest and so is not a cursor of this server. Nothing is subscribed then.
// errors.Is(err, ErrHistoryTruncated) holds for it.
//
// To accept the loss and go on, subscribe again After(Oldest-1), which
// replays all the history holds; or, when Oldest is 0 (the history is
// empty), After(Newest), which receives what is published from then on.
type TruncatedError struct {
	// After is the cursor that was asked for.
	After uint64
	// Oldest is the oldest sequence number the history still holds, 0 if
	// it holds none.
	Oldest uint64
	// Newest is the sequence number of the last message the server took
	// (with or without history).
	Newest uint64
}

// Error describes the gap, e.g. "pubsub: history truncated: resume after
// 5, but the history holds 10 to 20".
func (e *TruncatedError) Error() string {
	return (*bus.TruncatedError)(e).Error()
}

// Is reports whether target is ErrHistoryTruncated.
func (e *TruncatedError) Is(target error) bool { return target == ErrHistoryTruncated }

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
	bus.PublicError = func(err error) error {
		var te *bus.TruncatedError
		if errors.As(err, &te) {
			return (*TruncatedError)(te)
		}
		return err
	}
	bus.SubConfigOf = func(pkg string, opts any) bus.SubConfig {
		return subConfig(pkg, opts.([]SubscribeOption))
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

// History makes the server keep the last n messages it took (their data,
// events and sequence number), whether or not anyone received them, so that
// a subscription can resume after the last message it saw (After) and a
// subscription that cannot keep up can fall behind and catch up instead of
// being cancelled (FallBehind). The default, 0, keeps none. The history lives
// as long as the server runs: Stop keeps nothing, and after Reset it begins
// empty (sequence numbers go on). It holds one entry per message (32 bytes
// beside what the message itself holds), nothing per subscription. It
// panics if n is negative.
func History(n int) Option {
	if n < 0 {
		panic("pubsub: History: negative length")
	}
	return func(s *Server) { s.history = n }
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
	history int
	eng     *bus.Engine
}

// NewServer returns a server, not started.
func NewServer(options ...Option) *Server {
	s := &Server{}
	s.BaseService = *service.NewBaseService(nil, "PubSub", s)
	for _, o := range options {
		o(s)
	}
	s.eng = bus.NewEngine(s.bufCap, s.Logger, bus.QueryIndex(!s.noIndex), bus.History(s.history))
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
	return s.subscribeWith(ctx, clientID, query, bus.SubConfig{Capacity: capacity})
}

func (s *Server) subscribeWith(ctx context.Context, clientID string, query Query, c bus.SubConfig) (*Subscription, error) {
	if query == nil {
		return nil, ErrNilQuery
	}
	out := make(chan Message, c.Capacity)
	h, err := bus.Subscribe(ctx, s.eng, clientID, query, out, toMessage, c.SubOptions)
	if err != nil {
		return nil, err
	}
	return &Subscription{out: out, h: h}, nil
}

// toMessage is the conversion of every untyped subscription.
func toMessage(data any, events map[string][]string, seq uint64) (Message, bool) {
	return Message{data: data, events: events, seq: seq}, true
}

// SubscribeOption is an option of SubscribeWith: Capacity, After or
// FallBehind.
type SubscribeOption struct {
	apply func(*bus.SubConfig)
}

// Capacity sets the capacity of the subscription's Out channel (default 1).
// 0 is unbuffered: the server waits for the subscriber to receive each
// message, as with SubscribeUnbuffered. It panics if n is negative.
func Capacity(n int) SubscribeOption {
	if n < 0 {
		panic("pubsub: Capacity: negative capacity")
	}
	return SubscribeOption{func(c *bus.SubConfig) { c.Capacity = n }}
}

// After resumes a stream: the subscription first receives, in order, every
// message of the server's history whose sequence number is greater than seq
// and whose events match the query, then the messages published from then
// on, with no gap and no duplicate between the two. seq is the Seq of the
// last message the subscriber saw (0 for everything the history holds, on a
// server whose first message is still in it). If the history does not hold
// every message after seq, SubscribeWith subscribes nothing and returns a
// *TruncatedError.
//
// While it replays, the subscription is behind (see FallBehind): the server
// does not wait for it, and if the history evicts a message it has not yet
// received it is cancelled with ErrOutOfCapacity. Then it is live, under its
// own capacity rules.
func After(seq uint64) SubscribeOption {
	return SubscribeOption{func(c *bus.SubConfig) { c.Resume, c.After = true, seq }}
}

// FallBehind makes a buffered subscription fall behind instead of being
// cancelled when a message finds Out full: the server hands it the messages
// it missed from the history, in order, as Out drains, until it has caught
// up, and then it is live again. It is cancelled with ErrOutOfCapacity only
// when the history evicts a message it has not yet received, which without
// History is at once, as for any buffered subscription. A subscription that
// has fallen behind never makes the server, other subscriptions or
// publishers wait, and costs the server the same per publish however far
// behind it is. With Capacity(0), SubscribeWith panics.
func FallBehind() SubscribeOption {
	return SubscribeOption{func(c *bus.SubConfig) { c.FallBehind = true }}
}

// subConfig applies opts over the defaults, for package pkg's SubscribeWith.
func subConfig(pkg string, opts []SubscribeOption) bus.SubConfig {
	c := bus.SubConfig{Capacity: 1}
	for _, o := range opts {
		if o.apply == nil {
			panic(pkg + ": SubscribeWith: zero SubscribeOption")
		}
		o.apply(&c)
	}
	if c.FallBehind && c.Capacity == 0 {
		panic(pkg + ": SubscribeWith: FallBehind needs a buffered subscription (Capacity > 0): the server waits for an unbuffered one")
	}
	return c
}

// SubscribeWith is Subscribe with options: Capacity (default 1), After
// (resume after a sequence number) and FallBehind (catch up from the history
// instead of being cancelled). Subscribe(ctx, c, q, n) is
// SubscribeWith(ctx, c, q, Capacity(n)), and SubscribeUnbuffered is
// Capacity(0).
//
// Its errors are those of Subscribe, and with After a *TruncatedError (see
// ErrHistoryTruncated). It panics if FallBehind is given with Capacity(0).
func (s *Server) SubscribeWith(ctx context.Context, clientID string, query Query, opts ...SubscribeOption) (*Subscription, error) {
	return s.subscribeWith(ctx, clientID, query, subConfig("pubsub", opts))
}

// Stats are a server's counters. Published, Delivered and
// CancelledOutOfCapacity only grow for the server's lifetime (across Stop
// and Reset); the others are gauges.
type Stats struct {
	// Published is the number of messages the server has taken, each given
	// the next sequence number: it is also the newest Seq.
	Published uint64
	// Delivered is the number of messages placed on Out channels.
	Delivered uint64
	// CancelledOutOfCapacity is the number of subscriptions cancelled with
	// ErrOutOfCapacity, ever.
	CancelledOutOfCapacity uint64
	// Clients is NumClients.
	Clients int
	// Subscriptions is the number of live subscriptions.
	Subscriptions int
	// Queries is the number of distinct queries (by String) subscribed to.
	Queries int
	// Behind is the number of subscriptions catching up from the history
	// now (fallen behind, or resuming).
	Behind int
	// Queued is the number of messages waiting in the publish queue (see
	// BufferCapacity).
	Queued int
	// Oldest and Newest are the sequence numbers of the oldest message the
	// history holds (0 if none) and of the newest message taken (with or
	// without history; 0 before the first).
	Oldest, Newest uint64
}

// Stats returns the server's counters. It does not wait for the server's
// goroutine: the figures may trail it by the operation in progress.
func (s *Server) Stats() Stats { return Stats(s.eng.Stats()) }

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
