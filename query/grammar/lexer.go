package grammar

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types. Their names are the symbols the grammar refers to.
const (
	tokEOF      = lexer.EOF
	tokWord     = lexer.EOF - 1 - iota // a tag or a keyword
	tokString                          // 'single quoted', quotes doubled inside
	tokNumber                          // -?[0-9]+(\.[0-9]*)?
	tokDateTime                        // YYYY-MM-DD with an optional RFC 3339 time part
	tokOp                              // = < <= > >=
	tokPunct                           // ( )
)

var symbols = map[string]lexer.TokenType{
	"EOF":      tokEOF,
	"Word":     tokWord,
	"String":   tokString,
	"Number":   tokNumber,
	"DateTime": tokDateTime,
	"Op":       tokOp,
	"Punct":    tokPunct,
}

// referenceLexer is the declarative definition of the tokens: the specification the
// hand-written lexer below must agree with (a test and a fuzz target check that they do).
// The rules are tried in order; the first that matches at the current offset wins.
var referenceLexer = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Whitespace", Pattern: `[\s\x{85}\p{Z}\v]+`},
	{Name: "Word", Pattern: `[\p{L}_][\p{L}\p{Nd}_.\-]*`},
	// A string that is never closed runs to the end of the input: tokenize rejects it at its
	// opening quote. Without this rule the String rule would match the prefix of 'it''s that
	// ends before the doubled quote, and fail later, at the second string 's.
	{Name: "Unterminated", Pattern: `'(?:[^']|'')*\z`},
	{Name: "String", Pattern: `'(?:[^']|'')*'`},
	{Name: "DateTime", Pattern: `[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?(?:Z|[+\-][0-9]{2}:[0-9]{2})?)?`},
	{Name: "Number", Pattern: `-?[0-9]+(?:\.[0-9]*)?`},
	{Name: "Op", Pattern: `<=|>=|[=<>]`},
	{Name: "Punct", Pattern: `[()]`},
})

// definition is the lexer the parser runs with: a hand-written scanner that produces the
// same tokens as referenceLexer, about three times faster, and with error messages that say
// what was wrong (a double-quoted string, an unterminated string).
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols }

func (definition) Lex(_ string, r io.Reader) (lexer.Lexer, error) {
	var b strings.Builder
	if _, err := io.Copy(&b, r); err != nil {
		return nil, err
	}
	return newSliceLexer(b.String())
}

func (definition) LexString(_ string, s string) (lexer.Lexer, error) { return newSliceLexer(s) }

func newSliceLexer(s string) (lexer.Lexer, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	return &sliceLexer{toks: toks}, nil
}

// sliceLexer hands out tokens that were already scanned.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	t := l.toks[l.i]
	if l.i < len(l.toks)-1 {
		l.i++
	}
	return t, nil
}

// tokenize scans the whole of s. The last token is always EOF. A scanning error is an *Error.
func tokenize(s string) ([]lexer.Token, error) {
	toks := make([]lexer.Token, 0, 8)
	sc := newScanner(s)
	for {
		t, err := sc.next()
		if err != nil {
			return nil, err
		}
		toks = append(toks, t)
		if t.Type == tokEOF {
			return toks, nil
		}
	}
}

// scanner reads the tokens of a text one at a time, so that a parser that stops at an
// error reads no further.
type scanner struct {
	s   string
	i   int            // the next byte to scan
	pos lexer.Position // the position of s[i]
}

func newScanner(s string) scanner { return scanner{s: s, pos: lexer.Position{Line: 1, Column: 1}} }

// advance moves over s[i:j], counting lines and rune columns.
func (sc *scanner) advance(j int) {
	s := sc.s
	for k := sc.i; k < j; {
		c := s[k]
		switch {
		case c == '\n':
			sc.pos.Line++
			sc.pos.Column = 1
			k++
		case c < utf8.RuneSelf:
			sc.pos.Column++
			k++
		default:
			_, n := utf8.DecodeRuneInString(s[k:])
			sc.pos.Column++
			k += n
		}
	}
	sc.pos.Offset = j
	sc.i = j
}

// token returns the token of type typ that spans s[i:j] and moves over it.
func (sc *scanner) token(typ lexer.TokenType, j int) lexer.Token {
	t := lexer.Token{Type: typ, Value: sc.s[sc.i:j], Pos: sc.pos}
	sc.advance(j)
	return t
}

// next returns the next token: EOF at the end of the text, and again after it.
func (sc *scanner) next() (lexer.Token, error) {
	s := sc.s
	for sc.i < len(s) {
		i := sc.i
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			sc.advance(i + 1)
		case c == '(' || c == ')':
			return sc.token(tokPunct, i+1), nil
		case c == '=':
			return sc.token(tokOp, i+1), nil
		case c == '<' || c == '>':
			if i+1 < len(s) && s[i+1] == '=' {
				return sc.token(tokOp, i+2), nil
			}
			return sc.token(tokOp, i+1), nil
		case c == '\'':
			j, ok := scanString(s, i)
			if !ok {
				return lexer.Token{}, errorAt(sc.pos, "unterminated string: a string opened with ' must be closed with ' (write a quote inside a string as '')")
			}
			return sc.token(tokString, j), nil
		case c == '"':
			return lexer.Token{}, errorAt(sc.pos, `unexpected '"': strings are single-quoted, as in 'Tx'`)
		case isDigit(c) || (c == '-' && i+1 < len(s) && isDigit(s[i+1])):
			if j := scanDateTime(s, i); j > i {
				return sc.token(tokDateTime, j), nil
			}
			return sc.token(tokNumber, scanNumber(s, i)), nil
		case c == '_' || c >= utf8.RuneSelf || isLetter(c):
			r, n := utf8.DecodeRuneInString(s[i:])
			switch {
			case r == '_' || unicode.IsLetter(r):
				return sc.token(tokWord, scanWord(s, i+n)), nil
			case isSpace(r):
				sc.advance(i + n)
			default:
				return lexer.Token{}, errorAt(sc.pos, "unexpected character "+quoteRune(r, n))
			}
		case c == '!' && i+1 < len(s) && s[i+1] == '=':
			return lexer.Token{}, errorAt(sc.pos, `unexpected "!=": there is no != operator; negate a condition with NOT, as in NOT a = 1`)
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			if isSpace(r) {
				sc.advance(i + 1)
				continue
			}
			return lexer.Token{}, errorAt(sc.pos, "unexpected character "+quoteRune(r, 1))
		}
	}
	return lexer.Token{Type: tokEOF, Pos: sc.pos}, nil
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// isSpace is the white space of the reference lexer: Unicode White_Space.
func isSpace(r rune) bool { return unicode.IsSpace(r) || unicode.Is(unicode.Z, r) }

// quoteRune quotes r, which was decoded from n bytes: an invalid byte decodes as U+FFFD
// from one byte, the rune U+FFFD itself from three.
func quoteRune(r rune, n int) string {
	if r == utf8.RuneError && n == 1 {
		return "(invalid UTF-8)"
	}
	return strconv.QuoteRune(r)
}

// scanWord returns the end of a word whose first rune ends at i.
func scanWord(s string, i int) int {
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if isLetter(c) || isDigit(c) || c == '_' || c == '.' || c == '-' {
				i++
				continue
			}
			return i
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if !unicode.IsLetter(r) && !unicode.Is(unicode.Nd, r) {
			return i
		}
		i += n
	}
	return i
}

// scanString returns the end of the string literal that starts with the quote at i.
func scanString(s string, i int) (int, bool) {
	for j := i + 1; j < len(s); j++ {
		if s[j] == '\'' {
			if j+1 < len(s) && s[j+1] == '\'' {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return 0, false
}

// scanNumber returns the end of -?[0-9]+(\.[0-9]*)? starting at i.
func scanNumber(s string, i int) int {
	if s[i] == '-' {
		i++
	}
	i = scanDigits(s, i)
	if i < len(s) && s[i] == '.' {
		i = scanDigits(s, i+1)
	}
	return i
}

func scanDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// scanDateTime returns the end of a date with an optional time part starting at i, or i.
func scanDateTime(s string, i int) int {
	// fixed matches a pattern where '9' stands for a digit and other bytes for themselves.
	fixed := func(at int, pattern string) bool {
		if at+len(pattern) > len(s) {
			return false
		}
		for k := 0; k < len(pattern); k++ {
			if pattern[k] == '9' {
				if !isDigit(s[at+k]) {
					return false
				}
			} else if s[at+k] != pattern[k] {
				return false
			}
		}
		return true
	}
	if !fixed(i, "9999-99-99") {
		return i
	}
	end := i + len("9999-99-99")
	if !fixed(end, "T99:99:99") {
		return end
	}
	end += len("T99:99:99")
	if end+1 < len(s) && s[end] == '.' && isDigit(s[end+1]) {
		end = scanDigits(s, end+1)
	}
	switch {
	case fixed(end, "Z"):
		end++
	case fixed(end, "+99:99") || fixed(end, "-99:99"):
		end += len("+99:99")
	}
	return end
}
