package cometbft

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// check fails t on a divergence Compare cannot name, and counts the named ones.
func check(t interface {
	Helper()
	Fatalf(string, ...any)
}, text string, events map[string][]string) {
	t.Helper()
	d := Compare(text, events)
	if d == nil {
		return
	}
	if !d.Explained() {
		t.Fatalf("unclassified divergence: %v", d)
	}
	count(d.Kinds)
}

var (
	tableMu sync.Mutex
	table   = map[string]int{}
)

// count adds kinds to the table, and to the DIVERGENCES file if one is set.
func count(kinds []string) {
	tableMu.Lock()
	defer tableMu.Unlock()
	for _, k := range kinds {
		table[k]++
	}
	if path := os.Getenv("DIVERGENCES"); path != "" {
		f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, strings.Join(kinds, "\n"))
			f.Close()
		}
	}
}

func logTable(t *testing.T) {
	tableMu.Lock()
	defer tableMu.Unlock()
	var names []string
	for k := range table {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		t.Logf("%7d  %s", table[k], k)
	}
}

// TestDifferential: generated queries and event sets, in every make test.
func TestDifferential(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text, events := genCase(t)
		check(t, text, events)
	})
	logTable(t)
}

// FuzzDifferential: the same, with the fuzzer choosing the draws, and sometimes changing a
// byte of the query to probe what each accepts.
func FuzzDifferential(f *testing.F) {
	f.Fuzz(rapid.MakeFuzz(func(t *rapid.T) {
		text, events := genCase(t)
		if rapid.IntRange(0, 7).Draw(t, "mutate") == 0 && len(text) > 0 {
			i := rapid.IntRange(0, len(text)-1).Draw(t, "at")
			b := rapid.SampledFrom([]byte("-.0159 '()=<>ADENOTRSX\t")).Draw(t, "byte")
			text = text[:i] + string(b) + text[i+1:]
		}
		check(t, text, events)
	}))
}

// Every name of the classifier has an example, which also shows the difference in
// MIGRATING.md: the two disagree on it, and the classifier gives that name.
func TestEveryDivergenceHasAnExample(t *testing.T) {
	type events = map[string][]string
	examples := []struct {
		kind   string
		query  string
		events events
	}{
		{NegativeOperand, "a.b > -5", nil},
		{OrNotParentheses, "(a.b > 5)", nil},
		{OrNotParentheses, "a.b > 5 OR a.b < 1", nil},
		{OrNotParentheses, "NOT a.b > 5", nil},
		{YearRange, "a.b > DATE 1899-12-31", nil},
		{QuoteInString, "a.b = 'it''s'", nil},
		{UnterminatedTail, "a.b <= 6'70", nil},
		{UnterminatedTail, "a.b = 5 AND c.d > 1 'x AND", nil},
		{UnterminatedTail, "a.b = 'x AND c.d = ''", nil}, // querybus reads '' as a quote inside the string
		{BlankAfterDateTime, "a.b > DATE  2021-01-01", nil},
		{DotlessKey, "height = 5", events{"height": {"5"}}},
		{TagIsEventType, "a.b = ''", events{"a.b.c": {"x"}}},
		{TagIsEventType, "a.b EXISTS", events{"a.b.c": {}}},
		{ExistsDeeper, "a EXISTS", events{"a.b.c": {"x"}}},
		{NegativeValue, "a.b < 0", events{"a.b": {"-5"}}},
		{FloatPrecision, "a.b = 1", events{"a.b": {"1.000000000000000000000000000000000000000001"}}},
		{InstantFormat, "a.b = DATE 2021-01-01", events{"a.b": {"2021-01-01T00:00:00Z"}}},
		{InstantFormat, "a.b < TIME 2021-01-01T00:00:00Z", events{"a.b": {"2020-12-31"}}},
	}
	named := map[string]bool{}
	for _, e := range examples {
		d := Compare(e.query, e.events)
		require.NotNil(t, d, "%q on %v: the two agree", e.query, e.events)
		assert.Equal(t, []string{e.kind}, d.Kinds, "%v", d)
		named[e.kind] = true
	}
	for _, k := range []string{NegativeOperand, OrNotParentheses, YearRange, QuoteInString, UnterminatedTail, BlankAfterDateTime,
		DotlessKey, TagIsEventType, ExistsDeeper, NegativeValue, FloatPrecision, InstantFormat} {
		assert.True(t, named[k], "no example of %q", k)
	}
	// Agreement is no divergence.
	assert.Nil(t, Compare("tm.event = 'Tx' AND tx.height > 5", events{"tm.event": {"Tx"}, "tx.height": {"6"}}))
}
