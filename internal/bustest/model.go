package bustest

import (
	"context"
	"errors"
	"fmt"

	"github.com/querybus/querybus/pubsub"
)

// Model is the plain model of a *pubsub.Server that the property test
// (pubsub's TestModel) and the fuzz target (FuzzServer) drive side by side
// with a server: its state is the list of published messages, the history
// the server keeps of them, and what each subscription has been handed.
// Every subscription here is buffered. The rules it follows are the
// contract's (shared/spec/pubsub.md and delivery.md):
//
//   - a live subscription's Out receives each matching message while it has
//     room; a full Out cancels it with ErrOutOfCapacity, or with FallBehind
//     and a history makes it fall behind, the message in hand;
//   - a subscription behind is handed the matching messages of the history
//     after the one in hand, as its subscriber drains Out: onto Out while it
//     has room, then the next in hand; when none is left it is live again;
//   - a subscription behind is cancelled with ErrOutOfCapacity exactly when
//     the history evicts a matching message it has not been handed;
//   - After(seq) replays the matching messages of the history after seq, in
//     the same way, or fails with a *TruncatedError if the history does not
//     hold them all.
type Model struct {
	HistLen int
	Seq     uint64     // the last sequence number taken
	Hist    []ModelMsg // what the server's history holds, oldest first
	All     []*ModelSub

	clients   []string // in order of first subscription, for a stable order
	live      map[string]map[string]*ModelSub
	delivered uint64
	capped    uint64
}

// ModelMsg is a published message as the model keeps it.
type ModelMsg struct {
	Seq    uint64
	Events map[string][]string
}

// ModelSub is the model's view of one subscription.
type ModelSub struct {
	Client     string
	Q          pubsub.Query
	Cap        int
	FallBehind bool
	Out        []uint64 // sequence numbers on Out, not yet drained
	Err        error    // nil while live
	Behind     bool
	Held       uint64 // while behind: the message in hand; all before it handed over
}

// NewModel returns the model of a new server with History(histLen).
func NewModel(histLen int) *Model {
	return &Model{HistLen: histLen, live: map[string]map[string]*ModelSub{}}
}

func (m *Model) matches(ms *ModelSub, msg ModelMsg) bool {
	ok, err := ms.Q.Matches(msg.Events)
	return err == nil && ok
}

func (m *Model) each(f func(ms *ModelSub)) {
	for _, c := range m.clients {
		for _, ms := range m.live[c] {
			f(ms)
		}
	}
}

func (m *Model) cancel(ms *ModelSub, err error) {
	ms.Err, ms.Behind = err, false
	if err == pubsub.ErrOutOfCapacity {
		m.capped++
	}
	delete(m.live[ms.Client], ms.Q.String())
}

// refill hands ms, behind with everything up to cursor handed over, the
// history's matching messages after cursor.
func (m *Model) refill(ms *ModelSub, cursor uint64) {
	for _, msg := range m.Hist {
		if msg.Seq <= cursor || !m.matches(ms, msg) {
			continue
		}
		if len(ms.Out) < ms.Cap {
			ms.Out = append(ms.Out, msg.Seq)
			m.delivered++
			continue
		}
		ms.Behind, ms.Held = true, msg.Seq
		return
	}
	ms.Behind = false
}

// Subscribe models SubscribeWith(ctx, client, q, Capacity(capacity)) with
// FallBehind if fallBehind and After(after) if resume. It returns the new
// subscription, or nil and the error the server must return.
func (m *Model) Subscribe(client string, q pubsub.Query, capacity int, fallBehind, resume bool, after uint64) (*ModelSub, error) {
	if _, dup := m.live[client][q.String()]; dup {
		return nil, pubsub.ErrAlreadySubscribed
	}
	if resume {
		covered := after == m.Seq || (after < m.Seq && len(m.Hist) > 0 && m.Hist[0].Seq <= after+1)
		if !covered {
			te := &pubsub.TruncatedError{After: after, Newest: m.Seq}
			if len(m.Hist) > 0 {
				te.Oldest = m.Hist[0].Seq
			}
			return nil, te
		}
	}
	ms := &ModelSub{Client: client, Q: q, Cap: capacity, FallBehind: fallBehind}
	if m.live[client] == nil {
		m.live[client] = map[string]*ModelSub{}
		m.clients = append(m.clients, client)
	}
	m.live[client][q.String()] = ms
	m.All = append(m.All, ms)
	if resume {
		m.refill(ms, after)
	}
	return ms, nil
}

// Unsubscribe models Unsubscribe and returns the error the server must
// return.
func (m *Model) Unsubscribe(client string, q pubsub.Query) error {
	ms := m.live[client][q.String()]
	if ms == nil {
		return pubsub.ErrSubscriptionNotFound
	}
	m.cancel(ms, pubsub.ErrUnsubscribed)
	return nil
}

// UnsubscribeAll models UnsubscribeAll and returns the error the server
// must return.
func (m *Model) UnsubscribeAll(client string) error {
	if len(m.live[client]) == 0 {
		return pubsub.ErrSubscriptionNotFound
	}
	for _, ms := range m.live[client] {
		m.cancel(ms, pubsub.ErrUnsubscribed)
	}
	return nil
}

// Publish models a publish with events and returns its sequence number.
func (m *Model) Publish(events map[string][]string) uint64 {
	m.Seq++
	msg := ModelMsg{Seq: m.Seq, Events: events}
	if m.HistLen > 0 {
		if len(m.Hist) == m.HistLen {
			evicted := m.Hist[0]
			m.each(func(ms *ModelSub) {
				if ms.Behind && ms.Held < evicted.Seq && m.matches(ms, evicted) {
					m.cancel(ms, pubsub.ErrOutOfCapacity)
				}
			})
			m.Hist = m.Hist[1:]
		}
		m.Hist = append(m.Hist, msg)
	}
	m.each(func(ms *ModelSub) {
		if ms.Behind || !m.matches(ms, msg) {
			return
		}
		switch {
		case len(ms.Out) < ms.Cap:
			ms.Out = append(ms.Out, m.Seq)
			m.delivered++
		case ms.FallBehind && m.HistLen > 0:
			ms.Behind, ms.Held = true, m.Seq
		default:
			m.cancel(ms, pubsub.ErrOutOfCapacity)
		}
	})
	return m.Seq
}

// Drained models the subscriber of ms receiving everything ms.Out lists:
// a subscription behind then has the message in hand sent, and Out refilled
// from the history.
func (m *Model) Drained(ms *ModelSub) {
	ms.Out = nil
	if ms.Behind {
		ms.Out = append(ms.Out, ms.Held)
		m.delivered++
		m.refill(ms, ms.Held)
	}
}

// Stop models Stop: every live subscription is cancelled with
// ErrServerStopped and the history is emptied (Reset keeps it empty).
func (m *Model) Stop() {
	m.each(func(ms *ModelSub) { m.cancel(ms, pubsub.ErrServerStopped) })
	m.Hist = nil
}

// Stats returns what the server's Stats must be, on a running server with
// an empty publish queue.
func (m *Model) Stats() pubsub.Stats {
	st := pubsub.Stats{
		Published:              m.Seq,
		Delivered:              m.delivered,
		CancelledOutOfCapacity: m.capped,
		Newest:                 m.Seq,
	}
	texts := map[string]bool{}
	m.each(func(ms *ModelSub) {
		st.Subscriptions++
		texts[ms.Q.String()] = true
		if ms.Behind {
			st.Behind++
		}
	})
	st.Clients = m.NumClients()
	st.Queries = len(texts)
	if len(m.Hist) > 0 {
		st.Oldest = m.Hist[0].Seq
	}
	return st
}

// NumClients returns the number of clients with a live subscription.
func (m *Model) NumClients() int {
	n := 0
	for _, subs := range m.live {
		if len(subs) > 0 {
			n++
		}
	}
	return n
}

// NumClientSubscriptions returns the number of live subscriptions of client.
func (m *Model) NumClientSubscriptions(client string) int { return len(m.live[client]) }

// ModelServer is what Sync and Compare need of the server the model runs
// beside.
type ModelServer interface {
	Unsubscribe(ctx context.Context, clientID string, q pubsub.Query) error
	Untyped() *pubsub.Server
	NumClients() int
	NumClientSubscriptions(clientID string) int
	Stats() pubsub.Stats
}

// Sync returns once s has done everything the model has: a round trip
// through the server's goroutine, then, since catch-ups go on by
// themselves, until s has counted every delivery the model made and has as
// many subscriptions behind, and the catch-ups of cancelled subscriptions
// have ended. A refill counts the message its catch-up sent, offers the next
// ones and counts them, and makes the subscription live, all in one step of
// the server's goroutine, and what the test does next comes after it.
func (m *Model) Sync(t TB, s ModelServer) {
	t.Helper()
	Barrier(t, s)
	behind := m.Stats().Behind
	WaitUntil(t, "deliveries counted", func() bool {
		st := s.Stats()
		return st.Delivered >= m.delivered && st.Behind == behind
	})
	Settle(t, s)
}

// ModelSubscription is what Compare reads of a server's subscription.
type ModelSubscription interface {
	Err() error
	Cancelled() <-chan struct{}
}

// Compare checks s, synced, against the model: the counts of clients, Stats,
// and every subscription's Err and Cancelled (subs[i] is the server's
// subscription of m.All[i]).
func Compare[S ModelSubscription](m *Model, s ModelServer, subs []S, clients []string) error {
	if got, want := s.NumClients(), m.NumClients(); got != want {
		return fmt.Errorf("NumClients = %d, model %d", got, want)
	}
	for _, c := range clients {
		if got, want := s.NumClientSubscriptions(c), m.NumClientSubscriptions(c); got != want {
			return fmt.Errorf("NumClientSubscriptions(%s) = %d, model %d", c, got, want)
		}
	}
	for i, ms := range m.All {
		if got := subs[i].Err(); got != ms.Err {
			return fmt.Errorf("%s/%s: Err() = %v, model %v", ms.Client, ms.Q, got, ms.Err)
		}
		if IsClosed(subs[i].Cancelled()) != (ms.Err != nil) {
			return fmt.Errorf("%s/%s: Cancelled closed = %v, model Err %v", ms.Client, ms.Q, ms.Err == nil, ms.Err)
		}
	}
	if got, want := s.Stats(), m.Stats(); got != want {
		return fmt.Errorf("Stats() = %+v, model %+v", got, want)
	}
	return nil
}

// CheckDrain receives from out the messages ms.Out lists, in order, checking
// their Seq and their data (the decimal sequence number, as data gives it),
// and reports the first difference. The caller then calls Drained and Sync,
// and checks with len(out) that the server's Out holds what ms.Out lists.
func CheckDrain[M any](ms *ModelSub, out <-chan M, seqOf func(M) uint64, dataOf func(M) string) error {
	for _, want := range ms.Out {
		select {
		case msg := <-out:
			if seqOf(msg) != want || dataOf(msg) != fmt.Sprint(want) {
				return fmt.Errorf("%s/%s received %v (seq %d), want %d", ms.Client, ms.Q, dataOf(msg), seqOf(msg), want)
			}
		default:
			return fmt.Errorf("%s/%s: %d missing", ms.Client, ms.Q, want)
		}
	}
	return nil
}

// CheckSubscribeErr checks the error of a SubscribeWith against the model's.
func CheckSubscribeErr(t TB, got, want error) {
	t.Helper()
	var wantTE *pubsub.TruncatedError
	if errors.As(want, &wantTE) {
		var te *pubsub.TruncatedError
		if !errors.As(got, &te) || *te != *wantTE || !errors.Is(got, pubsub.ErrHistoryTruncated) {
			t.Errorf("SubscribeWith = %v, model %v", got, want)
			t.FailNow()
		}
		return
	}
	if got != want {
		t.Errorf("SubscribeWith = %v, model %v", got, want)
		t.FailNow()
	}
}

// Drain receives what the model says sub's Out holds (sub is the server's
// subscription of ms), then checks that Out holds what the model says it
// holds once the server has refilled it.
func (m *Model) Drain(t TB, s ModelServer, ms *ModelSub, sub *pubsub.Subscription) {
	t.Helper()
	m.Sync(t, s)
	err := CheckDrain(ms, sub.Out(), pubsub.Message.Seq, func(msg pubsub.Message) string {
		d, _ := msg.Data().(string)
		return d
	})
	if err != nil {
		t.Errorf("%v", err)
		t.FailNow()
	}
	m.Drained(ms)
	m.Sync(t, s)
	if n := len(sub.Out()); n != len(ms.Out) {
		t.Errorf("%s/%s: %d messages on Out, model %v", ms.Client, ms.Q, n, ms.Out)
		t.FailNow()
	}
}

// Restart stops, resets and starts s again, with the model, and checks what
// a stopped server answers meanwhile.
func (m *Model) Restart(t TB, s *pubsub.Server) {
	t.Helper()
	ctx := context.Background()
	fail := func(format string, args ...any) {
		t.Errorf(format, args...)
		t.FailNow()
	}
	if err := s.Stop(); err != nil {
		fail("Stop: %v", err)
	}
	m.Stop()
	if err := s.Publish(ctx, "x"); err != pubsub.ErrServerStopped {
		fail("Publish after Stop: %v", err)
	}
	if err := s.UnsubscribeAll(ctx, "a"); err != pubsub.ErrSubscriptionNotFound {
		fail("UnsubscribeAll after Stop: %v", err)
	}
	if s.NumClients() != 0 {
		fail("NumClients after Stop: %d", s.NumClients())
	}
	if err := s.Reset(); err != nil {
		fail("Reset: %v", err)
	}
	if err := s.Start(); err != nil {
		fail("Start: %v", err)
	}
}
