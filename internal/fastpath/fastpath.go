// Package fastpath hands the engine what a compiled *query.Query is made of, which package
// query does not export: the matcher, to be called without going through the query value,
// and, for a single condition on one key, a matcher of that key's values. Package query
// sets Of in its init; internal/bus calls it.
package fastpath

// Plan is what the engine takes of a compiled query.
type Plan struct {
	// Match is the query's matcher: Match(events) is Matches(events). Never nil.
	Match func(events map[string][]string) bool
	// Key and Values are set for a query that is one condition on Key other than EXISTS:
	// Values(events[Key]) is Matches(events), for every event set. Values is nil otherwise.
	Key    string
	Values func(values []string) bool
}

// Of returns the plan of q, which must be a *query.Query (nil is All).
var Of func(q any) Plan
