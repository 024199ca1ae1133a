package cometbft

import (
	"fmt"
	"regexp"
	"testing"

	cmtquery "github.com/cometbft/cometbft/libs/pubsub/query"

	"github.com/querybus/querybus/query"
)

// Side by side with CometBFT v0.40.0, in one run: compiling a query from its text, and
// matching it against an event set. benchstat -col /impl gives the ratios.

var benchQueries = []struct {
	name, text string
	events     map[string][]string
}{
	{"two-strings", "tm.events.type='NewBlock' AND abci.account.name='Igor'",
		map[string][]string{"tm.events.type": {"NewBlock"}, "abci.account.name": {"Igor"}, "abci.account.id": {"7"}}},
	{"integer", "tx.height > 100",
		map[string][]string{"tm.event": {"Tx"}, "tx.height": {"12345"}}},
	{"contains", "transfer.memo CONTAINS 'airdrop'",
		map[string][]string{"tm.event": {"Tx"}, "transfer.memo": {"the big airdrop of 2021"}}},
	{"exists", "rewards EXISTS",
		map[string][]string{"tm.event": {"Tx"}, "a.b": {"1"}, "c.d": {"2"}, "e.f": {"3"}, "rewards.amount": {"5"}}},
	{"time", "block.time > TIME 2021-11-23T22:04:19Z",
		map[string][]string{"tm.event": {"NewBlock"}, "block.time": {"2022-01-01T00:00:00Z"}}},
	{"five-and", "tm.event = 'Tx' AND tx.height > 5 AND transfer.amount >= 1000 AND transfer.sender = 'a' AND transfer.memo CONTAINS 'x'",
		map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}, "transfer.amount": {"1500"}, "transfer.sender": {"a"}, "transfer.memo": {"xyz"}}},
}

// BenchmarkNew: texts=same compiles one text again and again, as a bus does when its
// subscribers send the same few queries (querybus's cache answers); texts=distinct cycles
// through 65,536 variants of it (the first tag numbered: tm.events.type0, …), far more than the cache holds, so
// that every querybus New parses, compiles and caches.
var firstTag = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_.]*`)

func BenchmarkNew(b *testing.B) {
	news := map[string]func(string) error{
		"querybus": func(s string) error { _, err := query.New(s); return err },
		"cometbft": func(s string) error { _, err := cmtquery.New(s); return err },
	}
	for _, q := range benchQueries {
		variants := make([]string, 1<<16)
		for i := range variants {
			tag := firstTag.FindString(q.text)
			variants[i] = fmt.Sprint(tag, i) + q.text[len(tag):]
		}
		for _, texts := range []string{"same", "distinct"} {
			for _, impl := range []string{"querybus", "cometbft"} {
				b.Run("query="+q.name+"/texts="+texts+"/impl="+impl, func(b *testing.B) {
					compile := news[impl]
					b.ReportAllocs()
					i := 0
					for b.Loop() {
						text := q.text
						if texts == "distinct" {
							text = variants[i%len(variants)]
							i++
						}
						if err := compile(text); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		}
	}
}

func BenchmarkMatches(b *testing.B) {
	for _, q := range benchQueries {
		ours, theirs := query.MustCompile(q.text), cmtquery.MustCompile(q.text)
		if a, _ := ours.Matches(q.events); !a {
			b.Fatalf("%s does not match its events", q.text)
		}
		if a, _ := theirs.Matches(q.events); !a {
			b.Fatalf("CometBFT: %s does not match its events", q.text)
		}
		b.Run("query="+q.name+"/impl=querybus", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = ours.Matches(q.events)
			}
		})
		b.Run("query="+q.name+"/impl=cometbft", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = theirs.Matches(q.events)
			}
		})
	}
}
