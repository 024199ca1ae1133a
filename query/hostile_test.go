package query_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/query/grammar"
)

// fill repeats unit, joined by sep, as many times as fit in MaxLength bytes.
func fill(unit, sep string) string {
	n := (grammar.MaxLength + len(sep)) / (len(unit) + len(sep))
	return strings.Repeat(unit+sep, n-1) + unit
}

// hostileCases are the most expensive texts near the length limit that we know of, each
// accepted or rejected as valid says: long chains of each operator, the deepest nesting
// repeated, the longest literals and tags, and errors at the start of a long text and at
// its end. A server that takes queries from the network spends at most this much on one.
var hostileCases = []struct {
	name  string
	text  string
	valid bool
}{
	{"or-chain", fill("a = 1", " OR "), true},
	{"or-chain-canonical-too-long", fill("a=1", " OR "), false},
	{"and-chain", fill("a = 1", " AND "), true},
	{"and-of-ors", fill("(a = 1 OR b = 'x')", " AND "), true},
	{"mixed-operands", fill("a >= 1.5 OR b < DATE 2021-01-01 OR c CONTAINS 'x' OR d EXISTS OR e < TIME 2021-11-23T22:04:19Z", " OR "), true},
	{"nested-repeated", fill(strings.Repeat("(", grammar.MaxDepth)+"a = 1"+strings.Repeat(")", grammar.MaxDepth), " OR "), true},
	{"not-repeated", fill(strings.Repeat("NOT ", grammar.MaxDepth)+"a = 1", " OR "), true},
	{"long-string", "a = '" + strings.Repeat("x'' ", (grammar.MaxLength-8)/4) + "'", true},
	{"long-number", "a > " + strings.Repeat("9", grammar.MaxLength-5), true},
	{"long-tag", strings.Repeat("t", grammar.MaxLength-9) + " EXISTS", true},
	{"unicode-string", "a = '" + strings.Repeat("é", (grammar.MaxLength-8)/2) + "'", true},
	{"error-at-start", "a = OR " + fill("a=1", " OR ")[:grammar.MaxLength-7], false},
	{"error-at-end", fill("a=1", " OR ")[:grammar.MaxLength-4] + " OR", false},
	{"compile-error-at-end", fill("a=1", " OR ")[:grammar.MaxLength-12] + " OR a < 'x'", false},
	{"unterminated-string", "a = 1 OR b = '" + strings.Repeat("x", grammar.MaxLength-20), false},
	{"too-long", fill("a=1", " OR ") + " OR a=1", false},
}

func TestHostileCases(t *testing.T) {
	for _, hc := range hostileCases {
		assert.LessOrEqual(t, len(hc.text), grammar.MaxLength+8, hc.name)
		q, err := query.New(hc.text)
		assert.Equal(t, hc.valid, err == nil, "%s: %v", hc.name, err)
		if err == nil {
			_, err := query.New(q.String())
			assert.NoError(t, err, "%s: the canonical form must be accepted", hc.name)
		}
	}
}

// BenchmarkNewHostile measures New on the hostile cases: each must take at most 5 ms.
func BenchmarkNewHostile(b *testing.B) {
	for _, hc := range hostileCases {
		b.Run(hc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(hc.text)))
			for i := 0; i < b.N; i++ {
				q, err := query.New(hc.text)
				if (err == nil) != hc.valid {
					b.Fatalf("New: %v", err)
				}
				sinkQuery = q
			}
		})
	}
}
