package cometbft

import (
	"fmt"
	"strings"

	"pgregory.net/rapid"
)

// The generators draw from small pools on purpose: the same keys and numbers must come up in
// queries and in events for matches, and near-misses, to be common.

var keys = []string{"tm.event", "tx.height", "transfer.amount", "a.b", "a.b.c", "a.b.c.d", "a", "ab", "a.bc", "x.y", "rewards.withdraw.amount"}

func genKey() *rapid.Generator[string] {
	return rapid.OneOf(rapid.SampledFrom(keys), rapid.StringMatching(`[a-c]{1,2}(\.[a-c]{1,2}){0,2}`))
}

var numbers = []string{"0", "5", "7", "10", "100", "1000", "007", "5.0", "5.5", "0.1", "0.30000000000000004",
	"99999999999999999999", "18446744073709551615", "18446744073709551616", "1.000000000000000000000000000000000000000001",
	"99999999999999999999.1", "12345678901234567890.123456789"}

func genNumber() *rapid.Generator[string] {
	return rapid.OneOf(rapid.SampledFrom(numbers), rapid.StringMatching(`[1-9][0-9]{0,24}(\.[0-9]{1,40})?`))
}

func genDate() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		return fmt.Sprintf("%04d-%02d-%02d", rapid.IntRange(1900, 2999).Draw(t, "y"), rapid.IntRange(1, 12).Draw(t, "m"), rapid.IntRange(1, 28).Draw(t, "d"))
	})
}

func genTime() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		zone := rapid.SampledFrom([]string{"Z", "+01:00", "-05:30"}).Draw(t, "zone")
		return fmt.Sprintf("%sT%02d:%02d:%02d%s", genDate().Draw(t, "date"), rapid.IntRange(0, 23).Draw(t, "h"),
			rapid.IntRange(0, 59).Draw(t, "min"), rapid.IntRange(0, 59).Draw(t, "s"), zone)
	})
}

var words = []string{"", "Tx", "NewBlock", "x", "5", "5atom", " 5"}

func genWord() *rapid.Generator[string] {
	return rapid.OneOf(rapid.SampledFrom(words), rapid.StringMatching(`[a-z0-9 .-]{0,5}`))
}

// genCondition returns a condition of the common language and the operand's text as a
// value might carry it.
func genCondition(t *rapid.T) (cond, value string) {
	key := genKey().Draw(t, "key")
	op := rapid.SampledFrom([]string{"=", "<", "<=", ">", ">=", "CONTAINS", "EXISTS"}).Draw(t, "op")
	kinds := map[string][]string{"=": {"string", "number", "date", "time"}, "CONTAINS": {"string"}, "EXISTS": {"none"}}[op]
	if kinds == nil { // an order
		kinds = []string{"number", "date", "time"}
	}
	kind := rapid.SampledFrom(kinds).Draw(t, "kind")
	sp := rapid.SampledFrom([]string{" ", "", "  "}).Draw(t, "space")
	switch kind {
	case "none":
		return key + " " + op, ""
	case "string":
		w := genWord().Draw(t, "word")
		return key + sp + op + sp + "'" + strings.ReplaceAll(w, "'", "''") + "'", w
	case "number":
		n := genNumber().Draw(t, "number")
		return key + sp + op + sp + n, n
	case "date":
		d := genDate().Draw(t, "date")
		return key + sp + op + sp + "DATE " + d, d
	default:
		tm := genTime().Draw(t, "time")
		return key + sp + op + sp + "TIME " + tm, tm
	}
}

// genValue returns a value for an event: one of the operands, or a variation of one that
// probes a rule (a unit after a number, a sign, a blank, an exponent, a near neighbour).
func genValue(t *rapid.T, operands []string) string {
	base := genWord().Draw(t, "word")
	if len(operands) > 0 && rapid.Bool().Draw(t, "fromOperand") {
		base = rapid.SampledFrom(operands).Draw(t, "operand")
	} else if rapid.Bool().Draw(t, "number") {
		base = genNumber().Draw(t, "n")
	}
	switch rapid.IntRange(0, 9).Draw(t, "variant") {
	case 0:
		return base + "atom"
	case 1:
		return "-" + base
	case 2:
		return "+" + base
	case 3:
		return " " + base
	case 4:
		return base + "e3"
	case 5:
		return base + "0000000000000000000001"
	case 6:
		if i := strings.IndexByte(base, 'T'); i > 0 {
			return base[:i] // a date from a timestamp
		}
		return base + "T12:00:00Z" // a timestamp from a date
	case 7:
		return base + ".5"
	}
	return base
}

// genCase returns a query of the common language and an event set for it.
func genCase(t *rapid.T) (string, map[string][]string) {
	n := rapid.IntRange(1, 4).Draw(t, "conditions")
	var conds, operands, tags []string
	for i := 0; i < n; i++ {
		c, v := genCondition(t)
		conds = append(conds, c)
		operands = append(operands, v)
		tags = append(tags, strings.Fields(c)[0])
	}
	and := rapid.SampledFrom([]string{" AND ", "AND", " AND  "}).Draw(t, "and")
	text := strings.Join(conds, and)
	events := map[string][]string{}
	for i, k := 0, rapid.IntRange(0, 5).Draw(t, "keys"); i < k; i++ {
		key := genKey().Draw(t, "eventKey")
		if len(tags) > 0 && rapid.Bool().Draw(t, "queryTag") {
			key = rapid.SampledFrom(tags).Draw(t, "tag")
			if rapid.IntRange(0, 3).Draw(t, "child") == 0 {
				key += "." + rapid.SampledFrom([]string{"c", "c.d"}).Draw(t, "childKey")
			}
		}
		var vs []string
		for j, nv := 0, rapid.IntRange(0, 3).Draw(t, "values"); j < nv; j++ {
			vs = append(vs, genValue(t, operands))
		}
		events[key] = vs
	}
	return text, events
}
