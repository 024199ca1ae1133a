package wire

import (
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/assert"
	"pgregory.net/rapid"
)

// validToken reports whether t is a NATS subject token that matches only
// itself: non-empty, no dot, no wildcard, no white space or control
// character, and short.
func validToken(t string) bool {
	if t == "" || len(t) > 1024 || t == "*" || t == ">" {
		return false
	}
	for _, r := range t {
		if r == '.' || r == '*' || r == '>' || unicode.IsSpace(r) || unicode.IsControl(r) || r > unicode.MaxASCII {
			return false
		}
	}
	return true
}

// The token encoding, for arbitrary strings: every token is valid, and two
// different values that are not reserved never share a token.
func TestTokenProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		gen := rapid.OneOf(
			rapid.String(),
			rapid.StringMatching(`[A-Za-z0-9_-]{0,8}`),
			rapid.StringMatching(`[~.*> a-zA-Z0-9_-]{0,8}`),
			rapid.StringN(0, 700, -1),
		)
		a, b := gen.Draw(t, "a"), gen.Draw(t, "b")
		ta, tb := Token(a), Token(b)
		if !validToken(ta) || !validToken(tb) {
			t.Fatalf("invalid token: %q -> %q, %q -> %q", a, ta, b, tb)
		}
		if a != b && ta == tb && ta != Reserved {
			t.Fatalf("%q and %q share the token %q", a, b, ta)
		}
		if (ta == Reserved) != (len(a) > MaxTokenValue) {
			t.Fatalf("%q (%d bytes) -> %q", a, len(a), ta)
		}
	})
}

func TestTokens(t *testing.T) {
	for value, want := range map[string]string{
		"Tx":       "Tx",
		"NewBlock": "NewBlock",
		"a_b-c9":   "a_b-c9",
		"":         "~",
		"a.b":      "~YS5i",
		"*":        "~Kg",
		">":        "~Pg",
		"a b":      "~YSBi",
		"~":        "~fg",
		"é":        "~w6k",
	} {
		assert.Equal(t, want, Token(value), "%q", value)
	}
	assert.Equal(t, Reserved, Token(strings.Repeat("x", MaxTokenValue+1)))
	assert.Equal(t, strings.Repeat("x", MaxTokenValue), Token(strings.Repeat("x", MaxTokenValue)))
	assert.Equal(t, Reserved, RoutingToken(map[string][]string{"tm.event": {"Tx", "NewBlock"}}, "tm.event"))
	assert.Equal(t, Reserved, RoutingToken(map[string][]string{}, "tm.event"))
	assert.Equal(t, "Tx", RoutingToken(map[string][]string{"tm.event": {"Tx"}}, "tm.event"))
}
