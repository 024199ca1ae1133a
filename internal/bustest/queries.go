package bustest

import (
	"errors"
	"sync/atomic"

	"github.com/querybus/querybus/pubsub"
)

// Test-only queries, so that the servers' tests do not depend on package
// query's semantics.

// KeyEquals matches event sets where Key has Value.
type KeyEquals struct{ Key, Value string }

// Matches reports whether Key has Value.
func (q KeyEquals) Matches(events map[string][]string) (bool, error) {
	for _, v := range events[q.Key] {
		if v == q.Value {
			return true, nil
		}
	}
	return false, nil
}

// String is the query's text.
func (q KeyEquals) String() string { return q.Key + " = '" + q.Value + "'" }

// IndexTerms files the query under its key and value, so that the scenarios exercise the
// server's query index when it is on (pubsub.IndexedQuery).
func (q KeyEquals) IndexTerms() [][]pubsub.IndexTerm {
	return [][]pubsub.IndexTerm{{{Key: q.Key, Value: q.Value}}}
}

// MatchAll matches every event set, the empty one included.
type MatchAll struct{}

// Matches reports true.
func (MatchAll) Matches(map[string][]string) (bool, error) { return true, nil }

// String is "<all>".
func (MatchAll) String() string { return "<all>" }

// ErrBoom is the error of Failing.Matches.
var ErrBoom = errors.New("boom")

// Failing is a query called Text whose Matches always fails with ErrBoom.
type Failing struct{ Text string }

// Matches fails with ErrBoom.
func (q Failing) Matches(map[string][]string) (bool, error) { return false, ErrBoom }

// String returns Text.
func (q Failing) String() string { return q.Text }

// Counting is KeyEquals that counts its evaluations in N.
type Counting struct {
	KeyEquals
	N *atomic.Int64
}

// Matches counts the evaluation and then is KeyEquals.Matches.
func (q Counting) Matches(events map[string][]string) (bool, error) {
	q.N.Add(1)
	return q.KeyEquals.Matches(events)
}
