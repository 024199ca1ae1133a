package fuzz

import (
	"strings"
	"testing"

	"github.com/querybus/querybus/query"
)

// queryCase is a query of the seed corpus and whether the language accepts it.
type queryCase struct {
	q     string
	valid bool
}

// queryCases is the one table of queries that seeds FuzzParse and FuzzMatch. It covers each
// lexical rule, each production of the grammar, each operator/operand pairing, the limits,
// and every example of the specification (shared/spec/query-language.md).
var queryCases = []queryCase{
	// The examples of the specification.
	{`tm.event = 'Tx' AND tx.height > 5`, true},
	{`a='x'AND b=5`, true},
	{`tx.height=5AND tm.event='Tx'`, true},
	{`a = 1 and b = 2`, false},
	{`a contains 'x'`, false},
	{`AND.x = 1`, true},
	{`ANDY = 1`, true},
	{`NOTE.x EXISTS`, true},
	{`tm.event EXISTS`, true},
	{`tm EXISTS`, true},
	{`rewards EXISTS`, true},
	{`tm.ev EXISTS`, true},
	{`rewards.withdraw.amount > 0`, true},
	{`coin_received.receiver = 'cosmos1'`, true},
	{`wasm._contract_address EXISTS`, true},
	{`a = 'it''s'`, true},
	{`a = 5.`, true},
	{`a = 5.0`, true},
	{`a = 005`, true},
	{`a = -0`, true},
	{`a > 99999999999999999999.0000000000000000000000000000000000001`, true},
	{`a = DATE 2021-02-30`, false},
	{`a = TIME 2021-11-23T22:04:19Z`, true},
	{`a < TIME 2021-11-23T22:04:19.5-09:00`, true},
	{`a = TIME 2021-11-23T23:04:19+01:00`, true},
	{`a < 'x'`, false},
	{`a CONTAINS 5`, false},
	{`a EXISTS 'x'`, false},
	{`(a = 1 OR b = 2) AND c = 3`, true},
	{`NOT (a = 1 OR b = 2)`, true},
	{`a = 1 OR b = 2 AND c = 3`, true},
	{`a > 5 AND a < 3`, true},
	{`NOT a EXISTS`, true},
	{`a CONTAINS ''`, true},
	{`tx.height >`, false},
	{`tm.event = 'Tx' AND transfer.amount > 1000`, true},
	{`tx.height >= 5 AND (rewards EXISTS OR NOT tm.event = 'NewBlock')`, true},
	{`block.time > TIME 2021-11-23T22:04:19Z AND memo CONTAINS 'airdrop'`, true},
	{``, false},

	// White space: any Unicode space separates tokens.
	{"a\t=\n'x'", true},
	{"a\r\n=\r\n1", true},
	{"a\u00a0=\u00a01", true},
	{"a\u2003=\u30001", true},
	{"a\u0085=\u20281", true},
	{"a\v=\f1", true},
	{" \t\n ", false},
	{"\u00a0", false},
	{"a = 1\n AND\n  b = 2", true},
	{"a = 1\nAND\nb <", false},
	{"a = 1 AND\n  bé ? 'x'", false},

	// Keywords: upper case, whole words.
	{`a = 1 AND b = 2`, true},
	{`a = 1 OR b = 2`, true},
	{`a = 1 or b = 2`, false},
	{`not a = 1`, false},
	{`a exists`, false},
	{`a = date 2021-01-01`, false},
	{`a = time 2021-01-01T00:00:00Z`, false},
	{`a Contains 'x'`, false},
	{`AND = 1`, false},
	{`OR EXISTS`, false},
	{`NOT = 1`, false},
	{`EXISTS EXISTS`, false},
	{`DATE = 1`, false},
	{`TIME EXISTS`, false},
	{`CONTAINS CONTAINS 'x'`, false},
	{`ORx = 1 AND ANDx = 2`, true},
	{`a.AND = 1`, true},
	{`a = 1 ANDb = 2`, false},
	{`a = 1 AND AND b = 2`, false},

	// Tags.
	{`_ EXISTS`, true},
	{`bé.ñ = 'x'`, true},
	{`日本.語 = 'x'`, true},
	{`a1.b-2_c EXISTS`, true},
	{`a- EXISTS`, true},
	{`a.. EXISTS`, true},
	{`1a EXISTS`, false},
	{`.a EXISTS`, false},
	{`-a EXISTS`, false},
	{`a$ EXISTS`, false},
	{"a\x00 EXISTS", false},
	{"\xff EXISTS", false},
	{"a\xff EXISTS", false},
	{"a = 1 \U0001F600", false},
	{`a٣ = 1`, true},

	// Strings.
	{`a = ''`, true},
	{`a = ''''`, true},
	{`a = 'x''y''z'`, true},
	{`a = 'back\slash'`, true},
	{"a = 'new\nline'", true},
	{`a = 'unterminated`, false},
	{`a = 'x''`, false},
	{`a = "x"`, false},
	{`a = 'x' 'y'`, false},
	{"a = '\xff'", true},
	{`a = 'é'`, true},
	{`a CONTAINS 'x'`, true},

	// Numbers.
	{`a = 5`, true},
	{`a = -5`, true},
	{`a = -5.25`, true},
	{`a = 0.0`, true},
	{`a=-1`, true},
	{`a = .5`, false},
	{`a = +5`, false},
	{`a = 1e3`, false},
	{`a = 1.2.3`, false},
	{`a = --5`, false},
	{`a = -`, false},
	{`a = 5-3`, false},
	{`a = 123456789012345678901234567890.123456789012345678901234567890`, true},
	{`a < 1`, true},
	{`a <= 1`, true},
	{`a > 1`, true},
	{`a >= 1`, true},
	{`a => 1`, false},
	{`a =< 1`, false},
	{`a == 1`, false},
	{`a != 1`, false},
	{`a < > 1`, false},

	// Dates and times.
	{`a = DATE 2021-11-23`, true},
	{`a < DATE 2020-02-29`, true},
	{`a < DATE 2021-02-29`, false},
	{`a < DATE 2000-02-29`, true},
	{`a < DATE 1900-02-29`, false},
	{`a >= DATE 0000-01-01`, true},
	{`a <= DATE 9999-12-31`, true},
	{`a = DATE 2021-13-01`, false},
	{`a = DATE 2021-00-10`, false},
	{`a = DATE 2021-01-00`, false},
	{`a = DATE 2021-1-1`, false},
	{`a = DATE 2021-11-23T22:04:19Z`, false},
	{`a = TIME 2021-11-23`, false},
	{`a = TIME 2021-11-23T22:04:19`, false},
	{`a = TIME 2021-11-23T24:00:00Z`, false},
	{`a = TIME 2021-11-23T23:60:00Z`, false},
	{`a = TIME 2021-11-23T23:59:60Z`, false},
	{`a = TIME 2021-11-23T22:04:19+24:00`, false},
	{`a = TIME 2021-11-23T22:04:19+01:60`, false},
	{`a = TIME 2021-11-23T22:04:19-00:00`, true},
	{`a = TIME 2021-11-23T22:04:19.123456789123Z`, true},
	{`a = TIME 2021-11-23T22:04:19.Z`, false},
	{`a = TIME 2021-11-23T22:04:19,5Z`, false},
	{`a = TIME 2021-11-23t22:04:19Z`, false},
	{`a = TIME 2021-11-23T22:04:19z`, false},
	{`a = TIME 2021-11-23T2:04:19Z`, false},
	{"a = DATE\n\t2021-11-23", true},
	{"a = TIME\u00a02021-11-23T22:04:19Z", true},
	{`a = DATE2021-11-23`, false},
	{`a = 2021-11-23`, false},
	{`a = 2021-11-23T22:04:19Z`, false},
	{`a = DATE`, false},
	{`a = TIME`, false},
	{`a = DATE 'x'`, false},
	{`a CONTAINS DATE 2021-01-01`, false},
	{`a EXISTS DATE 2021-01-01`, false},
	{`a < TIME 2021-11-23T22:04:19Z AND a > DATE 2021-11-23`, true},

	// Operator and operand pairings.
	{`a = 'x'`, true},
	{`a <= 'x'`, false},
	{`a > 'x'`, false},
	{`a >= 'x'`, false},
	{`a CONTAINS 1.5`, false},
	{`a CONTAINS TIME 2021-11-23T22:04:19Z`, false},
	{`a EXISTS 5`, false},
	{`a EXISTS TIME 2021-11-23T22:04:19Z`, false},
	{`a CONTAINS`, false},
	{`a =`, false},
	{`a`, false},
	{`a EXISTS AND`, false},
	{`a 'x'`, false},
	{`'x' = a`, false},
	{`5 = a`, false},

	// Boolean structure and parentheses.
	{`NOT NOT a = 1`, true},
	{`NOT (NOT (a = 1))`, true},
	{`((a = 1))`, true},
	{`(a = 1) AND (b = 2)`, true},
	{`(a = 1 AND b = 2) OR c = 3`, true},
	{`a = 1 AND (b = 2 OR c = 3) AND NOT d EXISTS`, true},
	{`NOT a = 1 AND b = 2 OR NOT (c = 3 AND d = 4)`, true},
	{`(a = 1 OR b = 2) OR (c = 3 OR d = 4)`, true},
	{`a = 1 OR (b = 2 AND c = 3)`, true},
	{`NOT (a = 1 AND b = 2) AND c = 3`, true},
	{`()`, false},
	{`(a = 1`, false},
	{`a = 1)`, false},
	{`(a = 1))`, false},
	{`)a = 1(`, false},
	{`NOT`, false},
	{`a = 1 NOT b = 2`, false},
	{`a = 1 AND`, false},
	{`OR a = 1`, false},
	{`a = 1 OR OR b = 2`, false},
	{`(a = 1 AND) b = 2`, false},
	{`a = 1 b = 2`, false},

	// Limits.
	{strings.Repeat("(", 64) + "a = 1" + strings.Repeat(")", 64), true},
	{strings.Repeat("(", 65) + "a = 1" + strings.Repeat(")", 65), false},
	{strings.Repeat("NOT ", 64) + "a = 1", true},
	{strings.Repeat("NOT ", 65) + "a = 1", false},
	{strings.Repeat("NOT (", 32) + "a = 1" + strings.Repeat(")", 32), true},
	{strings.Repeat("NOT (", 33) + "a = 1" + strings.Repeat(")", 33), false},
	{strings.Repeat("(", 100000), false},
	{strings.Repeat("a = 1 AND ", 1600) + "a = 1", true},
	{strings.Repeat("a = 1 AND ", 1700) + "a = 1", false},
	{"a = '" + strings.Repeat("x", 16<<10) + "'", false},
	{"a = 'x" + strings.Repeat("é", 8190) + "'", false},
	{"a = '" + strings.Repeat("x", 16<<10-6) + "'", true},
}

// TestQueryCases pins the validity of every query of the seed table, so that a table entry
// that no longer says what it meant to is noticed, and checks on each the properties of
// FuzzParse, the long queries that are not seeds included.
func TestQueryCases(t *testing.T) {
	for _, c := range queryCases {
		_, err := query.New(c.q)
		if got := err == nil; got != c.valid {
			t.Errorf("New(%.60q): valid = %v, want %v (err: %v)", c.q, got, c.valid, err)
		}
		t.Run("", func(t *testing.T) { checkQuery(t, c.q) })
	}
}
