package query_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/query"
)

// Conditions gives Tendermint v0.34's view of a conjunction: keys, operators and typed
// operands in source order.
func TestConditions(t *testing.T) {
	date := time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)
	tm := time.Date(2013, 5, 3, 14, 45, 0, 0, time.UTC)
	cases := []struct {
		q    string
		want []query.Condition
	}{
		{"tm.events.type='NewBlock'", []query.Condition{{CompositeKey: "tm.events.type", Op: query.OpEqual, Operand: "NewBlock"}}},
		{"tx.gas > 7 AND tx.gas < 9", []query.Condition{{"tx.gas", query.OpGreater, int64(7)}, {"tx.gas", query.OpLess, int64(9)}}},
		{"a.x <= 7.5 AND (b.y >= 0.25 AND c.z EXISTS)", []query.Condition{{"a.x", query.OpLessEqual, 7.5}, {"b.y", query.OpGreaterEqual, 0.25}, {"c.z", query.OpExists, nil}}},
		{"memo CONTAINS 'it''s'", []query.Condition{{"memo", query.OpContains, "it's"}}},
		{"tx.date > DATE 2017-01-01 AND tx.time >= TIME 2013-05-03T14:45:00Z", []query.Condition{{"tx.date", query.OpGreater, date}, {"tx.time", query.OpGreaterEqual, tm}}},
	}
	for _, c := range cases {
		got, err := query.MustParse(c.q).Conditions()
		require.NoError(t, err, c.q)
		assert.Equal(t, c.want, got, c.q)
	}
	got, err := query.All.Conditions()
	assert.NoError(t, err)
	assert.Empty(t, got)
	got, err = (*query.Query)(nil).Conditions()
	assert.NoError(t, err)
	assert.Empty(t, got)
}

// A query with OR or NOT has no list of conditions: the error points at the first of them
// in the canonical form; so does a number beyond int64.
func TestConditionsErrors(t *testing.T) {
	cases := []struct {
		q      string
		offset int
		msg    string
	}{
		{"a = 1 OR b = 2", 6, "OR: Conditions is only for a conjunction of conditions (AND)"},
		{"a = 1 AND NOT b = 2", 10, "NOT: Conditions is only for a conjunction of conditions (AND)"},
		{"a = 'OR' AND (b = 1 OR NOT c = 2)", 20, "OR: Conditions is only for a conjunction of conditions (AND)"},
		{"NOT a = 'x' OR b = 2", 0, "NOT: Conditions is only for a conjunction of conditions (AND)"},
		{"a = 1 AND b = 9223372036854775808", 14, "number 9223372036854775808 cannot be an int64 (Tendermint v0.34's type for a number without a '.')"},
	}
	for _, c := range cases {
		_, err := query.MustParse(c.q).Conditions()
		var qerr *query.Error
		require.True(t, errors.As(err, &qerr), "%s: %v", c.q, err)
		assert.Equal(t, c.offset, qerr.Offset, c.q)
		assert.Equal(t, 1, qerr.Line, c.q)
		assert.Equal(t, c.offset+1, qerr.Column, c.q)
		assert.Equal(t, c.msg, qerr.Msg, c.q)
	}
	_, err := query.MustParse("a = 9223372036854775807").Conditions()
	assert.NoError(t, err, "the largest int64")
}

// Tendermint v0.34's Empty query, operators and MustParse.
func TestTendermintNames(t *testing.T) {
	ok, err := query.Empty{}.Matches(nil)
	assert.True(t, ok)
	assert.NoError(t, err)
	ok, err = query.Empty{}.Matches(map[string][]string{"a.b": {"c"}})
	assert.True(t, ok)
	assert.NoError(t, err)
	assert.Equal(t, "empty", query.Empty{}.String())
	assert.NoError(t, query.Validate("empty = 'x'"), "a key named empty is another query")
	assert.NotEqual(t, "empty", query.MustParse("empty = 'x'").String())

	ops := []query.Operator{query.OpLessEqual, query.OpGreaterEqual, query.OpLess, query.OpGreater, query.OpEqual, query.OpContains, query.OpExists}
	texts := []string{"<=", ">=", "<", ">", "=", "CONTAINS", "EXISTS"}
	for i, op := range ops {
		assert.Equal(t, query.Operator(i), op, "v0.34's value of %s", texts[i])
		assert.Equal(t, texts[i], op.String())
	}
	assert.Equal(t, "Operator(7)", query.Operator(7).String())

	assert.Equal(t, "2006-01-02", query.DateLayout)
	assert.Equal(t, time.RFC3339, query.TimeLayout)
	assert.Equal(t, query.MustCompile("a = 1").String(), query.MustParse("a  =  1").String())
	assert.Panics(t, func() { query.MustParse("a =") })
}
