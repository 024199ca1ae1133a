package bus

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
)

// Query is what a subscription matches published events with. pubsub.Query
// has the same method set, so the two are mutually assignable.
type Query interface {
	Matches(events map[string][]string) (bool, error)
	String() string
}

// EngineOf returns the Engine behind a server value (a *pubsub.Server), or
// nil if v is not one. Package pubsub sets it in its init function, so that
// layers built on pubsub reach the engine without pubsub exporting it.
var EngineOf func(v any) *Engine

// Engine is one server's delivery engine. Its methods are safe for
// concurrent use, except Start, Stop and Reset, which the caller serializes
// (pubsub's BaseService does).
type Engine struct {
	bufCap  int
	logger  func() *slog.Logger
	noIndex bool // QueryIndex(false)
	history int  // History(n)

	run atomic.Pointer[run]

	// Counts, written only by the loop, read by anyone.
	numClients atomic.Int64
	clientSubs sync.Map // clientID -> *atomic.Int64, present while > 0

	// Stats, written by the loop (delivered also by a catch-up goroutine
	// whose last send the loop never counted), read by anyone. seq is the last sequence number
	// taken; base the last one taken before the current run's history
	// began (the history is empty until seq passes it).
	seq          atomic.Uint64
	base         atomic.Uint64
	delivered    atomic.Uint64
	cancelledCap atomic.Uint64
	subs         atomic.Int64
	queries      atomic.Int64
	behind       atomic.Int64
}

// run holds the channels of one Start..Stop cycle; Reset swaps in a new one.
type run struct {
	reqs    chan Request
	pubs    chan envelope
	stop    chan struct{} // closed when Stop begins
	done    chan struct{} // closed when the loop has exited
	started atomic.Bool
	pumps   sync.WaitGroup // the goroutines of subscriptions catching up
	pumpsMu sync.Mutex
	pumpSet map[*pumpState]struct{} // the same, for CancelledCatchUps

	publishers // on cache lines of their own: every publish writes them
}

// envelope is one publish on its way to the loop or, with an unbuffered
// publish queue, a request (req != nil): see loop.run. The loop gives a
// publish its sequence number.
type envelope struct {
	data   any
	events map[string][]string
	req    Request
	seq    uint64
	ticket uint64 // the publisher's (see publishers)
}

// running reports whether the run has started and not begun to stop.
func (r *run) running() bool {
	if !r.started.Load() {
		return false
	}
	select {
	case <-r.stop:
		return false
	default:
		return true
	}
}

func newRun(bufCap int) *run {
	r := &run{
		reqs:    make(chan Request),
		pubs:    make(chan envelope, bufCap),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
		pumpSet: make(map[*pumpState]struct{}),
	}
	r.publishers.init()
	return r
}

// EngineOption configures an Engine.
type EngineOption func(*Engine)

// QueryIndex switches the query index on (the default) or off. With the
// index on, a publish evaluates only the distinct queries filed under a term
// that holds in its event set (see IndexedQuery) and those that cannot be
// indexed; off, it evaluates every distinct query. Deliveries are the same.
func QueryIndex(enabled bool) EngineOption {
	return func(e *Engine) { e.noIndex = !enabled }
}

// History makes the engine keep the last n messages it took, for
// subscriptions that resume (SubOptions.After) or fall behind
// (SubOptions.FallBehind). n must not be negative.
func History(n int) EngineOption {
	return func(e *Engine) { e.history = n }
}

// NewEngine returns a stopped engine whose publish queue holds bufCap
// messages. logger is consulted whenever something must be logged (a query's
// Matches error); nil means slog.Default.
func NewEngine(bufCap int, logger func() *slog.Logger, opts ...EngineOption) *Engine {
	if logger == nil {
		logger = slog.Default
	}
	e := &Engine{bufCap: bufCap, logger: logger}
	for _, o := range opts {
		o(e)
	}
	e.run.Store(newRun(bufCap))
	return e
}

// QueryIndexEnabled reports whether the engine indexes queries.
func (e *Engine) QueryIndexEnabled() bool { return !e.noIndex }

// BufferCapacity returns the capacity of the publish queue.
func (e *Engine) BufferCapacity() int { return e.bufCap }

// Start starts the loop goroutine. Publishes queued before Start are
// delivered after it.
func (e *Engine) Start() {
	r := e.run.Load()
	if r.started.Swap(true) {
		panic("bus: Engine started twice without Reset")
	}
	l := &loop{
		e:       e,
		r:       r,
		queries: make(map[string]*queryEntry),
		clients: make(map[string]*client),
		index:   newIndex(!e.noIndex),
		seq:     e.seq.Load(),
	}
	if e.history > 0 {
		l.hist.entries = make([]entry, e.history)
	}
	l.consider = l.considerQuery
	e.base.Store(l.seq) // the history of this run begins empty
	go l.run()
}

// Stop makes the loop exit and waits for it. On its way out the loop cancels
// every live subscription with ErrServerStopped and zeroes the counts.
// Publishes still queued are discarded, and publishers still waiting for the
// loop or the queue return ErrServerStopped. From then on Publish and Subscribe
// return ErrServerStopped, Unsubscribe and UnsubscribeAll
// ErrSubscriptionNotFound, until Reset.
func (e *Engine) Stop() {
	r := e.run.Load()
	select {
	case <-r.stop:
		return
	default:
	}
	r.stopping.Store(true) // before stop closes: see publishers
	close(r.stop)
	if r.started.Load() {
		if cap(r.pubs) == 0 {
			// An idle loop waits on pubs alone: wake it.
			select {
			case r.pubs <- envelope{req: wake{}}:
			case <-r.done:
			}
		}
		<-r.done
	}
	r.releasePublishers()
	r.pumps.Wait()
}

// Reset makes a stopped engine startable again, with no subscriptions and an
// empty publish queue.
func (e *Engine) Reset() {
	e.run.Store(newRun(e.bufCap))
}

// NumClients returns the number of clients with at least one subscription.
func (e *Engine) NumClients() int { return int(e.numClients.Load()) }

// NumClientSubscriptions returns the number of subscriptions of clientID.
func (e *Engine) NumClientSubscriptions(clientID string) int {
	v, ok := e.clientSubs.Load(clientID)
	if !ok {
		return 0
	}
	return int(v.(*atomic.Int64).Load())
}

// SubOptions are the options of one subscription beyond its channel.
type SubOptions struct {
	// Resume: first deliver the retained messages after After.
	Resume bool
	After  uint64
	// FallBehind: when a message finds Out full, catch up from the history
	// instead of being cancelled.
	FallBehind bool
}

// subscribe registers a subscription of clientID to q that the loop delivers
// to through d, with blocking sends if blocking is true, recorded in s. It
// returns the subscription's handle; ErrNilQuery, ErrAlreadySubscribed,
// ErrServerStopped, a *TruncatedError or ctx.Err() (nothing changed then)
// otherwise. Before Start it waits for the loop.
func (e *Engine) subscribe(ctx context.Context, clientID string, q Query, d Deliverer, blocking bool, opts SubOptions, s *subscription, qe *queryEntry) (*Handle, error) {
	if q == nil {
		return nil, ErrNilQuery
	}
	req := &subscribeReq{
		clientID: clientID,
		text:     q.String(),
		q:        q,
		d:        d,
		blocking: blocking,
		opts:     opts,
		h:        NewHandle(),
		s:        s,
		qe:       qe,
		reply:    make(chan error, 1),
	}
	if err := e.do(ctx, req, req.reply, ErrServerStopped); err != nil {
		if PublicError != nil {
			err = PublicError(err)
		}
		return nil, err
	}
	return req.h, nil
}

// Subscribe registers a subscription of clientID to q delivering into out
// (unbuffered, with blocking delivery, if cap(out) == 0) through conv, with
// opts. It returns the subscription's handle; ErrNilQuery,
// ErrAlreadySubscribed, ErrServerStopped, ErrHistoryTruncated (as
// PublicError has it) or ctx.Err() (nothing changed then) otherwise. Before
// Start it waits for the loop.
func Subscribe[M any](ctx context.Context, e *Engine, clientID string, q Query, out chan M, conv Conv[M], opts SubOptions) (*Handle, error) {
	b := &sinkSubscription[M]{sink: Sink[M]{out: out, conv: conv}}
	return e.subscribe(ctx, clientID, q, &b.sink, cap(out) == 0, opts, &b.sub, &b.qe)
}

// Stats are the engine's counters; see pubsub.Stats, which has the same
// fields.
type Stats struct {
	Published              uint64
	Delivered              uint64
	CancelledOutOfCapacity uint64
	Clients                int
	Subscriptions          int
	Queries                int
	Behind                 int
	Queued                 int
	Oldest                 uint64
	Newest                 uint64
}

// Stats reads the counters without waiting for the loop.
func (e *Engine) Stats() Stats {
	r := e.run.Load()
	newest := e.seq.Load()
	st := Stats{
		Published:              newest,
		Delivered:              e.delivered.Load(),
		CancelledOutOfCapacity: e.cancelledCap.Load(),
		Clients:                int(e.numClients.Load()),
		Subscriptions:          int(e.subs.Load()),
		Queries:                int(e.queries.Load()),
		Behind:                 int(e.behind.Load()),
		Queued:                 len(r.pubs),
		Newest:                 newest,
	}
	if base := e.base.Load(); e.history > 0 && newest > base && r.running() {
		st.Oldest = max(base+1, newest-min(newest, uint64(e.history))+1)
	}
	return st
}

// sinkSubscription is a subscription's sink, its record and, if its query
// is new, the query's entry in one block: a publish to a query with one
// subscriber reads the entry, the record and the sink without a cache miss
// between them. The entry is unused (and zero) when the query already had
// subscribers. The sink and the fields of the record that a delivery reads
// come first, in the block's first cache line (the block is 192 bytes, a
// size class whose blocks start on a line), so that a delivery to one of
// many subscribers of a shared query reads one line.
type sinkSubscription[M any] struct {
	sink Sink[M]
	sub  subscription
	qe   queryEntry
}

// Unsubscribe cancels with ErrUnsubscribed the subscription of clientID whose
// query's String() is queryText. It returns ErrSubscriptionNotFound if there
// is none (and after Stop), ctx.Err() if ctx ends before the loop takes the
// request (nothing changed then).
func (e *Engine) Unsubscribe(ctx context.Context, clientID, queryText string) error {
	req := &unsubscribeReq{clientID: clientID, text: queryText, reply: make(chan error, 1)}
	return e.do(ctx, req, req.reply, ErrSubscriptionNotFound)
}

// UnsubscribeAll cancels with ErrUnsubscribed every subscription of
// clientID. It returns ErrSubscriptionNotFound if there is none (and after
// Stop), ctx.Err() if ctx ends before the loop takes the request (nothing
// changed then).
func (e *Engine) UnsubscribeAll(ctx context.Context, clientID string) error {
	req := &unsubscribeAllReq{clientID: clientID, reply: make(chan error, 1)}
	return e.do(ctx, req, req.reply, ErrSubscriptionNotFound)
}

// IndexStats returns the state of the running engine's query index, read by
// the loop between two operations. It returns ErrServerStopped after Stop and
// ctx.Err() if ctx ends before the loop takes the request; before Start it
// waits for the loop.
func (e *Engine) IndexStats(ctx context.Context) (IndexStats, error) {
	req := &indexStatsReq{reply: make(chan error, 1)}
	if err := e.do(ctx, req, req.reply, ErrServerStopped); err != nil {
		return IndexStats{}, err
	}
	return req.stats, nil
}

// do hands req to the loop and waits for its reply. If the engine is stopped
// it returns stoppedErr; if ctx ends before the loop takes req, ctx.Err().
// Once the loop has taken req it always replies.
func (e *Engine) do(ctx context.Context, req Request, reply <-chan error, stoppedErr error) error {
	return e.doOn(e.run.Load(), ctx, req, reply, stoppedErr)
}

// doOn is do on the run r.
func (e *Engine) doOn(r *run, ctx context.Context, req Request, reply <-chan error, stoppedErr error) error {
	select {
	case <-r.stop:
		return stoppedErr
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// An idle loop with an unbuffered publish queue waits on pubs alone, a
	// blocked delivery on reqs. A buffered queue must not carry requests: a
	// request queued behind publishes would not reach a delivery blocked
	// before them.
	var pubs chan envelope
	if cap(r.pubs) == 0 {
		pubs = r.pubs
	}
	select {
	case r.reqs <- req:
		return <-reply
	case pubs <- envelope{req: req}:
		// Taken by the loop, which replies, or by Stop releasing the
		// publishers, which does not.
		select {
		case err := <-reply:
			return err
		case <-r.released:
			select {
			case err := <-reply:
				return err
			default:
				return stoppedErr
			}
		}
	case <-r.stop:
		return stoppedErr
	case <-ctx.Done():
		return ctx.Err()
	}
}
