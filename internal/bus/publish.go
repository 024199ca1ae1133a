package bus

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Publish hands data and events to the loop. It returns nil once the loop or
// the publish queue has taken them, ctx.Err() if ctx ends first and
// ErrServerStopped if the engine stops first. It allocates nothing.
//
// With a context that never ends (context.Background, as most publishers
// pass) it waits for the loop with a plain send, which costs less than a
// select: a select on several channels locks and queues on each of them,
// twice. Stop then releases the waiting publishers itself (see publishers).
func (e *Engine) Publish(ctx context.Context, data any, events map[string][]string) error {
	r := e.run.Load()
	ticket := r.entered.Add(1)
	if r.stopping.Load() {
		r.leave()
		return ErrServerStopped
	}
	if err := ctx.Err(); err != nil {
		r.leave()
		return err
	}
	env := envelope{data: data, events: events, ticket: ticket}
	if done := ctx.Done(); done == nil {
		r.pubs <- env
	} else {
		select {
		case r.pubs <- env:
		case <-r.stop:
			r.leave()
			return ErrServerStopped
		case <-done:
			r.leave()
			return ctx.Err()
		}
	}
	// If Stop took the message, it had set stopping before: this sees it.
	stopping := r.stopping.Load()
	r.leave()
	if stopping && r.discarded(ticket) {
		return ErrServerStopped
	}
	return nil
}

// publishers is how Stop releases the publishers waiting for the loop in a
// plain send, which nothing but a receive ends, and tells each whether the
// loop took its message (nil) or Stop discarded it (ErrServerStopped).
//
// Each publish counts itself in (entered, which hands it a ticket) and out
// (left). Stop sets stopping, closes stop and, once the loop has exited,
// receives whatever publishers still send, noting their tickets, until it
// has seen entered == left at some moment after stopping was set (a
// publisher that counts itself in later sees stopping and sends nothing),
// and then what the queue still holds.
// The last publisher to leave while Stop waits wakes it (quiet). A publisher
// that sees stopping after its send waits until Stop has released everyone
// (released) and then looks for its ticket among those Stop discarded.
type publishers struct {
	_        [64]byte // off the cache line of the run's channels, which the loop reads
	entered  atomic.Uint64
	left     atomic.Uint64
	stopping atomic.Bool
	_        [64]byte

	quiet     chan struct{} // closed when entered == left while stopping
	quietOnce sync.Once
	released  chan struct{} // closed when Stop has released every publisher
	tickets   []uint64      // of the messages Stop discarded, sorted once released
}

func (p *publishers) init() {
	p.quiet = make(chan struct{})
	p.released = make(chan struct{})
}

// leave counts a publisher out, and wakes Stop if it is the last one Stop
// waits for. The order of the three steps matters: stopping is read after
// the count and before entered, so that when the two counts are equal, they
// were so at a moment after stopping was set, from which on no publisher
// sends. And any publisher that Stop may wait for counts itself out after
// Stop set stopping, so the last of them sees it.
func (p *publishers) leave() {
	left := p.left.Add(1)
	if p.stopping.Load() && left == p.entered.Load() {
		p.quietOnce.Do(p.closeQuiet)
	}
}

func (p *publishers) closeQuiet() { close(p.quiet) }

// releasePublishers is Stop's part, once the loop has exited (or never
// ran): it receives what publishers still send, noting the tickets of their
// messages, until none is left in Publish, and then empties the queue, whose
// messages are discarded too. (A publisher waiting on a full queue is
// released by a receive that moves its message into the queue.) A request
// that do sent finds released closed and returns its stopped error.
func (r *run) releasePublishers() {
	defer func() {
		slices.Sort(r.tickets)
		close(r.released)
	}()
	// left is read before entered: if the two are equal, they were so at the
	// moment entered was read, which is after stopping was set.
	if r.left.Load() != r.entered.Load() {
	wait:
		for {
			select {
			case env := <-r.pubs:
				r.note(env)
			case <-r.quiet:
				break wait
			}
		}
	}
	for {
		select {
		case env := <-r.pubs:
			r.note(env)
		default:
			return
		}
	}
}

// note records that Stop discarded the message of env.
func (p *publishers) note(env envelope) {
	if env.req == nil {
		p.tickets = append(p.tickets, env.ticket)
	}
}

// discarded reports whether Stop discarded the message of ticket; it waits
// until Stop has released every publisher.
func (p *publishers) discarded(ticket uint64) bool {
	<-p.released
	_, ok := slices.BinarySearch(p.tickets, ticket)
	return ok
}
