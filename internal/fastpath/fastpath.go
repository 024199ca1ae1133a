// Package fastpath hands the engine what a compiled *query.Query is made of, which package
// query does not export: the matcher, to be called without going through the query value,
// and the query split at a key, for an engine that has looked the key up already. Package
// query sets Of in its init; internal/bus calls it.
package fastpath

// Plan is what the engine takes of a compiled query.
type Plan struct {
	// Match is the query's matcher: Match(events) is Matches(events). Never nil.
	Match func(events map[string][]string) bool
	// Parts are the ways to split the query at a key, for an engine that has looked the
	// key up in the event set: for each, Values(events[Key]) or Split(events[Key], events)
	// is Matches(events), for every event set. A query that is one condition other than
	// EXISTS has one part, with Values; a conjunction of `tag = 'string'` conditions one for
	// each of their tags, with Split.
	Parts []Part
}

// Part is a query split at Key (see Plan.Parts); exactly one of Values and Split is set.
type Part = struct {
	Key    string
	Values func(values []string) bool
	Split  func(values []string, events map[string][]string) bool
}

// Of returns the plan of q, which must be a *query.Query (nil is All).
var Of func(q any) Plan
