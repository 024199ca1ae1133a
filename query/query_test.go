package query_test

import (
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/fastpath"
	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/query/grammar"
)

type events = map[string][]string

// keyMatch returns the key and the values matcher of q's part with Values (fastpath.Plan),
// which a query that is one condition on a key's values has.
func keyMatch(q *query.Query) (string, func([]string) bool) {
	for _, p := range fastpath.Of(q).Parts {
		if p.Values != nil {
			return p.Key, p.Values
		}
	}
	return "", nil
}

// canonicalCases are valid queries with their canonical form as the contract's "Canonical
// form" section prints it.
var canonicalCases = []struct{ in, canonical string }{
	{`tm.event = 'Tx'`, `tm.event = 'Tx'`},
	{`tm.event='Tx'AND tx.height>5`, `tm.event = 'Tx' AND tx.height > 5`},
	{`a='x'AND b=5`, `a = 'x' AND b = 5`},
	{`tx.height=5AND tm.event='Tx'`, `tx.height = 5 AND tm.event = 'Tx'`},
	{"a\t=\n'x'\u00a0AND\u3000b >= 5", `a = 'x' AND b >= 5`},
	{`a = 5.0`, `a = 5.0`},
	{`a = 5.`, `a = 5.`},
	{`a = -007.50`, `a = -007.50`},
	{`a = 'it''s'`, `a = 'it''s'`},
	{`a = ''`, `a = ''`},
	{`a CONTAINS 'x'`, `a CONTAINS 'x'`},
	{`tm EXISTS`, `tm EXISTS`},
	{"t > DATE\t 2021-11-23", `t > DATE 2021-11-23`},
	{"t <= TIME\n2021-11-23T22:04:19.5-09:00", `t <= TIME 2021-11-23T22:04:19.5-09:00`},
	{`((a = 1))`, `a = 1`},
	{`( a = 1 )`, `a = 1`},
	{`(a = 1 OR b = 2) AND c = 3`, `(a = 1 OR b = 2) AND c = 3`},
	{`a = 1 OR (b = 2 AND c = 3)`, `a = 1 OR b = 2 AND c = 3`},
	{`(a = 1 OR b = 2) OR c = 3`, `a = 1 OR b = 2 OR c = 3`},
	{`a = 1 AND (b = 2 AND c = 3)`, `a = 1 AND b = 2 AND c = 3`},
	{`NOT (a = 1 OR b = 2)`, `NOT (a = 1 OR b = 2)`},
	{`NOT (a = 1 AND b = 2)`, `NOT (a = 1 AND b = 2)`},
	{`NOT (a = 1)`, `NOT a = 1`},
	{`NOT(NOT(a EXISTS))`, `NOT NOT a EXISTS`},
	{`(NOT a = 1) AND b = 2`, `NOT a = 1 AND b = 2`},
	{`AND.x = 1 AND ANDY = 2 AND NOTE.x EXISTS`, `AND.x = 1 AND ANDY = 2 AND NOTE.x EXISTS`},
	{`ключ = 'значение'`, `ключ = 'значение'`},
}

func TestNewCanonicalForm(t *testing.T) {
	for _, tc := range canonicalCases {
		t.Run(tc.in, func(t *testing.T) {
			q, err := query.New(tc.in)
			require.NoError(t, err)
			assert.Equal(t, tc.canonical, q.String())
			assert.NoError(t, query.Validate(tc.in))
			assert.Equal(t, tc.canonical, query.MustCompile(tc.in).String())
			// The canonical form is a query with the same canonical form.
			again, err := query.New(q.String())
			require.NoError(t, err)
			assert.Equal(t, tc.canonical, again.String())
		})
	}
}

// errorCases are rejected queries with the place the contract says they went wrong: Offset
// in bytes, Line and Column (in runes) from 1. msg is the whole message where the contract
// gives it, or else words it must hold.
var errorCases = []struct {
	name                 string
	query                string
	offset, line, column int
	msg                  string // the exact message, or "" to check only contains
	contains             []string
}{
	{"spec example", `tx.height >`, 11, 1, 12,
		`unexpected end of query, expected a number, DATE or TIME after ">"`, nil},
	{"empty", ``, 0, 1, 1, "", []string{"empty query"}},
	{"blank", " \n\t", 3, 2, 2, "", []string{"empty query"}},
	{"lower-case and", `a = 1 and b = 2`, 6, 1, 7, "", []string{"AND"}},
	{"lower-case contains", `a contains 'x'`, 2, 1, 3, "", []string{"CONTAINS"}},
	{"double quotes", `a = "x"`, 4, 1, 5, "", nil},
	{"unterminated string", `a = 'x`, 4, 1, 5, "", nil},
	{"missing operand", `a = `, 4, 1, 5, "", []string{"="}},
	{"missing operator", `a 'x'`, 2, 1, 3, "", nil},
	{"missing tag", `= 'x'`, 0, 1, 1, "", nil},
	{"unclosed group", `(a = 1`, 6, 1, 7, "", []string{")"}},
	{"trailing AND", `a = 1 AND`, 9, 1, 10, "", nil},
	{"keyword as tag", `AND = 1`, 0, 1, 1, "", nil},
	{"plus sign", `a = +5`, 4, 1, 5, "", nil},
	{"exponent", `a = 1e3`, 5, 1, 6, "", nil},
	{"string operator", `a < 'x'`, 4, 1, 5,
		`operator < compares numbers, dates and times, not a string: 'x'`, nil},
	{"CONTAINS number", `a CONTAINS 5`, 11, 1, 12, `CONTAINS takes a string, not a number: 5`, nil},
	{"EXISTS operand", `a EXISTS 'x'`, 9, 1, 10, `EXISTS takes no operand, found a string 'x'`, nil},
	{"invalid date", `d = DATE 2021-02-30`, 4, 1, 5, `invalid date 2021-02-30: no such day in the calendar`, nil},
	// Offset counts bytes, Column runes: "tm.event = 'Пере'\n" is 22 bytes, "AND ключ >" 14 bytes
	// and 10 runes.
	{"multi-line end", "tm.event = 'Пере'\nAND ключ >", 36, 2, 11,
		`unexpected end of query, expected a number, DATE or TIME after ">"`, nil},
	// "ключ = 'ü' AND b < " is 19 runes and 24 bytes.
	{"non-ASCII before a compile error", `ключ = 'ü' AND b < 'x'`, 24, 1, 20,
		`operator < compares numbers, dates and times, not a string: 'x'`, nil},
	// Line 3 starts at byte 9 + 17 = 26; "\tc = " is 5 runes.
	{"third line", "a = 'é'\nOR (b = 'ü' AND\n\tc = DATE\n2021-02-30)", 31, 3, 6,
		`invalid date 2021-02-30: no such day in the calendar`, nil},
	{"too long", `a = '` + strings.Repeat("x", grammar.MaxLength) + `'`, grammar.MaxLength, 1, grammar.MaxLength + 1,
		"", []string{"too long"}},
	{"too deep", strings.Repeat("(", grammar.MaxDepth+1) + "a = 1" + strings.Repeat(")", grammar.MaxDepth+1),
		grammar.MaxDepth, 1, grammar.MaxDepth + 1, "", []string{"nested too deeply"}},
	{"too many NOT", strings.Repeat("NOT ", grammar.MaxDepth+1) + "a = 1",
		4 * grammar.MaxDepth, 1, 4*grammar.MaxDepth + 1, "", []string{"nested too deeply"}},
}

func TestNewErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := query.New(tc.query)
			require.Error(t, err)
			assert.Nil(t, q)
			var qerr *query.Error
			require.True(t, errors.As(err, &qerr), "%T is not a *query.Error", err)
			assert.Equal(t, tc.offset, qerr.Offset, "offset")
			assert.Equal(t, tc.line, qerr.Line, "line")
			assert.Equal(t, tc.column, qerr.Column, "column")
			if tc.msg != "" {
				assert.Equal(t, tc.msg, qerr.Msg)
			}
			for _, s := range tc.contains {
				assert.Contains(t, qerr.Msg, s)
			}
			assert.Equal(t, fmt.Sprintf("%d:%d: %s", tc.line, tc.column, qerr.Msg), err.Error())
			// Validate rejects it with the same error, and MustCompile panics with it.
			assert.Equal(t, err, query.Validate(tc.query))
			assert.Equal(t, err, mustCompilePanic(t, tc.query))
		})
	}
}

func TestErrorFormat(t *testing.T) {
	_, err := query.New(`tx.height >`)
	assert.EqualError(t, err, `1:12: unexpected end of query, expected a number, DATE or TIME after ">"`)
	e := &query.Error{Offset: 7, Line: 2, Column: 3, Msg: "m"}
	assert.Equal(t, "2:3: m", e.Error())
}

// mustCompilePanic returns what MustCompile(s) panics with, failing if it does not panic or
// panics with anything but a *query.Error.
func mustCompilePanic(t *testing.T, s string) (err error) {
	t.Helper()
	defer func() {
		r := recover()
		require.NotNil(t, r, "MustCompile(%q) did not panic", s)
		var ok bool
		err, ok = r.(*query.Error)
		require.True(t, ok, "MustCompile panicked with %T, not *query.Error", r)
	}()
	query.MustCompile(s)
	return nil
}

func TestMustCompileReturnsTheQueryOfNew(t *testing.T) {
	q := query.MustCompile(`tm.event='Tx'`)
	require.NotNil(t, q)
	assert.Equal(t, `tm.event = 'Tx'`, q.String())
	ok, err := q.Matches(events{"tm.event": {"Tx"}})
	assert.NoError(t, err)
	assert.True(t, ok)
}

func TestMatches(t *testing.T) {
	cases := []struct {
		query  string
		events events
		want   bool
	}{
		{`tm.event = 'Tx' AND tx.height > 5`, events{"tm.event": {"Tx"}, "tx.height": {"6"}}, true},
		{`tm.event = 'Tx' AND tx.height > 5`, events{"tm.event": {"Tx"}, "tx.height": {"5"}}, false},
		{`tx.height > 5 OR NOT tm EXISTS`, events{"a": {"x"}}, true},
		{`NOT a EXISTS`, events{"b": {"x"}}, true},
		{`NOT a EXISTS`, events{"a": {}}, false},
		{`NOT a EXISTS`, nil, false},
		{`a = 5`, events{"a": {"abc"}}, false}, // an unreadable value is no error
	}
	for _, tc := range cases {
		q, err := query.New(tc.query)
		require.NoError(t, err)
		got, err := q.Matches(tc.events)
		assert.NoError(t, err)
		assert.Equal(t, tc.want, got, "%s on %v", tc.query, tc.events)
	}
}

func TestAll(t *testing.T) {
	assert.Equal(t, "", query.All.String())
	for _, e := range []events{nil, {}, {"a": {}}, {"a": {"x"}}, {"tm.event": {"Tx"}, "b": nil}} {
		ok, err := query.All.Matches(e)
		assert.NoError(t, err)
		assert.True(t, ok, "%v", e)
	}
	// No compiled query has All's canonical form: the empty query is rejected.
	_, err := query.New(query.All.String())
	assert.Error(t, err)
}

// One *Query is used by many goroutines at once (run with -race).
func TestConcurrentMatches(t *testing.T) {
	q := query.MustCompile(`tm.event = 'Tx' AND (tx.height > 5 OR rewards EXISTS) AND NOT memo CONTAINS 'spam'`)
	sets := []struct {
		events events
		want   bool
	}{
		{events{"tm.event": {"Tx"}, "tx.height": {"6"}}, true},
		{events{"tm.event": {"Tx"}, "rewards.withdraw.amount": {"1"}}, true},
		{events{"tm.event": {"Tx"}, "tx.height": {"6"}, "memo": {"no spam"}}, false},
		{events{"tm.event": {"NewBlock"}, "tx.height": {"6"}}, false},
		{nil, false},
	}
	const goroutines, rounds = 16, 500
	var wg sync.WaitGroup
	wrong := make([]int, goroutines) // each goroutine writes only its own slot
	for g := range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				s := sets[(g+i)%len(sets)]
				if got, err := q.Matches(s.events); err != nil || got != s.want {
					wrong[g]++
				}
			}
		}()
	}
	wg.Wait()
	assert.Equal(t, make([]int, goroutines), wrong)
}

// New(q.String()) succeeds, with the same String and the same matches.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := oracle.Query().Draw(t, "query")
		q, err := query.New(text)
		require.NoError(t, err)
		again, err := query.New(q.String())
		require.NoError(t, err, "canonical form %q", q.String())
		require.Equal(t, q.String(), again.String())
		for range 4 {
			e := oracle.Events().Draw(t, "events")
			want, err := q.Matches(e)
			require.NoError(t, err)
			got, err := again.Matches(e)
			require.NoError(t, err)
			require.Equal(t, want, got, "%q and %q on %v", text, q.String(), e)
		}
	})
}

// New's queries match as the reference evaluator says.
func TestNewAgreesWithOracle(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := oracle.Query().Draw(t, "query")
		q, err := query.New(text)
		require.NoError(t, err)
		ast, err := grammar.Parse(text)
		require.NoError(t, err)
		for range 4 {
			e := oracle.Events().Draw(t, "events")
			got, err := q.Matches(e)
			require.NoError(t, err)
			require.Equal(t, oracle.Eval(ast, e), got, "%q on %v", text, e)
		}
	})
}

// Validate and New accept and reject the same texts, with the same error, and every error is
// a *query.Error whose position lies in the query and agrees with its Offset.
func TestValidateAgreesWithNew(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text := oracle.Query().Draw(t, "query")
		switch rapid.IntRange(0, 3).Draw(t, "mutation") {
		case 1: // cut
			text = text[:rapid.IntRange(0, len(text)).Draw(t, "cut")]
		case 2: // insert a token or a character
			at := rapid.IntRange(0, len(text)).Draw(t, "at")
			ins := rapid.OneOf(
				rapid.SampledFrom([]string{"(", ")", "'", "NOT", " AND ", " OR ", "=", "<", "5", "DATE", "\"", "\n", "é", "and"}),
				rapid.StringN(1, 1, -1),
			).Draw(t, "insert")
			text = text[:at] + ins + text[at:]
		case 3:
			text = rapid.String().Draw(t, "any")
		}
		q, err := query.New(text)
		verr := query.Validate(text)
		if err == nil {
			require.NotNil(t, q)
			require.NoError(t, verr)
			return
		}
		require.Nil(t, q)
		require.Equal(t, err, verr)
		var qerr *query.Error
		require.True(t, errors.As(err, &qerr), "%T", err)
		require.GreaterOrEqual(t, qerr.Offset, 0)
		require.LessOrEqual(t, qerr.Offset, len(text))
		before := text[:qerr.Offset]
		line := 1 + strings.Count(before, "\n")
		column := 1 + utf8.RuneCountInString(before[strings.LastIndex(before, "\n")+1:])
		require.Equal(t, line, qerr.Line, "line of offset %d in %q", qerr.Offset, text)
		require.Equal(t, column, qerr.Column, "column of offset %d in %q", qerr.Offset, text)
		require.NotEmpty(t, qerr.Msg)
	})
}

// The values matcher (see keyMatch), given the values of its key, agrees with Matches on every event set;
// only single conditions other than EXISTS have one. Which queries those are the test knows
// by construction (keyMatchQuery), not by reading the query back.
func TestValuesMatcherAgreesWithMatches(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		text, tag, single := keyMatchQuery(t)
		q, err := query.New(text)
		require.NoError(t, err, "%q", text)
		key, match := keyMatch(q)
		if !single {
			require.Nil(t, match, "%q is not one condition on a key's values", text)
			require.Empty(t, key, "%q", text)
			return
		}
		require.NotNil(t, match, "%q", text)
		require.Equal(t, tag, key, "%q", text)
		for range 4 {
			e := oracle.Events().Draw(t, "events")
			want, err := q.Matches(e)
			require.NoError(t, err)
			require.Equal(t, want, match(e[key]), "%q on %v", text, e)
		}
	})
}

// keyMatchQuery draws a query text and says how it was built: single is true, with the
// condition's tag, for one condition other than EXISTS, written from its parts (tag,
// operator, operand) in zero to three pairs of parentheses; single is false for an EXISTS
// condition built the same way and for any query built with NOT, AND or OR at its top (over
// generated queries, conditions or parenthesized conditions), itself maybe parenthesized.
func keyMatchQuery(t *rapid.T) (text, tag string, single bool) {
	sp := func(label string) string {
		return rapid.SampledFrom([]string{" ", " ", "  ", "\t", "\n", "\u00a0"}).Draw(t, label)
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	parens := func(s string) string {
		n := rapid.IntRange(0, 3).Draw(t, "parens")
		return strings.Repeat("(", n) + s + strings.Repeat(")", n)
	}
	condition := func() (text, tag, op string) {
		tag = rapid.SampledFrom(oracle.Tags).Draw(t, "tag")
		op = rapid.SampledFrom([]string{"=", "<", "<=", ">", ">=", "CONTAINS", "EXISTS"}).Draw(t, "op")
		var operand string
		kinds := []string{"number", "date", "time"}
		switch op {
		case "EXISTS":
			return tag + sp("space") + op, tag, op
		case "CONTAINS":
			kinds = []string{"string"}
		case "=":
			kinds = append(kinds, "string")
		}
		switch rapid.SampledFrom(kinds).Draw(t, "kind") {
		case "string":
			operand = quote(oracle.String().Draw(t, "string"))
		case "number":
			operand = oracle.Number().Draw(t, "number")
		case "date":
			operand = "DATE" + sp("space") + oracle.Date().Draw(t, "date")
		default:
			operand = "TIME" + sp("space") + oracle.Time().Draw(t, "time")
		}
		return tag + sp("space") + op + sp("space") + operand, tag, op
	}
	if rapid.Bool().Draw(t, "single") {
		cond, tag, op := condition()
		return parens(cond), tag, op != "EXISTS"
	}
	part := func() string {
		switch rapid.IntRange(0, 2).Draw(t, "part") {
		case 0:
			return oracle.Query().Draw(t, "query")
		case 1:
			return oracle.Condition().Draw(t, "condition")
		}
		cond, _, _ := condition()
		return parens(cond)
	}
	switch rapid.IntRange(0, 3).Draw(t, "compound") {
	case 0:
		text = "NOT" + sp("space") + part()
	case 1:
		text = "NOT" + sp("space") + "(" + part() + ")"
	case 2:
		text = part() + sp("space") + "AND" + sp("space") + part()
	default:
		text = part() + sp("space") + "OR" + sp("space") + part()
	}
	return parens(text), "", false
}

func TestValuesMatcher(t *testing.T) {
	for text, want := range map[string]string{
		"tx.height > 5":                 "tx.height",
		"((a.b CONTAINS 'x'))":          "a.b",
		"t = TIME 2021-11-23T22:04:19Z": "t",
		"a = 'x' AND b = 'y'":           "",
		"a = 'x' OR a = 'y'":            "",
		"NOT a > 1":                     "",
		"a EXISTS":                      "",
	} {
		key, match := keyMatch(query.MustCompile(text))
		assert.Equal(t, want, key, text)
		assert.Equal(t, want != "", match != nil, text)
	}
	key, match := keyMatch(query.All)
	assert.Empty(t, key)
	assert.Nil(t, match)
	_, match = keyMatch(query.MustCompile("tx.height > 99"))
	assert.True(t, match([]string{"7", "100stake"}))
	assert.False(t, match([]string{"99", "abc"}))
	assert.False(t, match(nil))
}

// Every part of a query (fastpath.Plan.Parts), given the values of its key, agrees with
// Matches on every event set. Conjunctions of string equalities, the shape that has
// Splits, are drawn on purpose, with tags repeated and values near the wanted ones.
func TestPartsAgreeWithMatches(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var text string
		if rapid.Bool().Draw(t, "equalities") {
			n := rapid.IntRange(2, 4).Draw(t, "n")
			conds := make([]string, n)
			for i := range conds {
				tag := rapid.SampledFrom(oracle.Tags[:3]).Draw(t, "tag")
				want := rapid.SampledFrom([]string{"x", "y", "", "it's", strings.Repeat("w", 40)}).Draw(t, "want")
				conds[i] = tag + " = '" + strings.ReplaceAll(want, "'", "''") + "'"
			}
			text = strings.Join(conds, " AND ")
		} else {
			text = oracle.Query().Draw(t, "query")
		}
		q, err := query.New(text)
		require.NoError(t, err, "%q", text)
		parts := fastpath.Of(q).Parts
		for range 8 {
			e := oracle.Events().Draw(t, "events")
			if rapid.Bool().Draw(t, "near") { // values that the conditions test
				e = maps.Clone(e)
				if e == nil {
					e = events{}
				}
				for _, tag := range oracle.Tags[:3] {
					e[tag] = rapid.SliceOfN(rapid.SampledFrom([]string{"x", "y", "", "it's", "z"}), 0, 3).Draw(t, tag)
				}
			}
			want, err := q.Matches(e)
			require.NoError(t, err)
			for _, p := range parts {
				var got bool
				if p.Values != nil {
					got = p.Values(e[p.Key])
				} else {
					got = p.Split(e[p.Key], e)
				}
				require.Equal(t, want, got, "%q split at %s, on %v", text, p.Key, e)
			}
		}
	})
}

// The keys a query is split at: a single condition's (other than EXISTS), and each tag of
// a conjunction of string equalities, once, as long as its strings fit in a closure's block.
func TestPartKeys(t *testing.T) {
	long := strings.Repeat("v", 120)
	for text, want := range map[string][]string{
		"tm.event = 'Tx' AND transfer.recipient = 'a'": {"tm.event", "transfer.recipient"},
		"(a = 'x' AND b = 'y' AND a = 'z')":            {"a", "b"},
		"tx.height > 5":                                {"tx.height"},
		"a = 'x' AND b > 5":                            nil,
		"a = 'x' AND b = '" + long + "'":               nil,
		"a = 'x' AND (b = 'y')":                        nil,
		"a = 'x' OR b = 'y'":                           nil,
		"NOT (a = 'x' AND b = 'y')":                    nil,
		"a EXISTS":                                     nil,
	} {
		var keys []string
		for _, p := range fastpath.Of(query.MustCompile(text)).Parts {
			keys = append(keys, p.Key)
		}
		assert.Equal(t, want, keys, text)
	}
	assert.Empty(t, fastpath.Of(query.All).Parts)
}

// The values matcher (see keyMatch) of a CONTAINS condition is a substring test on each value, as the
// contract's "String" rule says: the needle may stand anywhere in a value, any value of the
// key may hold it, the empty needle is in every value, and bytes are compared, not runes
// or letters.
func TestValuesMatcherContains(t *testing.T) {
	for _, tc := range []struct {
		needle string
		values []string
		want   bool
	}{
		{"ell", []string{"hello"}, true},   // in the middle
		{"llo", []string{"hello"}, true},   // at the end
		{"o", []string{"hello"}, true},     // the last byte
		{"hel", []string{"hello"}, true},   // at the start
		{"hello", []string{"hello"}, true}, // the whole value
		{"xyz", []string{"hello"}, false},
		{"hello!", []string{"hello"}, false}, // longer than the value
		{"olleh", []string{"hello"}, false},
		{"Ell", []string{"hello"}, false},     // case matters
		{"ell", []string{"he", "llo"}, false}, // not across values
		{"ell", nil, false},
		{"ell", []string{}, false},
		{"", []string{"hello"}, true},
		{"", []string{""}, true},
		{"", []string{"x", ""}, true},
		{"", nil, false}, // no value to hold it
		{"x", []string{""}, false},
		{"amount", []string{"100stake", "denom", "the amount", "z"}, true}, // only a later value, at its end
		{"mid", []string{"abc", "xyz", "a mid b"}, true},                   // only the last, in its middle
		{"mid", []string{"abc", "xyz", "a mi d"}, false},
		{"é", []string{"café"}, true},
		{"日本", []string{"こんにちは日本語"}, true},
		{"本語", []string{"日本", "語", "日本語"}, true},
		{"e", []string{"é"}, false},                   // é is one code point, no e in its bytes
		{"\u0301", []string{"he\u0301llo"}, true},     // a combining accent inside a value
		{"it's", []string{"no", "say it's so"}, true}, // a quote, doubled in the query
		{"a\nb", []string{"xa\nby"}, true},
		{"'", []string{"it's"}, true},
	} {
		text := "a.b CONTAINS '" + strings.ReplaceAll(tc.needle, "'", "''") + "'"
		q, err := query.New(text)
		require.NoError(t, err, text)
		key, match := keyMatch(q)
		require.NotNil(t, match, text)
		assert.Equal(t, "a.b", key, text)
		assert.Equal(t, tc.want, match(tc.values), "%s on %q", text, tc.values)
		got, err := q.Matches(events{"a.b": tc.values, "other": {tc.needle}})
		assert.NoError(t, err)
		assert.Equal(t, tc.want, got, "Matches: %s on %q", text, tc.values)
	}
}

// A nil *Query is All: CometBFT's query.All is a nil *Query, and code written for it passes
// one where a query is expected.
func TestNilQueryIsAll(t *testing.T) {
	var q *query.Query
	assert.Equal(t, query.All.String(), q.String())
	for _, e := range []events{nil, {}, {"a": {"x"}}} {
		ok, err := q.Matches(e)
		assert.NoError(t, err)
		assert.True(t, ok, "%v", e)
		assert.True(t, fastpath.Of(q).Match(e), "%v", e)
	}
	assert.Nil(t, q.IndexTerms())
	key, match := keyMatch(q)
	assert.Empty(t, key)
	assert.Nil(t, match)
}
