package grammar

import (
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

var benchQueries = []struct{ name, query string }{
	{"two conditions", "tm.events.type='NewBlock' AND abci.account.name='Igor'"},
	{"five conditions", "tm.event = 'Tx' AND tx.height >= 5 AND transfer.amount > 100.5 AND " +
		"block.time < TIME 2021-11-23T22:04:19Z AND message.sender CONTAINS 'cosmos1'"},
}

func BenchmarkParse(b *testing.B) {
	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := Parse(bq.query); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTokenize(b *testing.B) {
	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := tokenize(bq.query); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkReferenceLexer(b *testing.B) {
	for _, bq := range benchQueries {
		b.Run(bq.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				l, err := referenceLexer.LexString("", bq.query)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := lexer.ConsumeAll(l); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
