package grammar

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// descent is the parser Parse runs: a recursive descent over the tokens, one function per
// production of the participle grammar (Query, Or, And, Unary, Condition, Operand), that
// builds the very tree participle builds from the same tags, positions included. The
// grammar is LL(1) — the next token decides every choice — so the descent never backtracks:
// it reads each token once, and it stops at the first token that no query can go on with.
//
// participle stays the grammar's declaration and its reference parser (parseReference):
// tests and a fuzz target check that the two agree on every input. The descent exists for
// cost: participle builds its tree through reflection and copies its parse context at
// every choice, about 15 µs per condition, so that a 16 KiB query took tens of
// milliseconds; the descent is linear and takes a few hundred nanoseconds per condition.
//
// It differs from the reference in where it reports two kinds of error, both to the
// earlier place: a missing operand (the grammar's Operand is optional so that the message
// can name the operator; the reference finds it after the whole parse) and nesting deeper
// than MaxDepth (the reference checks it on the whole token stream before parsing).
//
// The descent reads the tokens from a scanner as it goes, so that an error near the start
// of a long text costs what the text up to it costs.
type descent struct {
	sc           scanner
	tok          lexer.Token // the next token
	prev, before seen        // the two tokens before it, for error messages
	read         int         // how many tokens were read, tok included (up to 3)
	depth        int         // parentheses and NOTs open around the token being parsed
	parens       int         // parentheses open before tok
	err          error       // the first error (an *Error); once set, every function returns at once
}

// seen is what an error message needs of a token before the one it is about.
type seen struct {
	typ   lexer.TokenType
	value string
}

// parseText parses the whole of s, which is at most MaxLength bytes long.
func parseText(s string) (*Query, error) {
	p := &descent{sc: newScanner(s)}
	p.skip()
	if p.err == nil && p.tok.Type == tokEOF {
		p.err = errorAt(p.tok.Pos, msgEmpty)
	}
	if p.err != nil {
		return nil, p.err
	}
	q := &Query{Pos: p.pos()}
	q.Expr = p.or(nil, nil)
	if p.err == nil && p.tok.Type != tokEOF {
		p.fail()
	}
	if p.err != nil {
		return nil, p.err
	}
	return q, nil
}

func (p *descent) peek() *lexer.Token { return &p.tok }
func (p *descent) pos() Position      { return Position(p.tok.Pos) }

// skip moves to the next token. A scanning error is the parse's error: it is where the
// parse stops.
func (p *descent) skip() {
	if p.err != nil {
		return
	}
	t, err := p.sc.next()
	if err != nil {
		p.err = err
		p.tok = lexer.Token{Type: tokEOF}
		return
	}
	if p.read < 3 {
		p.read++
	}
	p.before, p.prev = p.prev, seen{p.tok.Type, p.tok.Value}
	p.tok = t
}

// isWord reports whether the next token is the word w (a keyword).
func (p *descent) isWord(w string) bool {
	t := p.peek()
	return t.Type == tokWord && t.Value == w
}

// fail records an error at the next token: what was found, and what the grammar expects
// after the token before it.
func (p *descent) fail() {
	if p.err != nil {
		return
	}
	st := site{tok: &p.tok, open: p.parens}
	if p.read > 1 {
		st.prev = &lexer.Token{Type: p.prev.typ, Value: p.prev.value}
	}
	if p.read > 2 {
		st.before = &lexer.Token{Type: p.before.typ, Value: p.before.value}
	}
	p.err = errorAt(p.tok.Pos, unexpected(st))
}

// The nodes are allocated in blocks: most Ors and Ands have one term, and a condition comes
// with its Unary and its Operand, so that a query costs a few allocations per condition, not
// one per node and slice.
type (
	orBlock struct {
		or    Or
		terms [1]*And
	}
	andBlock struct {
		and     And
		factors [1]*Unary
	}
	groupBlock struct {
		u   Unary
		or  orBlock
		and andBlock // the Or's first term
	}
	conditionBlock struct {
		u     Unary
		c     Condition
		o     Operand
		value string // the operand's value, which o points at
	}
)

// or parses Or = And ("OR" And)* into b (a new block if nil), with first (if not nil) as the
// block of its first term.
func (p *descent) or(b *orBlock, first *andBlock) *Or {
	if b == nil {
		b = new(orBlock)
	}
	b.or = Or{Pos: p.pos()}
	or := &b.or
	or.Terms = b.terms[:0:1]
	for {
		and := p.and(first)
		first = nil
		if p.err != nil {
			return nil
		}
		or.Terms = append(or.Terms, and)
		if !p.isWord("OR") {
			return or
		}
		p.skip()
	}
}

// and parses And = Unary ("AND" Unary)* into b (a new block if nil).
func (p *descent) and(b *andBlock) *And {
	if b == nil {
		b = new(andBlock)
	}
	b.and = And{Pos: p.pos()}
	and := &b.and
	and.Factors = b.factors[:0:1]
	for {
		u := p.unary()
		if p.err != nil {
			return nil
		}
		and.Factors = append(and.Factors, u)
		if !p.isWord("AND") {
			return and
		}
		p.skip()
	}
}

// unary parses Unary = ("NOT" Unary) | ("(" Or ")") | Condition .
func (p *descent) unary() *Unary {
	t := p.peek()
	if t.Type == tokWord && t.Value != "NOT" {
		return p.condition()
	}
	var u *Unary
	switch {
	case t.Type == tokWord && t.Value == "NOT":
		if !p.open() {
			return nil
		}
		u = &Unary{Pos: p.pos()}
		p.skip()
		u.Not = p.unary()
		p.depth--
	case t.Type == tokPunct && t.Value == "(":
		if !p.open() {
			return nil
		}
		b := new(groupBlock)
		u = &b.u
		*u = Unary{Pos: p.pos()}
		p.skip()
		p.parens++
		u.Group = p.or(&b.or, &b.and)
		if p.err != nil {
			return nil
		}
		if t := p.peek(); t.Type != tokPunct || t.Value != ")" {
			p.fail()
			return nil
		}
		p.skip()
		p.parens--
		p.depth--
	default:
		p.fail()
	}
	if p.err != nil {
		return nil
	}
	return u
}

// open enters one more level of nesting for the "(" or NOT that is the next token, or
// records the error of nesting deeper than MaxDepth there.
func (p *descent) open() bool {
	if p.depth == MaxDepth {
		p.err = errorAt(p.peek().Pos, fmt.Sprintf("query nested too deeply: more than %d levels of parentheses and NOT", MaxDepth))
		return false
	}
	p.depth++
	return true
}

// operators maps the text of every operator token and keyword to its Operator.
var operators = map[string]Operator{
	"=": OpEqual, "<": OpLess, "<=": OpLessEqual, ">": OpGreater, ">=": OpGreaterEqual,
	"CONTAINS": OpContains, "EXISTS": OpExists,
}

// condition parses Condition = <word> op Operand? , where the word is not a keyword and
// the Operand is required but after EXISTS, where it is optional; it returns the Unary that
// holds it.
func (p *descent) condition() *Unary {
	b := &conditionBlock{u: Unary{Pos: p.pos()}, c: Condition{Pos: p.pos()}}
	c := &b.c
	t := p.peek()
	if t.Type != tokWord || keywords[t.Value] {
		p.fail()
		return nil
	}
	c.Tag = t.Value
	p.skip()
	t = p.peek()
	op := operators[t.Value] // no other token has such a text
	if op == 0 {
		p.fail()
		return nil
	}
	c.Op = op
	p.skip()
	// An operand after EXISTS is parsed too: the compiler rejects it, pointing at it.
	if op != OpExists || p.atOperand() {
		if !p.operand(&b.o, &b.value) {
			return nil
		}
		c.Operand = &b.o
	}
	c.EndPos = p.pos()
	b.u.Cond = c
	return &b.u
}

// atOperand reports whether the next token can begin an Operand.
func (p *descent) atOperand() bool {
	t := p.peek()
	return t.Type == tokString || t.Type == tokNumber || (t.Type == tokWord && (t.Value == "DATE" || t.Value == "TIME"))
}

// operand parses Operand = <string> | <number> | ("DATE" <datetime>) | ("TIME" <datetime>)
// into o, whose alternative points at value. It reports whether it succeeded.
func (p *descent) operand(o *Operand, value *string) bool {
	*o = Operand{Pos: p.pos()}
	t := p.peek()
	switch {
	case t.Type == tokString:
		*value = strings.ReplaceAll(t.Value[1:len(t.Value)-1], "''", "'")
		o.Str = (*String)(value)
	case t.Type == tokNumber:
		*value = t.Value
		o.Number = value
	case t.Type == tokWord && (t.Value == "DATE" || t.Value == "TIME"):
		isDate := t.Value == "DATE"
		p.skip() // t is now the token after the keyword
		if t.Type != tokDateTime {
			p.fail()
			return false
		}
		*value = t.Value
		if isDate {
			o.Date = value
		} else {
			o.Time = value
		}
	default:
		p.fail()
		return false
	}
	p.skip()
	return p.err == nil
}
