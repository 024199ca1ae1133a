package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/querybus/querybus/query/grammar"
)

// The names in this file are Tendermint v0.34's, so that code written for its
// libs/pubsub/query compiles unchanged. MIGRATING.md says what differs.

// MustParse is MustCompile under Tendermint v0.34's name: it panics with the *Error of a
// rejected query.
func MustParse(s string) *Query { return MustCompile(s) }

// DateLayout is the layout of a DATE operand, for time.Parse and time.Format (Tendermint
// v0.34's name).
const DateLayout = "2006-01-02"

// TimeLayout is the layout of a TIME operand, for time.Parse and time.Format (Tendermint
// v0.34's name).
const TimeLayout = time.RFC3339

// Empty is Tendermint v0.34's query that matches everything. Given to a pubsub.Server it
// subscribes to every message, as All does; its String is "empty", which no compiled query
// has, so that it never collides with one.
type Empty struct{}

// Matches returns true and no error, for every event set.
func (Empty) Matches(map[string][]string) (bool, error) { return true, nil }

// String returns "empty".
func (Empty) String() string { return "empty" }

// Operator is the operator of a Condition (Tendermint v0.34's type, values and order).
type Operator uint8

// The operators of a Condition.
const (
	OpLessEqual    Operator = iota // <=
	OpGreaterEqual                 // >=
	OpLess                         // <
	OpGreater                      // >
	OpEqual                        // =
	OpContains                     // CONTAINS: the value contains the operand
	OpExists                       // EXISTS: the key has a value
)

// String returns the operator as written in a query: "<=", ">=", "<", ">", "=", "CONTAINS"
// or "EXISTS".
func (op Operator) String() string {
	switch op {
	case OpLessEqual:
		return "<="
	case OpGreaterEqual:
		return ">="
	case OpLess:
		return "<"
	case OpGreater:
		return ">"
	case OpEqual:
		return "="
	case OpContains:
		return "CONTAINS"
	case OpExists:
		return "EXISTS"
	}
	return fmt.Sprintf("Operator(%d)", uint8(op))
}

// Condition is one condition of a conjunction, as Conditions returns it (Tendermint v0.34's
// type): the key, the operator and the operand, typed as Conditions says.
type Condition struct {
	CompositeKey string
	Op           Operator
	Operand      interface{}
}

// Conditions returns the conditions of a query that is a conjunction of conditions (no OR,
// no NOT; parentheses around a conjunction are fine), in the order they are written, with
// Tendermint v0.34's operand types: string for a string, float64 for a number with a '.',
// int64 for any other number, time.Time for DATE and TIME, and nil for EXISTS. A number
// that is too large for an int64, and a query with OR or NOT, give an *Error; its position
// is in the query's canonical form (String), which is what a *Query keeps. All has no
// conditions.
func (q *Query) Conditions() ([]Condition, error) {
	if q == nil || q.match == nil {
		return nil, nil
	}
	ast, err := grammar.Parse(q.text)
	if err != nil {
		return nil, convert(q.text, err) // not reachable: the canonical form parses
	}
	if at := firstOrNot(q.text, ast.Expr, -1); at >= 0 {
		pos := offsetPosition(q.text, at)
		word := "OR"
		if strings.HasPrefix(q.text[at:], "NOT") {
			word = "NOT"
		}
		return nil, &Error{Offset: at, Line: pos.Line, Column: pos.Column,
			Msg: fmt.Sprintf("%s: Conditions is only for a conjunction of conditions (AND)", word)}
	}
	var conds []Condition
	var walk func(or *grammar.Or) error
	walk = func(or *grammar.Or) error {
		for _, u := range or.Terms[0].Factors {
			if u.Group != nil {
				if err := walk(u.Group); err != nil {
					return err
				}
				continue
			}
			c, err := condition(q.text, u.Cond)
			if err != nil {
				return err
			}
			conds = append(conds, c)
		}
		return nil
	}
	if err := walk(ast.Expr); err != nil {
		return nil, err
	}
	return conds, nil
}

// firstOrNot returns the offset in text of the first OR or NOT keyword of or, or first if
// that is smaller and not -1; -1 if there is none.
func firstOrNot(text string, or *grammar.Or, first int) int {
	earlier := func(at int) {
		if first < 0 || at < first {
			first = at
		}
	}
	if len(or.Terms) > 1 {
		// Nothing but white space lies between OR and the term after it.
		earlier(strings.LastIndex(text[:or.Terms[1].Pos.Offset], "OR"))
	}
	for _, and := range or.Terms {
		for _, u := range and.Factors {
			switch {
			case u.Not != nil:
				earlier(u.Pos.Offset)
			case u.Group != nil:
				first = firstOrNot(text, u.Group, first)
			}
		}
	}
	return first
}

// condition converts c, a condition of text, to Tendermint v0.34's form.
func condition(text string, c *grammar.Condition) (Condition, error) {
	ops := map[grammar.Operator]Operator{
		grammar.OpLessEqual: OpLessEqual, grammar.OpGreaterEqual: OpGreaterEqual,
		grammar.OpLess: OpLess, grammar.OpGreater: OpGreater, grammar.OpEqual: OpEqual,
		grammar.OpContains: OpContains, grammar.OpExists: OpExists,
	}
	out := Condition{CompositeKey: c.Tag, Op: ops[c.Op]}
	o := c.Operand
	if o == nil {
		return out, nil
	}
	fail := func(format string, args ...any) (Condition, error) {
		pos := offsetPosition(text, o.Pos.Offset)
		return Condition{}, &Error{Offset: o.Pos.Offset, Line: pos.Line, Column: pos.Column, Msg: fmt.Sprintf(format, args...)}
	}
	switch o.Kind() {
	case grammar.KindString:
		out.Operand = string(*o.Str)
	case grammar.KindNumber:
		n := *o.Number
		if strings.Contains(n, ".") {
			f, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return fail("number %s cannot be a float64: %v", n, err)
			}
			out.Operand = f
		} else {
			i, err := strconv.ParseInt(n, 10, 64)
			if err != nil {
				return fail("number %s cannot be an int64 (Tendermint v0.34's type for a number without a '.')", n)
			}
			out.Operand = i
		}
	case grammar.KindDate:
		t, err := time.Parse(DateLayout, *o.Date)
		if err != nil {
			return fail("DATE %s cannot be a time.Time: %v", *o.Date, err)
		}
		out.Operand = t
	case grammar.KindTime:
		t, err := time.Parse(TimeLayout, *o.Time)
		if err != nil {
			return fail("TIME %s cannot be a time.Time: %v", *o.Time, err)
		}
		out.Operand = t
	}
	return out, nil
}

// offsetPosition returns the line and column (1-based, columns in runes) of a byte offset
// of s.
func offsetPosition(s string, offset int) (p struct{ Line, Column int }) {
	p.Line, p.Column = 1, 1
	for _, r := range s[:offset] {
		if r == '\n' {
			p.Line, p.Column = p.Line+1, 1
		} else {
			p.Column++
		}
	}
	return p
}
