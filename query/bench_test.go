package query_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/query"
)

// benchCases is the one table behind the benchmarks and TestBenchCases, which checks that
// every case gives the answer the contract says, so that each benchmark measures the path it
// is named for.
var benchCases = []struct {
	name   string
	query  string
	events events
	want   bool
}{
	{"CometBFT", `tm.events.type='NewBlock' AND abci.account.name='Igor'`,
		events{"tm.events.index": {"25"}, "tm.events.type": {"NewBlock"}, "abci.account.name": {"Anya", "Igor"}}, true},
	{"Number", `tx.height > 1000`,
		events{"tm.event": {"Tx"}, "tx.height": {"123456"}}, true},
	{"BigNumber", `transfer.amount > 99999999999999999999`,
		events{"tm.event": {"Tx"}, "transfer.amount": {"100000000000000000000stake"}}, true},
	{"Contains", `tx.memo CONTAINS 'airdrop'`,
		events{"tm.event": {"Tx"}, "tx.memo": {"claim your free airdrop before it ends"}}, true},
	{"ExistsPrefix", `rewards EXISTS`, // no key "rewards": the prefix scan finds "rewards.withdraw.amount"
		events{
			"tm.event": {"Tx"}, "tx.height": {"5"}, "tx.hash": {"AB12"}, "message.action": {"withdraw"},
			"message.sender": {"cosmos1x"}, "transfer.amount": {"5stake"}, "transfer.recipient": {"cosmos1y"},
			"rewards.withdraw.amount": {"5stake"},
		}, true},
	{"Time", `block.time >= TIME 2021-11-23T22:04:19Z`,
		events{"tm.event": {"NewBlock"}, "block.time": {"2021-11-24T08:00:00.123+01:00"}}, true},
	{"And5", `tm.event = 'Tx' AND tx.height > 5 AND transfer.amount >= 100 AND transfer.sender CONTAINS 'cosmos1' AND transfer.recipient EXISTS`,
		events{"tm.event": {"Tx"}, "tx.height": {"12"}, "transfer.amount": {"150stake"}, "transfer.sender": {"cosmos1abc"}, "transfer.recipient": {"cosmos1def"}}, true},
	{"OrNot", `NOT tm.event = 'NewBlock' AND (transfer.amount > 1000 OR tx.memo CONTAINS 'x' OR NOT tx.height < 10)`,
		events{"tm.event": {"Tx"}, "transfer.amount": {"500stake"}, "tx.memo": {"hello"}, "tx.height": {"12"}}, true},
}

func TestBenchCases(t *testing.T) {
	for _, bc := range benchCases {
		q, err := query.New(bc.query)
		require.NoError(t, err, bc.name)
		got, err := q.Matches(bc.events)
		require.NoError(t, err)
		assert.Equal(t, bc.want, got, bc.name)
		allocs := testing.AllocsPerRun(100, func() { _, _ = q.Matches(bc.events) })
		assert.Zero(t, allocs, bc.name)
	}
}

var (
	sinkQuery *query.Query
	sinkBool  bool
)

// BenchmarkNew measures parsing and compiling.
func BenchmarkNew(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				q, err := query.New(bc.query)
				if err != nil {
					b.Fatal(err)
				}
				sinkQuery = q
			}
		})
	}
}

// BenchmarkMatches measures matching a compiled query.
func BenchmarkMatches(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			q := query.MustCompile(bc.query)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				ok, _ := q.Matches(bc.events)
				sinkBool = ok
			}
		})
	}
}
