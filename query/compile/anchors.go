package compile

import (
	"github.com/querybus/querybus/query/grammar"
	"github.com/querybus/querybus/query/internal/plan"
)

// term is what package query hands the index.
type term = plan.Term

func init() {
	plan.Anchors = anchors
	plan.Parts = parts
}

// maxAlternatives bounds how many alternative term sets anchors returns.
const maxAlternatives = 8

// anchors returns alternative sets of terms for an index of queries: if the query matches an
// event set, then every returned set has a term that holds in it, so a query can be filed
// under the terms of any one set and looked up by the keys and values of a published event
// set. It returns nil when no set exists: the query has a disjunct that needs no value of
// any particular key (EXISTS, which also matches longer keys, or anything under NOT).
//
// Alternatives come from conjunctions (each conjunct's terms are a valid set); an OR takes
// one set from each of its disjuncts and unites them, preferring sets of exact values.
func anchors(q *grammar.Query) [][]term {
	alts := anchorsOr(q.Expr)
	if len(alts) > maxAlternatives {
		alts = alts[:maxAlternatives]
	}
	return alts
}

func anchorsOr(or *grammar.Or) [][]term {
	if len(or.Terms) == 1 {
		return anchorsAnd(or.Terms[0])
	}
	var union []term
	for _, and := range or.Terms {
		alts := anchorsAnd(and)
		if len(alts) == 0 {
			return nil
		}
		union = append(union, best(alts)...)
	}
	return [][]term{union}
}

func anchorsAnd(and *grammar.And) [][]term {
	if len(and.Factors) == 1 {
		return anchorsUnary(and.Factors[0])
	}
	var alts [][]term
	for _, u := range and.Factors {
		alts = append(alts, anchorsUnary(u)...)
	}
	return alts
}

func anchorsUnary(u *grammar.Unary) [][]term {
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
		return [][]term{{{Key: c.Tag, Value: string(*c.Operand.Str)}}}
	}
	return [][]term{{{Key: c.Tag, AnyValue: true}}}
}

// best picks the most selective-looking set: exact values before mere keys, then fewer terms.
func best(alts [][]term) []term {
	score := func(ts []term) int {
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
