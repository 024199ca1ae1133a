package compile

import (
	"strings"

	"github.com/querybus/querybus/query/grammar"
	"github.com/querybus/querybus/query/internal/plan"
)

// valuesFunc reports whether the values of one key satisfy a condition on that key.
type valuesFunc = plan.ValuesFunc

// keyFunc returns, for a query that is one condition other than EXISTS (in parentheses or
// not), the condition's tag and a matcher of the tag's values: match(events[tag]) is the query's
// result on events, for every event set. ok is false for any other query.
//
// It is for a server that looks a key up once per publish and hands its values to each
// query that depends on that key alone: such a query then costs a comparison per value,
// without a lookup in the event set. A range query (`tx.height > 100`) is the common case.
func keyFunc(q *grammar.Query) (tag string, match valuesFunc, ok bool) {
	cond := soleCondition(q.Expr)
	if cond == nil || cond.Op == grammar.OpExists {
		return "", nil, false
	}
	match, err := valuesCondition(cond)
	if err != nil || match == nil { // Compile rejects the query too
		return "", nil, false
	}
	return cond.Tag, match, true
}

// parts returns the ways to split q at a key (see plan.Part): the single condition of
// keyFunc, as Values; or, for a conjunction of two or more `tag = 'string'` conditions (the
// commonest shape of a subscription, `tm.event = 'Tx' AND transfer.recipient = 'addr'`),
// one Split for each of their tags. A server that has found such a query through the
// values of one of its tags then compares those values and looks up the other tags only:
// one lookup in the event set fewer. Each Split holds its strings in its own block of
// memory, as the query's matcher does (see inlineSplit), so that calling it touches no
// more memory than calling the matcher; conditions that do not fit have no Split.
func parts(q *grammar.Query) []plan.Part {
	if tag, match, ok := keyFunc(q); ok {
		return []plan.Part{{Key: tag, Values: match}}
	}
	and := soleConjunction(q.Expr)
	if and == nil {
		return nil
	}
	conds := equalities(and.Factors)
	if conds == nil {
		return nil
	}
	ps := make([]plan.Part, 0, len(conds))
	first := make([]tagWant, len(conds))
	for i, c := range conds {
		if hasPart(ps, c.tag) {
			continue
		}
		first[0] = c
		copy(first[1:], conds[:i])
		copy(first[1+i:], conds[i+1:])
		if split := inlineSplit(first); split != nil {
			ps = append(ps, plan.Part{Key: c.tag, Split: split})
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// soleConjunction returns the conjunction of two or more factors that or consists of (in
// parentheses or not), nil if or is anything else.
func soleConjunction(or *grammar.Or) *grammar.And {
	for {
		if or == nil || len(or.Terms) != 1 {
			return nil
		}
		and := or.Terms[0]
		if len(and.Factors) >= 2 {
			return and
		}
		if len(and.Factors) != 1 || and.Factors[0].Group == nil {
			return nil
		}
		or = and.Factors[0].Group
	}
}

func hasPart(ps []plan.Part, key string) bool {
	for _, p := range ps {
		if p.Key == key {
			return true
		}
	}
	return false
}

// soleCondition returns the condition that or consists of, nil if or is anything else.
func soleCondition(or *grammar.Or) *grammar.Condition {
	for {
		if or == nil || len(or.Terms) != 1 || len(or.Terms[0].Factors) != 1 {
			return nil
		}
		switch u := or.Terms[0].Factors[0]; {
		case u.Not != nil:
			return nil
		case u.Group != nil:
			or = u.Group
		default:
			return u.Cond
		}
	}
}

// valuesCondition is condition's counterpart for the values of the condition's tag. It
// compares values exactly as condition's closures do, with the same functions.
func valuesCondition(cond *grammar.Condition) (valuesFunc, error) {
	op, arg := cond.Op, cond.Operand
	switch kind := arg.Kind(); {
	case kind == grammar.KindString && op == grammar.OpEqual:
		want := string(*arg.Str)
		return func(vs []string) bool { return anyEqual(vs, want) }, nil
	case kind == grammar.KindString && op == grammar.OpContains:
		want := string(*arg.Str)
		return func(vs []string) bool {
			for _, v := range vs {
				if strings.Contains(v, want) {
					return true
				}
			}
			return false
		}, nil
	case op == grammar.OpContains || kind == grammar.KindString:
		_, err := condition(cond)
		return nil, err
	case kind == grammar.KindNumber:
		want, ok := ParseDecimal(*arg.Number)
		if !ok {
			_, err := condition(cond)
			return nil, err
		}
		if bound, ok := want.smallInt(); ok {
			accept := acceptMask(op)
			return func(vs []string) bool {
				for _, v := range vs {
					if c, ok := cmpLeadingInt(v, bound); ok && accept>>uint(c+1)&1 != 0 {
						return true
					}
				}
				return false
			}, nil
		}
		pred := comparison(op)
		return func(vs []string) bool {
			for _, v := range vs {
				if d, ok := LeadingDecimal(v); ok && pred(d.Cmp(want)) {
					return true
				}
			}
			return false
		}, nil
	}
	var want Instant
	var err error
	if arg.Kind() == grammar.KindDate {
		want, err = date(arg)
	} else {
		want, err = timestamp(arg)
	}
	if err != nil {
		return nil, err
	}
	pred := comparison(op)
	return func(vs []string) bool {
		for _, v := range vs {
			if t, ok := ParseInstant(v); ok && pred(t.Cmp(want)) {
				return true
			}
		}
		return false
	}, nil
}

// acceptMask returns the comparisons that satisfy op as a bit mask: bit c+1 is set if a
// value that compares c (-1, 0 or +1) with the operand satisfies it.
func acceptMask(op grammar.Operator) uint8 {
	var accept uint8
	pred := comparison(op)
	for c := -1; c <= +1; c++ {
		if pred(c) {
			accept |= 1 << (c + 1)
		}
	}
	return accept
}
