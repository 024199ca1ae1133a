package grammar

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// Limits on what Parse accepts. They are checked on the token stream, before the parser runs,
// so that no input can exhaust the parser's stack.
const (
	// MaxLength is the longest query, in bytes.
	MaxLength = 16 << 10
	// MaxDepth is the deepest nesting of parentheses and NOT.
	MaxDepth = 64
)

var parser = participle.MustBuild[Query](participle.Lexer(definition{}))

// EBNF returns the grammar as participle sees it, in its EBNF notation.
func EBNF() string { return parser.String() }

// keywords are the upper-case words that are never tags.
var keywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "CONTAINS": true, "EXISTS": true, "DATE": true, "TIME": true,
}

// Parse parses a query. It returns the whole syntax tree or an *Error, never both. The
// error is at the first place where the text stops being the beginning of a query, and
// Parse reads no further than it; the cost is linear in the length of the text.
//
// A query is accepted only if its canonical form (Query.String) is at most MaxLength bytes
// too, so that the canonical form of every accepted query is itself accepted.
func Parse(s string) (*Query, error) {
	if err := checkLength(s); err != nil {
		return nil, err
	}
	q, err := parseText(s)
	if err != nil {
		return nil, err
	}
	if err := checkCanonicalLength(s, q); err != nil {
		return nil, err
	}
	return q, nil
}

// checkLength rejects a text longer than MaxLength.
func checkLength(s string) error {
	if len(s) > MaxLength {
		at := MaxLength // the start of the rune that crosses the limit
		for at > 0 && !utf8.RuneStart(s[at]) {
			at--
		}
		return &Error{
			Pos: positionOf(s, at),
			Msg: fmt.Sprintf("query too long: %d bytes, the limit is %d", len(s), MaxLength),
		}
	}
	return nil
}

// msgEmpty is the message of a text with no token.
const msgEmpty = `empty query: expected a condition such as tm.event = 'Tx'`

// tokenizeQuery checks the length of s and tokenizes it; an empty query is an error.
func tokenizeQuery(s string) ([]lexer.Token, error) {
	if err := checkLength(s); err != nil {
		return nil, err
	}
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 {
		return nil, errorAt(toks[0].Pos, msgEmpty)
	}
	return toks, nil
}

// maxCanonicalGrowth bounds how many times longer than its text a query's canonical form
// can be: the printer writes every token of the text at most once (it drops parentheses
// and never adds any), each as it is written but for strings, which it quotes as they were
// quoted, and at most two spaces around each; every token is at least one byte long.
const maxCanonicalGrowth = 3

// checkCanonicalLength rejects q, parsed from s, if its canonical form is longer than
// MaxLength, at the first condition that ends past the limit in the canonical form.
func checkCanonicalLength(s string, q *Query) error {
	if len(s) <= MaxLength/maxCanonicalGrowth {
		return nil // cannot be too long
	}
	p := printer{limit: MaxLength}
	p.or(q.Expr, top)
	if p.over == nil {
		return nil
	}
	return &Error{
		Pos: p.over.Pos,
		Msg: fmt.Sprintf("query too long: its canonical form is %d bytes, the limit is %d", p.Len(), MaxLength),
	}
}

// parseReference parses s with the participle parser of the grammar, checking the depth of
// nesting first and missing operands after, as Parse did before it had the descent: the
// reference that the descent is tested against.
func parseReference(s string) (*Query, error) {
	toks, err := tokenizeQuery(s)
	if err != nil {
		return nil, err
	}
	if err := checkDepth(toks); err != nil {
		return nil, err
	}
	peeker, err := lexer.Upgrade(&sliceLexer{toks: toks})
	if err != nil {
		return nil, err // unreachable: sliceLexer never fails
	}
	q, err := parser.ParseFromLexer(peeker)
	if err != nil {
		return nil, translate(toks, err)
	}
	if err := checkOperands(toks, q.Expr); err != nil {
		return nil, err
	}
	if err := checkCanonicalLength(s, q); err != nil {
		return nil, err
	}
	return q, nil
}

// checkDepth rejects nesting deeper than MaxDepth, for the reference parser. Each "(" opens a level that its ")" closes;
// each NOT opens a level that ends with its operand, which is at the next AND, OR, ")" or end
// outside the parentheses the NOT's operand may open.
func checkDepth(toks []lexer.Token) error {
	var stack []bool // true for NOT, false for "("
	popNots := func() {
		for len(stack) > 0 && stack[len(stack)-1] {
			stack = stack[:len(stack)-1]
		}
	}
	for _, t := range toks {
		switch {
		case t.Type == tokPunct && t.Value == "(":
			stack = append(stack, false)
		case t.Type == tokWord && t.Value == "NOT":
			stack = append(stack, true)
		case t.Type == tokPunct && t.Value == ")":
			popNots()
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case t.Type == tokEOF || (t.Type == tokWord && (t.Value == "AND" || t.Value == "OR")):
			popNots()
		}
		if len(stack) > MaxDepth {
			return errorAt(t.Pos, fmt.Sprintf("query nested too deeply: more than %d levels of parentheses and NOT", MaxDepth))
		}
	}
	return nil
}

// checkOperands reports the first condition that lacks its operand, for the reference
// parser. The grammar lets the operand be absent so that the message can name the operator.
func checkOperands(toks []lexer.Token, or *Or) error {
	for _, and := range or.Terms {
		for _, u := range and.Factors {
			for u.Not != nil {
				u = u.Not
			}
			switch {
			case u.Group != nil:
				if err := checkOperands(toks, u.Group); err != nil {
					return err
				}
			case u.Cond.Op != OpExists && u.Cond.Operand == nil:
				i := tokenAt(toks, u.Cond.EndPos.Offset)
				return errorAt(toks[i].Pos, unexpected(siteAt(toks, i)))
			}
		}
	}
	return nil
}

// translate turns a participle error into an *Error that says what was found and what the
// grammar expects after the token before it.
func translate(toks []lexer.Token, err error) error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return &Error{Pos: Position(toks[0].Pos), Msg: "invalid query: " + err.Error()}
	}
	i := tokenAt(toks, perr.Position().Offset)
	return errorAt(toks[i].Pos, unexpected(siteAt(toks, i)))
}

// tokenAt returns the index of the token that starts at offset, or of the first one after it.
func tokenAt(toks []lexer.Token, offset int) int {
	for i, t := range toks {
		if t.Pos.Offset >= offset {
			return i
		}
	}
	return len(toks) - 1
}

// site is where an error is: the token found there, the two tokens before it (nil where
// there are none), and how many parentheses are open before it.
type site struct {
	tok          *lexer.Token
	prev, before *lexer.Token // the token before tok, and the one before that
	open         int
}

// siteAt returns the site of toks[i].
func siteAt(toks []lexer.Token, i int) site {
	st := site{tok: &toks[i]}
	if i > 0 {
		st.prev = &toks[i-1]
	}
	if i > 1 {
		st.before = &toks[i-2]
	}
	for _, t := range toks[:i] {
		if t.Type == tokPunct {
			if t.Value == "(" {
				st.open++
			} else {
				st.open--
			}
		}
	}
	return st
}

// unexpected describes the token at st as unexpected and says what could stand there
// instead.
func unexpected(st site) string {
	t, prev := st.tok, st.prev
	msg := "unexpected " + describe(*t)
	if t.Type == tokWord {
		if up := strings.ToUpper(t.Value); keywords[up] && up != t.Value && keywordFits(prev, up) {
			return msg + ": keywords are upper case, did you mean " + up + "?"
		}
	}
	msg += ", expected " + expected(st)
	if prev != nil {
		if up := strings.ToUpper(prev.Value); prev.Type == tokWord && keywords[up] && up != prev.Value && keywordFits(st.before, up) {
			msg += " (keywords are upper case: did you mean " + up + "?)"
		} else if t.Type == tokDateTime && prev.Type == tokOp {
			kw := "DATE"
			if strings.Contains(t.Value, "T") {
				kw = "TIME"
			}
			msg += " (did you mean " + kw + " " + t.Value + "?)"
		} else if hint := operandHint(prev, t); hint != "" {
			msg += " (" + hint + ")"
		}
	}
	return msg
}

// operandHint suggests what to write for the common slips around an operator and its
// operand: "==", "<>", an unquoted word, a number with an exponent.
func operandHint(prev, t *lexer.Token) string {
	switch {
	case prev.Type == tokOp && t.Type == tokOp && prev.Value == "=" && t.Value == "=":
		return `equality is a single "=", as in a = 1`
	case prev.Type == tokOp && t.Type == tokOp && prev.Value == "<" && t.Value == ">":
		return "there is no <> operator; negate a condition with NOT, as in NOT a = 1"
	case (prev.Type == tokOp && prev.Value == "=" || prev.Type == tokWord && prev.Value == "CONTAINS") &&
		t.Type == tokWord && !keywords[strings.ToUpper(t.Value)]:
		word, cut := shorten(t.Value)
		if cut != "" {
			return "strings are single-quoted"
		}
		return "strings are single-quoted: '" + word + "'"
	case prev.Type == tokNumber && t.Type == tokWord && exponent.MatchString(t.Value):
		if full, ok := expandExponent(prev.Value, t.Value[1:]); ok {
			return "numbers have no exponent: write " + prev.Value + t.Value + " as " + full
		}
		return "numbers have no exponent: write the number in full"
	}
	return ""
}

var exponent = regexp.MustCompile(`^[eE][0-9]+$`)

// expandExponent writes mantissa × 10^exp in full, for exponents up to 30.
func expandExponent(mantissa, exp string) (string, bool) {
	e, err := strconv.Atoi(exp)
	if err != nil || e > 30 {
		return "", false
	}
	sign := ""
	if strings.HasPrefix(mantissa, "-") {
		sign, mantissa = "-", mantissa[1:]
	}
	intPart, frac, _ := strings.Cut(mantissa, ".")
	for ; e > 0; e-- {
		if frac != "" {
			intPart, frac = intPart+frac[:1], frac[1:]
		} else {
			intPart += "0"
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	if frac != "" {
		return sign + intPart + "." + frac, true
	}
	return sign + intPart, true
}

// keywordFits reports whether the keyword kw could stand after the token prev (nil: at the
// start), so that a lower-case keyword is corrected only where the upper-case one would be
// accepted ("a = 1 and b = 2", but not "a date" or "a = 1 exists").
func keywordFits(prev *lexer.Token, kw string) bool {
	if prev == nil {
		return kw == "NOT"
	}
	switch {
	case prev.Type == tokOp:
		return kw == "DATE" || kw == "TIME"
	case prev.Type == tokPunct && prev.Value == "(",
		prev.Type == tokWord && (prev.Value == "AND" || prev.Value == "OR" || prev.Value == "NOT"):
		return kw == "NOT"
	case prev.Type == tokWord && (prev.Value == "CONTAINS" || prev.Value == "DATE" || prev.Value == "TIME"):
		return false
	case prev.Type == tokWord && prev.Value != "EXISTS": // a tag
		return kw == "CONTAINS" || kw == "EXISTS"
	default: // after an operand, EXISTS or ")"
		return kw == "AND" || kw == "OR"
	}
}

// expected lists what the grammar accepts after the token before st.
func expected(st site) string {
	const condition = `a tag, NOT or "("`
	prev := st.prev
	if prev == nil {
		return condition
	}
	switch prev.Type {
	case tokOp:
		if prev.Value == "=" {
			return `a string, number, DATE or TIME after "="`
		}
		return fmt.Sprintf("a number, DATE or TIME after %q", prev.Value)
	case tokPunct:
		if prev.Value == "(" {
			return condition
		}
	case tokWord:
		switch prev.Value {
		case "AND", "OR", "NOT":
			return condition
		case "CONTAINS":
			return "a string after CONTAINS"
		case "DATE":
			return "a date such as 2021-11-23 after DATE"
		case "TIME":
			return "a time such as 2021-11-23T22:04:19Z after TIME"
		case "EXISTS":
		default:
			tag, cut := shorten(prev.Value)
			return fmt.Sprintf("an operator (=, <, <=, >, >=, CONTAINS or EXISTS) after tag %s%s", tag, cut)
		}
	}
	if st.open > 0 {
		return `AND, OR or ")"`
	}
	return "AND, OR or end of query"
}

// shorten cuts a long token short for an error message, at a rune boundary so that the
// message stays valid UTF-8, and returns the cut text and "…", or v and "".
func shorten(v string) (string, string) {
	const max = 24
	if len(v) <= max {
		return v, ""
	}
	end := max
	for end > 0 && !utf8.RuneStart(v[end]) {
		end--
	}
	return v[:end], "…"
}

// describe names a token in an error message.
func describe(t lexer.Token) string {
	v, cut := shorten(t.Value)
	switch t.Type {
	case tokEOF:
		return "end of query"
	case tokString:
		return "string " + v + cut
	case tokNumber:
		return "number " + v + cut
	case tokDateTime:
		return v
	}
	return fmt.Sprintf("%q", v) + cut
}

// positionOf computes the Position of a byte offset in s.
func positionOf(s string, offset int) Position {
	p := lexer.Position{Line: 1, Column: 1}
	p.Advance(s[:offset])
	return Position(p)
}
