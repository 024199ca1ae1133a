package grammar

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"

	"pgregory.net/rapid"
)

// checkAgainstReference checks Parse against parseReference, participle's parser of the
// grammar (which scans the whole text before it parses), on s:
//
//   - they accept the same texts, with identical trees (positions included);
//   - they reject the same texts, and where their errors are at one place they are the
//     same error;
//   - Parse's error is at the first token at which the text stops being the beginning of a
//     query: the tokens before it can be completed into a query the reference accepts, and
//     with it they cannot (see completes). The reference does not always stop there: it
//     finds a missing operand after the whole parse, nesting deeper than MaxDepth before
//     it, a lexical error anywhere before any error of the parser, and after `(a = 1 OR`
//     it backtracks out of the OR to complain about the OR itself when the next token is
//     not a condition.
func checkAgainstReference(t fataler, s string) {
	t.Helper()
	got, gerr := Parse(s)
	want, werr := parseReference(s)
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("%q: Parse error %v, reference error %v", s, gerr, werr)
	}
	if gerr == nil {
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: Parse and the reference build different trees:\n Parse:     %s\n reference: %s", s, dumpTree(got), dumpTree(want))
		}
		return
	}
	var g, w *Error
	if !errors.As(gerr, &g) || !errors.As(werr, &w) {
		t.Fatalf("%q: errors %T and %T, want *Error", s, gerr, werr)
	}
	// The reference counts every "(" and NOT towards the depth, even one that cannot
	// stand where it is, so its depth error may be where the descent finds a wrong token.
	if g.Pos.Offset == w.Pos.Offset {
		if *g != *w && !strings.Contains(w.Msg, "nested too deeply") {
			t.Fatalf("%q: Parse's error %+v, the reference's %+v", s, *g, *w)
		}
		return // the two parsers agree on the place
	}
	checkFirstErrorPlace(t, s, g)
}

// checkFirstErrorPlace checks that g, Parse's error on s, is at the first token at which s
// stops being the beginning of a query (see completes).
func checkFirstErrorPlace(t fataler, s string, g *Error) {
	t.Helper()
	if strings.HasPrefix(g.Msg, "empty query") || strings.Contains(g.Msg, "too long") {
		return // not an error of the descent: the same in both
	}
	before, err := tokenize(s[:g.Pos.Offset])
	if err != nil {
		t.Fatalf("%q: Parse's error %v is after a lexical error %v", s, g, err)
	}
	before = before[:len(before)-1] // without its EOF
	if text, ok := completes(before); !ok {
		t.Fatalf("%q: Parse's error %v is late: the tokens before it do not begin a query (completed as %q)", s, g, text)
	}
	sc := newScanner(s)
	sc.advance(g.Pos.Offset)
	if tok, err := sc.next(); err == nil && tok.Type != tokEOF {
		if tok.Pos != lexer.Position(g.Pos) {
			t.Fatalf("%q: Parse's error %v is not at the start of a token", s, g)
		}
		if text, ok := completes(append(before, tok)); ok {
			t.Fatalf("%q: Parse's error %v is early: %q is a query", s, g, text)
		}
	}
}

// completes appends to the tokens what the simplest query that begins with them needs
// next (judging by the last token), and the closing parentheses, and reports whether the
// reference parser accepts the result. A false result for tokens that do begin a query is
// a defect of completes, which the tests that use it then report.
func completes(toks []lexer.Token) (string, bool) {
	var b strings.Builder
	open := 0
	for _, t := range toks {
		b.WriteString(t.Value + " ")
		switch {
		case t.Type == tokPunct && t.Value == "(":
			open++
		case t.Type == tokPunct && t.Value == ")":
			open--
		}
	}
	if len(toks) == 0 {
		b.WriteString("a EXISTS")
	} else {
		switch last := toks[len(toks)-1]; {
		case last.Type == tokOp || last.Type == tokWord && last.Value == "CONTAINS":
			b.WriteString("1")
		case last.Type == tokWord && (last.Value == "DATE" || last.Value == "TIME"):
			b.WriteString("2021-01-01")
		case last.Type == tokWord && (last.Value == "AND" || last.Value == "OR" || last.Value == "NOT"),
			last.Type == tokPunct && last.Value == "(":
			b.WriteString("a EXISTS")
		case last.Type == tokWord && last.Value != "EXISTS": // a tag
			b.WriteString("EXISTS")
		}
	}
	if open < 0 {
		return b.String(), false
	}
	b.WriteString(strings.Repeat(")", open))
	_, err := parseReference(b.String())
	return b.String(), err == nil
}

// fataler is what checkAgainstReference needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// dumpTree prints a tree with its positions, for failure messages.
func dumpTree(q *Query) string {
	var b strings.Builder
	var walk func(v reflect.Value)
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				b.WriteString("nil")
				return
			}
			walk(v.Elem())
		case reflect.Struct:
			b.WriteString(v.Type().Name() + "{")
			for i := 0; i < v.NumField(); i++ {
				if i > 0 {
					b.WriteString(" ")
				}
				b.WriteString(v.Type().Field(i).Name + ":")
				walk(v.Field(i))
			}
			b.WriteString("}")
		case reflect.Slice:
			b.WriteString("[")
			for i := 0; i < v.Len(); i++ {
				if i > 0 {
					b.WriteString(" ")
				}
				walk(v.Index(i))
			}
			b.WriteString("]")
		default:
			fmt.Fprint(&b, v.Interface())
		}
	}
	walk(reflect.ValueOf(q))
	return b.String()
}

// maxDescentFuzzLen bounds the texts of FuzzDescent. The reference parser costs about 2 µs
// a byte, and the fuzzer minimises an input that widens coverage by running on the order of
// n² of its subsequences: at this bound a minimisation takes well under a second (at 136
// bytes, room for nesting to the depth limit, it held a worker for 3 s at a time). Nesting
// at the depth limit is checked by the seeds and TestDescentAgreesWithReference.
const maxDescentFuzzLen = 96

// descentSeeds are texts that reach every branch of the descent and of its errors.
var descentSeeds = []string{
	"a = 1", "a=1", "tm.event = 'Tx' AND tx.height > 5", "a = 'it''s'", "a CONTAINS 'x'",
	"a EXISTS", "a EXISTS 'x'", "a EXISTS 5", "a = DATE 2021-01-01", "a < TIME 2021-11-23T22:04:19Z",
	"NOT a = 1", "NOT NOT a EXISTS", "NOT (a = 1 OR b = 2) AND c = 3", "(a = 1)", "((a = 1))",
	"a = 1 OR b = 2 AND c = 3", "(a = 1 OR b = 2) AND (c = 3 OR NOT d EXISTS)",
	"a = 1\nAND\tb = 2", "ünïcode.tag = 'ü'", "AND.x = 1", "NOTE.x = 1", "ANDY EXISTS",
	// Errors.
	"", " ", "a", "a =", "a = AND b = 1", "a = OR", "a = )", "a = (", "a ==", "a = 1 b = 2",
	"a = 1 AND", "a = 1 OR", "AND", "OR a = 1", "NOT", "NOT NOT", "(", ")", "(a = 1", "a = 1)",
	"(a = 1))", "()", "( )", "a = DATE", "a = DATE x", "a = DATE 5", "a = TIME 'x'", "a = 2021-01-01",
	"a DATE 2021-01-01", "a CONTAINS", "a CONTAINS AND", "a CONTAINS 5", "a EXISTS EXISTS",
	"a EXISTS = 1", "a = 1 AND OR b = 1", "a = 1 and b = 2", "a = 1 AND not b = 2", "not a = 1",
	"a exists", "a contains 'x'", "a = date 2021-01-01", "a = 1 (", "'x' = 1", "5 = a", "= 1",
	"a = OR b = 1 c", "a = AND b", "a < 'x' AND", "a = 'x", `a = "x"`, "a = 1 @",
	strings.Repeat("(", MaxDepth) + "a = 1" + strings.Repeat(")", MaxDepth),
	strings.Repeat("(", MaxDepth+1) + "a = 1" + strings.Repeat(")", MaxDepth+1),
	strings.Repeat("NOT ", MaxDepth) + "a = 1",
	strings.Repeat("NOT ", MaxDepth+1) + "a = 1",
	"a = 1 b " + strings.Repeat("(", MaxDepth+1),
	"a = " + strings.Repeat("(", MaxDepth+1),
	strings.Repeat("(NOT ", MaxDepth/2) + "NOTE.x = 1" + strings.Repeat(")", MaxDepth/2),
	strings.Repeat("(", MaxDepth) + "NOT a = 1" + strings.Repeat(")", MaxDepth),
}

func TestDescentAgreesWithReference(t *testing.T) {
	for _, s := range descentSeeds {
		checkAgainstReference(t, s)
		checkPlaceOfAnyError(t, s)
	}
}

// checkPlaceOfAnyError checks the place of Parse's error on s, if it has one, whether or not
// the reference agrees.
func checkPlaceOfAnyError(t fataler, s string) {
	t.Helper()
	var e *Error
	if _, err := Parse(s); errors.As(err, &e) {
		checkFirstErrorPlace(t, s, e)
	}
}

// On generated trees, printed canonically and then damaged by removing, doubling or
// swapping tokens, the descent agrees with the reference.
func TestDescentAgreesWithReferenceOnGeneratedQueries(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		s := (&Query{Expr: drawOr(t, 0)}).String()
		fields := strings.Fields(s)
		switch rapid.IntRange(0, 3).Draw(t, "damage") {
		case 1:
			i := rapid.IntRange(0, len(fields)-1).Draw(t, "remove")
			fields = append(fields[:i:i], fields[i+1:]...)
		case 2:
			i := rapid.IntRange(0, len(fields)-1).Draw(t, "double")
			fields = append(fields[:i+1:i+1], fields[i:]...)
		case 3:
			i := rapid.IntRange(0, len(fields)-1).Draw(t, "swap")
			j := rapid.IntRange(0, len(fields)-1).Draw(t, "with")
			fields[i], fields[j] = fields[j], fields[i]
		}
		checkAgainstReference(t, strings.Join(fields, " "))
		checkPlaceOfAnyError(t, strings.Join(fields, " "))
	})
}

// FuzzDescent checks Parse against the reference parser on any text of at most
// maxDescentFuzzLen bytes (see checkAgainstReference).
func FuzzDescent(f *testing.F) {
	for _, s := range descentSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxDescentFuzzLen {
			return
		}
		checkAgainstReference(t, s)
	})
}
