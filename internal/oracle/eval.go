package oracle

import (
	"fmt"
	"math/big"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/querybus/querybus/query/grammar"
)

// Eval reports whether the event set satisfies the query, by the contract's matching rules
// read literally. The query must be one that compiles: Eval panics on a pairing of operator
// and operand that the compiler rejects, or on an invalid DATE or TIME operand.
func Eval(q *grammar.Query, events map[string][]string) bool {
	// "A query never matches an empty event set (nil or no keys), whatever its form";
	// "a key whose list is empty counts as absent", so a set with no values is empty.
	if !hasValues(events) {
		return false
	}
	return evalOr(q.Expr, events)
}

func hasValues(events map[string][]string) bool {
	for _, vs := range events {
		if len(vs) > 0 {
			return true
		}
	}
	return false
}

func evalOr(or *grammar.Or, events map[string][]string) bool {
	result := false
	for _, and := range or.Terms {
		result = result || evalAnd(and, events)
	}
	return result
}

func evalAnd(and *grammar.And, events map[string][]string) bool {
	result := true
	for _, u := range and.Factors {
		result = result && evalUnary(u, events)
	}
	return result
}

func evalUnary(u *grammar.Unary, events map[string][]string) bool {
	switch {
	case u.Not != nil:
		return !evalUnary(u.Not, events)
	case u.Group != nil:
		return evalOr(u.Group, events)
	}
	return evalCondition(u.Cond, events)
}

func evalCondition(c *grammar.Condition, events map[string][]string) bool {
	if c.Op == grammar.OpExists {
		if c.Operand != nil {
			panic(fmt.Sprintf("oracle: EXISTS with an operand: %s", c))
		}
		// True iff some key with at least one value equals tag or begins with tag + ".".
		for k, vs := range events {
			if len(vs) > 0 && (k == c.Tag || strings.HasPrefix(k, c.Tag+".")) {
				return true
			}
		}
		return false
	}
	// True iff some value v in E[tag] satisfies v OP arg.
	for _, v := range events[c.Tag] {
		if satisfies(v, c.Op, c.Operand) {
			return true
		}
	}
	return false
}

func satisfies(v string, op grammar.Operator, arg *grammar.Operand) bool {
	switch arg.Kind() {
	case grammar.KindString:
		want := string(*arg.Str)
		switch op {
		case grammar.OpEqual:
			return v == want
		case grammar.OpContains:
			return strings.Contains(v, want)
		}
	case grammar.KindNumber:
		if op == grammar.OpContains {
			break
		}
		want, ok := new(big.Rat).SetString(strings.TrimSuffix(*arg.Number, "."))
		if !ok {
			panic(fmt.Sprintf("oracle: number operand %q", *arg.Number))
		}
		lead := leadingNumber.FindString(v)
		if lead == "" {
			return false
		}
		got, ok := new(big.Rat).SetString(lead)
		if !ok {
			panic(fmt.Sprintf("oracle: leading number %q of %q", lead, v))
		}
		return compare(op, got.Cmp(want))
	case grammar.KindDate, grammar.KindTime:
		if op == grammar.OpContains {
			break
		}
		var want time.Time
		var err error
		if arg.Kind() == grammar.KindDate {
			want, err = time.Parse("2006-01-02", *arg.Date)
		} else {
			want, err = ParseRFC3339(*arg.Time)
		}
		if err != nil {
			panic(fmt.Sprintf("oracle: operand %s: %v", arg, err))
		}
		got, ok := readInstant(v)
		if !ok {
			return false
		}
		return compare(op, got.Compare(want))
	}
	panic(fmt.Sprintf("oracle: operator %s with %s", op, arg.Kind()))
}

// leadingNumber is the contract's leading number of a value. Go's regexp prefers the
// longer alternative of (...)?, so FindString gives the longest leading number.
var leadingNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?`)

func compare(op grammar.Operator, c int) bool {
	switch op {
	case grammar.OpEqual:
		return c == 0
	case grammar.OpLess:
		return c < 0
	case grammar.OpLessEqual:
		return c <= 0
	case grammar.OpGreater:
		return c > 0
	case grammar.OpGreaterEqual:
		return c >= 0
	}
	panic(fmt.Sprintf("oracle: operator %s does not compare", op))
}

// readInstant reads a value as an RFC 3339 timestamp or a date YYYY-MM-DD (midnight UTC).
func readInstant(v string) (time.Time, bool) {
	if t, err := ParseRFC3339(v); err == nil {
		return t, true
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, true
	}
	return time.Time{}, false
}

// rfc3339 is the shape of an RFC 3339 date-time (section 5.6) with upper-case T and Z.
// time.Parse(time.RFC3339Nano, s) accepts some text that is not RFC 3339 (golang/go#54580:
// a one-digit hour, a comma before the fraction, an offset of +24:00 or +01:60), so the
// shape and the offset's range are checked here first.
var rfc3339 = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-]([0-9]{2}):([0-9]{2}))$`)

// ParseRFC3339 reads s as an RFC 3339 timestamp with a zone and optional fractional seconds.
func ParseRFC3339(s string) (time.Time, error) {
	m := rfc3339.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("%q is not shaped as an RFC 3339 timestamp", s)
	}
	if m[2] != "Z" {
		hh, _ := strconv.Atoi(m[3])
		mm, _ := strconv.Atoi(m[4])
		if hh > 23 || mm > 59 {
			return time.Time{}, fmt.Errorf("%q: zone offset out of range", s)
		}
	}
	return time.Parse(time.RFC3339Nano, s)
}
