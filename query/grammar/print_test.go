package grammar

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		// One space around every operator and keyword.
		{"a='x'AND b>5", "a = 'x' AND b > 5"},
		{"tx.height=5AND tm.event='Tx'", "tx.height = 5 AND tm.event = 'Tx'"},
		{"a  =\n1\tOR\u00a0b\u2003EXISTS", "a = 1 OR b EXISTS"},
		{"a<=1 AND b>=2 AND c<3 AND d CONTAINS'x'", "a <= 1 AND b >= 2 AND c < 3 AND d CONTAINS 'x'"},
		// Parentheses only where precedence needs them.
		{"(a = 1 OR b = 2) AND c = 3", "(a = 1 OR b = 2) AND c = 3"},
		{"NOT (a = 1 OR b = 2)", "NOT (a = 1 OR b = 2)"},
		{"NOT (a = 1 AND b = 2)", "NOT (a = 1 AND b = 2)"},
		{"a = 1 OR (b = 2 AND c = 3)", "a = 1 OR b = 2 AND c = 3"},
		{"((a = 1))", "a = 1"},
		{"(((a = 1) AND ((b = 2))))", "a = 1 AND b = 2"},
		{"NOT(a EXISTS)", "NOT a EXISTS"},
		{"NOT (NOT (a = 1))", "NOT NOT a = 1"},
		{"NOT ((a = 1 AND b = 2))", "NOT (a = 1 AND b = 2)"},
		{"(NOT a = 1) AND b = 2", "NOT a = 1 AND b = 2"},
		{"NOT (a = 1) OR b = 2", "NOT a = 1 OR b = 2"},
		{"(a = 1) AND (b = 2)", "a = 1 AND b = 2"},
		{"(a = 1 AND b = 2) AND c = 3", "a = 1 AND b = 2 AND c = 3"},
		{"a = 1 OR (b = 2 OR c = 3)", "a = 1 OR b = 2 OR c = 3"},
		{"(a = 1 OR b = 2) OR c = 3", "a = 1 OR b = 2 OR c = 3"},
		{"a = 1 AND (b = 2 OR c = 3) AND d = 4", "a = 1 AND (b = 2 OR c = 3) AND d = 4"},
		{"NOT (a = 1 OR b = 2) AND c = 3", "NOT (a = 1 OR b = 2) AND c = 3"},
		{"(a = 1 OR b = 2) AND (c = 3 OR NOT (d = 4 OR e = 5))", "(a = 1 OR b = 2) AND (c = 3 OR NOT (d = 4 OR e = 5))"},
		{"NOT (NOT (a = 1 OR b = 2) AND c = 3)", "NOT (NOT (a = 1 OR b = 2) AND c = 3)"},
		{"(a = 1 OR (b = 2 AND (c = 3 OR d = 4)))", "a = 1 OR b = 2 AND (c = 3 OR d = 4)"},
		// Numbers, dates and times as written.
		{"a = 5.0", "a = 5.0"},
		{"a = 5.", "a = 5."},
		{"a = 007", "a = 007"},
		{"a = -0", "a = -0"},
		{"a=-3.25", "a = -3.25"},
		{"a = DATE\n\t2021-01-01", "a = DATE 2021-01-01"},
		{"a<TIME   2021-11-23T22:04:19.5-09:00", "a < TIME 2021-11-23T22:04:19.5-09:00"},
		{"a = DATE 2021-02-30", "a = DATE 2021-02-30"},
		// Strings single-quoted with inner quotes doubled; nothing else escaped.
		{"a = 'it''s'", "a = 'it''s'"},
		{"a='''x'''", "a = '''x'''"},
		{"a = ''", "a = ''"},
		{"a = 'x\ny\\n'", "a = 'x\ny\\n'"},
		{`a = 'say "hi"'`, `a = 'say "hi"'`},
		{"a = 'ünï ℂ'", "a = 'ünï ℂ'"},
		// Tags as written, keywords-alike included; operands after EXISTS kept.
		{"and=1 AND ANDY EXISTS AND NOTE.x CONTAINS 'y'", "and = 1 AND ANDY EXISTS AND NOTE.x CONTAINS 'y'"},
		{"a EXISTS 'x'", "a EXISTS 'x'"},
		{"a CONTAINS 5", "a CONTAINS 5"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			require.NoError(t, err)
			got := q.String()
			assert.Equal(t, tt.want, got)
			// The canonical form parses to the same canonical form and the same meaning.
			q2, err := Parse(got)
			require.NoError(t, err, "canonical form %q", got)
			assert.Equal(t, got, q2.String())
			assert.Equal(t, meaning(q), meaning(q2))
		})
	}
}

func TestConditionAndOperandString(t *testing.T) {
	q, err := Parse("a.b >= TIME\n2021-11-23T22:04:19Z AND c = 'it''s' AND d EXISTS")
	require.NoError(t, err)
	f := q.Expr.Terms[0].Factors
	assert.Equal(t, "a.b >= TIME 2021-11-23T22:04:19Z", f[0].Cond.String())
	assert.Equal(t, "TIME 2021-11-23T22:04:19Z", f[0].Cond.Operand.String())
	assert.Equal(t, "c = 'it''s'", f[1].Cond.String())
	assert.Equal(t, "'it''s'", f[1].Cond.Operand.String())
	assert.Equal(t, "d EXISTS", f[2].Cond.String())

	for in, want := range map[string]string{"": "''", "x": "'x'", "it's": "'it''s'", "''": "''''''", "a\\b\n": "'a\\b\n'"} {
		assert.Equal(t, want, Quote(in), "Quote(%q)", in)
	}
}

// meaning describes the tree up to what the printer may change: groups are dropped, and
// nested conjunctions (disjunctions) are flattened into their parents, since AND and OR are
// associative. Two trees with the same meaning denote the same boolean function.
func meaning(q *Query) string { return meaningOr(q.Expr).String() }

type node struct {
	op   string // "or", "and", "not", or "" for a condition
	leaf string
	kids []node
}

func (n node) String() string {
	if n.op == "" {
		return n.leaf
	}
	parts := make([]string, len(n.kids))
	for i, k := range n.kids {
		parts[i] = k.String()
	}
	return n.op + "(" + strings.Join(parts, ", ") + ")"
}

func flatten(op string, kids []node) node {
	var flat []node
	for _, k := range kids {
		if k.op == op {
			flat = append(flat, k.kids...)
		} else {
			flat = append(flat, k)
		}
	}
	if len(flat) == 1 {
		return flat[0]
	}
	return node{op: op, kids: flat}
}

func meaningOr(or *Or) node {
	kids := make([]node, 0, len(or.Terms))
	for _, t := range or.Terms {
		kids = append(kids, meaningAnd(t))
	}
	return flatten("or", kids)
}

func meaningAnd(and *And) node {
	kids := make([]node, 0, len(and.Factors))
	for _, u := range and.Factors {
		kids = append(kids, meaningUnary(u))
	}
	return flatten("and", kids)
}

func meaningUnary(u *Unary) node {
	switch {
	case u.Not != nil:
		return node{op: "not", kids: []node{meaningUnary(u.Not)}}
	case u.Group != nil:
		return meaningOr(u.Group)
	}
	var b strings.Builder
	shapeUnary(&b, u)
	return node{leaf: b.String()}
}

// Generators of syntax trees. Tags and operands are drawn from their lexical rules, mixed
// with the cases most likely to break the printer.

var (
	genTag = rapid.OneOf(
		rapid.SampledFrom([]string{"a", "tm.event", "ünïcode.tag", "AND.x", "ANDY", "NOTE.x", "ORDER", "and", "not", "exists", "date", "_", "x-1"}),
		rapid.StringMatching(`[\p{L}_][\p{L}\p{Nd}_.\-]{0,8}`).Filter(func(s string) bool { return !keywords[s] }),
	)
	genOp  = rapid.SampledFrom([]Operator{OpEqual, OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpContains, OpExists})
	genStr = rapid.OneOf(
		rapid.StringN(0, 8, -1),
		rapid.StringMatching(`['a ü\\\n"]{0,8}`),
		rapid.SampledFrom([]string{"", "'", "''", "it's", "a'b'c", "ℂ\u00a0"}),
	)
	genNumber = rapid.StringMatching(`-?[0-9]{1,5}(\.[0-9]{0,3})?`)
	genDate   = rapid.StringMatching(`[0-9]{4}-[0-9]{2}-[0-9]{2}`)
	genTime   = rapid.StringMatching(`[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,3})?(Z|[+\-][0-9]{2}:[0-9]{2})?)?`)
)

func drawOperand(t *rapid.T) *Operand {
	switch rapid.IntRange(0, 3).Draw(t, "operandKind") {
	case 0:
		s := String(genStr.Draw(t, "string"))
		return &Operand{Str: &s}
	case 1:
		n := genNumber.Draw(t, "number")
		return &Operand{Number: &n}
	case 2:
		d := genDate.Draw(t, "date")
		return &Operand{Date: &d}
	default:
		tm := genTime.Draw(t, "time")
		return &Operand{Time: &tm}
	}
}

func drawCondition(t *rapid.T) *Condition {
	c := &Condition{Tag: genTag.Draw(t, "tag"), Op: genOp.Draw(t, "op")}
	// Every operator but EXISTS needs an operand; EXISTS may have one (the compiler rejects it).
	if c.Op != OpExists || rapid.IntRange(0, 3).Draw(t, "existsOperand") == 0 {
		c.Operand = drawOperand(t)
	}
	return c
}

const maxGenDepth = 6

func drawOr(t *rapid.T, depth int) *Or {
	or := &Or{}
	for n := rapid.IntRange(1, 3).Draw(t, "terms"); n > 0; n-- {
		or.Terms = append(or.Terms, drawAnd(t, depth))
	}
	return or
}

func drawAnd(t *rapid.T, depth int) *And {
	and := &And{}
	for n := rapid.IntRange(1, 3).Draw(t, "factors"); n > 0; n-- {
		and.Factors = append(and.Factors, drawUnary(t, depth))
	}
	return and
}

func drawUnary(t *rapid.T, depth int) *Unary {
	kind := 0
	if depth < maxGenDepth {
		kind = rapid.IntRange(0, 3).Draw(t, "unary") // a condition half the time
		if kind == 3 {
			kind = 0
		}
	}
	switch kind {
	case 1:
		return &Unary{Not: drawUnary(t, depth+1)}
	case 2:
		return &Unary{Group: drawOr(t, depth+1)}
	default:
		return &Unary{Cond: drawCondition(t)}
	}
}

func TestStringRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q := &Query{Expr: drawOr(t, 0)}
		s := q.String()
		q2, err := Parse(s)
		if err != nil {
			t.Fatalf("the canonical form %q does not parse: %v", s, err)
		}
		if s2 := q2.String(); s2 != s {
			t.Fatalf("printed %q, parsed and printed again %q", s, s2)
		}
		if m, m2 := meaning(q), meaning(q2); m != m2 {
			t.Fatalf("%q changes the meaning of the tree:\nbefore %s\nafter  %s", s, m, m2)
		}
		q3, err := Parse(q2.String())
		if err != nil || q3.String() != s {
			t.Fatalf("re-printing %q is not a fixed point: %v", s, err)
		}
	})
}
