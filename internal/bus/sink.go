package bus

import "context"

// Conv converts published data and events, and the message's sequence
// number, into a subscriber's message type M. It returns false when the
// message is not for this subscriber (a typed view skipping data of another
// type); such a message does not count against the subscription's capacity.
// A Conv runs on the engine's loop: it must be fast, must not block and
// should not allocate.
type Conv[M any] func(data any, events map[string][]string, seq uint64) (M, bool)

// Outcome is the result of one delivery attempt.
type Outcome int

const (
	// Skipped: the sink's Conv declined the message.
	Skipped Outcome = iota
	// Sent: the message is on the subscriber's channel (or was received).
	Sent
	// Full: a non-blocking send found the channel full.
	Full
	// Interrupted: a blocking send was interrupted by a request, returned
	// alongside, that the loop must handle before trying again.
	Interrupted
	// Stopping: a blocking send was interrupted because the engine is
	// stopping.
	Stopping
)

// Deliverer is what the loop delivers through; Sink implements it for each
// message type. Its methods are called only by the loop.
type Deliverer interface {
	// Offer converts and sends without blocking: Skipped, Sent or Full.
	Offer(data any, events map[string][]string, seq uint64) Outcome
	// Send converts and sends, blocking until the subscriber receives, a
	// request arrives on reqs (Interrupted, with the request) or stop is
	// closed (Stopping). It returns Skipped or Sent otherwise.
	Send(data any, events map[string][]string, seq uint64, reqs <-chan Request, stop <-chan struct{}) (Outcome, Request)
	// accepts reports whether Conv takes the message.
	accepts(data any, events map[string][]string, seq uint64) bool
	// pump starts the goroutine that delivers the message of held, if not
	// nil, then asks the loop for the next ones (see catchUp).
	pump(l *loop, s *subscription, held *entry)
	// release lets go of the subscriber's channel once the subscription is
	// cancelled. Only this package implements Deliverer.
	release()
}

// Sink delivers into a subscriber's channel of messages of type M. A
// subscription is unbuffered (blocking delivery) when its channel has
// capacity 0. A delivery allocates nothing beyond what Conv allocates.
type Sink[M any] struct {
	out  chan M
	conv Conv[M]
}

// Offer implements Deliverer.
func (s *Sink[M]) Offer(data any, events map[string][]string, seq uint64) Outcome {
	m, ok := s.conv(data, events, seq)
	if !ok {
		return Skipped
	}
	select {
	case s.out <- m:
		return Sent
	default:
		return Full
	}
}

// Send implements Deliverer.
func (s *Sink[M]) Send(data any, events map[string][]string, seq uint64, reqs <-chan Request, stop <-chan struct{}) (Outcome, Request) {
	m, ok := s.conv(data, events, seq)
	if !ok {
		return Skipped, nil
	}
	select {
	case s.out <- m:
		return Sent, nil
	case r := <-reqs:
		return Interrupted, r
	case <-stop:
		return Stopping, nil
	}
}

func (s *Sink[M]) accepts(data any, events map[string][]string, seq uint64) bool {
	_, ok := s.conv(data, events, seq)
	return ok
}

func (s *Sink[M]) release() { *s = Sink[M]{} }

// pump implements Deliverer: it hands the message of held (converted again:
// Offer found Out full with it) to a new goroutine, which owns it from then
// on, and counts that goroutine in the run.
func (s *Sink[M]) pump(l *loop, sub *subscription, held *entry) {
	var m M
	if held != nil {
		m, _ = s.conv(held.data, held.events, held.seq)
	}
	req := &refillReq[M]{sub: sub, sink: s, reply: make(chan error, 1)}
	p := &pumpState{h: sub.h}
	l.r.addPump(p)
	go catchUp(l.e, l.r, p, s.out, m, held != nil, req)
}

// refillReq is a catching-up subscription's request for the messages that
// follow the one it has just delivered (see loop.refill). The loop answers
// in state, and with the next message to send in m when state is held.
type refillReq[M any] struct {
	sub   *subscription
	sink  *Sink[M]
	sent  bool // the goroutine delivered its message since the last request
	state refillState
	m     M
	reply chan error
}

type refillState int

const (
	refillLive refillState = iota // caught up: the subscription is live again
	refillHeld                    // Out is full again: send m, then ask again
	refillMore                    // the scan's budget ran out: ask again
)

func (r *refillReq[M]) apply(l *loop) {
	s := r.sub
	if r.sent {
		// Counted here rather than by the goroutine, so that the count and
		// the refill that follows change in one step of the loop (tests
		// wait on the count to know that the refill is done).
		r.sent = false
		l.e.delivered.Add(1)
	}
	if s.cancelled {
		r.reply <- errGone
		return
	}
	var held *entry
	r.state, held = l.refill(s)
	if s.cancelled { // its query panicked during the scan
		r.reply <- errGone
		return
	}
	if r.state == refillHeld {
		r.m, _ = r.sink.conv(held.data, held.events, held.seq)
	}
	r.reply <- nil
}

// catchUp is the goroutine of a subscription that has fallen behind (or is
// resuming): it sends m, the message the loop handed it (if held), waiting
// for the subscriber to make room in out, then asks the loop to refill out
// from the history (refillReq), until the loop answers that the
// subscription is live again, or it is cancelled, or the run ends. It reads
// nothing that the loop writes except through the request, and it is the
// only sender on out while the subscription is behind.
func catchUp[M any](e *Engine, r *run, p *pumpState, out chan M, m M, held bool, req *refillReq[M]) {
	defer r.removePump(p)
	var zero M
	for {
		if held {
			select {
			case out <- m:
				req.sent = true
			case <-p.h.cancelled:
				return
			}
			m = zero
		}
		if err := e.doOn(r, context.Background(), req, req.reply, ErrServerStopped); err != nil {
			if req.sent { // the loop did not take the request: count it here
				e.delivered.Add(1)
			}
			return
		}
		switch req.state {
		case refillLive:
			return
		case refillHeld:
			m, req.m, held = req.m, zero, true
		default:
			held = false
		}
	}
}

// pumpState is what Engine.CancelledCatchUps reads of a catch-up goroutine.
type pumpState struct {
	h *Handle
}

func (r *run) addPump(p *pumpState) {
	r.pumps.Add(1)
	r.pumpsMu.Lock()
	r.pumpSet[p] = struct{}{}
	r.pumpsMu.Unlock()
}

func (r *run) removePump(p *pumpState) {
	r.pumpsMu.Lock()
	delete(r.pumpSet, p)
	r.pumpsMu.Unlock()
	r.pumps.Done()
}

// CancelledCatchUps returns the number of catch-up goroutines of the current
// run whose subscription is cancelled but which have not ended yet. Once it
// is 0, no message reaches the Out of a cancelled subscription any more.
// Tests use it to know the engine's state exactly.
func (e *Engine) CancelledCatchUps() int {
	r := e.run.Load()
	r.pumpsMu.Lock()
	defer r.pumpsMu.Unlock()
	n := 0
	for p := range r.pumpSet {
		if p.h.Err() != nil {
			n++
		}
	}
	return n
}
