package bus

import (
	"runtime/debug"
	"sync/atomic"

	"github.com/querybus/querybus/internal/fastpath"
	"github.com/querybus/querybus/query"
)

// Request is one operation for the loop: one Go type per operation, each
// carrying its own reply channel. Only this package implements it.
type Request interface {
	apply(l *loop)
}

type subscribeReq struct {
	clientID string
	text     string
	q        Query
	d        Deliverer
	blocking bool
	opts     SubOptions
	h        *Handle
	s        *subscription // zero, allocated by the caller (next to d, by Subscribe)
	qe       *queryEntry   // zero, allocated with s: the query's entry if it is new
	reply    chan error
}

type unsubscribeReq struct {
	clientID string
	text     string
	reply    chan error
}

type unsubscribeAllReq struct {
	clientID string
	reply    chan error
}

// loop is the state owned by the engine's goroutine during one run.
type loop struct {
	e *Engine
	r *run

	queries map[string]*queryEntry // distinct queries by String()
	index   *index                 // the same, by the terms they could match
	clients map[string]*client

	// What the publish in progress is matching, and the subscriptions of
	// the queries that matched so far (the array is reused by every
	// publish). consider is l.consider, made once.
	events   map[string][]string
	matched  []*subscription
	consider func(qe *queryEntry, values []string)

	// The queries whose Matches panicked during the publish in progress;
	// their subscriptions are cancelled once the index visit is over.
	failed []failure

	// seq is the last sequence number taken (Engine.seq is its published
	// copy); hist the retained messages; behind the subscriptions catching
	// up from hist (each knows its position in it).
	seq    uint64
	hist   history
	behind []*subscription
}

// failure is a query whose method panicked, and the error its subscriptions
// are cancelled with.
type failure struct {
	qe  *queryEntry
	err error
}

// queryEntry is one distinct query and the subscriptions that share it.
// The fields a publish reads come first. Most queries have one subscription:
// subs is then inline[:1], so that a publish finds it without a cache miss on
// a separate array. The entry is allocated in one block with its first
// subscription and that subscription's sink (see Subscribe), so that a
// publish to a query with one subscriber reads one block of memory, from
// the entry to the sink.
type queryEntry struct {
	stamp    uint64                                                 // index.stamp of the last publish it was a candidate of
	keyMatch func(values []string) bool                             // a fastpath.Part's Values, or
	split    func(values []string, events map[string][]string) bool // its Split; set by the index
	match    func(map[string][]string) bool                         // a *query.Query's matcher; nil for a user's query
	q        Query
	subs     []*subscription
	inline   [1]*subscription
	text     string
	slots    *[]slot // where it is filed in the index; a pointer, to keep sinkSubscription in 192 bytes
}

type client struct {
	subs  map[string]*subscription // by query text
	count *atomic.Int64            // published in Engine.clientSubs
}

// subscription is one client's subscription to one query. Subscribe
// allocates it in one block with its Sink, which a delivery reads next.
type subscription struct {
	// What a delivery reads first: with the sink before it, the first
	// cache line of the block (see sinkSubscription).
	d          Deliverer
	blocking   bool
	cancelled  bool
	behind     bool  // catching up: publishes pass it by (see history.go)
	fallBehind bool  // SubOptions.FallBehind
	idx        int32 // position in qe.subs
	lag        *lag  // nil until it first falls behind or resumes

	h        *Handle
	qe       *queryEntry
	clientID string
}

func (l *loop) run() {
	defer close(l.r.done)
	defer l.shutdown()
	if cap(l.r.pubs) == 0 {
		l.runUnbuffered()
		return
	}
	for {
		// Stop wins over pending work.
		select {
		case <-l.r.stop:
			return
		default:
		}
		select {
		case <-l.r.stop:
			return
		case req := <-l.r.reqs:
			req.apply(l)
		case env := <-l.r.pubs:
			l.publish(env)
		}
	}
}

// runUnbuffered is run for an unbuffered publish queue. The idle loop then
// waits on pubs alone, which carries publishes, requests and Stop's wake-up:
// a plain receive hands over in about two thirds of the time of a select on
// three channels (which a publisher waiting for the loop pays on every
// publish). A delivery blocked on a subscriber still takes requests from
// reqs.
func (l *loop) runUnbuffered() {
	for {
		select {
		case <-l.r.stop:
			return
		default:
		}
		env := <-l.r.pubs
		if env.req != nil {
			env.req.apply(l)
			continue
		}
		l.publish(env)
	}
}

// wake is what Stop sends an idle loop with an unbuffered publish queue,
// which then sees stop closed.
type wake struct{}

func (wake) apply(*loop) {}

// shutdown cancels every live subscription with ErrServerStopped.
func (l *loop) shutdown() {
	for _, c := range l.clients {
		for _, s := range c.subs {
			l.cancel(s, ErrServerStopped)
		}
	}
	l.matched = nil
}

// publish evaluates each query the index visits (each distinct candidate
// once), collects the subscriptions of those that match and then delivers
// to them: deliveries come after every evaluation, because a blocking one
// handles requests, which change the index.
func (l *loop) publish(env envelope) {
	l.seq++
	env.seq = l.seq
	l.e.seq.Store(l.seq)
	if l.hist.entries != nil {
		if len(l.behind) != 0 && l.hist.full() {
			l.evicting(l.hist.at(l.hist.oldest))
		}
		l.hist.add(entry{seq: env.seq, data: env.data, events: env.events})
	}
	l.events = env.events
	l.index.visit(env.events, l.consider)
	l.events = nil
	if len(l.failed) != 0 {
		l.cancelFailed()
	}
	matched := l.matched
	var sent uint64
	for _, s := range matched {
		// A blocking delivery may have handled requests that cancelled s;
		// a subscription behind finds this message in the history, and one
		// that caught up meanwhile (lag.cursor) has had it from there.
		if s.cancelled || s.behind || (s.lag != nil && s.lag.cursor >= env.seq) {
			continue
		}
		ok, n := l.deliver(s, env)
		sent += n
		if !ok {
			break // stopping: the rest is discarded
		}
	}
	if sent != 0 {
		l.e.delivered.Add(sent)
	}
	clear(matched)
	l.matched = matched[:0]
}

// considerQuery evaluates qe on the publish in progress and collects its
// subscriptions if it matches. values are those of the key of the bucket qe
// was found in (see index.visit).
func (l *loop) considerQuery(qe *queryEntry, values []string) {
	var ok bool
	switch {
	case qe.keyMatch != nil:
		ok = qe.keyMatch(values)
	case qe.split != nil:
		ok = qe.split(values, l.events)
	default:
		ok = l.matches(qe, l.events)
	}
	if ok {
		l.matched = append(l.matched, qe.subs...)
	}
}

func (l *loop) matches(qe *queryEntry, events map[string][]string) bool {
	if qe.match != nil {
		return qe.match(events)
	}
	return l.userMatches(qe, events)
}

// userMatches evaluates a query other than *query.Query, which is user code:
// an error is logged and counts as no match; a panic is recovered, logged
// with its stack, counts as no match, and has the query's subscriptions
// cancelled with ErrQueryFailed once the visit is over (the index must not
// change during it).
func (l *loop) userMatches(qe *queryEntry, events map[string][]string) (ok bool) {
	defer func() {
		if v := recover(); v != nil {
			ok = false
			l.failed = append(l.failed, failure{qe, l.queryPanicked(qe.text, "Matches", v)})
		}
	}()
	ok, err := qe.q.Matches(events)
	if err != nil {
		l.e.logger().Warn("pubsub: query failed to match, counted as no match", "query", qe.text, "err", err)
		return false
	}
	return ok
}

// queryPanicked logs the panic of a query's method, with the stack of the
// panicking goroutine (to be called by the deferred function that recovered
// it), and returns the error its subscriptions are cancelled with.
func (l *loop) queryPanicked(text, method string, v any) error {
	err := queryPanicked(text, method, v)
	l.e.logger().Error("pubsub: query panicked, its subscriptions are cancelled",
		"query", text, "method", method, "panic", v, "stack", string(debug.Stack()))
	return err
}

// cancelFailed cancels the subscriptions of the queries whose Matches
// panicked in the publish in progress.
func (l *loop) cancelFailed() {
	for i, f := range l.failed {
		for len(f.qe.subs) > 0 {
			l.cancel(f.qe.subs[len(f.qe.subs)-1], f.err)
		}
		l.failed[i] = failure{}
	}
	l.failed = l.failed[:0]
}

// filing is what the loop reads of a distinct query when its first
// subscription arrives: the matcher and the parts of a *query.Query (see
// fastpath.Plan), and the alternative sets of index terms of an IndexedQuery
// (if the index is on).
type filing struct {
	match func(map[string][]string) bool
	parts []fastpath.Part
	alts  [][]IndexTerm
}

// inspect returns the filing of q, whose String() is text. *query.Query
// never panics, and only its matchers are taken; any other query is user
// code, and a panic of its IndexTerms is recovered, logged and returned as
// an error wrapping ErrQueryFailed.
func (l *loop) inspect(q Query, text string) (f filing, err error) {
	if qq, ok := q.(*query.Query); ok {
		p := fastpath.Of(qq)
		f.match, f.parts = p.Match, p.Parts
		if l.index.enabled {
			f.alts = qq.IndexTerms()
		}
		return f, nil
	}
	iq, ok := q.(IndexedQuery)
	if !ok || !l.index.enabled {
		return f, nil
	}
	defer func() {
		if v := recover(); v != nil {
			f, err = filing{}, l.queryPanicked(text, "IndexTerms", v)
		}
	}()
	f.alts = iq.IndexTerms()
	return f, nil
}

// deliver hands env to s and returns how many messages it placed on Out (0
// or 1); ok is false if the engine is stopping.
func (l *loop) deliver(s *subscription, env envelope) (ok bool, sent uint64) {
	if !s.blocking {
		switch s.d.Offer(env.data, env.events, env.seq) {
		case Sent:
			return true, 1
		case Full:
			if s.fallBehind && l.hist.entries != nil {
				l.fallBehind(s, l.hist.at(env.seq))
			} else {
				l.outOfCapacity(s)
			}
		}
		return true, 0
	}
	for {
		select {
		case <-l.r.stop:
			return false, 0
		default:
		}
		out, req := s.d.Send(env.data, env.events, env.seq, l.r.reqs, l.r.stop)
		switch out {
		case Interrupted:
			req.apply(l)
			if s.cancelled {
				return true, 0
			}
		case Stopping:
			return false, 0
		case Sent:
			return true, 1
		default: // Skipped
			return true, 0
		}
	}
}

// outOfCapacity cancels s, whose channel a message found full, with
// ErrOutOfCapacity, and logs it: the subscriber loses every message from
// this one on, which it learns from Err but its operator only from the log.
func (l *loop) outOfCapacity(s *subscription) {
	l.e.logger().Warn("pubsub: subscription cancelled: out of capacity",
		"client", s.clientID, "query", s.qe.text)
	l.e.cancelledCap.Add(1)
	l.cancel(s, ErrOutOfCapacity)
}

// cancel removes s from the state, updates the counts, and only then cancels
// its handle, so that a subscriber woken by Cancelled sees the new counts.
func (l *loop) cancel(s *subscription, err error) {
	s.cancelled = true
	if s.behind {
		l.unmarkBehind(s)
	}
	l.e.subs.Add(-1)

	qe := s.qe
	last := len(qe.subs) - 1
	moved := qe.subs[last]
	qe.subs[s.idx] = moved
	moved.idx = s.idx
	qe.subs[last] = nil
	qe.subs = qe.subs[:last]
	if len(qe.subs) == 0 {
		l.index.remove(qe)
		delete(l.queries, qe.text)
		l.e.queries.Add(-1)
	}

	c := l.clients[s.clientID]
	delete(c.subs, qe.text)
	c.count.Add(-1)
	if len(c.subs) == 0 {
		delete(l.clients, s.clientID)
		l.e.clientSubs.Delete(s.clientID)
		l.e.numClients.Add(-1)
	}

	h := s.h
	s.d.release()
	// The block of a query's first subscription holds the queryEntry,
	// which lives on while the query has subscribers: keep nothing else
	// alive through it.
	*s = subscription{cancelled: true}
	h.cancel(err)
}

func (r *subscribeReq) apply(l *loop) {
	c := l.clients[r.clientID]
	if c != nil {
		if _, dup := c.subs[r.text]; dup {
			r.reply <- ErrAlreadySubscribed
			return
		}
	}
	if r.opts.Resume {
		if err := l.covers(r.opts.After); err != nil {
			r.reply <- err
			return
		}
	}
	qe := l.queries[r.text]
	if qe == nil {
		f, err := l.inspect(r.q, r.text)
		if err != nil {
			r.reply <- err
			return
		}
		qe = r.qe
		*qe = queryEntry{q: r.q, text: r.text, match: f.match}
		qe.subs = qe.inline[:0:1]
		l.queries[r.text] = qe
		l.index.add(qe, f.alts, f.parts)
		l.e.queries.Add(1)
	}
	s := r.s
	*s = subscription{
		clientID:   r.clientID,
		qe:         qe,
		idx:        int32(len(qe.subs)),
		d:          r.d,
		blocking:   r.blocking,
		fallBehind: r.opts.FallBehind,
		h:          r.h,
	}
	if len(qe.subs) == 1 && cap(qe.subs) == 1 {
		// Outgrowing the inline array: move out, leave no pointer behind.
		grown := make([]*subscription, 1, 4)
		grown[0] = qe.inline[0]
		qe.inline[0] = nil
		qe.subs = grown
	}
	qe.subs = append(qe.subs, s)
	if c == nil {
		c = &client{subs: make(map[string]*subscription), count: new(atomic.Int64)}
		l.clients[r.clientID] = c
		l.e.clientSubs.Store(r.clientID, c.count)
		l.e.numClients.Add(1)
	}
	c.subs[r.text] = s
	c.count.Add(1)
	l.e.subs.Add(1)
	if r.opts.Resume && r.opts.After < l.seq {
		l.resume(s, r.opts.After)
	}
	r.reply <- nil
}

// resume makes the new subscription s catch up from the history after seq,
// which covers holds: it is filled from the history at once, and if the
// history does not fit in Out, or the scan's budget runs out, it goes on
// catching up with a goroutine of its own.
func (l *loop) resume(s *subscription, after uint64) {
	l.markBehind(s, after)
	state, held := l.refill(s)
	if s.cancelled { // its query panicked
		return
	}
	switch state {
	case refillHeld:
		s.d.pump(l, s, held)
	case refillMore:
		s.d.pump(l, s, nil)
	}
}

func (r *unsubscribeReq) apply(l *loop) {
	c := l.clients[r.clientID]
	if c == nil {
		r.reply <- ErrSubscriptionNotFound
		return
	}
	s := c.subs[r.text]
	if s == nil {
		r.reply <- ErrSubscriptionNotFound
		return
	}
	l.cancel(s, ErrUnsubscribed)
	r.reply <- nil
}

func (r *unsubscribeAllReq) apply(l *loop) {
	c := l.clients[r.clientID]
	if c == nil {
		r.reply <- ErrSubscriptionNotFound
		return
	}
	for _, s := range c.subs {
		l.cancel(s, ErrUnsubscribed)
	}
	r.reply <- nil
}
