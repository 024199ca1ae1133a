package compile

import (
	"fmt"
	"strings"

	"github.com/querybus/querybus/query/grammar"
)

// Func reports whether an event set satisfies a compiled query. It never allocates, never
// parses the query and may be called from any number of goroutines at once.
type Func func(events map[string][]string) bool

// Compile turns a syntax tree into a tree of closures. Every operand is read and checked
// here, once: a rejected pairing of operator and operand, or an impossible date or time,
// is a *grammar.Error that points at the operand.
func Compile(q *grammar.Query) (Func, error) {
	c := compiler{}
	f, err := c.or(q.Expr)
	if err != nil {
		return nil, err
	}
	if c.negates {
		// A query never matches an event set with no values, but under NOT a condition that
		// fails for lack of values turns true: test for values first.
		return func(events map[string][]string) bool { return hasValues(events) && f(events) }, nil
	}
	// Without NOT every condition needs some value, so the empty set never matches.
	return f, nil
}

type compiler struct {
	negates bool // whether the query holds a NOT
}

func (c *compiler) or(or *grammar.Or) (Func, error) {
	if len(or.Terms) == 1 {
		return c.and(or.Terms[0])
	}
	fs := make([]Func, len(or.Terms))
	for i, and := range or.Terms {
		f, err := c.and(and)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	switch len(fs) {
	case 1:
		return fs[0], nil
	case 2:
		a, b := fs[0], fs[1]
		return func(ev map[string][]string) bool { return a(ev) || b(ev) }, nil
	}
	return func(ev map[string][]string) bool {
		for _, f := range fs {
			if f(ev) {
				return true
			}
		}
		return false
	}, nil
}

func (c *compiler) and(and *grammar.And) (Func, error) {
	if f := stringEquals(and.Factors); f != nil {
		return f, nil
	}
	if len(and.Factors) == 1 {
		return c.unary(and.Factors[0])
	}
	fs := make([]Func, len(and.Factors))
	for i, u := range and.Factors {
		f, err := c.unary(u)
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	switch len(fs) {
	case 1:
		return fs[0], nil
	case 2:
		a, b := fs[0], fs[1]
		return func(ev map[string][]string) bool { return a(ev) && b(ev) }, nil
	}
	return func(ev map[string][]string) bool {
		for _, f := range fs {
			if !f(ev) {
				return false
			}
		}
		return true
	}, nil
}

func (c *compiler) unary(u *grammar.Unary) (Func, error) {
	switch {
	case u.Not != nil:
		c.negates = true
		f, err := c.unary(u.Not)
		if err != nil {
			return nil, err
		}
		return func(ev map[string][]string) bool { return !f(ev) }, nil
	case u.Group != nil:
		return c.or(u.Group)
	}
	return condition(u.Cond)
}

// condition checks the pairing of operator and operand and picks the closure for it.
func condition(cond *grammar.Condition) (Func, error) {
	tag, op, arg := cond.Tag, cond.Op, cond.Operand
	if op == grammar.OpExists {
		if arg != nil {
			return nil, fail(arg.Pos, "EXISTS takes no operand, found %s %s", arg.Kind(), arg)
		}
		return exists(tag), nil
	}
	switch kind := arg.Kind(); {
	case kind == grammar.KindString && op == grammar.OpEqual:
		return stringEqual(tag, string(*arg.Str)), nil
	case kind == grammar.KindString && op == grammar.OpContains:
		return contains(tag, string(*arg.Str)), nil
	case op == grammar.OpContains:
		return nil, fail(arg.Pos, "CONTAINS takes a string, not %s: %s", kind, arg)
	case kind == grammar.KindString:
		return nil, fail(arg.Pos, "operator %s compares numbers, dates and times, not a string: %s", op, arg)
	case kind == grammar.KindNumber:
		want, ok := ParseDecimal(*arg.Number)
		if !ok { // unreachable: the lexer accepts only numbers this reads
			return nil, fail(arg.Pos, "invalid number %s", *arg.Number)
		}
		return number(tag, op, want), nil
	case kind == grammar.KindDate:
		want, err := date(arg)
		if err != nil {
			return nil, err
		}
		return instant(tag, op, want), nil
	default:
		want, err := timestamp(arg)
		if err != nil {
			return nil, err
		}
		return instant(tag, op, want), nil
	}
}

func date(arg *grammar.Operand) (Instant, error) {
	s := *arg.Date
	if strings.Contains(s, "T") {
		return Instant{}, fail(arg.Pos, "DATE takes a date such as 2021-11-23, not the time %s (write TIME %s)", s, s)
	}
	t, ok := ParseDate(s)
	if !ok {
		return Instant{}, fail(arg.Pos, "invalid date %s: no such day in the calendar", s)
	}
	return t, nil
}

func timestamp(arg *grammar.Operand) (Instant, error) {
	s := *arg.Time
	if !strings.Contains(s, "T") {
		return Instant{}, fail(arg.Pos, "TIME takes a time such as 2021-11-23T22:04:19Z, not the date %s (write DATE %s)", s, s)
	}
	if last := s[len(s)-1]; last != 'Z' && !strings.ContainsAny(s[len("2006-01-02T15:04:05"):], "+-") {
		return Instant{}, fail(arg.Pos, "invalid time %s: a zone is required, such as Z or +01:00", s)
	}
	t, ok := ParseTimestamp(s)
	if !ok {
		return Instant{}, fail(arg.Pos, "invalid time %s: %s", s, outOfRange(s))
	}
	return t, nil
}

// outOfRange names the field that is out of range in s, a time the lexer accepted
// (YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)) that ParseTimestamp rejects.
func outOfRange(s string) string {
	if _, ok := ParseDate(s[:10]); !ok {
		return "no such day in the calendar"
	}
	for _, f := range []struct{ name, text, max string }{
		{"hour", s[11:13], "23"}, {"minute", s[14:16], "59"}, {"second", s[17:19], "59"},
	} {
		if f.text > f.max {
			return fmt.Sprintf("%s %s is out of range (00 to %s)", f.name, f.text, f.max)
		}
	}
	if zone := s[len(s)-len("+00:00"):]; zone[0] == '+' || zone[0] == '-' {
		return fmt.Sprintf("zone offset %s is out of range (-23:59 to +23:59)", zone)
	}
	return "not a valid RFC 3339 time" // unreachable while the lexer and ParseTimestamp agree
}

func fail(pos grammar.Position, format string, args ...any) error {
	return &grammar.Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func hasValues(ev map[string][]string) bool {
	for _, vs := range ev {
		if len(vs) > 0 {
			return true
		}
	}
	return false
}

func exists(tag string) Func {
	prefix := tag + "."
	return func(ev map[string][]string) bool {
		if len(ev[tag]) > 0 {
			return true
		}
		for k, vs := range ev {
			if len(vs) > 0 && strings.HasPrefix(k, prefix) {
				return true
			}
		}
		return false
	}
}

// stringEqual returns the closure for a single `tag = 'want'` condition: one that holds the
// strings in its own block of memory if they fit (see inlineEquals), else one that refers to
// them.
func stringEqual(tag, want string) Func {
	if f := inlineEquals([]tagWant{{tag, want}}); f != nil {
		return f
	}
	return func(ev map[string][]string) bool { return anyEqual(ev[tag], want) }
}

// tagWant is one `tag = 'want'` condition of a conjunction.
type tagWant struct{ tag, want string }

// stringEquals returns one closure for a conjunction of two or more
// `tag = 'string'` conditions (the commonest shape of a subscription, such as
// `tm.event = 'Tx' AND transfer.recipient = 'addr'`), nil for any other
// factors. Rather than a closure per condition under a closure for the AND,
// it is a single closure: at a bus with many distinct queries, every block of
// memory that evaluating a query touches is a cache miss. If the strings fit,
// the closure holds their bytes in its own block (see inlineEquals), else it
// holds the (tag, want) pairs by value and the strings share one allocation
// (see sharedEquals). The conditions are checked in order, as the AND closure
// would.
func stringEquals(factors []*grammar.Unary) Func {
	conds := equalities(factors)
	if conds == nil {
		return nil
	}
	if f := inlineEquals(conds); f != nil {
		return f
	}
	return sharedEquals(conds)
}

// equalities returns the conditions of factors, two or more `tag = 'string'` conditions,
// nil if factors are anything else.
func equalities(factors []*grammar.Unary) []tagWant {
	if len(factors) < 2 {
		return nil
	}
	for _, u := range factors {
		if u.Not != nil || u.Group != nil || u.Cond == nil || u.Cond.Op != grammar.OpEqual ||
			u.Cond.Operand == nil || u.Cond.Operand.Kind() != grammar.KindString {
			return nil
		}
	}
	conds := make([]tagWant, len(factors))
	for i, u := range factors {
		conds[i] = tagWant{u.Cond.Tag, string(*u.Cond.Operand.Str)}
	}
	return conds
}

// sharedEquals returns the closure for a conjunction of `tag = 'want'` conditions that holds
// the pairs by value and whose strings share one allocation, so that evaluating it touches
// two blocks of memory, not one per condition and string.
func sharedEquals(conds []tagWant) Func {
	size := 0
	for _, c := range conds {
		size += len(c.tag) + len(c.want)
	}
	var b strings.Builder
	b.Grow(size)
	for _, c := range conds {
		b.WriteString(c.tag)
		b.WriteString(c.want)
	}
	all := b.String()
	pairs := make([]tagWant, len(conds))
	at := 0
	for i, c := range conds {
		tag := all[at : at+len(c.tag)]
		at += len(tag)
		want := all[at : at+len(c.want)]
		at += len(want)
		pairs[i] = tagWant{tag, want}
	}
	switch len(pairs) {
	case 2:
		p := [2]tagWant(pairs) // captured by value: in the closure's own block
		return func(ev map[string][]string) bool {
			return anyEqual(ev[p[0].tag], p[0].want) && anyEqual(ev[p[1].tag], p[1].want)
		}
	case 3:
		p := [3]tagWant(pairs)
		return func(ev map[string][]string) bool {
			return anyEqual(ev[p[0].tag], p[0].want) && anyEqual(ev[p[1].tag], p[1].want) &&
				anyEqual(ev[p[2].tag], p[2].want)
		}
	}
	return func(ev map[string][]string) bool {
		for _, p := range pairs {
			if !anyEqual(ev[p.tag], p.want) {
				return false
			}
		}
		return true
	}
}

func anyEqual(vs []string, want string) bool {
	for _, v := range vs {
		if v == want {
			return true
		}
	}
	return false
}

func contains(tag, want string) Func {
	return func(ev map[string][]string) bool {
		for _, v := range ev[tag] {
			if strings.Contains(v, want) {
				return true
			}
		}
		return false
	}
}

// number returns the closure for a numeric condition: for an integer operand of at most
// maxIntDigits digits and a tag that fits, one that holds both in its own block of memory and
// reads values as integers (see inlineInt), else decimalNumber's.
func number(tag string, op grammar.Operator, want Decimal) Func {
	if bound, ok := want.smallInt(); ok {
		if f := inlineInt(tag, op, bound); f != nil {
			return f
		}
	}
	return decimalNumber(tag, op, want)
}

// decimalNumber returns the closure for a numeric condition that compares exact decimals of
// any size and precision. The operator is turned into a predicate on the comparison here, so
// none is looked at while matching.
func decimalNumber(tag string, op grammar.Operator, want Decimal) Func {
	pred := comparison(op)
	return func(ev map[string][]string) bool {
		for _, v := range ev[tag] {
			if d, ok := LeadingDecimal(v); ok && pred(d.Cmp(want)) {
				return true
			}
		}
		return false
	}
}

// instant returns the closure for a DATE or TIME condition.
func instant(tag string, op grammar.Operator, want Instant) Func {
	pred := comparison(op)
	return func(ev map[string][]string) bool {
		for _, v := range ev[tag] {
			if t, ok := ParseInstant(v); ok && pred(t.Cmp(want)) {
				return true
			}
		}
		return false
	}
}

func comparison(op grammar.Operator) func(int) bool {
	switch op {
	case grammar.OpEqual:
		return func(c int) bool { return c == 0 }
	case grammar.OpLess:
		return func(c int) bool { return c < 0 }
	case grammar.OpLessEqual:
		return func(c int) bool { return c <= 0 }
	case grammar.OpGreater:
		return func(c int) bool { return c > 0 }
	case grammar.OpGreaterEqual:
		return func(c int) bool { return c >= 0 }
	}
	panic(fmt.Sprintf("compile: no comparison for operator %s", op))
}
