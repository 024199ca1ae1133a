package bus

import (
	"hash/maphash"

	"github.com/querybus/querybus/internal/fastpath"
)

// IndexTerm is a fact about an event set: Key has Value among its values or,
// with AnyValue, Key has at least one value. It is an alias of an unnamed
// struct type, identical to query.IndexTerm and pubsub.IndexTerm, so that a
// query package implements IndexedQuery without importing this one.
type IndexTerm = struct {
	Key      string
	Value    string
	AnyValue bool
}

// IndexedQuery is a Query that tells the engine which event sets it could
// match, so that a publish evaluates it only when one of its terms holds.
// pubsub.IndexedQuery has the same method set.
type IndexedQuery interface {
	Query
	// IndexTerms returns alternative sets of terms: if the query matches an
	// event set, every set has a term that holds in it. nil: evaluate the
	// query on every publish.
	IndexTerms() [][]IndexTerm
}

// index maps the terms of an event set to the distinct queries that could
// match it. It belongs to the loop goroutine: no locks.
//
// Each distinct query is filed either under the terms of one of its
// alternative sets (every term of the chosen set: a key bucket for an
// AnyValue term, a (key, value) bucket otherwise) or, when it has no usable
// set or the index is off, in the unindexed bucket, evaluated on every
// publish. Buckets are slices with swap-remove; each queryEntry remembers
// its slot in every bucket it is in (queryEntry.slots), and each bucket
// entry which of those slots points back at it, so that removal is
// O(terms). Empty buckets and key nodes are deleted at once.
type index struct {
	enabled   bool
	keys      map[string]*keyNode
	nodes     []*keyNode // the same nodes, for a publish with more keys than the index
	unindexed bucket     // entries = unindexed.inline[:0:1] at first
	buckets   int        // key and value buckets currently in keys (for IndexStats)

	// stamp is bumped by every publish; a query whose queryEntry.stamp
	// equals it is already a candidate of the current publish.
	stamp uint64

	// seed hashes values. Value buckets are keyed by the hash of the value,
	// not the value: the lookup of a publish then compares no strings (one
	// cache miss less per value). Two values with the same hash share a
	// bucket, which is harmless: the index only narrows down the candidates,
	// and Matches decides. The hash is also where the value's slot sits in
	// its key node's table (valueTable), so a lookup hashes once.
	seed maphash.Seed
}

func (ix *index) hash(value string) uint64 { return maphash.String(ix.seed, value) }

// keyNode holds the buckets of one key: the queries filed under "the key has
// a value" and, by value, those filed under "the key has this value".
type keyNode struct {
	key    string
	pos    int // in index.nodes
	any    bucket
	values valueTable // by index.hash(value)
}

// valueSlot is a value bucket as its key node's table holds it. one is the
// bucket's only query when it has exactly one, nil otherwise: a publish then
// goes from the table straight to the query, without reading the bucket (one
// cache miss less on the commonest path: a query filed under a value no
// other query is filed under).
type valueSlot struct {
	one *queryEntry
	b   *bucket
}

// bucket is the distinct queries filed under one term. Most buckets hold
// one query: its entry is then in the bucket itself (entries is inline[:1]),
// so that a publish reaches it with one cache miss less. The struct is 56
// bytes, in one 64-byte size class slot.
type bucket struct {
	entries []bucketEntry
	inline  [1]bucketEntry
	node    *keyNode // nil for the unindexed bucket
	hash    uint64   // of the term's value, unless this is node.any
}

func newBucket(n *keyNode, hash uint64) *bucket {
	b := &bucket{node: n, hash: hash}
	b.entries = b.inline[:0:1]
	return b
}

// isAny reports whether b is the bucket of an AnyValue term.
func (b *bucket) isAny() bool { return b.node != nil && b == &b.node.any }

type bucketEntry struct {
	qe   *queryEntry
	slot int // index of this entry's slot in qe.slots
}

// filed returns the slots of qe.
func (qe *queryEntry) filed() []slot {
	if qe.slots == nil {
		return nil
	}
	return *qe.slots
}

// slot is where a queryEntry sits in one bucket.
type slot struct {
	b   *bucket
	pos int // index in b.entries
}

func newIndex(enabled bool) *index {
	ix := &index{enabled: enabled, keys: make(map[string]*keyNode), seed: maphash.MakeSeed()}
	ix.unindexed.entries = ix.unindexed.inline[:0:1]
	return ix
}

// add files qe, the first subscription of a distinct query, under one of
// alts, the query's alternative sets of terms (see IndexedQuery): the one
// whose buckets hold the fewest queries now; in the unindexed bucket if there
// is no usable set or the index is off. If every term of the chosen set is of
// one key and parts (see fastpath.Plan) split the query at that key, a
// publish hands the query that key's values (queryEntry.keyMatch or split).
func (ix *index) add(qe *queryEntry, alts [][]IndexTerm, parts []fastpath.Part) {
	var set []IndexTerm
	if ix.enabled {
		set = ix.choose(alts)
	}
	if set == nil {
		ix.file(qe, &ix.unindexed)
		return
	}
	for _, t := range set {
		ix.file(qe, ix.bucketFor(t))
	}
	for _, t := range set {
		if t.Key != set[0].Key {
			return
		}
	}
	for _, p := range parts {
		if p.Key == set[0].Key {
			qe.keyMatch, qe.split = p.Values, p.Split
			return
		}
	}
}

// choose returns the alternative set whose buckets hold the fewest queries
// (then: fewer AnyValue terms, then fewer terms), or nil if there is no
// usable set. An empty set is not used (the query would never be evaluated).
func (ix *index) choose(alts [][]IndexTerm) []IndexTerm {
	var best []IndexTerm
	var bestCost, bestAny int
	for _, set := range alts {
		if len(set) == 0 {
			continue
		}
		cost, anys := 0, 0
		for _, t := range set {
			if t.AnyValue {
				anys++
			}
			if b := ix.lookup(t); b != nil {
				cost += len(b.entries)
			}
		}
		if best == nil || cost < bestCost ||
			cost == bestCost && (anys < bestAny || anys == bestAny && len(set) < len(best)) {
			best, bestCost, bestAny = set, cost, anys
		}
	}
	return best
}

// lookup returns the bucket of t, nil if it does not exist.
func (ix *index) lookup(t IndexTerm) *bucket {
	n := ix.keys[t.Key]
	if n == nil {
		return nil
	}
	if t.AnyValue {
		return &n.any
	}
	return n.values.get(ix.hash(t.Value)).b
}

// bucketFor returns the bucket of t, creating it (and its key node) if
// needed.
func (ix *index) bucketFor(t IndexTerm) *bucket {
	n := ix.keys[t.Key]
	if n == nil {
		n = &keyNode{key: t.Key, pos: len(ix.nodes)}
		n.any.node = n
		n.any.entries = n.any.inline[:0:1]
		ix.keys[t.Key] = n
		ix.nodes = append(ix.nodes, n)
	}
	if t.AnyValue {
		if len(n.any.entries) == 0 {
			ix.buckets++
		}
		return &n.any
	}
	h := ix.hash(t.Value)
	b := n.values.get(h).b
	if b == nil {
		b = newBucket(n, h)
		n.values.set(h, valueSlot{b: b})
		ix.buckets++
	}
	return b
}

// refresh updates the map slot of the value bucket b after a change of its
// entries.
func (ix *index) refresh(b *bucket) {
	if b.node == nil || b.isAny() {
		return
	}
	v := valueSlot{b: b}
	if len(b.entries) == 1 {
		v.one = b.entries[0].qe
	}
	b.node.values.set(b.hash, v)
}

// file puts qe into b, unless it is already there (a set may repeat a term).
func (ix *index) file(qe *queryEntry, b *bucket) {
	for _, s := range qe.filed() {
		if s.b == b {
			return
		}
	}
	if qe.slots == nil {
		qe.slots = new([]slot)
	}
	*qe.slots = append(*qe.slots, slot{b: b, pos: len(b.entries)})
	if len(b.entries) == 1 && cap(b.entries) == 1 && &b.entries[0] == &b.inline[0] {
		// Outgrowing the inline entry: move it out, leave no pointer behind.
		grown := make([]bucketEntry, 1, 4)
		grown[0] = b.inline[0]
		b.inline[0] = bucketEntry{}
		b.entries = grown
	}
	b.entries = append(b.entries, bucketEntry{qe: qe, slot: len(*qe.slots) - 1})
	ix.refresh(b)
}

// remove takes qe, whose last subscription is gone, out of every bucket it
// is in, deleting the buckets and key nodes it leaves empty.
func (ix *index) remove(qe *queryEntry) {
	for _, s := range qe.filed() {
		b := s.b
		last := len(b.entries) - 1
		moved := b.entries[last]
		b.entries[s.pos] = moved
		(*moved.qe.slots)[moved.slot].pos = s.pos
		b.entries[last] = bucketEntry{}
		b.entries = b.entries[:last]
		if last == 0 {
			ix.drop(b)
		} else {
			ix.refresh(b)
		}
	}
	qe.slots = nil
	qe.keyMatch, qe.split = nil, nil
}

// drop deletes the empty bucket b from the maps.
func (ix *index) drop(b *bucket) {
	n := b.node
	if n == nil || b.isAny() { // the unindexed bucket stays, node.any too
		b.entries = b.inline[:0:1] // let a grown array go
		if n == nil {
			return
		}
	}
	ix.buckets--
	if !b.isAny() {
		n.values.delete(b.hash)
	}
	if len(n.any.entries) == 0 && n.values.n == 0 {
		delete(ix.keys, n.key)
		last := ix.nodes[len(ix.nodes)-1]
		ix.nodes[n.pos], last.pos = last, n.pos
		ix.nodes[len(ix.nodes)-1] = nil
		ix.nodes = ix.nodes[:len(ix.nodes)-1]
	}
}

// visit calls fn once for every distinct query that could match events:
// those filed under a term that holds in events, with the values of the
// term's key, and the unindexed ones, with nil.
// fn must not change the index. A publish evaluates each query as it is
// visited, in one pass over the buckets rather than one to gather the
// candidates and one to evaluate them: at many queries the second pass
// would fetch every entry from memory again.
func (ix *index) visit(events map[string][]string, fn func(qe *queryEntry, values []string)) {
	if len(ix.keys) != 0 {
		ix.stamp++
		stamp := ix.stamp
		// Look up the smaller side in the other: at a few indexed keys (commonly
		// one or two) and an event set of several, the index's keys are looked
		// up in the event set, with no iteration of a map.
		if len(ix.nodes) < len(events) {
			for _, n := range ix.nodes {
				if vs := events[n.key]; len(vs) != 0 {
					ix.visitNode(n, vs, stamp, fn)
				}
			}
		} else {
			for k, vs := range events {
				if len(vs) == 0 {
					continue
				}
				if n := ix.keys[k]; n != nil {
					ix.visitNode(n, vs, stamp, fn)
				}
			}
		}
	}
	for _, e := range ix.unindexed.entries {
		fn(e.qe, nil)
	}
}

// visitNode calls fn for the queries of key node n that the key's values vs
// could match, and have not been visited in this publish (stamp).
func (ix *index) visitNode(n *keyNode, vs []string, stamp uint64, fn func(qe *queryEntry, values []string)) {
	for _, e := range n.any.entries {
		if e.qe.stamp != stamp {
			e.qe.stamp = stamp
			fn(e.qe, vs)
		}
	}
	if n.values.n == 0 {
		return
	}
	for _, v := range vs {
		slot := n.values.get(ix.hash(v))
		if qe := slot.one; qe != nil {
			if qe.stamp != stamp {
				qe.stamp = stamp
				fn(qe, vs)
			}
			continue
		}
		if slot.b == nil {
			continue
		}
		for _, e := range slot.b.entries {
			if e.qe.stamp != stamp {
				e.qe.stamp = stamp
				fn(e.qe, vs)
			}
		}
	}
}

// IndexStats describes the query index of a running engine.
type IndexStats struct {
	// Queries is the number of distinct queries with subscriptions.
	Queries int
	// Unindexed is how many of them are evaluated on every publish.
	Unindexed int
	// Keys is the number of keys with at least one bucket.
	Keys int
	// Buckets is the number of key and (key, value) buckets.
	Buckets int
	// Entries is the number of (bucket, query) entries, the unindexed
	// bucket's included.
	Entries int
}

type indexStatsReq struct {
	stats IndexStats
	reply chan error
}

func (r *indexStatsReq) apply(l *loop) {
	ix := l.index
	st := IndexStats{
		Queries:   len(l.queries),
		Unindexed: len(ix.unindexed.entries),
		Keys:      len(ix.keys),
		Buckets:   ix.buckets,
		Entries:   len(ix.unindexed.entries),
	}
	for _, n := range ix.keys {
		st.Entries += len(n.any.entries)
		n.values.each(func(_ uint64, slot valueSlot) { st.Entries += len(slot.b.entries) })
	}
	r.stats = st
	r.reply <- nil
}
