package bus

import (
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/fastpath"
	"github.com/querybus/querybus/query"
)

// termsQuery is an IndexedQuery with given terms that matches nothing (the
// index tests look only at where it is filed).
type termsQuery struct {
	text  string
	terms [][]IndexTerm
}

func (q termsQuery) Matches(map[string][]string) (bool, error) { return false, nil }
func (q termsQuery) String() string                            { return q.text }
func (q termsQuery) IndexTerms() [][]IndexTerm                 { return q.terms }

// addQuery files qe as the loop does: under its query's IndexTerms, with the
// values matcher of a *query.Query if it has one.
func addQuery(ix *index, qe *queryEntry) {
	var alts [][]IndexTerm
	if iq, ok := qe.q.(IndexedQuery); ok {
		alts = iq.IndexTerms()
	}
	var p fastpath.Plan
	if qq, ok := qe.q.(*query.Query); ok {
		p = fastpath.Of(qq)
	}
	if kq, ok := qe.q.(keyMatcher); ok {
		key, values := kq.keyMatch()
		p.Parts = []fastpath.Part{{Key: key, Values: values}}
	}
	ix.add(qe, alts, p.Parts)
}

// keyMatcher is a test query that hands out a values matcher, as the plan of a
// *query.Query does.
type keyMatcher interface {
	keyMatch() (string, func([]string) bool)
}

func eq(k, v string) IndexTerm { return IndexTerm{Key: k, Value: v} }
func has(k string) IndexTerm   { return IndexTerm{Key: k, AnyValue: true} }

// buckets lists the terms qe is filed under ("" for the unindexed bucket).
func filedUnder(qe *queryEntry) []string {
	var out []string
	for _, s := range qe.filed() {
		switch {
		case s.b.node == nil:
			out = append(out, "")
		case s.b.isAny():
			out = append(out, s.b.node.key)
		default:
			out = append(out, fmt.Sprintf("%s=#%x", s.b.node.key, s.b.hash))
		}
	}
	return out
}

// term names a value bucket as filedUnder does.
func term(ix *index, k, v string) string { return fmt.Sprintf("%s=#%x", k, ix.hash(v)) }

// check verifies the index's invariants: every slot points at an entry that
// points back at it, no bucket is empty, the bucket count is right.
func check(t require.TestingT, ix *index, live []*queryEntry) {
	entries := 0
	for _, qe := range live {
		require.NotEmpty(t, qe.filed(), "%s is filed nowhere", qe.text)
		for i, s := range qe.filed() {
			require.Less(t, s.pos, len(s.b.entries))
			e := s.b.entries[s.pos]
			require.Same(t, qe, e.qe)
			require.Equal(t, i, e.slot)
		}
		entries += len(qe.filed())
	}
	buckets, inBuckets := 0, len(ix.unindexed.entries)
	require.Len(t, ix.nodes, len(ix.keys), "a node per key")
	for i, n := range ix.nodes {
		require.Equal(t, i, n.pos)
		require.Same(t, ix.keys[n.key], n)
	}
	for k, n := range ix.keys {
		require.Equal(t, k, n.key)
		require.True(t, len(n.any.entries) > 0 || n.values.n > 0, "empty key node %q", k)
		if len(n.any.entries) > 0 {
			buckets++
		}
		inBuckets += len(n.any.entries)
		n.values.each(func(v uint64, slot valueSlot) {
			b := slot.b
			require.Equal(t, v, b.hash)
			if len(b.entries) == 1 {
				require.Same(t, b.entries[0].qe, slot.one, "the sole query of %s=%x", k, v)
			} else {
				require.Nil(t, slot.one, "%s=%x has %d queries", k, v, len(b.entries))
			}
			require.NotEmpty(t, b.entries, "empty bucket %s=%s", k, v)
			buckets++
			inBuckets += len(b.entries)
		})
	}
	require.Equal(t, buckets, ix.buckets)
	require.Equal(t, entries, inBuckets)
}

func TestIndexFilesUnderTheEmptiestSet(t *testing.T) {
	ix := newIndex(true)
	var qes []*queryEntry
	for i := 0; i < 5; i++ {
		// Both orders of the conjuncts: the shared tm.event bucket takes
		// at most one query.
		alts := [][]IndexTerm{{eq("tm.event", "Tx")}, {eq("transfer.recipient", fmt.Sprint("addr", i))}}
		if i%2 == 1 {
			slices.Reverse(alts)
		}
		qe := &queryEntry{q: termsQuery{fmt.Sprint(i), alts}, text: fmt.Sprint(i)}
		addQuery(ix, qe)
		qes = append(qes, qe)
	}
	check(t, ix, qes)
	assert.Len(t, ix.keys["tm.event"].values.get(ix.hash("Tx")).b.entries, 1)
	for _, qe := range qes[1:] {
		assert.Equal(t, []string{term(ix, "transfer.recipient", "addr"+qe.text)}, filedUnder(qe))
	}
	// Equal counts: a value before a key, then fewer terms.
	qe := &queryEntry{q: termsQuery{"x", [][]IndexTerm{{has("k")}, {eq("a", "1"), eq("b", "2")}, {eq("c", "3")}}}, text: "x"}
	addQuery(ix, qe)
	assert.Equal(t, []string{term(ix, "c", "3")}, filedUnder(qe))
	for _, qe := range append(qes, qe) {
		ix.remove(qe)
	}
	check(t, ix, nil)
	assert.Empty(t, ix.keys)
}

func TestIndexUnusableTerms(t *testing.T) {
	for name, q := range map[string]Query{
		"not indexed":  termsQuery{"a", nil},
		"empty set":    termsQuery{"b", [][]IndexTerm{{}}},
		"plain Query":  plainQuery{},
		"only empties": termsQuery{"c", [][]IndexTerm{{}, {}}},
	} {
		ix := newIndex(true)
		qe := &queryEntry{q: q, text: q.String()}
		addQuery(ix, qe)
		assert.Equal(t, []string{""}, filedUnder(qe), name)
		ix.remove(qe)
		check(t, ix, nil)
		assert.Empty(t, ix.unindexed.entries)
	}
	// Off: everything is unindexed.
	ix := newIndex(false)
	qe := &queryEntry{q: termsQuery{"a", [][]IndexTerm{{eq("k", "v")}}}, text: "a"}
	addQuery(ix, qe)
	assert.Equal(t, []string{""}, filedUnder(qe))
}

type plainQuery struct{}

func (plainQuery) Matches(map[string][]string) (bool, error) { return true, nil }
func (plainQuery) String() string                            { return "plain" }

func TestIndexRepeatedTermFiledOnce(t *testing.T) {
	ix := newIndex(true)
	qe := &queryEntry{q: termsQuery{"a", [][]IndexTerm{{eq("k", "v"), has("k"), eq("k", "v"), has("k")}}}, text: "a"}
	addQuery(ix, qe)
	assert.Equal(t, []string{term(ix, "k", "v"), "k"}, filedUnder(qe))
	check(t, ix, []*queryEntry{qe})
	ix.remove(qe)
	check(t, ix, nil)
	assert.Empty(t, ix.keys)
}

// The index's invariants hold under any sequence of additions and removals,
// a publish visits every query that could match the event set, each once, and
// nothing is left at the end.
//
// What a publish must visit is worked out from the queries' own declared
// terms and the event set, not from where the index filed them: IndexTerms
// promises that a query matches only event sets in which each of its sets
// has a term that holds, so a query whose every non-empty set has a term that
// holds must be visited, and so must one with no non-empty set (nothing to
// file it under) and every query when the index is off. It is visited with
// nil values if it is unindexed, else with the values of the key of a term
// of its that holds; and a query none of whose terms holds is not visited
// unless it is unindexed (the index exists to skip those).
func TestIndexProperty(t *testing.T) {
	keys := []string{"a", "b", "c", "d"}
	values := []string{"1", "2", "3"}
	term := rapid.Custom(func(t *rapid.T) IndexTerm {
		if rapid.IntRange(0, 3).Draw(t, "any") == 0 {
			return has(rapid.SampledFrom(keys).Draw(t, "key"))
		}
		return eq(rapid.SampledFrom(keys).Draw(t, "key"), rapid.SampledFrom(values).Draw(t, "value"))
	})
	alts := rapid.SliceOfN(rapid.SliceOfN(term, 0, 4), 0, 3)
	events := rapid.MapOfN(rapid.SampledFrom(keys), rapid.SliceOfN(rapid.SampledFrom(values), 0, 3), 0, 4)
	rapid.Check(t, func(t *rapid.T) {
		enabled := rapid.IntRange(0, 4).Draw(t, "off") != 0
		ix := newIndex(enabled)
		var live []*queryEntry
		n := 0
		for step := rapid.IntRange(0, 60).Draw(t, "steps"); step > 0; step-- {
			switch {
			case len(live) > 0 && rapid.IntRange(0, 2).Draw(t, "remove") == 0:
				i := rapid.IntRange(0, len(live)-1).Draw(t, "which")
				ix.remove(live[i])
				live = slices.Delete(live, i, i+1)
			case rapid.IntRange(0, 3).Draw(t, "publish") == 0:
				ev := events.Draw(t, "events")
				visits := map[*queryEntry]int{}
				got := map[*queryEntry][]string{}
				ix.visit(ev, func(qe *queryEntry, vs []string) {
					visits[qe]++
					got[qe] = vs
				})
				for qe, n := range visits {
					require.Equal(t, 1, n, "query %s visited %d times", qe.text, n)
					require.Contains(t, live, qe, "query %s is not live", qe.text)
				}
				for _, qe := range live {
					declared := qe.q.(termsQuery).terms
					unindexed := !enabled || !slices.ContainsFunc(declared, func(set []IndexTerm) bool { return len(set) > 0 })
					_, visited := visits[qe]
					if unindexed || mayMatch(declared, ev) {
						require.True(t, visited, "query %s (terms %v, index on %v) not visited for %v", qe.text, declared, enabled, ev)
					}
					if !visited {
						continue
					}
					if unindexed {
						require.Nil(t, got[qe], "unindexed query %s", qe.text)
						continue
					}
					require.True(t, keyOfHoldingTerm(declared, ev, got[qe]),
						"query %s (terms %v) visited with %v for %v: no term of it holds with those values", qe.text, declared, got[qe], ev)
				}
			default:
				n++
				qe := &queryEntry{text: fmt.Sprint(n)}
				qe.q = termsQuery{qe.text, alts.Draw(t, "alts")}
				addQuery(ix, qe)
				live = append(live, qe)
			}
			check(t, ix, live)
		}
		for _, qe := range live {
			ix.remove(qe)
		}
		check(t, ix, nil)
		require.Empty(t, ix.keys)
		require.Empty(t, ix.unindexed.entries)
		require.Zero(t, ix.buckets)
	})
}

// termHolds reports whether term holds in events: its key has its value or,
// with AnyValue, some value.
func termHolds(term IndexTerm, events map[string][]string) bool {
	vs := events[term.Key]
	if term.AnyValue {
		return len(vs) > 0
	}
	return slices.Contains(vs, term.Value)
}

// mayMatch reports whether a query with the declared alternative sets could
// match events, as IndexTerms defines them: every non-empty set has a term
// that holds (an empty set holds nothing to file the query under and is
// ignored, as the index ignores it).
func mayMatch(declared [][]IndexTerm, events map[string][]string) bool {
	for _, set := range declared {
		if len(set) > 0 && !slices.ContainsFunc(set, func(t IndexTerm) bool { return termHolds(t, events) }) {
			return false
		}
	}
	return true
}

// keyOfHoldingTerm reports whether some declared term holds in events and
// values are the values of its key.
func keyOfHoldingTerm(declared [][]IndexTerm, events map[string][]string, values []string) bool {
	for _, set := range declared {
		for _, t := range set {
			if termHolds(t, events) && slices.Equal(events[t.Key], values) {
				return true
			}
		}
	}
	return false
}

// keyQuery is an IndexedQuery whose result depends on the values of one key
// (a keyMatcher): it matches when key has the value want.
type keyQuery struct {
	termsQuery
	key, want string
}

func (q keyQuery) keyMatch() (string, func([]string) bool) {
	return q.key, func(vs []string) bool { return slices.Contains(vs, q.want) }
}

// A query whose result depends on one key gets its key's values from the
// index, but only when every bucket it is filed under is of that key.
func TestIndexKeyMatch(t *testing.T) {
	ix := newIndex(true)
	alone := &queryEntry{q: keyQuery{termsQuery{"alone", [][]IndexTerm{{has("h")}}}, "h", "5"}, text: "alone"}
	addQuery(ix, alone)
	require.NotNil(t, alone.keyMatch)

	// Filed under another key (its terms and its key disagree): it is
	// evaluated whole, keyMatch unused.
	other := &queryEntry{q: keyQuery{termsQuery{"other", [][]IndexTerm{{has("h"), has("g")}}}, "h", "5"}, text: "other"}
	addQuery(ix, other)
	assert.Nil(t, other.keyMatch)

	seen := map[string][]string{}
	ix.visit(map[string][]string{"h": {"4", "5"}, "x": {"1"}}, func(qe *queryEntry, vs []string) {
		seen[qe.text] = vs
	})
	assert.Equal(t, map[string][]string{"alone": {"4", "5"}, "other": {"4", "5"}}, seen)
	assert.True(t, alone.keyMatch(seen["alone"]))
	assert.False(t, alone.keyMatch([]string{"4"}))

	ix.remove(alone)
	assert.Nil(t, alone.keyMatch, "removal lets go of the matcher")
	ix.remove(other)
	check(t, ix, nil)
}

// The loop calls keyMatch with the values of the query's key, and Matches
// (through its plan's matcher or not) for every other query.
func TestConsiderUsesKeyMatch(t *testing.T) {
	l := &loop{index: newIndex(true)}
	l.consider = l.considerQuery
	qe := &queryEntry{q: keyQuery{termsQuery{"k", [][]IndexTerm{{has("h")}}}, "h", "5"}, text: "k"}
	s := &subscription{qe: qe}
	qe.subs = []*subscription{s}
	addQuery(l.index, qe)
	for _, tc := range []struct {
		events map[string][]string
		want   int
	}{
		{map[string][]string{"h": {"5"}}, 1},
		{map[string][]string{"h": {"6"}}, 0},
		{map[string][]string{"g": {"5"}}, 0},
	} {
		l.events = tc.events
		l.index.visit(tc.events, l.consider)
		assert.Len(t, l.matched, tc.want, "%v", tc.events)
		l.matched = l.matched[:0]
	}
}
