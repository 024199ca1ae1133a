package fuzz

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/query/grammar"
)

// FuzzParse checks, for any text:
//
//   - New never panics and returns a query or an error, never both;
//   - a rejected query gives a *query.Error whose Offset lies in [0, len(s)] at the start of
//     a rune, whose Line and Column are those of that Offset (Column counts runes), whose Msg
//     is a non-empty message that does not start with a capital (but for a keyword of the
//     language), and whose Error() is "line:column: msg";
//   - Validate gives the same error, or nil for an accepted query;
//   - an accepted query round-trips: New(q.String()) succeeds with the same String(), which
//     grammar.Parse also prints.
func FuzzParse(f *testing.F) {
	for _, c := range queryCases {
		if len(c.q) <= maxFuzzQueryLen {
			f.Add(c.q)
		}
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxFuzzQueryLen {
			return
		}
		checkQuery(t, s)
	})
}

// maxFuzzQueryLen bounds the query texts that FuzzParse and FuzzMatch check. Every rule of the
// language, nesting to the depth limit included, fits in it; the longer cases of queryCases,
// up to the length limit, are checked by TestQueryCases. The bound keeps the fuzzer moving:
// when an input widens coverage, the fuzzer minimises it by trying on the order of n² of its
// subsequences, each a run of the target, so a 2 KiB input can hold a worker for the whole
// minimisation budget (a minute) while no new input is tried; at this bound a minimisation
// takes about a second.
const maxFuzzQueryLen = 192

// checkQuery checks the properties of FuzzParse on one query.
func checkQuery(t *testing.T, s string) {
	t.Helper()
	q, err := query.New(s)
	verr := query.Validate(s)
	if err != nil {
		if q != nil {
			t.Fatalf("New(%q) returned both a query %q and an error %v", s, q, err)
		}
		var qerr *query.Error
		if !errors.As(err, &qerr) {
			t.Fatalf("New(%q): error %T %v is not a *query.Error", s, err, err)
		}
		checkError(t, s, qerr)
		var verr2 *query.Error
		if !errors.As(verr, &verr2) {
			t.Fatalf("Validate(%q) = %v (%T), New gave %v", s, verr, verr, err)
		}
		if *verr2 != *qerr {
			t.Fatalf("Validate(%q) = %+v, New gave %+v", s, *verr2, *qerr)
		}
		return
	}
	if q == nil {
		t.Fatalf("New(%q) returned neither a query nor an error", s)
	}
	if verr != nil {
		t.Fatalf("Validate(%q) = %v, but New accepts it as %q", s, verr, q)
	}
	canon := q.String()
	if canon == "" {
		t.Fatalf("New(%q).String() is empty, the String of All", s)
	}
	ast, perr := grammar.Parse(s)
	if perr != nil {
		t.Fatalf("grammar.Parse(%q) = %v, but New accepts it", s, perr)
	}
	if got := ast.String(); got != canon {
		t.Fatalf("grammar.Parse(%q).String() = %q, New(...).String() = %q", s, got, canon)
	}
	q2, err := query.New(canon)
	if err != nil {
		t.Fatalf("canonical form of %q does not compile:\n canonical: %q\n error: %v", s, canon, err)
	}
	if got := q2.String(); got != canon {
		t.Fatalf("canonical form of %q is not a fixed point:\n String():        %q\n New(it).String(): %q", s, canon, got)
	}
	ast2, _ := grammar.Parse(canon)
	if !sameShape(ast, ast2) {
		t.Fatalf("canonical form of %q parses to another tree:\n canonical: %q", s, canon)
	}
}

// checkError checks the position and the message of a rejected query.
func checkError(t *testing.T, s string, e *query.Error) {
	t.Helper()
	if e.Offset < 0 || e.Offset > len(s) {
		t.Fatalf("New(%q): Offset %d outside [0, %d] (error %v)", s, e.Offset, len(s), e)
	}
	if e.Offset < len(s) && !utf8.RuneStart(s[e.Offset]) && utf8.ValidString(s) {
		t.Fatalf("New(%q): Offset %d is inside a rune (error %v)", s, e.Offset, e)
	}
	before := s[:e.Offset]
	line := 1 + strings.Count(before, "\n")
	col := 1 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	if e.Line != line || e.Column != col {
		t.Fatalf("New(%q): Offset %d is at %d:%d, the error says %d:%d (error %v)", s, e.Offset, line, col, e.Line, e.Column, e)
	}
	if e.Msg == "" {
		t.Fatalf("New(%q): empty Msg (error %+v)", s, *e)
	}
	if !lowerCaseStart(e.Msg) {
		t.Fatalf("New(%q): Msg %q does not start in lower case or with a keyword", s, e.Msg)
	}
	if utf8.ValidString(s) && !utf8.ValidString(e.Msg) {
		t.Fatalf("New(%q): Msg %q is not valid UTF-8", s, e.Msg)
	}
	if e.Msg != strings.TrimSpace(e.Msg) {
		t.Fatalf("New(%q): Msg %q has surrounding white space", s, e.Msg)
	}
	if got, want := e.Error(), fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg); got != want {
		t.Fatalf("New(%q): Error() = %q, want %q", s, got, want)
	}
}

// keywords of the language: a message may begin with one, as in "EXISTS takes no operand".
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "CONTAINS": true, "EXISTS": true, "DATE": true, "TIME": true,
}

// lowerCaseStart reports whether msg follows the Go convention for error strings: its first
// word is not capitalised, unless it is a keyword of the language, written as in a query.
func lowerCaseStart(msg string) bool {
	first, _, _ := strings.Cut(msg, " ")
	if keywords[first] {
		return true
	}
	r, _ := utf8.DecodeRuneInString(msg)
	return !unicode.IsUpper(r)
}

// sameShape reports whether two trees have the same structure up to positions and to the
// parentheses that change nothing: it compares their fully parenthesised printouts, in which
// nested ORs and ANDs are flattened (both are associative) and redundant groups dropped, and
// conditions are printed field by field (conditionShape), not by the printer under test.
func sameShape(a, b *grammar.Query) bool {
	return shape(a.Expr) == shape(b.Expr)
}

// shape prints an expression as OR(...), AND(...), NOT(...) and conditions in canonical form.
func shape(or *grammar.Or) string {
	var terms []string
	for _, and := range or.Terms {
		terms = appendOrTerms(terms, and)
	}
	if len(terms) == 1 {
		return terms[0]
	}
	return "OR(" + strings.Join(terms, ", ") + ")"
}

// appendOrTerms appends the disjuncts of and: itself, or those of the OR it merely wraps.
func appendOrTerms(terms []string, and *grammar.And) []string {
	if len(and.Factors) == 1 && and.Factors[0].Group != nil {
		for _, t := range and.Factors[0].Group.Terms {
			terms = appendOrTerms(terms, t)
		}
		return terms
	}
	var factors []string
	for _, u := range and.Factors {
		factors = appendAndFactors(factors, u)
	}
	if len(factors) == 1 {
		return append(terms, factors[0])
	}
	return append(terms, "AND("+strings.Join(factors, ", ")+")")
}

// appendAndFactors appends the conjuncts of u: itself, or those of the AND it merely wraps.
func appendAndFactors(factors []string, u *grammar.Unary) []string {
	switch {
	case u.Not != nil:
		return append(factors, "NOT("+unaryShape(u.Not)+")")
	case u.Group != nil && len(u.Group.Terms) == 1:
		for _, f := range u.Group.Terms[0].Factors {
			factors = appendAndFactors(factors, f)
		}
		return factors
	case u.Group != nil:
		return append(factors, shape(u.Group))
	}
	return append(factors, conditionShape(u.Cond))
}

// conditionShape prints a condition's fields as they are, without the printer under test:
// the tag, the operator's number, and the operand's kind and value.
func conditionShape(c *grammar.Condition) string {
	operand := "none"
	if o := c.Operand; o != nil {
		switch {
		case o.Str != nil:
			operand = fmt.Sprintf("str:%q", string(*o.Str))
		case o.Number != nil:
			operand = "num:" + *o.Number
		case o.Date != nil:
			operand = "date:" + *o.Date
		case o.Time != nil:
			operand = "time:" + *o.Time
		}
	}
	return fmt.Sprintf("[%q op%d %s]", c.Tag, int(c.Op), operand)
}

func unaryShape(u *grammar.Unary) string {
	f := appendAndFactors(nil, u)
	if len(f) == 1 {
		return f[0]
	}
	return "AND(" + strings.Join(f, ", ") + ")"
}
