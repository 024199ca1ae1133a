package natsbus

import (
	"reflect"
	"runtime"
	"sync"
	"weak"

	"github.com/nats-io/nuid"

	"github.com/querybus/querybus/pubsub"
)

// busState is what the exporters and importers of one bus share: the bus's
// id on the wire, the event sets its importers published into it (so that
// its exporters do not send them out again), and the last sequence number
// imported from each origin (so that no importer of the bus publishes a
// message twice).
type busState struct {
	id string

	mu        sync.Mutex
	exporters map[*Exporter]struct{}
	imported  map[uintptr]*importMark // by the event map's address
	lastSeq   map[string]uint64       // by origin
}

// importMark is an event set an importer published into the bus, which
// the exporters in pending are still to see and skip.
type importMark struct {
	events  map[string][]string // keeps the map, and so its address, alive
	pending map[*Exporter]struct{}
}

// buses holds the state of every bus that has had an exporter or an
// importer, for as long as the bus exists: an importer closed and made
// again (same durable name) still knows what the bus already has. The
// entry goes when the bus is garbage.
var (
	busesMu sync.Mutex
	buses   = map[weak.Pointer[pubsub.Server]]*busState{}
)

// stateOf returns the state of bus.
func stateOf(bus *pubsub.Server) *busState {
	key := weak.Make(bus)
	busesMu.Lock()
	defer busesMu.Unlock()
	st := buses[key]
	if st == nil {
		st = &busState{
			id:        nuid.Next(),
			exporters: map[*Exporter]struct{}{},
			imported:  map[uintptr]*importMark{},
			lastSeq:   map[string]uint64{},
		}
		buses[key] = st
		runtime.AddCleanup(bus, func(k weak.Pointer[pubsub.Server]) {
			busesMu.Lock()
			delete(buses, k)
			busesMu.Unlock()
		}, key)
	}
	return st
}

func mapKey(events map[string][]string) uintptr { return reflect.ValueOf(events).Pointer() }

// markImported records that events (a map of the importer's own) is about
// to be published into the bus by an importer: every exporter of the bus
// whose query matches it will see it, and must skip it.
func (st *busState) markImported(events map[string][]string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var m *importMark
	for e := range st.exporters {
		if ok, err := e.q.Matches(events); err != nil || !ok {
			continue
		}
		if m == nil {
			m = &importMark{events: events, pending: map[*Exporter]struct{}{}}
			st.imported[mapKey(events)] = m
		}
		m.pending[e] = struct{}{}
	}
}

// importedSeen reports whether events was published into the bus by an
// importer, and if so counts exporter e's sighting of it.
func (st *busState) importedSeen(e *Exporter, events map[string][]string) bool {
	if events == nil {
		return false
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	k := mapKey(events)
	m := st.imported[k]
	if m == nil {
		return false
	}
	delete(m.pending, e)
	if len(m.pending) == 0 {
		delete(st.imported, k)
	}
	return true
}

// forget removes exporter e from the marks: it closed, or lost messages and
// will not see those it was waiting for.
func (st *busState) forget(e *Exporter) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for k, m := range st.imported {
		delete(m.pending, e)
		if len(m.pending) == 0 {
			delete(st.imported, k)
		}
	}
}

// forgetEvents removes the mark of events, which an importer did not
// publish after all.
func (st *busState) forgetEvents(events map[string][]string) {
	st.mu.Lock()
	defer st.mu.Unlock()
	delete(st.imported, mapKey(events))
}

// claim reports whether the message seq of origin is new to the bus, and
// records it, returning what it replaced for unclaim: each origin's
// messages arrive in their order, so one that is not after the last one
// claimed is a duplicate.
func (st *busState) claim(origin string, seq uint64) (prev uint64, ok bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	prev = st.lastSeq[origin]
	if seq <= prev {
		return prev, false
	}
	st.lastSeq[origin] = seq
	return prev, true
}

// unclaim undoes the claim of seq of origin, which was not published after
// all (the importer closed meanwhile), so that its redelivery is imported.
func (st *busState) unclaim(origin string, seq, prev uint64) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.lastSeq[origin] == seq {
		st.lastSeq[origin] = prev
	}
}
