package compile

import (
	"strings"

	"github.com/querybus/querybus/query/grammar"
	"github.com/querybus/querybus/query/internal/plan"
)

// valuesFunc reports whether the values of one key satisfy a condition on that key.
type valuesFunc = plan.ValuesFunc

// keyFunc returns, for a query that is one condition other than EXISTS (in parentheses or
// not), the condition's tag and a matcher of the tag's values: match(events[tag]) is the
// query's result on events, for every event set. ok is false for any other query.
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
