package grammar

import (
	"errors"
	"strings"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// tok is a token as the tests compare it: its type by symbol name, so that the hand lexer and
// the reference lexer (which number their types differently) can be compared.
type tok struct {
	Type   string
	Value  string
	Offset int
	Line   int
	Column int
}

func names(symbols map[string]lexer.TokenType) map[lexer.TokenType]string {
	m := make(map[lexer.TokenType]string, len(symbols))
	for name, typ := range symbols {
		m[typ] = name
	}
	return m
}

var handNames = names(symbols)

func toToks(ts []lexer.Token, typeNames map[lexer.TokenType]string) []tok {
	out := make([]tok, 0, len(ts))
	for _, t := range ts {
		out = append(out, tok{typeNames[t.Type], t.Value, t.Pos.Offset, t.Pos.Line, t.Pos.Column})
	}
	return out
}

// handLex runs tokenize; on failure it returns the *Error.
func handLex(s string) ([]tok, *Error) {
	ts, err := tokenize(s)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			panic("tokenize returned a " + err.Error() + " that is not an *Error")
		}
		return nil, e
	}
	return toToks(ts, handNames), nil
}

// referenceLex runs referenceLexer, eliding white space. An Unterminated token (a string that
// runs to the end of the input) counts as a failure at its offset, as it does for tokenize.
func referenceLex(s string) ([]tok, *lexer.Position) {
	l, err := referenceLexer.LexString("", s)
	if err != nil {
		panic(err) // LexString itself never fails
	}
	ts, err := lexer.ConsumeAll(l)
	if err != nil {
		var e *lexer.Error
		if !errors.As(err, &e) {
			panic(err)
		}
		return nil, &e.Pos
	}
	all := toToks(ts, names(referenceLexer.Symbols()))
	out := all[:0]
	for i, t := range all {
		switch t.Type {
		case "Whitespace":
			continue
		case "Unterminated":
			pos := ts[i].Pos
			return nil, &pos
		}
		out = append(out, t)
	}
	return out, nil
}

func eof(offset, line, column int) tok { return tok{"EOF", "", offset, line, column} }

func TestTokenize(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []tok
	}{
		{"empty", "", []tok{eof(0, 1, 1)}},
		{"blanks only", " \t\n ", []tok{eof(4, 2, 2)}},
		{"condition", "tm.event = 'Tx'", []tok{
			{"Word", "tm.event", 0, 1, 1}, {"Op", "=", 9, 1, 10}, {"String", "'Tx'", 11, 1, 12}, eof(15, 1, 16),
		}},
		{"no space before keyword after string", "a='x'AND b=5", []tok{
			{"Word", "a", 0, 1, 1}, {"Op", "=", 1, 1, 2}, {"String", "'x'", 2, 1, 3}, {"Word", "AND", 5, 1, 6},
			{"Word", "b", 9, 1, 10}, {"Op", "=", 10, 1, 11}, {"Number", "5", 11, 1, 12}, eof(12, 1, 13),
		}},
		{"no space before keyword after number", "tx.height=5AND tm.event='Tx'", []tok{
			{"Word", "tx.height", 0, 1, 1}, {"Op", "=", 9, 1, 10}, {"Number", "5", 10, 1, 11}, {"Word", "AND", 11, 1, 12},
			{"Word", "tm.event", 15, 1, 16}, {"Op", "=", 23, 1, 24}, {"String", "'Tx'", 24, 1, 25}, eof(28, 1, 29),
		}},
		{"multi-line", "a = 1\nAND\tb <= -3.25\r\n  OR (c)", []tok{
			{"Word", "a", 0, 1, 1}, {"Op", "=", 2, 1, 3}, {"Number", "1", 4, 1, 5},
			{"Word", "AND", 6, 2, 1}, {"Word", "b", 10, 2, 5}, {"Op", "<=", 12, 2, 7}, {"Number", "-3.25", 15, 2, 10},
			{"Word", "OR", 24, 3, 3}, {"Punct", "(", 27, 3, 6}, {"Word", "c", 28, 3, 7}, {"Punct", ")", 29, 3, 8},
			eof(30, 3, 9),
		}},
		{"non-ASCII tag, columns count runes", "ünïcode.tag = 'ä' AND x>1", []tok{
			{"Word", "ünïcode.tag", 0, 1, 1}, {"Op", "=", 14, 1, 13}, {"String", "'ä'", 16, 1, 15},
			{"Word", "AND", 21, 1, 19}, {"Word", "x", 25, 1, 23}, {"Op", ">", 26, 1, 24}, {"Number", "1", 27, 1, 25},
			eof(28, 1, 26),
		}},
		{"non-ASCII on a later line", "a EXISTS\nAND 名前 EXISTS", []tok{
			{"Word", "a", 0, 1, 1}, {"Word", "EXISTS", 2, 1, 3}, {"Word", "AND", 9, 2, 1},
			{"Word", "名前", 13, 2, 5}, {"Word", "EXISTS", 20, 2, 8}, eof(26, 2, 14),
		}},
		{"no-break space separates", "a\u00a0=\u00a01", []tok{
			{"Word", "a", 0, 1, 1}, {"Op", "=", 3, 1, 3}, {"Number", "1", 6, 1, 5}, eof(7, 1, 6),
		}},
		{"no-break space ends a word", "a\u00a0EXISTS", []tok{
			{"Word", "a", 0, 1, 1}, {"Word", "EXISTS", 3, 1, 3}, eof(9, 1, 9),
		}},
		{"other Unicode spaces", "a\u2003=\u30001\u2028\u0085\v\fOR\u202Fb\u1680EXISTS", []tok{
			{"Word", "a", 0, 1, 1}, {"Op", "=", 4, 1, 3}, {"Number", "1", 8, 1, 5},
			{"Word", "OR", 16, 1, 10}, {"Word", "b", 21, 1, 13}, {"Word", "EXISTS", 25, 1, 15}, eof(31, 1, 21),
		}},
		{"doubled quote", "'it''s'", []tok{{"String", "'it''s'", 0, 1, 1}, eof(7, 1, 8)}},
		{"only a doubled quote", "''''", []tok{{"String", "''''", 0, 1, 1}, eof(4, 1, 5)}},
		{"empty string then string", "'''' ''", []tok{{"String", "''''", 0, 1, 1}, {"String", "''", 5, 1, 6}, eof(7, 1, 8)}},
		{"backslash and newline inside a string", "'a\\'\n'b\nc'", []tok{
			{"String", "'a\\'", 0, 1, 1}, {"String", "'b\nc'", 5, 2, 1}, eof(10, 3, 3),
		}},
		{"double quote inside a string", `'say "hi"'`, []tok{{"String", `'say "hi"'`, 0, 1, 1}, eof(10, 1, 11)}},
		{"number with trailing dot", "5.", []tok{{"Number", "5.", 0, 1, 1}, eof(2, 1, 3)}},
		{"negative fraction", "-3.25", []tok{{"Number", "-3.25", 0, 1, 1}, eof(5, 1, 6)}},
		{"leading zeros", "007", []tok{{"Number", "007", 0, 1, 1}, eof(3, 1, 4)}},
		{"number then dot number", "1.2.3", nil}, // see TestTokenizeErrors
		{"number then word", "5e3", []tok{{"Number", "5", 0, 1, 1}, {"Word", "e3", 1, 1, 2}, eof(3, 1, 4)}},
		{"minus between numbers", "1-2", []tok{{"Number", "1", 0, 1, 1}, {"Number", "-2", 1, 1, 2}, eof(3, 1, 4)}},
		{"date", "DATE 2021-01-01", []tok{{"Word", "DATE", 0, 1, 1}, {"DateTime", "2021-01-01", 5, 1, 6}, eof(15, 1, 16)}},
		{"invalid calendar date is still a date token", "2021-02-30", []tok{{"DateTime", "2021-02-30", 0, 1, 1}, eof(10, 1, 11)}},
		{"time UTC", "TIME 2021-11-23T22:04:19Z", []tok{
			{"Word", "TIME", 0, 1, 1}, {"DateTime", "2021-11-23T22:04:19Z", 5, 1, 6}, eof(25, 1, 26),
		}},
		{"time with fraction and offset", "TIME\n2021-11-23T22:04:19.5-09:00)", []tok{
			{"Word", "TIME", 0, 1, 1}, {"DateTime", "2021-11-23T22:04:19.5-09:00", 5, 2, 1}, {"Punct", ")", 32, 2, 28}, eof(33, 2, 29),
		}},
		{"time without zone", "2021-11-23T22:04:19", []tok{{"DateTime", "2021-11-23T22:04:19", 0, 1, 1}, eof(19, 1, 20)}},
		{"date then incomplete time", "2021-11-23T22", []tok{{"DateTime", "2021-11-23", 0, 1, 1}, {"Word", "T22", 10, 1, 11}, eof(13, 1, 14)}},
		{"short year is numbers", "21-01-01", []tok{
			{"Number", "21", 0, 1, 1}, {"Number", "-01", 2, 1, 3}, {"Number", "-01", 5, 1, 6}, eof(8, 1, 9),
		}},
		{"negative date is numbers", "-2021-01-01", []tok{
			{"Number", "-2021", 0, 1, 1}, {"Number", "-01", 5, 1, 6}, {"Number", "-01", 8, 1, 9}, eof(11, 1, 12),
		}},
		{"operators", "a<=1>=2<3>4=5", []tok{
			{"Word", "a", 0, 1, 1}, {"Op", "<=", 1, 1, 2}, {"Number", "1", 3, 1, 4}, {"Op", ">=", 4, 1, 5},
			{"Number", "2", 6, 1, 7}, {"Op", "<", 7, 1, 8}, {"Number", "3", 8, 1, 9}, {"Op", ">", 9, 1, 10},
			{"Number", "4", 10, 1, 11}, {"Op", "=", 11, 1, 12}, {"Number", "5", 12, 1, 13}, eof(13, 1, 14),
		}},
		{"no <> or ==", "<>==", []tok{{"Op", "<", 0, 1, 1}, {"Op", ">=", 1, 1, 2}, {"Op", "=", 3, 1, 4}, eof(4, 1, 5)}},
		{"keyword prefix words are words", "AND.x ANDY NOTE.x OR_ EXISTS-1", []tok{
			{"Word", "AND.x", 0, 1, 1}, {"Word", "ANDY", 6, 1, 7}, {"Word", "NOTE.x", 11, 1, 12},
			{"Word", "OR_", 18, 1, 19}, {"Word", "EXISTS-1", 22, 1, 23}, eof(30, 1, 31),
		}},
		{"tag characters", "_x-1.y_2 wasm._contract_address", []tok{
			{"Word", "_x-1.y_2", 0, 1, 1}, {"Word", "wasm._contract_address", 9, 1, 10}, eof(31, 1, 32),
		}},
		{"parentheses", "(NOT(a EXISTS))", []tok{
			{"Punct", "(", 0, 1, 1}, {"Word", "NOT", 1, 1, 2}, {"Punct", "(", 4, 1, 5}, {"Word", "a", 5, 1, 6},
			{"Word", "EXISTS", 7, 1, 8}, {"Punct", ")", 13, 1, 14}, {"Punct", ")", 14, 1, 15}, eof(15, 1, 16),
		}},
	}
	for _, tt := range tests {
		if tt.want == nil {
			continue
		}
		t.Run(tt.name, func(t *testing.T) {
			got, err := handLex(tt.in)
			require.Nil(t, err)
			assert.Equal(t, tt.want, got)
			// The table is also a check of the reference lexer: both define the same tokens.
			ref, refErr := referenceLex(tt.in)
			require.Nil(t, refErr)
			assert.Equal(t, tt.want, ref, "reference lexer")
		})
	}
}

func TestTokenizeErrors(t *testing.T) {
	const (
		unterminated = "unterminated string: a string opened with ' must be closed with ' (write a quote inside a string as '')"
		doubleQuoted = `unexpected '"': strings are single-quoted, as in 'Tx'`
	)
	tests := []struct {
		name string
		in   string
		want string // line:column: msg
		off  int
		// parse is Parse's error where it is not the lexical one: Parse stops at the first
		// token that cannot stand where it is, even if a lexical error follows.
		parse string
	}{
		{"unterminated string", "a = 'x", "1:5: " + unterminated, 4, ""},
		{"unterminated after doubled quote", "a = 'it''s", "1:5: " + unterminated, 4, ""},
		{"string ends in a doubled quote", "a = 'x''", "1:5: " + unterminated, 4, ""},
		{"lone quote", "'", "1:1: " + unterminated, 0, ""},
		{"unterminated second string", "a = 'x' OR b = 'y", "1:16: " + unterminated, 15, ""},
		{"unterminated on a later line", "a = 1 AND\n  ü = 'x", "2:7: " + unterminated, 17, ""},
		{"double-quoted string", `a = "x"`, "1:5: " + doubleQuoted, 4, ""},
		{"double-quoted after non-ASCII", `ä="x"`, "1:3: " + doubleQuoted, 3, ""},
		{"invalid character", "a ! b", `1:3: unexpected character '!'`, 2, ""},
		{"bang equals", "a != 1", `1:3: unexpected "!=": there is no != operator; negate a condition with NOT, as in NOT a = 1`, 2, ""},
		{"plus sign", "a = +5", `1:5: unexpected character '+'`, 4, ""},
		{"leading dot", "a = .5", `1:5: unexpected character '.'`, 4, ""},
		{"lone minus", "a = -", `1:5: unexpected character '-'`, 4, ""},
		{"minus before word", "-a", `1:1: unexpected character '-'`, 0, ""},
		{"second dot", "1.2.3", `1:4: unexpected character '.'`, 3, `1:1: unexpected number 1.2, expected a tag, NOT or "("`},
		{"second dot in an operand", "a = 1.2.3", `1:8: unexpected character '.'`, 7, ""},
		{"fraction without digits in a time", "2021-11-23T22:04:19.Z", `1:20: unexpected character '.'`, 19,
			`1:1: unexpected 2021-11-23T22:04:19, expected a tag, NOT or "("`},
		{"fraction without digits in a TIME", "a < TIME 2021-11-23T22:04:19.Z", `1:29: unexpected character '.'`, 28, ""},
		{"symbol", "a = €5", `1:5: unexpected character '€'`, 4, ""},
		{"non-ASCII digit", "a = ٣", `1:5: unexpected character '٣'`, 4, ""},
		{"combining mark", "e\u0301 EXISTS", `1:2: unexpected character '́'`, 1, ""},
		{"invalid UTF-8", "a = \xff", `1:5: unexpected character (invalid UTF-8)`, 4, ""},
		{"brackets", "a[0] EXISTS", `1:2: unexpected character '['`, 1, ""},
		{"on a later line", "a = 1\nAND b = #", `2:9: unexpected character '#'`, 14, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := handLex(tt.in)
			require.NotNil(t, err)
			assert.Equal(t, tt.want, err.Error())
			assert.Equal(t, tt.off, err.Pos.Offset)
			// Parse reports lexical errors unchanged, where they are the first error.
			_, perr := Parse(tt.in)
			require.Error(t, perr)
			want := tt.want
			if tt.parse != "" {
				want = tt.parse
			}
			assert.Equal(t, want, perr.Error())
			// The reference lexer fails at the same place.
			_, refPos := referenceLex(tt.in)
			require.NotNil(t, refPos, "reference lexer accepted %q", tt.in)
			assert.Equal(t, tt.off, refPos.Offset)
		})
	}
}

// lexFragments are pieces of queries that, run together, exercise every token rule and the
// boundaries between them.
var lexFragments = []string{
	"a", "tm.event", "ünï", "_x", "x-1", "é", "\u0301", "名", "T", "Z", "e",
	"AND", "OR", "NOT", "CONTAINS", "EXISTS", "DATE", "TIME", "and",
	"'", "''", "'x'", "'it''s'", "\"", "\\", "\n",
	"0", "5", "42", "-", "-3.25", "5.", ".", "..", "٣",
	"2021", "2021-01-01", "T22:04:19", "2021-11-23T22:04:19Z", "2021-11-23T22:04:19", ".5", "+09:00", "-09:00", ":", "+",
	"=", "<", "<=", ">", ">=", "!", "(", ")",
	" ", "  ", "\t", "\r\n", "\u00a0", "\u2003", "\u3000", "\u2028", "\u0085", "\v", "\f",
	"\xff", "\xe2\x82", "€", "\ufffd",
}

func TestTokenizeAgreesWithReference(t *testing.T) {
	piece := rapid.OneOf(
		rapid.SampledFrom(lexFragments),
		rapid.SampledFrom(lexFragments),
		rapid.Map(rapid.Rune(), func(r rune) string { return string(r) }),
		rapid.Map(rapid.Byte(), func(b byte) string { return string([]byte{b}) }),
	)
	rapid.Check(t, func(t *rapid.T) {
		s := strings.Join(rapid.SliceOfN(piece, 0, 24).Draw(t, "pieces"), "")
		got, err := handLex(s)
		want, refPos := referenceLex(s)
		switch {
		case err != nil && refPos != nil:
			if err.Pos.Offset != refPos.Offset || err.Pos.Line != refPos.Line || err.Pos.Column != refPos.Column {
				t.Fatalf("%q: tokenize fails at %+v (%s), the reference at %+v", s, err.Pos, err.Msg, *refPos)
			}
		case err != nil:
			t.Fatalf("%q: tokenize fails (%v), the reference gives %v", s, err, want)
		case refPos != nil:
			t.Fatalf("%q: the reference fails at %+v, tokenize gives %v", s, *refPos, got)
		default:
			if !assert.ObjectsAreEqual(want, got) {
				t.Fatalf("%q:\ntokenize  %v\nreference %v", s, got, want)
			}
		}
	})
}
