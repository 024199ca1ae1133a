// Package plan carries what package compile derives from a query for the engine, beside the
// matcher itself, to package query, without making it part of compile's API: the terms an
// index of queries files a query under, and the query split at a key (Part).
// Package compile sets Anchors and Parts in its init.
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

// SplitFunc reports whether an event set satisfies a query, given the event set and the
// values in it of the key the query was split at.
type SplitFunc = func(values []string, events map[string][]string) bool

// Part is a query split at one key, for a server that has looked the key up in an event
// set already; exactly one of Values and Split is set. Values(events[Key]), or
// Split(events[Key], events), is the query's result on events, for every event set. It is
// an alias of an unnamed struct type, identical to fastpath.Part, so that package query
// hands it on as it is.
type Part = struct {
	Key    string
	Values func(values []string) bool
	Split  func(values []string, events map[string][]string) bool
}

var (
	// Anchors returns alternative sets of terms for an index of queries: if the query
	// matches an event set, then every returned set has a term that holds in it. It
	// returns nil when no set exists.
	Anchors func(q *grammar.Query) [][]Term
	// Parts returns the ways to split the query at a key: for a query that is one
	// condition other than EXISTS, its Values; for a conjunction of string equalities, a
	// Split for each of their keys. nil for any other query.
	Parts func(q *grammar.Query) []Part
)
