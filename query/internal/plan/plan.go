// Package plan carries what package compile derives from a query for the engine, beside the
// matcher itself, to package query, without making it part of compile's API: the terms an
// index of queries files a query under, and the values matcher of a single condition.
// Package compile sets Anchors and KeyFunc in its init.
package plan

import "github.com/querybus/querybus/query/grammar"

// Term is a fact about an event set that a query cannot match without: the key has Value
// among its values or, when AnyValue is set, the key has at least one value.
type Term struct {
	Key      string
	Value    string
	AnyValue bool
}

// ValuesFunc reports whether the values of one key satisfy a condition on that key.
type ValuesFunc = func(values []string) bool

var (
	// Anchors returns alternative sets of terms for an index of queries: if the query
	// matches an event set, then every returned set has a term that holds in it. It
	// returns nil when no set exists.
	Anchors func(q *grammar.Query) [][]Term
	// KeyFunc returns, for a query that is one condition other than EXISTS, the
	// condition's tag and a matcher of the tag's values: match(events[tag]) is the query's
	// result on events. ok is false for any other query.
	KeyFunc func(q *grammar.Query) (tag string, match ValuesFunc, ok bool)
)
