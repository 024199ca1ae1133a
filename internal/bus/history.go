package bus

import (
	"errors"
	"fmt"
)

// errGone answers a catching-up subscription's request once the
// subscription has been cancelled: its goroutine then ends.
var errGone = errors.New("bus: subscription gone")

// TruncatedError is the error of a Subscribe resuming after a sequence number
// whose followers the history no longer holds entirely. Package pubsub turns
// it into its own TruncatedError (see PublicError).
type TruncatedError struct {
	After  uint64 // the cursor asked for
	Oldest uint64 // the oldest sequence number the history holds; 0 if empty
	Newest uint64 // the newest sequence number taken
}

// ErrHistoryTruncated is what a TruncatedError is (errors.Is).
var ErrHistoryTruncated = errors.New("pubsub: history truncated")

func (e *TruncatedError) Error() string {
	if e.After > e.Newest {
		return fmt.Sprintf("%v: resume after %d, but the newest message taken is %d", ErrHistoryTruncated, e.After, e.Newest)
	}
	if e.Oldest == 0 {
		return fmt.Sprintf("%v: resume after %d, but the history is empty (newest %d)", ErrHistoryTruncated, e.After, e.Newest)
	}
	return fmt.Sprintf("%v: resume after %d, but the history holds %d to %d", ErrHistoryTruncated, e.After, e.Oldest, e.Newest)
}

// Is reports whether target is ErrHistoryTruncated.
func (e *TruncatedError) Is(target error) bool { return target == ErrHistoryTruncated }

// PublicError turns an error of this package into the form its callers
// expose (package pubsub sets it in its init function); nil leaves errors as
// they are.
var PublicError func(error) error

// entry is one retained message.
type entry struct {
	seq    uint64
	data   any
	events map[string][]string
}

// history is a ring of the last len(entries) messages the loop took. It
// belongs to the loop goroutine: no locks.
type history struct {
	entries []entry // nil without History
	start   int     // position of the oldest entry
	count   int
	oldest  uint64 // sequence number of entries[start]; meaningful if count > 0
}

// full reports whether the next add evicts the oldest entry.
func (h *history) full() bool { return h.count == len(h.entries) && h.count > 0 }

// oldestSeq returns the oldest retained sequence number, 0 if none.
func (h *history) oldestSeq() uint64 {
	if h.count == 0 {
		return 0
	}
	return h.oldest
}

// at returns the entry of seq, which must be retained.
func (h *history) at(seq uint64) *entry {
	i := h.start + int(seq-h.oldest)
	if i >= len(h.entries) {
		i -= len(h.entries)
	}
	return &h.entries[i]
}

// add retains e, evicting the oldest entry if the ring is full.
func (h *history) add(e entry) {
	n := len(h.entries)
	if h.count == n {
		h.entries[h.start] = e
		h.start++
		if h.start == n {
			h.start = 0
		}
		h.oldest++
		return
	}
	i := h.start + h.count
	if i >= n {
		i -= n
	}
	h.entries[i] = e
	if h.count == 0 {
		h.oldest = e.seq
	}
	h.count++
}

// refillBudget bounds the entries one refill request scans, so that a
// subscription catching up with a query that rarely matches does not hold
// the loop (and every publisher) for a whole history at a time.
const refillBudget = 256

// lag is the catch-up state of a subscription that has been behind,
// allocated the first time it falls behind (or resumes).
type lag struct {
	// Everything up to cursor has been handed over (sent on Out, or in
	// the hands of the subscription's catch-up goroutine). A subscription
	// that is live again keeps its cursor, so that a publish in progress
	// when it caught up (a delivery blocked on an unbuffered subscriber
	// lets requests in) does not deliver to it again what the refill did.
	cursor uint64
	idx    int // position in loop.behind, while behind
}

// evicting is called before a publish evicts ev, the oldest entry, when
// subscriptions are behind. A subscription behind whose cursor is before ev
// has not been handed it: if ev is one of its messages, it is lost, and the
// subscription is cancelled with ErrOutOfCapacity; otherwise its cursor moves
// past ev. Every cursor is at least the oldest sequence number less one, so
// this costs each subscription behind O(1) per publish however far behind it
// is.
func (l *loop) evicting(ev *entry) {
	for i := 0; i < len(l.behind); {
		s := l.behind[i]
		if s.lag.cursor >= ev.seq {
			i++
			continue
		}
		if l.matches(s.qe, ev.events) && s.d.accepts(ev.data, ev.events, ev.seq) {
			l.e.logger().Warn("pubsub: subscription cancelled: the history evicted a message it had not received",
				"client", s.clientID, "query", s.qe.text, "seq", ev.seq)
			l.e.cancelledCap.Add(1)
			l.cancel(s, ErrOutOfCapacity) // removes s from l.behind: i stays
			continue
		}
		s.lag.cursor = ev.seq
		i++
	}
	if len(l.failed) != 0 {
		l.cancelFailed()
	}
}

// fallBehind makes s, whose Out the message ev found full, catch up from
// the history: the message is in hand, and the publishes that follow pass s
// by until it is live again.
func (l *loop) fallBehind(s *subscription, ev *entry) {
	l.markBehind(s, ev.seq)
	s.d.pump(l, s, ev)
}

func (l *loop) markBehind(s *subscription, cursor uint64) {
	if s.lag == nil {
		s.lag = &lag{}
	}
	s.behind = true
	s.lag.cursor = cursor
	s.lag.idx = len(l.behind)
	l.behind = append(l.behind, s)
	l.e.behind.Add(1)
}

func (l *loop) unmarkBehind(s *subscription) {
	last := len(l.behind) - 1
	moved := l.behind[last]
	l.behind[s.lag.idx] = moved
	moved.lag.idx = s.lag.idx
	l.behind[last] = nil
	l.behind = l.behind[:last]
	s.behind = false
	l.e.behind.Add(-1)
}

// refill offers s, which is behind, the retained messages after its cursor
// that match its query, without blocking, until Out is full (refillHeld, and
// the entry that did not fit, to be handed over; the cursor is on it), the
// history is exhausted (refillLive: s is live again, and the next publish
// offers to it directly, so nothing is lost or repeated at the handover) or
// the scan's budget runs out (refillMore). A panic of its query leaves it
// in l.failed, cancelled here.
func (l *loop) refill(s *subscription) (refillState, *entry) {
	h := &l.hist
	newest := l.seq
	var delivered uint64
	var held *entry
	state := refillMore
	for n := 0; ; n++ {
		if s.lag.cursor >= newest {
			l.unmarkBehind(s)
			state = refillLive
			break
		}
		if n == refillBudget {
			break
		}
		next := s.lag.cursor + 1
		ev := h.at(next)
		if l.matches(s.qe, ev.events) {
			out := s.d.Offer(ev.data, ev.events, ev.seq)
			if out == Full {
				s.lag.cursor = next
				state, held = refillHeld, ev
				break
			}
			if out == Sent {
				delivered++
			}
		}
		s.lag.cursor = next
	}
	if delivered != 0 {
		l.e.delivered.Add(delivered)
	}
	if len(l.failed) != 0 {
		l.cancelFailed()
	}
	return state, held
}

// covers returns nil if the history holds every message after seq (there
// may be none), a *TruncatedError otherwise.
func (l *loop) covers(after uint64) error {
	if after == l.seq {
		return nil
	}
	if after < l.seq && l.hist.count > 0 && l.hist.oldest <= after+1 {
		return nil
	}
	return &TruncatedError{After: after, Oldest: l.hist.oldestSeq(), Newest: l.seq}
}
