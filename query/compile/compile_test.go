package compile_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/query/compile"
	"github.com/querybus/querybus/query/grammar"
)

type events = map[string][]string

// matchCase is one row of the matching table: the answer the contract
// (README, "The query language", "Matching") gives for a query on an event set.
type matchCase struct {
	query  string
	events events
	want   bool
}

// matchCases holds every matching rule of the contract, its examples and its edges. Each
// row is checked against the compiled closures and against the reference evaluator.
var matchCases = []matchCase{
	// String =: byte-wise equality with some value of the key.
	{`a = 'x'`, events{"a": {"x"}}, true},
	{`a = 'x'`, events{"a": {"X"}}, false},
	{`a = 'x'`, events{"a": {"x "}}, false},
	{`a = 'x'`, events{"a": {"y", "x"}}, true},
	{`a = 'x'`, events{"a": {"y", "z"}}, false},
	{`a = 'x'`, events{"b": {"x"}}, false},
	{`a = 'x'`, events{"a.b": {"x"}}, false},
	{`a = ''`, events{"a": {""}}, true},
	{`a = ''`, events{"a": {"x"}}, false},
	{`a = 'it''s'`, events{"a": {"it's"}}, true},
	{`a = 'it''s'`, events{"a": {"it''s"}}, false},
	{`a = 'a\nb'`, events{"a": {`a\nb`}}, true},
	{`a = 'a\nb'`, events{"a": {"a\nb"}}, false},
	{"a = 'two\nlines'", events{"a": {"two\nlines"}}, true},
	{`a = 'héllo'`, events{"a": {"héllo"}}, true},
	{`a = 'héllo'`, events{"a": {"he\u0301llo"}}, false}, // same text, other bytes
	{`a = '5'`, events{"a": {"5.0"}}, false},             // a string operand compares strings
	{`a = '5'`, events{"a": {"5"}}, true},
	{`ключ = 'значение'`, events{"ключ": {"значение"}}, true},
	{`tm.events.type='NewBlock' AND abci.account.name='Igor'`,
		events{"tm.events.index": {"25"}, "tm.events.type": {"NewBlock"}, "abci.account.name": {"Anya", "Igor"}}, true},
	{`tm.events.type='NewBlock' AND abci.account.name='Igor'`,
		events{"tm.events.index": {"25"}, "tm.events.type": {"NewBlock"}, "abci.account.name": {"Anya"}}, false},
	{`a='x'AND b=5`, events{"a": {"x"}, "b": {"5"}}, true},
	{`tm.event = 'Tx' AND transfer.recipient = 'cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g7'`,
		events{"tm.event": {"Tx"}, "transfer.recipient": {"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g7"}}, true},
	{`tm.event = 'Tx' AND transfer.recipient = 'cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g7'`,
		events{"tm.event": {"Tx"}, "transfer.recipient": {"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g8"}}, false},
	{`a = 'x' AND b = 'y' AND c = 'z' AND d = ''`, events{"a": {"x"}, "b": {"y"}, "c": {"z"}, "d": {""}}, true},
	{`a = 'x' AND b = 'y' AND c = 'z' AND d = ''`, events{"a": {"x"}, "b": {"y"}, "c": {"z"}, "d": {}}, false},

	// CONTAINS: substring of some value; '' is a substring of every value.
	{`a CONTAINS 'ell'`, events{"a": {"hello"}}, true},
	{`a CONTAINS 'ell'`, events{"a": {"help"}}, false},
	{`a CONTAINS 'ell'`, events{"a": {"no", "shell"}}, true},
	{`a CONTAINS 'x'`, events{"a": {"x"}}, true},
	{`a CONTAINS 'xx'`, events{"a": {"x"}}, false},
	{`a CONTAINS 'X'`, events{"a": {"x"}}, false},
	{`a CONTAINS ''`, events{"a": {"x"}}, true},
	{`a CONTAINS ''`, events{"a": {""}}, true},
	{`a CONTAINS ''`, events{"a": {}, "b": {"x"}}, false}, // an empty list is an absent key
	{`a CONTAINS ''`, events{"b": {"x"}}, false},
	{`a CONTAINS '\'`, events{"a": {`C:\dir`}}, true},
	{`a CONTAINS ''''`, events{"a": {"it's"}}, true},
	{`a CONTAINS 'ä'`, events{"a": {"Bär"}}, true},

	// Numbers: the longest leading number -?[0-9]+(\.[0-9]+)?, compared exactly.
	{`a > 99999999999999999999`, events{"a": {"99999999999999999999.0000000000000000000000000000000000001"}}, true},
	{`a > 99999999999999999999`, events{"a": {"99999999999999999999"}}, false},
	{`a = 99999999999999999999`, events{"a": {"99999999999999999999.0000000000000000000000000000000000001"}}, false},
	{`a < 99999999999999999999.0000000000000000000000000000000000001`, events{"a": {"99999999999999999999"}}, true},
	{`a < 100000000000000000000`, events{"a": {"99999999999999999999"}}, true},
	{`a > 99999999999999999999`, events{"a": {"100000000000000000000"}}, true},
	{`a = 9007199254740993`, events{"a": {"9007199254740992"}}, false}, // equal as float64
	{`a > 0.1`, events{"a": {"0.1000000000000000000000001"}}, true},    // equal as float64
	{`a = 5`, events{"a": {"5"}}, true},
	{`a = 5`, events{"a": {"5.000"}}, true},
	{`a = 5`, events{"a": {"005"}}, true},
	{`a = 5.000`, events{"a": {"005"}}, true},
	{`a = 005`, events{"a": {"5.000"}}, true},
	{`a = 5.`, events{"a": {"5"}}, true},
	{`a = 5`, events{"a": {"5."}}, true},
	{`a = 5.0`, events{"a": {"5.01"}}, false},
	{`a = 0.1`, events{"a": {"0.10"}}, true},
	{`a = -0`, events{"a": {"0"}}, true},
	{`a = 0`, events{"a": {"-0"}}, true},
	{`a = 0`, events{"a": {"-0.000"}}, true},
	{`a = 0`, events{"a": {"000"}}, true},
	{`a < 0`, events{"a": {"-0"}}, false},
	{`a < 0`, events{"a": {"-5"}}, true}, // negative values are read
	{`a > -1`, events{"a": {"-0.5"}}, true},
	{`a < -0.5`, events{"a": {"-0.50001"}}, true},
	{`a > -0.5`, events{"a": {"-0.50001"}}, false},
	{`a = -5`, events{"a": {"-5stake"}}, true},
	{`a = 160`, events{"a": {"160stake"}}, true},
	{`a > 159`, events{"a": {"160stake"}}, true},
	{`a = 8.5`, events{"a": {"8.5atom"}}, true},
	{`a = 1`, events{"a": {"1e3"}}, true},
	{`a = 1000`, events{"a": {"1e3"}}, false},
	{`a = 5`, events{"a": {"5.x"}}, true},
	{`a = 5`, events{"a": {" 5"}}, false},
	{`a > 0`, events{"a": {" 5"}}, false},
	{`a = 0.5`, events{"a": {".5"}}, false},
	{`a < 1`, events{"a": {".5"}}, false},
	{`a = 5`, events{"a": {"+5"}}, false},
	{`a > 0`, events{"a": {"abc"}}, false},
	{`a < 0`, events{"a": {"abc"}}, false},
	{`a = 0`, events{"a": {""}}, false},
	{`a = 0`, events{"a": {"-"}}, false},
	{`a > 2000`, events{"a": {"2021-11-23"}}, true}, // its leading number is 2021
	{`a > 10`, events{"a": {"abc", "5", "11"}}, true},
	{`a > 10`, events{"a": {"abc", "5", "10"}}, false},
	{`a >= 5`, events{"a": {"5"}}, true},
	{`a <= 5`, events{"a": {"5"}}, true},
	{`a < 5`, events{"a": {"5"}}, false},
	{`a > 5`, events{"a": {"5"}}, false},
	{`a >= 5`, events{"a": {"4.99"}}, false},
	{`a <= 5`, events{"a": {"5.01"}}, false},
	{`a > 5 AND a < 3`, events{"a": {"6", "2"}}, true}, // each condition on its own value
	{`a > 5 AND a < 3`, events{"a": {"4"}}, false},
	// An integer operand of at most 18 digits is compared as an int64, to the same answers.
	{`a = 007`, events{"a": {"7"}}, true},
	{`a = 7`, events{"a": {"0000000000000000000000007"}}, true},
	{`a = -0`, events{"a": {"-0.0"}}, true},
	{`a < 0`, events{"a": {"-0.5"}}, true},
	{`a > -1`, events{"a": {"-0.5"}}, true},
	{`a < 5`, events{"a": {"5.x"}}, false},
	{`a >= 5`, events{"a": {"-", "", "5.x"}}, true},
	{`a = 160`, events{"a": {"160.000stake"}}, true},
	{`a = 999999999999999999`, events{"a": {"999999999999999999"}}, true}, // 18 digits
	{`a < 999999999999999999`, events{"a": {"999999999999999999.5"}}, false},
	{`a > 999999999999999999`, events{"a": {"999999999999999999.5"}}, true},
	{`a > 999999999999999999`, events{"a": {"1000000000000000000"}}, true}, // 19 digits
	{`a < -999999999999999999`, events{"a": {"-1000000000000000000"}}, true},
	{`a > 0`, events{"a": {"-99999999999999999999"}}, false}, // 20 digits
	{`a = 1000000000000000000`, events{"a": {"1000000000000000000.0"}}, true},

	// DATE and TIME: instants, whatever the zone; a DATE is midnight UTC.
	{`t = TIME 2021-11-23T23:04:19+01:00`, events{"t": {"2021-11-23T22:04:19Z"}}, true},
	{`t = TIME 2021-11-23T22:04:19Z`, events{"t": {"2021-11-23T13:04:19-09:00"}}, true},
	{`t = TIME 2021-11-23T22:04:19Z`, events{"t": {"2021-11-23T22:04:19.000Z"}}, true},
	{`t = TIME 2021-11-23T22:04:19Z`, events{"t": {"2021-11-23T22:04:19-00:00"}}, true},
	{`t = TIME 2021-11-23T22:04:19Z`, events{"t": {"2021-11-23T22:04:19+01:00"}}, false},
	{`t > TIME 2021-11-23T22:04:19Z`, events{"t": {"2021-11-23T22:04:19.000000001Z"}}, true},
	{`t < TIME 2021-11-23T22:04:19.5-09:00`, events{"t": {"2021-11-24T07:04:19.4+00:00"}}, true},
	{`t >= TIME 2021-11-23T22:04:19.5-09:00`, events{"t": {"2021-11-24T07:04:19.5Z"}}, true},
	{`t = TIME 2021-11-23T00:00:00Z`, events{"t": {"2021-11-23"}}, true}, // a date value is midnight UTC
	{`t = DATE 2021-11-23`, events{"t": {"2021-11-23"}}, true},
	{`t = DATE 2021-11-23`, events{"t": {"2021-11-23T00:00:00Z"}}, true},
	{`t = DATE 2021-11-23`, events{"t": {"2021-11-23T01:00:00+01:00"}}, true},
	{`t = DATE 2021-11-23`, events{"t": {"2021-11-23T00:00:00+01:00"}}, false},
	{`t > DATE 2021-11-23`, events{"t": {"2021-11-23T00:00:00.000000001Z"}}, true},
	{`t > DATE 2021-11-23`, events{"t": {"2021-11-23T00:30:00+01:00"}}, false},
	{`t < DATE 2021-11-23`, events{"t": {"2021-11-22T23:59:59.999999999Z"}}, true},
	{`t <= DATE 2021-11-23`, events{"t": {"2021-11-23"}}, true},
	{`t >= DATE 2021-11-23`, events{"t": {"yesterday", "2021-11-24"}}, true},
	{"t > DATE\t\n2021-11-22", events{"t": {"2021-11-23"}}, true},
	{`t > DATE 2000-01-01`, events{"t": {"5"}}, false},
	{`t > DATE 2000-01-01`, events{"t": {"abc"}}, false},
	{`t > DATE 2000-01-01`, events{"t": {""}}, false},
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23T22:04:19"}}, false},  // no zone
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23 22:04:19Z"}}, false}, // no T
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23x"}}, false},
	{`t > DATE 2000-01-01`, events{"t": {"20211123"}}, false},
	{`t > DATE 2000-01-01`, events{"t": {"2021-02-30"}}, false},
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23T24:00:00Z"}}, false},
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23T2:04:19Z"}}, false},       // one-digit hour
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23T22:04:19,5Z"}}, false},    // comma
	{`t > DATE 2000-01-01`, events{"t": {"2021-11-23T22:04:19+24:00"}}, false}, // offset hour
	{`t = '2021-11-23'`, events{"t": {"2021-11-23"}}, true},
	{`t = '2021-11-23'`, events{"t": {"2021-11-23T00:00:00Z"}}, false},

	// EXISTS: a key with a value equals the tag or begins with tag + ".".
	{`tm.event EXISTS`, events{"tm.event": {"Tx"}}, true},
	{`tm.event EXISTS`, events{"tm.event": {""}}, true},
	{`tm.event EXISTS`, events{"tm.event": {}, "b": {"x"}}, false},
	{`tm EXISTS`, events{"tm.event": {"Tx"}}, true},
	{`tm EXISTS`, events{"tm": {"x"}}, true},
	{`tm EXISTS`, events{"tm.event": {}, "b": {"x"}}, false},
	{`tm EXISTS`, events{"tmx.event": {"Tx"}}, false},
	{`tm EXISTS`, events{"tm-x": {"Tx"}}, false},
	{`tm EXISTS`, events{"b": {"x"}, "a": {"y"}, "tm.event": {"Tx"}, "c": {"z"}}, true},
	{`rewards EXISTS`, events{"rewards.withdraw.amount": {"1"}}, true},
	{`rewards.withdraw EXISTS`, events{"rewards.withdraw.amount": {"1"}}, true},
	{`rewards.with EXISTS`, events{"rewards.withdraw.amount": {"1"}}, false},
	{`tm.ev EXISTS`, events{"tm.event": {"Tx"}}, false},
	{`a.b EXISTS`, events{"a": {"x"}}, false},
	{`tm. EXISTS`, events{"tm.event": {"Tx"}}, false},

	// NOT, AND, OR, precedence.
	{`NOT a = 'x'`, events{"a": {"y"}}, true},
	{`NOT a = 'x'`, events{"a": {"x"}}, false},
	{`NOT a = 'x'`, events{"a": {"x", "y"}}, false},
	{`NOT a = 'x'`, events{"b": {"x"}}, true},
	{`NOT a = 5`, events{"a": {"abc"}}, true},
	{`NOT a EXISTS`, events{"b": {"x"}}, true},
	{`NOT a EXISTS`, events{"a.b": {"x"}}, false},
	{`NOT NOT a EXISTS`, events{"a": {"1"}}, true},
	{`NOT NOT a EXISTS`, events{"b": {"1"}}, false},
	{`NOT (a = 1 OR b = 2)`, events{"a": {"1"}}, false},
	{`NOT (a = 1 OR b = 2)`, events{"c": {"x"}}, true},
	{`NOT a = 1 AND b = 2`, events{"a": {"2"}}, false}, // (NOT a = 1) AND b = 2
	{`NOT a = 1 AND b = 2`, events{"b": {"2"}}, true},
	{`a = 1 OR b = 2 AND c = 3`, events{"a": {"1"}}, true}, // a = 1 OR (b = 2 AND c = 3)
	{`a = 1 OR b = 2 AND c = 3`, events{"b": {"2"}}, false},
	{`(a = 1 OR b = 2) AND c = 3`, events{"a": {"1"}}, false},
	{`(a = 1 OR b = 2) AND c = 3`, events{"b": {"2"}, "c": {"3"}}, true},
	{`a = 1 OR b = 2 OR c = 3`, events{"c": {"3"}}, true},
	{`a = 1 OR b = 2 OR c = 3`, events{"d": {"3"}}, false},
	{`a = 1 AND b = 2 AND c = 3`, events{"a": {"1"}, "b": {"2"}, "c": {"3"}}, true},
	{`a = 1 AND b = 2 AND c = 3`, events{"a": {"1"}, "b": {"2"}, "c": {"4"}}, false},
	{`a EXISTS OR NOT a EXISTS`, events{"b": {"x"}}, true},

	// The empty event set matches no query, NOT included; a set whose lists are all empty
	// is empty.
	{`NOT a EXISTS`, nil, false},
	{`NOT a EXISTS`, events{}, false},
	{`NOT a EXISTS`, events{"a": {}}, false},
	{`NOT a EXISTS`, events{"a": {}, "b": nil}, false},
	{`NOT a = 1`, events{}, false},
	{`a CONTAINS ''`, nil, false},
	{`NOT (a EXISTS AND b EXISTS)`, nil, false},
	{`a EXISTS OR NOT a EXISTS`, events{}, false},
	{`NOT a EXISTS OR NOT b EXISTS`, events{"a": {}}, false},
	{`NOT NOT NOT a EXISTS`, events{}, false},
}

func TestMatch(t *testing.T) {
	for _, tc := range matchCases {
		t.Run(fmt.Sprintf("%s/%v", tc.query, tc.events), func(t *testing.T) {
			ast, err := grammar.Parse(tc.query)
			require.NoError(t, err)
			match, err := compile.Compile(ast)
			require.NoError(t, err)
			assert.Equal(t, tc.want, match(tc.events), "compiled")
			assert.Equal(t, tc.want, oracle.Eval(ast, tc.events), "oracle")
		})
	}
}

// Matching reads the event set and nothing else: the same compiled query gives the same
// answers in any order, and leaves the events as they were.
func TestMatchDoesNotModifyEvents(t *testing.T) {
	ast, err := grammar.Parse(`a > 5 AND NOT b CONTAINS 'x' OR tm EXISTS`)
	require.NoError(t, err)
	match, err := compile.Compile(ast)
	require.NoError(t, err)
	ev := events{"a": {"6", "abc"}, "b": {"y"}, "tm.event": {}}
	for range 3 {
		assert.True(t, match(ev))
	}
	assert.Equal(t, events{"a": {"6", "abc"}, "b": {"y"}, "tm.event": {}}, ev)
}

// compileErrorCases are queries that parse but do not compile: a pairing of operator and
// operand the grammar's condition production does not allow, or an impossible DATE or TIME.
// The position is that of the operand.
var compileErrorCases = []struct {
	query                string
	offset, line, column int
	msg                  string
}{
	{`a < 'x'`, 4, 1, 5, `operator < compares numbers, dates and times, not a string: 'x'`},
	{`a <= 'x'`, 5, 1, 6, `operator <= compares numbers, dates and times, not a string: 'x'`},
	{`a > 'x'`, 4, 1, 5, `operator > compares numbers, dates and times, not a string: 'x'`},
	{`a >= 'x'`, 5, 1, 6, `operator >= compares numbers, dates and times, not a string: 'x'`},
	{`a >= 'it''s'`, 5, 1, 6, `operator >= compares numbers, dates and times, not a string: 'it''s'`},
	{`a CONTAINS 5`, 11, 1, 12, `CONTAINS takes a string, not a number: 5`},
	{`a CONTAINS -5.0`, 11, 1, 12, `CONTAINS takes a string, not a number: -5.0`},
	{`a CONTAINS DATE 2021-01-01`, 11, 1, 12, `CONTAINS takes a string, not a DATE: DATE 2021-01-01`},
	{`a CONTAINS TIME 2021-01-01T00:00:00Z`, 11, 1, 12, `CONTAINS takes a string, not a TIME: TIME 2021-01-01T00:00:00Z`},
	{`a EXISTS 'x'`, 9, 1, 10, `EXISTS takes no operand, found a string 'x'`},
	{`a EXISTS 5`, 9, 1, 10, `EXISTS takes no operand, found a number 5`},
	{`a EXISTS DATE 2021-01-01`, 9, 1, 10, `EXISTS takes no operand, found a DATE DATE 2021-01-01`},
	{`d = DATE 2021-02-30`, 4, 1, 5, `invalid date 2021-02-30: no such day in the calendar`},
	{`d = DATE 2021-02-29`, 4, 1, 5, `invalid date 2021-02-29: no such day in the calendar`},
	{`d = DATE 2021-13-01`, 4, 1, 5, `invalid date 2021-13-01: no such day in the calendar`},
	{`d = DATE 2021-00-10`, 4, 1, 5, `invalid date 2021-00-10: no such day in the calendar`},
	{`d = DATE 2021-04-31`, 4, 1, 5, `invalid date 2021-04-31: no such day in the calendar`},
	{`d > DATE 2021-01-01T00:00:00Z`, 4, 1, 5,
		`DATE takes a date such as 2021-11-23, not the time 2021-01-01T00:00:00Z (write TIME 2021-01-01T00:00:00Z)`},
	{`t > TIME 2021-11-23`, 4, 1, 5,
		`TIME takes a time such as 2021-11-23T22:04:19Z, not the date 2021-11-23 (write DATE 2021-11-23)`},
	{`t > TIME 2021-11-23T22:04:19`, 4, 1, 5,
		`invalid time 2021-11-23T22:04:19: a zone is required, such as Z or +01:00`},
	{`t > TIME 2021-11-23T22:04:19.5`, 4, 1, 5,
		`invalid time 2021-11-23T22:04:19.5: a zone is required, such as Z or +01:00`},
	{`t > TIME 2021-11-23T25:00:00Z`, 4, 1, 5,
		`invalid time 2021-11-23T25:00:00Z: hour 25 is out of range (00 to 23)`},
	{`t > TIME 2021-11-23T22:60:00Z`, 4, 1, 5,
		`invalid time 2021-11-23T22:60:00Z: minute 60 is out of range (00 to 59)`},
	{`t > TIME 2021-11-23T22:04:60Z`, 4, 1, 5,
		`invalid time 2021-11-23T22:04:60Z: second 60 is out of range (00 to 59)`},
	{`t > TIME 2021-02-30T22:04:19Z`, 4, 1, 5,
		`invalid time 2021-02-30T22:04:19Z: no such day in the calendar`},
	{`t > TIME 2021-11-23T22:04:19+24:00`, 4, 1, 5,
		`invalid time 2021-11-23T22:04:19+24:00: zone offset +24:00 is out of range (-23:59 to +23:59)`},
	{`t > TIME 2021-11-23T22:04:19-01:60`, 4, 1, 5,
		`invalid time 2021-11-23T22:04:19-01:60: zone offset -01:60 is out of range (-23:59 to +23:59)`},
	// Positions count bytes for Offset and runes for Column, lines from 1.
	{"a = 1 AND\n  b < 'x'", 16, 2, 7, `operator < compares numbers, dates and times, not a string: 'x'`},
	{`ключ < 'x'`, 11, 1, 8, `operator < compares numbers, dates and times, not a string: 'x'`},
	{"a = 'é'\nOR (b = 'ü' AND\n\tc = DATE\n2021-02-30)", 31, 3, 6, `invalid date 2021-02-30: no such day in the calendar`},
	// The first bad condition, in the order of the text, is the one reported.
	{`a = 1 OR b CONTAINS 2 OR c < 'x'`, 20, 1, 21, `CONTAINS takes a string, not a number: 2`},
	{`NOT (a = 1 AND (b EXISTS 'x'))`, 25, 1, 26, `EXISTS takes no operand, found a string 'x'`},
}

func TestCompileErrors(t *testing.T) {
	for _, tc := range compileErrorCases {
		t.Run(tc.query, func(t *testing.T) {
			ast, err := grammar.Parse(tc.query)
			require.NoError(t, err, "the grammar accepts what the compiler rejects")
			match, err := compile.Compile(ast)
			require.Error(t, err)
			assert.Nil(t, match)
			var gerr *grammar.Error
			require.True(t, errors.As(err, &gerr), "%T is not a *grammar.Error", err)
			assert.Equal(t, tc.msg, gerr.Msg)
			assert.Equal(t, tc.offset, gerr.Pos.Offset, "offset")
			assert.Equal(t, tc.line, gerr.Pos.Line, "line")
			assert.Equal(t, tc.column, gerr.Pos.Column, "column")
			assert.Equal(t, fmt.Sprintf("%d:%d: %s", tc.line, tc.column, tc.msg), err.Error())
		})
	}
}

// Each valid pairing compiles: the complement of the error table.
func TestCompileAcceptsEveryValidPairing(t *testing.T) {
	operands := map[grammar.OperandKind]string{
		grammar.KindString: `'x'`,
		grammar.KindNumber: `-5.`,
		grammar.KindDate:   `DATE 2020-02-29`,
		grammar.KindTime:   `TIME 2021-11-23T22:04:19.5-09:00`,
	}
	valid := map[string][]grammar.OperandKind{
		"=":        {grammar.KindString, grammar.KindNumber, grammar.KindDate, grammar.KindTime},
		"<":        {grammar.KindNumber, grammar.KindDate, grammar.KindTime},
		"<=":       {grammar.KindNumber, grammar.KindDate, grammar.KindTime},
		">":        {grammar.KindNumber, grammar.KindDate, grammar.KindTime},
		">=":       {grammar.KindNumber, grammar.KindDate, grammar.KindTime},
		"CONTAINS": {grammar.KindString},
	}
	for op, kinds := range valid {
		for kind, operand := range operands {
			q := "a " + op + " " + operand
			ast, err := grammar.Parse(q)
			require.NoError(t, err, q)
			_, err = compile.Compile(ast)
			if contains(kinds, kind) {
				assert.NoError(t, err, q)
			} else {
				assert.Error(t, err, q)
			}
		}
	}
}

func contains(kinds []grammar.OperandKind, k grammar.OperandKind) bool {
	for _, kind := range kinds {
		if kind == k {
			return true
		}
	}
	return false
}

// Matching allocates nothing, for every kind of condition and combination, whether it
// matches or not.
func TestMatchDoesNotAllocate(t *testing.T) {
	ev := events{
		"tm.event":                {"Tx"},
		"tx.height":               {"abc", "12345678901234567890123", "5"},
		"transfer.amount":         {"160stake", "8.5atom"},
		"block.time":              {"yesterday", "2021-11-23T23:04:19+01:00", "2021-11-23"},
		"memo":                    {"an airdrop for you"},
		"rewards.withdraw.amount": {"1"},
		"other":                   {},
	}
	queries := []string{
		`tm.event = 'Tx'`, `tm.event = 'NewBlock'`, `missing = 'x'`,
		`memo CONTAINS 'airdrop'`, `memo CONTAINS 'nothing'`, `memo CONTAINS ''`,
		`tx.height = 5`, `tx.height < 5`, `tx.height <= 5`, `tx.height > 99999999999999999999`,
		`tx.height >= 12345678901234567890123.5`, `transfer.amount > 160.0000001`,
		`block.time = TIME 2021-11-23T22:04:19Z`, `block.time < TIME 2000-01-01T00:00:00Z`,
		`block.time >= DATE 2021-11-23`, `block.time > DATE 2021-11-24`,
		`tm.event EXISTS`, `rewards EXISTS`, `rewards.withdraw EXISTS`, `tm.ev EXISTS`, `other EXISTS`,
		`NOT tm.event = 'Tx'`, `NOT missing EXISTS`,
		`tm.event = 'Tx' AND tx.height > 4`, `tm.event = 'Tx' AND tx.height > 4 AND memo CONTAINS 'a'`,
		`tm.event = 'x' OR tx.height > 4`, `tm.event = 'x' OR tx.height > 400 OR rewards EXISTS`,
		`NOT (tm.event = 'x' OR tx.height > 400) AND (rewards EXISTS OR memo CONTAINS 'x')`,
	}
	for _, q := range queries {
		ast, err := grammar.Parse(q)
		require.NoError(t, err, q)
		match, err := compile.Compile(ast)
		require.NoError(t, err, q)
		for _, e := range []events{ev, nil, {}, {"other": {}}} {
			allocs := testing.AllocsPerRun(100, func() { match(e) })
			assert.Zero(t, allocs, "%s on %v", q, e)
		}
	}
}
