package compile_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/oracle"
	_ "github.com/querybus/querybus/query/compile" // sets plan.Anchors
	"github.com/querybus/querybus/query/grammar"
	"github.com/querybus/querybus/query/internal/plan"
)

func anchorsOf(t *testing.T, s string) [][]plan.Term {
	t.Helper()
	ast, err := grammar.Parse(s)
	require.NoError(t, err)
	return plan.Anchors(ast)
}

func TestAnchors(t *testing.T) {
	eq := func(k, v string) plan.Term { return plan.Term{Key: k, Value: v} }
	key := func(k string) plan.Term { return plan.Term{Key: k, AnyValue: true} }
	for _, tc := range []struct {
		query string
		want  [][]plan.Term
	}{
		{`a = 'x'`, [][]plan.Term{{eq("a", "x")}}},
		{`a = ''`, [][]plan.Term{{eq("a", "")}}},
		{`a = 5`, [][]plan.Term{{key("a")}}},
		{`a > DATE 2021-01-01`, [][]plan.Term{{key("a")}}},
		{`a CONTAINS 'x'`, [][]plan.Term{{key("a")}}},
		{`a EXISTS`, nil},
		{`NOT a = 'x'`, nil},
		{`transfer.recipient = 'addr1' AND tm.event = 'Tx'`,
			[][]plan.Term{{eq("transfer.recipient", "addr1")}, {eq("tm.event", "Tx")}}},
		{`a EXISTS AND b = 'y'`, [][]plan.Term{{eq("b", "y")}}},
		{`a = 'x' OR b = 'y'`, [][]plan.Term{{eq("a", "x"), eq("b", "y")}}},
		{`a = 'x' OR b EXISTS`, nil},
		{`(a = 'x' AND c > 1) OR b = 'y'`, [][]plan.Term{{eq("a", "x"), eq("b", "y")}}},
		{`(c > 1 AND a = 'x') OR b > 2`, [][]plan.Term{{eq("a", "x"), key("b")}}},
		{`NOT a = 'x' AND b = 'y'`, [][]plan.Term{{eq("b", "y")}}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			assert.Equal(t, tc.want, anchorsOf(t, tc.query))
		})
	}
}

func TestAnchorsBounded(t *testing.T) {
	q := `a1 = '1' AND a2 = '2' AND a3 = '3' AND a4 = '4' AND a5 = '5' AND a6 = '6' AND a7 = '7' AND a8 = '8' AND a9 = '9' AND a10 = '10'`
	assert.Len(t, anchorsOf(t, q), 8)
}

// holds reports whether a term holds in an event set.
func holds(term plan.Term, events map[string][]string) bool {
	for _, v := range events[term.Key] {
		if term.AnyValue || v == term.Value {
			return true
		}
	}
	return false
}

// TestAnchorsSound checks the promise an index relies on: whenever a query matches, every
// alternative set of its anchors has a term that holds.
func TestAnchorsSound(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := oracle.Query().Draw(t, "query")
		events := oracle.Events().Draw(t, "events")
		ast, err := grammar.Parse(text)
		require.NoError(t, err)
		if !oracle.Eval(ast, events) {
			return
		}
		for i, set := range plan.Anchors(ast) {
			found := false
			for _, term := range set {
				found = found || holds(term, events)
			}
			if !found {
				t.Fatalf("query %q matches %v but no term of alternative %d (%v) holds", text, events, i, set)
			}
		}
	})
}
