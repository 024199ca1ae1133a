package compile_test

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/querybus/querybus/query/compile"
	"github.com/querybus/querybus/query/grammar"
)

// shape is a kind of query the benchmarks measure: the text format with the operand of the
// last condition filled in, distinct for each i and of the same length, and the event set its
// queries are matched against. Every query gives the answer want on the events and reads its
// operands through: a string operand has the length of the value it is compared with.
type shape struct {
	name    string
	format  string
	operand func(i int) string
	events  events
	want    bool
}

func (s shape) query(i int) string { return fmt.Sprintf(s.format, s.operand(i)) }

var shapes = []shape{
	{"StringEqual", `transfer.recipient = '%s'`,
		func(i int) string { return fmt.Sprintf("addr%07d", i) },
		events{"tm.event": {"Tx"}, "transfer.recipient": {"addrXXXXXXX"}}, false},
	{"StringEquals2", `tm.event = 'Tx' AND transfer.recipient = '%s'`,
		func(i int) string { return fmt.Sprintf("addr%07d", i) },
		events{"tm.event": {"Tx"}, "transfer.recipient": {"addrXXXXXXX"}}, false},
	// A bech32 address: too long for the smaller closure.
	{"StringEquals2Long", `tm.event = 'Tx' AND transfer.recipient = '%s'`,
		func(i int) string { return fmt.Sprintf("cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpw%07d", i) },
		events{"tm.event": {"Tx"}, "transfer.recipient": {"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwXXXXXXX"}}, false},
	{"Number", `tx.height > %s`,
		func(i int) string { return fmt.Sprint(1000000 + i) },
		events{"tm.event": {"Tx"}, "tx.height": {"123456"}}, false},
	{"NumberFraction", `transfer.amount > %s`,
		func(i int) string { return fmt.Sprintf("%d.5", 1000000+i) },
		events{"tm.event": {"Tx"}, "transfer.amount": {"8.5atom"}}, false},
}

func compileQuery(tb testing.TB, q string) compile.Func {
	tb.Helper()
	ast, err := grammar.Parse(q)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := compile.Compile(ast)
	if err != nil {
		tb.Fatal(err)
	}
	return f
}

var sinkBool bool

// BenchmarkMatch measures matching one compiled query, whose memory stays in the cache.
func BenchmarkMatch(b *testing.B) {
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			f := compileQuery(b, s.query(0))
			if f(s.events) != s.want {
				b.Fatalf("%s: want %v", s.query(0), s.want)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sinkBool = f(s.events)
			}
		})
	}
}

// coldQueries is how many distinct queries BenchmarkMatchCold matches in turn: enough that
// their closures and operands are far larger than the cache, as at a bus with many
// subscriptions.
const coldQueries = 1 << 20

// cold holds the compiled queries of the last shape, which the runs of a benchmark share.
var cold struct {
	name string
	fs   []compile.Func
}

// coldFuncs compiles coldQueries queries of the shape, in a random order.
func coldFuncs(b *testing.B, s shape) []compile.Func {
	if cold.name == s.name {
		return cold.fs
	}
	cold.name, cold.fs = "", nil
	// Parsing a million queries takes too long: the syntax tree of one is compiled again and
	// again, with tags and operands in memory of their own, as the parser gives them.
	ast, err := grammar.Parse(s.query(0))
	if err != nil {
		b.Fatal(err)
	}
	var conds []*grammar.Condition
	for _, u := range ast.Expr.Terms[0].Factors {
		conds = append(conds, u.Cond)
	}
	last := conds[len(conds)-1].Operand
	fs := make([]compile.Func, coldQueries)
	for i := range fs {
		for _, c := range conds {
			c.Tag = strings.Clone(c.Tag)
			if c.Operand.Str != nil {
				str := grammar.String(strings.Clone(string(*c.Operand.Str)))
				c.Operand.Str = &str
			}
		}
		op := s.operand(i)
		if last.Str != nil {
			str := grammar.String(op)
			last.Str = &str
		} else {
			last.Number = &op
		}
		f, err := compile.Compile(ast)
		if err != nil {
			b.Fatal(err)
		}
		fs[i] = f
	}
	for i := 0; i < coldQueries; i += coldQueries / 64 {
		if got := compileQuery(b, s.query(i))(s.events); got != s.want || fs[i](s.events) != s.want {
			b.Fatalf("%s: want %v", s.query(i), s.want)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	r.Shuffle(len(fs), func(i, j int) { fs[i], fs[j] = fs[j], fs[i] })
	cold.name, cold.fs = s.name, fs
	return fs
}

// BenchmarkMatchCold measures matching many distinct compiled queries in turn, in a random
// order, so that each finds its memory out of the cache: the cost of the blocks of memory a
// closure touches.
func BenchmarkMatchCold(b *testing.B) {
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			fs := coldFuncs(b, s)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				sinkBool = fs[i&(coldQueries-1)](s.events)
			}
		})
	}
}
