package grammar

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// shape prints the syntax tree with every node explicit: or(…), and(…), not(…), group(…),
// and a condition as [tag op operand] where the operand shows its kind and its raw value.
// It does not use the printer, so it checks what the parser built, not what it prints.
func shape(q *Query) string {
	var b strings.Builder
	shapeOr(&b, q.Expr)
	return b.String()
}

func shapeOr(b *strings.Builder, or *Or) {
	if len(or.Terms) == 1 {
		shapeAnd(b, or.Terms[0])
		return
	}
	b.WriteString("or(")
	for i, t := range or.Terms {
		if i > 0 {
			b.WriteString(", ")
		}
		shapeAnd(b, t)
	}
	b.WriteString(")")
}

func shapeAnd(b *strings.Builder, and *And) {
	if len(and.Factors) == 1 {
		shapeUnary(b, and.Factors[0])
		return
	}
	b.WriteString("and(")
	for i, u := range and.Factors {
		if i > 0 {
			b.WriteString(", ")
		}
		shapeUnary(b, u)
	}
	b.WriteString(")")
}

func shapeUnary(b *strings.Builder, u *Unary) {
	switch {
	case u.Not != nil:
		b.WriteString("not(")
		shapeUnary(b, u.Not)
		b.WriteString(")")
	case u.Group != nil:
		b.WriteString("group(")
		shapeOr(b, u.Group)
		b.WriteString(")")
	default:
		c := u.Cond
		b.WriteString("[" + c.Tag + " " + c.Op.String())
		if o := c.Operand; o != nil {
			switch {
			case o.Str != nil:
				b.WriteString(" str:" + string(*o.Str))
			case o.Number != nil:
				b.WriteString(" num:" + *o.Number)
			case o.Date != nil:
				b.WriteString(" date:" + *o.Date)
			case o.Time != nil:
				b.WriteString(" time:" + *o.Time)
			}
		}
		b.WriteString("]")
	}
}

func TestParseValid(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Operators and operands.
		{"tm.event = 'Tx'", "[tm.event = str:Tx]"},
		{"a = 5", "[a = num:5]"},
		{"a = -3.25", "[a = num:-3.25]"},
		{"a = 5.", "[a = num:5.]"},
		{"a = 5.0", "[a = num:5.0]"},
		{"a = 007", "[a = num:007]"},
		{"a = DATE 2021-01-01", "[a = date:2021-01-01]"},
		{"a = TIME 2021-11-23T22:04:19Z", "[a = time:2021-11-23T22:04:19Z]"},
		{"a < 5", "[a < num:5]"},
		{"a <= 5", "[a <= num:5]"},
		{"a > 5", "[a > num:5]"},
		{"a >= 5", "[a >= num:5]"},
		{"a < DATE 2021-01-01", "[a < date:2021-01-01]"},
		{"a >= TIME 2021-11-23T22:04:19.5-09:00", "[a >= time:2021-11-23T22:04:19.5-09:00]"},
		{"a CONTAINS 'x'", "[a CONTAINS str:x]"},
		{"a CONTAINS ''", "[a CONTAINS str:]"},
		{"a EXISTS", "[a EXISTS]"},
		{"tm EXISTS", "[tm EXISTS]"},
		// Strings.
		{"a = 'it''s'", "[a = str:it's]"},
		{"a = ''''", "[a = str:']"},
		{`a = 'C:\dir' AND b = 'x` + "\n" + `y'`, "and([a = str:C:\\dir], [b = str:x\ny])"},
		{`a = 'say "hi"'`, `[a = str:say "hi"]`},
		{"a = 'ünï ℂ'", "[a = str:ünï ℂ]"},
		// After DATE and TIME any white space may stand.
		{"a = DATE\t\n 2021-01-01", "[a = date:2021-01-01]"},
		{"a = TIME\u00a02021-11-23T22:04:19Z", "[a = time:2021-11-23T22:04:19Z]"},
		// The grammar accepts any operand after any operator and an operand after EXISTS:
		// the compiler rejects the pairs that make no sense, with a position on the operand.
		{"a < 'x'", "[a < str:x]"},
		{"a CONTAINS 5", "[a CONTAINS num:5]"},
		{"a EXISTS 'x'", "[a EXISTS str:x]"},
		{"a = DATE 2021-02-30", "[a = date:2021-02-30]"},
		{"a = TIME 2021-11-23", "[a = time:2021-11-23]"},
		{"a = DATE 2021-11-23T22:04:19Z", "[a = date:2021-11-23T22:04:19Z]"},
		// Tags.
		{"rewards.withdraw.amount > 5", "[rewards.withdraw.amount > num:5]"},
		{"coin_received.receiver = 'x'", "[coin_received.receiver = str:x]"},
		{"wasm._contract_address EXISTS", "[wasm._contract_address EXISTS]"},
		{"ünïcode.tag = 1", "[ünïcode.tag = num:1]"},
		{"a-b.c-1 EXISTS", "[a-b.c-1 EXISTS]"},
		// Words that contain a keyword, and lower-case keywords where a tag stands, are tags.
		{"AND.x = 1", "[AND.x = num:1]"},
		{"ANDY = 1", "[ANDY = num:1]"},
		{"NOTE.x = 'y'", "[NOTE.x = str:y]"},
		{"ORDER EXISTS AND EXISTS.x EXISTS", "and([ORDER EXISTS], [EXISTS.x EXISTS])"},
		{"DATES < DATE 2021-01-01", "[DATES < date:2021-01-01]"},
		{"and = 1", "[and = num:1]"},
		{"not EXISTS", "[not EXISTS]"},
		{"a = 1 AND or = 2", "and([a = num:1], [or = num:2])"},
		{"NOT date = DATE 2021-01-01", "not([date = date:2021-01-01])"},
		{"exists EXISTS", "[exists EXISTS]"},
		{"contains CONTAINS 'contains'", "[contains CONTAINS str:contains]"},
		// No white space needed where tokens cannot run together.
		{"a='x'AND b=5", "and([a = str:x], [b = num:5])"},
		{"tx.height=5AND tm.event='Tx'", "and([tx.height = num:5], [tm.event = str:Tx])"},
		{"(a=1)OR(b=2)", "or(group([a = num:1]), group([b = num:2]))"},
		{"NOT(a EXISTS)", "not(group([a EXISTS]))"},
		// Any Unicode white space separates.
		{"a\u00a0=\u00a01\u2003AND\u3000b\nEXISTS", "and([a = num:1], [b EXISTS])"},
		// Boolean structure and precedence: NOT, then AND, then OR.
		{"a = 1 AND b = 2 AND c = 3", "and([a = num:1], [b = num:2], [c = num:3])"},
		{"a = 1 OR b = 2 OR c = 3", "or([a = num:1], [b = num:2], [c = num:3])"},
		{"a = 1 OR b = 2 AND c = 3", "or([a = num:1], and([b = num:2], [c = num:3]))"},
		{"a = 1 AND b = 2 OR c = 3", "or(and([a = num:1], [b = num:2]), [c = num:3])"},
		{"NOT a = 1 AND b = 2", "and(not([a = num:1]), [b = num:2])"},
		{"NOT a = 1 OR b = 2", "or(not([a = num:1]), [b = num:2])"},
		{"a = 1 AND NOT b = 2", "and([a = num:1], not([b = num:2]))"},
		{"NOT NOT a EXISTS", "not(not([a EXISTS]))"},
		{"NOT (a = 1 OR b = 2)", "not(group(or([a = num:1], [b = num:2])))"},
		{"(a = 1 OR b = 2) AND c = 3", "and(group(or([a = num:1], [b = num:2])), [c = num:3])"},
		{"((a = 1))", "group(group([a = num:1]))"},
		{"a = 1 OR (b = 2 AND NOT (c = 3 OR d EXISTS))",
			"or([a = num:1], group(and([b = num:2], not(group(or([c = num:3], [d EXISTS]))))))"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			require.NoError(t, err)
			assert.Equal(t, tt.want, shape(q))
		})
	}
}

func TestParsePositions(t *testing.T) {
	q, err := Parse("a = 1 AND\n  bé < TIME 2021-11-23T22:04:19Z OR ü EXISTS")
	require.NoError(t, err)
	require.Len(t, q.Expr.Terms, 2)
	first := q.Expr.Terms[0].Factors[0].Cond
	assert.Equal(t, Position{Offset: 0, Line: 1, Column: 1}, first.Pos)
	assert.Equal(t, Position{Offset: 4, Line: 1, Column: 5}, first.Operand.Pos)
	assert.Equal(t, Position{Offset: 6, Line: 1, Column: 7}, first.EndPos, "EndPos is the next token, AND")

	second := q.Expr.Terms[0].Factors[1].Cond
	assert.Equal(t, "bé", second.Tag)
	assert.Equal(t, OpLess, second.Op)
	assert.Equal(t, KindTime, second.Operand.Kind())
	assert.Equal(t, Position{Offset: 12, Line: 2, Column: 3}, second.Pos)
	assert.Equal(t, Position{Offset: 18, Line: 2, Column: 8}, second.Operand.Pos, "operand starts at TIME")
	assert.Equal(t, Position{Offset: 44, Line: 2, Column: 34}, second.EndPos)

	third := q.Expr.Terms[1].Factors[0].Cond
	assert.Equal(t, OpExists, third.Op)
	assert.Nil(t, third.Operand)
	assert.Equal(t, Position{Offset: 47, Line: 2, Column: 37}, third.Pos)
	assert.Equal(t, Position{Offset: 56, Line: 2, Column: 45}, third.EndPos, "EndPos of the last condition is the end")
}

func TestOperandKind(t *testing.T) {
	tests := []struct {
		in   string
		want OperandKind
		name string
	}{
		{"a = 'x'", KindString, "a string"},
		{"a = 1", KindNumber, "a number"},
		{"a = DATE 2021-01-01", KindDate, "a DATE"},
		{"a = TIME 2021-01-01T00:00:00Z", KindTime, "a TIME"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in)
		require.NoError(t, err)
		k := q.Expr.Terms[0].Factors[0].Cond.Operand.Kind()
		assert.Equal(t, tt.want, k, tt.in)
		assert.Equal(t, tt.name, k.String(), tt.in)
	}
	assert.Equal(t, "OperandKind(0)", OperandKind(0).String())
	assert.Equal(t, "Operator(0)", Operator(0).String())
	assert.Equal(t, "Operator(8)", Operator(8).String())
}

func TestParseErrors(t *testing.T) {
	const (
		operator  = `an operator (=, <, <=, >, >=, CONTAINS or EXISTS)`
		condition = `a tag, NOT or "("`
	)
	tests := []struct {
		in   string
		want string // line:column: msg
		off  int
	}{
		// Empty queries.
		{"", `1:1: empty query: expected a condition such as tm.event = 'Tx'`, 0},
		{"   ", `1:4: empty query: expected a condition such as tm.event = 'Tx'`, 3},
		{" \n\t\u00a0", `2:3: empty query: expected a condition such as tm.event = 'Tx'`, 5},
		// A missing operand names the operator.
		{"tx.height >", `1:12: unexpected end of query, expected a number, DATE or TIME after ">"`, 11},
		{"a <", `1:4: unexpected end of query, expected a number, DATE or TIME after "<"`, 3},
		{"a <= )", `1:6: unexpected ")", expected a number, DATE or TIME after "<="`, 5},
		{"a >= b", `1:6: unexpected "b", expected a number, DATE or TIME after ">="`, 5},
		{"a =", `1:4: unexpected end of query, expected a string, number, DATE or TIME after "="`, 3},
		{"a = AND b = 1", `1:5: unexpected "AND", expected a string, number, DATE or TIME after "="`, 4},
		{"a > OR b = 1", `1:5: unexpected "OR", expected a number, DATE or TIME after ">"`, 4},
		{"(a = ) AND b = 1", `1:6: unexpected ")", expected a string, number, DATE or TIME after "="`, 5},
		{"a CONTAINS", `1:11: unexpected end of query, expected a string after CONTAINS`, 10},
		{"a CONTAINS AND b EXISTS", `1:12: unexpected "AND", expected a string after CONTAINS`, 11},
		{"a = 1 AND\n  b >", `2:6: unexpected end of query, expected a number, DATE or TIME after ">"`, 15},
		// DATE and TIME need their date or time.
		{"a = DATE", `1:9: unexpected end of query, expected a date such as 2021-11-23 after DATE`, 8},
		{"a = DATE 5", `1:10: unexpected number 5, expected a date such as 2021-11-23 after DATE`, 9},
		{"a = DATE '2021-01-01'", `1:10: unexpected string '2021-01-01', expected a date such as 2021-11-23 after DATE`, 9},
		{"a < TIME AND b = 1", `1:10: unexpected "AND", expected a time such as 2021-11-23T22:04:19Z after TIME`, 9},
		// A date or time without its keyword.
		{"a = 2021-01-01", `1:5: unexpected 2021-01-01, expected a string, number, DATE or TIME after "=" (did you mean DATE 2021-01-01?)`, 4},
		{"a > 2021-11-23T22:04:19Z", `1:5: unexpected 2021-11-23T22:04:19Z, expected a number, DATE or TIME after ">" (did you mean TIME 2021-11-23T22:04:19Z?)`, 4},
		// Lower-case keywords: the message suggests the upper-case one where it would fit.
		{"a = 1 and b = 2", `1:7: unexpected "and": keywords are upper case, did you mean AND?`, 6},
		{"a = 1 or b = 2", `1:7: unexpected "or": keywords are upper case, did you mean OR?`, 6},
		{"(a = 1) Or b = 2", `1:9: unexpected "Or": keywords are upper case, did you mean OR?`, 8},
		{"a contains 'x'", `1:3: unexpected "contains": keywords are upper case, did you mean CONTAINS?`, 2},
		{"a exists", `1:3: unexpected "exists": keywords are upper case, did you mean EXISTS?`, 2},
		{"a = date 2021-01-01", `1:5: unexpected "date": keywords are upper case, did you mean DATE?`, 4},
		{"a > Time 2021-11-23T22:04:19Z", `1:5: unexpected "Time": keywords are upper case, did you mean TIME?`, 4},
		{"not a = 1", `1:5: unexpected "a", expected ` + operator + ` after tag not (keywords are upper case: did you mean NOT?)`, 4},
		{"a = 1 AND not b = 2", `1:15: unexpected "b", expected ` + operator + ` after tag not (keywords are upper case: did you mean NOT?)`, 14},
		// ... and not where the upper-case keyword would be wrong too.
		{"a date", `1:3: unexpected "date", expected ` + operator + ` after tag a`, 2},
		{"a = 1 exists", `1:7: unexpected "exists", expected AND, OR or end of query`, 6},
		{"a = 1 not b = 2", `1:7: unexpected "not", expected AND, OR or end of query`, 6},
		{"a = and", `1:5: unexpected "and", expected a string, number, DATE or TIME after "="`, 4},
		{"a = 1 AND exists b", `1:18: unexpected "b", expected ` + operator + ` after tag exists`, 17},
		// Unbalanced parentheses.
		{"(a = 1", `1:7: unexpected end of query, expected AND, OR or ")"`, 6},
		{"((a = 1)", `1:9: unexpected end of query, expected AND, OR or ")"`, 8},
		{"a = 1 AND (b = 2", `1:17: unexpected end of query, expected AND, OR or ")"`, 16},
		{"a = 1)", `1:6: unexpected ")", expected AND, OR or end of query`, 5},
		{"(a = 1))", `1:8: unexpected ")", expected AND, OR or end of query`, 7},
		{")", `1:1: unexpected ")", expected ` + condition, 0},
		{"()", `1:2: unexpected ")", expected ` + condition, 1},
		{"(", `1:2: unexpected end of query, expected ` + condition, 1},
		// Trailing tokens.
		{"a = 1 b = 2", `1:7: unexpected "b", expected AND, OR or end of query`, 6},
		{"a = 5 5", `1:7: unexpected number 5, expected AND, OR or end of query`, 6},
		{"a = 5 'x'", `1:7: unexpected string 'x', expected AND, OR or end of query`, 6},
		{"a = 1 NOT b = 2", `1:7: unexpected "NOT", expected AND, OR or end of query`, 6},
		{"a = 1 (b = 2)", `1:7: unexpected "(", expected AND, OR or end of query`, 6},
		{"(a = 1 b = 2)", `1:8: unexpected "b", expected AND, OR or ")"`, 7},
		{"a EXISTS EXISTS", `1:10: unexpected "EXISTS", expected AND, OR or end of query`, 9},
		{"a = 5e3", `1:6: unexpected "e3", expected AND, OR or end of query (numbers have no exponent: write 5e3 as 5000)`, 5},
		{"a = 1 'abcdefghijklmnopqrstuvwxyz'", `1:7: unexpected string 'abcdefghijklmnopqrstuvw…, expected AND, OR or end of query`, 6},
		// Missing or misplaced conditions.
		{"AND b = 2", `1:1: unexpected "AND", expected ` + condition, 0},
		{"a = 1 AND AND b = 2", `1:11: unexpected "AND", expected ` + condition, 10},
		{"a = 1 OR OR", `1:10: unexpected "OR", expected ` + condition, 9},
		{"a = 1 AND", `1:10: unexpected end of query, expected ` + condition, 9},
		{"NOT", `1:4: unexpected end of query, expected ` + condition, 3},
		{"NOT NOT", `1:8: unexpected end of query, expected ` + condition, 7},
		{"a = 1 AND EXISTS", `1:11: unexpected "EXISTS", expected ` + condition, 10},
		{"DATE = 1", `1:1: unexpected "DATE", expected ` + condition, 0},
		{"= 1", `1:1: unexpected "=", expected ` + condition, 0},
		{"'x' = a", `1:1: unexpected string 'x', expected ` + condition, 0},
		// A tag needs an operator.
		{"a", `1:2: unexpected end of query, expected ` + operator + ` after tag a`, 1},
		{"tm.event = 'Tx' AND tx.height", `1:30: unexpected end of query, expected ` + operator + ` after tag tx.height`, 29},
		{"a.b c = 1", `1:5: unexpected "c", expected ` + operator + ` after tag a.b`, 4},
		{"a 'x'", `1:3: unexpected string 'x', expected ` + operator + ` after tag a`, 2},
		// Lexical errors.
		{`a = "x"`, `1:5: unexpected '"': strings are single-quoted, as in 'Tx'`, 4},
		{"a = 'x", `1:5: unterminated string: a string opened with ' must be closed with ' (write a quote inside a string as '')`, 4},
		{"a != 1", `1:3: unexpected "!=": there is no != operator; negate a condition with NOT, as in NOT a = 1`, 2},
		// Hints for the common slips.
		{"a == 1", `1:4: unexpected "=", expected a string, number, DATE or TIME after "=" (equality is a single "=", as in a = 1)`, 3},
		{"a <> 1", `1:4: unexpected ">", expected a number, DATE or TIME after "<" (there is no <> operator; negate a condition with NOT, as in NOT a = 1)`, 3},
		{"tm.event = Tx", `1:12: unexpected "Tx", expected a string, number, DATE or TIME after "=" (strings are single-quoted: 'Tx')`, 11},
		{"memo CONTAINS hi", `1:15: unexpected "hi", expected a string after CONTAINS (strings are single-quoted: 'hi')`, 14},
		{"a >= b", `1:6: unexpected "b", expected a number, DATE or TIME after ">="`, 5}, // no strings after >=
		{"a > 1e6", `1:6: unexpected "e6", expected AND, OR or end of query (numbers have no exponent: write 1e6 as 1000000)`, 5},
		{"a > -2.55e1", `1:10: unexpected "e1", expected AND, OR or end of query (numbers have no exponent: write -2.55e1 as -25.5)`, 9},
		{"a > 0.001e2", `1:10: unexpected "e2", expected AND, OR or end of query (numbers have no exponent: write 0.001e2 as 0.1)`, 9},
		{"a > 1e31", `1:6: unexpected "e31", expected AND, OR or end of query (numbers have no exponent: write the number in full)`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			q, err := Parse(tt.in)
			require.Error(t, err)
			assert.Nil(t, q, "no partial tree with an error")
			var e *Error
			require.True(t, errors.As(err, &e), "%T is not an *Error", err)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, tt.off, e.Pos.Offset)
			assert.LessOrEqual(t, e.Pos.Offset, len(tt.in), "position inside the input or at its end")
		})
	}
}

func TestParseLength(t *testing.T) {
	// A valid query of exactly MaxLength bytes.
	exact := "a = '" + strings.Repeat("x", MaxLength-6) + "'"
	require.Len(t, exact, MaxLength)
	q, err := Parse(exact)
	require.NoError(t, err)
	assert.Equal(t, exact, q.String())

	// A long flat conjunction is not nesting: it is accepted up to the limit.
	flat := "a = 1" + strings.Repeat(" AND a = 1", (MaxLength-5)/10)
	require.LessOrEqual(t, len(flat), MaxLength)
	_, err = Parse(flat)
	require.NoError(t, err)

	for _, tooLong := range []string{
		exact + " ",
		strings.Repeat("ü", MaxLength/2) + "x", // MaxLength falls inside a rune
		strings.Repeat(`"`, 1<<20),             // rejected for its length before it is lexed
	} {
		_, err := Parse(tooLong)
		var e *Error
		require.True(t, errors.As(err, &e), "%v", err)
		assert.Contains(t, e.Msg, "query too long: ")
		assert.Contains(t, e.Msg, "the limit is 16384")
		assert.GreaterOrEqual(t, e.Pos.Offset, 0)
		assert.Less(t, e.Pos.Offset, len(tooLong), "position inside the input")
		assert.Equal(t, 1, e.Pos.Line)
		assert.Positive(t, e.Pos.Column)
	}
	_, err = Parse(exact + " ")
	assert.EqualError(t, err, "1:16385: query too long: 16385 bytes, the limit is 16384")
}

func TestParseDepth(t *testing.T) {
	parens := func(n int, inner string) string {
		return strings.Repeat("(", n) + inner + strings.Repeat(")", n)
	}
	nots := func(n int, inner string) string { return strings.Repeat("NOT ", n) + inner }
	notGroups := func(n int, inner string) string { // NOT (NOT (…)): two levels each
		return strings.Repeat("NOT (", n) + inner + strings.Repeat(")", n)
	}
	groupNots := func(n int, inner string) string { // (NOT (NOT …)): two levels each
		return strings.Repeat("(NOT ", n) + inner + strings.Repeat(")", n)
	}
	const cond = "a = 1"
	require.Equal(t, 64, MaxDepth)
	accepted := map[string]string{
		"64 parentheses":                  parens(64, cond),
		"64 NOT":                          nots(64, cond),
		"32 NOT (":                        notGroups(32, cond),
		"32 (NOT":                         groupNots(32, cond),
		"63 NOT ( and a NOT":              notGroups(31, nots(2, cond)),
		"parentheses then NOT":            parens(32, nots(32, cond)),
		"siblings do not add up":          parens(64, cond) + " AND " + parens(64, cond) + " OR " + nots(64, cond),
		"NOT ends at AND":                 strings.Repeat("NOT a = 1 AND ", 100) + nots(64, cond),
		"NOT ends at OR":                  strings.Repeat("NOT NOT a = 1 OR ", 100) + cond,
		"NOT ends at )":                   parens(1, nots(63, cond)) + " AND " + parens(1, nots(63, cond)),
		"closed group inside NOT":         nots(63, parens(1, cond)+" AND "+parens(1, cond)),
		"NOT group AND NOT group at 64":   notGroups(31, "NOT (a = 1) AND NOT (b = 2)"),
		"deep on the right of a sequence": cond + " AND " + parens(64, cond),
		// Tags that begin with a keyword are tags, and open no level.
		"NOTE.x in 64 parentheses":   parens(64, "NOTE.x = 1"),
		"NOTE.x after 64 NOT":        nots(64, "NOTE.x = 1"),
		"NOTx and ORDER in 64 (NOT":  groupNots(32, "NOTx EXISTS AND ORDER = 1 OR ANDY < 2"),
		"NOT_ after 63 NOT (":        notGroups(31, "NOT NOT_ EXISTS"),
		"NOT.a inside the deepest (": parens(63, "NOT NOT.a = 'x'"),
	}
	for name, q := range accepted {
		t.Run("accept "+name, func(t *testing.T) {
			_, err := Parse(q)
			require.NoError(t, err)
		})
	}
	const tooDeep = "query nested too deeply: more than 64 levels of parentheses and NOT"
	rejected := []struct {
		name, in string
		off      int // the opener of the 65th level
	}{
		{"65 parentheses", parens(65, cond), 64},
		{"65 NOT", nots(65, cond), 64 * 4},
		{"NOT ( 32 times and a NOT", notGroups(32, nots(1, cond)), 32 * 5},
		{"(NOT 32 times and a (", groupNots(32, parens(1, cond)), 32 * 5},
		{"65 after a sibling", parens(64, cond) + " AND " + parens(65, cond), 2*64 + 5 + 5 + 64},
		{"unbalanced", strings.Repeat("(", 65), 64},
	}
	for _, tt := range rejected {
		t.Run("reject "+tt.name, func(t *testing.T) {
			_, err := Parse(tt.in)
			var e *Error
			require.True(t, errors.As(err, &e), "%v", err)
			assert.Equal(t, tooDeep, e.Msg)
			assert.Equal(t, tt.off, e.Pos.Offset)
		})
	}
	// Inputs that would overflow a recursive-descent parser's stack fail fast. Those within
	// MaxLength fail for their depth, the others for their length.
	for name, q := range map[string]string{
		"10000 (":          strings.Repeat("(", 10000),
		"5000 balanced (":  parens(5000, cond),
		"4000 NOT":         strings.Repeat("NOT ", 4000),
		"NOT ( mix":        strings.Repeat("NOT (", 3276),
		"10000 NOT":        strings.Repeat("NOT ", 10000),
		"10000 NOT (":      notGroups(10000, cond),
		"100000 (":         strings.Repeat("(", 100000),
		"10000 NOT a = 1 ": strings.Repeat("NOT a = 1 ", 10000),
	} {
		t.Run("early "+name, func(t *testing.T) {
			_, err := Parse(q)
			var e *Error
			require.True(t, errors.As(err, &e), "%v", err)
			if len(q) <= MaxLength {
				assert.Equal(t, tooDeep, e.Msg)
			} else {
				assert.Contains(t, e.Msg, "query too long")
			}
		})
	}
}

// The canonical form of every accepted query is accepted: a text whose canonical form
// (with the spaces the printer adds) is longer than MaxLength is rejected, at the first
// condition that ends past the limit there.
func TestParseCanonicalLength(t *testing.T) {
	unit := "a=1 OR " // canonical "a = 1 OR ": 9 bytes for 7
	n := (MaxLength + 3) / len(unit)
	text := strings.TrimSuffix(strings.Repeat(unit, n), " OR ")
	require.LessOrEqual(t, len(text), MaxLength)
	_, err := Parse(text)
	var e *Error
	require.True(t, errors.As(err, &e), "%v", err)
	canonicalLen := 9*n - 4
	assert.Equal(t, fmt.Sprintf("query too long: its canonical form is %d bytes, the limit is %d", canonicalLen, MaxLength), e.Msg)
	// The first condition past the limit: condition k (from 0) ends at 9k+5 in the canonical
	// form and starts at 7k in the text.
	k := (MaxLength - 5 + 8) / 9
	assert.Equal(t, 7*k, e.Pos.Offset)

	// Written canonically, the same query fits as long as its canonical form does.
	canon := strings.TrimSuffix(strings.Repeat("a = 1 OR ", (MaxLength+4)/9), " OR ")
	require.LessOrEqual(t, len(canon), MaxLength)
	q, err := Parse(canon)
	require.NoError(t, err)
	assert.Equal(t, canon, q.String())
}

// Error messages quote what was found without cutting a rune in two, and a valid U+FFFD in
// a query is a character like any other, not invalid UTF-8.
func TestErrorMessagesAreValidUTF8(t *testing.T) {
	for _, s := range []string{
		"'" + strings.Repeat("é", 30) + "' = 1",
		"a = 1 '" + strings.Repeat("名", 20) + "'",
		strings.Repeat("é", 30) + " 5",
		"a = 1 " + strings.Repeat("ü", 30),
		"a = 1 " + strings.Repeat("9", 30) + "é",
	} {
		_, err := Parse(s)
		var e *Error
		require.True(t, errors.As(err, &e), "%q: %v", s, err)
		assert.True(t, utf8.ValidString(e.Msg), "%q: %q", s, e.Msg)
		assert.Contains(t, e.Msg, "…", "%q: a long token is cut short", s)
	}
	_, err := Parse("a = 1 \ufffd")
	assert.EqualError(t, err, "1:7: unexpected character '\ufffd'")
	_, err = Parse("a = 1 \xef\xbf")
	assert.EqualError(t, err, "1:7: unexpected character (invalid UTF-8)")
}

// Parse stops at the first error: what follows it is not read, not even to be scanned, so
// that a lexical error after it is not the one reported, and a wrong start of a long text
// is reported as soon as it is seen.
func TestParseStopsAtTheFirstError(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"a = OR b = 1 'never closed", `1:5: unexpected "OR", expected a string, number, DATE or TIME after "="`},
		{"a = OR " + strings.Repeat("a=1 OR ", 2300) + `"`, `1:5: unexpected "OR", expected a string, number, DATE or TIME after "="`},
		{"a b = 1 @", `1:3: unexpected "b", expected an operator (=, <, <=, >, >=, CONTAINS or EXISTS) after tag a`},
		{"(a = 1 OR = 2) " + strings.Repeat("(", 100), `1:11: unexpected "=", expected a tag, NOT or "("`},
	} {
		_, err := Parse(tc.in)
		assert.EqualError(t, err, tc.want, "%.40q", tc.in)
	}
}
