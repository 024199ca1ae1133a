package compile

import "github.com/querybus/querybus/query/grammar"

// Term is a fact about an event set that a query cannot match without: the key has Value
// among its values or, when AnyValue is set, the key has at least one value.
type Term struct {
	Key      string
	Value    string
	AnyValue bool
}

// maxAlternatives bounds how many alternative term sets Anchors returns.
const maxAlternatives = 8

// Anchors returns alternative sets of terms for an index of queries: if the query matches an
// event set, then every returned set has a term that holds in it, so a query can be filed
// under the terms of any one set and looked up by the keys and values of a published event
// set. It returns nil when no set exists: the query has a disjunct that needs no value of
// any particular key (EXISTS, which also matches longer keys, or anything under NOT).
//
// Alternatives come from conjunctions (each conjunct's terms are a valid set); an OR takes
// one set from each of its disjuncts and unites them, preferring sets of exact values.
func Anchors(q *grammar.Query) [][]Term {
	alts := anchorsOr(q.Expr)
	if len(alts) > maxAlternatives {
		alts = alts[:maxAlternatives]
	}
	return alts
}

func anchorsOr(or *grammar.Or) [][]Term {
	if len(or.Terms) == 1 {
		return anchorsAnd(or.Terms[0])
	}
	var union []Term
	for _, and := range or.Terms {
		alts := anchorsAnd(and)
		if len(alts) == 0 {
			return nil
		}
		union = append(union, best(alts)...)
	}
	return [][]Term{union}
}

func anchorsAnd(and *grammar.And) [][]Term {
	if len(and.Factors) == 1 {
		return anchorsUnary(and.Factors[0])
	}
	var alts [][]Term
	for _, u := range and.Factors {
		alts = append(alts, anchorsUnary(u)...)
	}
	return alts
}

func anchorsUnary(u *grammar.Unary) [][]Term {
	switch {
	case u.Not != nil:
		return nil
	case u.Group != nil:
		return anchorsOr(u.Group)
	}
	c := u.Cond
	switch {
	case c.Op == grammar.OpExists:
		return nil
	case c.Op == grammar.OpEqual && c.Operand.Str != nil:
		return [][]Term{{{Key: c.Tag, Value: string(*c.Operand.Str)}}}
	}
	return [][]Term{{{Key: c.Tag, AnyValue: true}}}
}

// best picks the most selective-looking set: exact values before mere keys, then fewer terms.
func best(alts [][]Term) []Term {
	score := func(ts []Term) int {
		s := len(ts)
		for _, t := range ts {
			if t.AnyValue {
				s += 1000
			}
		}
		return s
	}
	b := alts[0]
	for _, a := range alts[1:] {
		if score(a) < score(b) {
			b = a
		}
	}
	return b
}
