package oracle

import (
	"fmt"
	"strings"

	"pgregory.net/rapid"

	"github.com/querybus/querybus/query/grammar"
)

// Tags are the tags generated queries test: attributes, event types (`tm`, `rewards`,
// `rewards.withdraw`), a prefix of a key that is not a type (`tm.ev`) and a tag that only
// looks like a keyword.
var Tags = []string{
	"a", "a.b", "b", "tm", "tm.event", "tm.ev", "tx.height", "transfer", "transfer.amount",
	"rewards", "rewards.withdraw", "rewards.withdraw.amount", "ANDY.x", "ключ",
}

// Keys are the keys of generated event sets: the tags and keys that some of them are
// prefixes of.
var Keys = []string{
	"a", "a.b", "a.b.c", "ab", "b", "tm", "tm.event", "tm.events.type", "tx.height",
	"transfer", "transfer.amount", "transfer.sender", "rewards.withdraw.amount",
	"rewards.withdraw.validator", "ANDY.x", "ключ",
}

// Strings are string operands and values; several are also numbers, dates or times.
var Strings = []string{
	"", "x", "Tx", "NewBlock", "Igor", "it's", "''", "a''b", `"quoted"`, `back\slash`, "multi\nline",
	"héllo", "日本語", "\u00a0", " ", "5", "160stake", "AND", "tm.event = 'Tx'",
}

// Numbers are number operands as written: signs, leading zeros, fractions, a bare dot.
var Numbers = []string{
	"0", "-0", "0.0", "5", "5.", "5.0", "5.000", "005", "-5", "160", "8.5", "8.50", "1",
	"99999999999999999999", "100000000000000000000",
	"99999999999999999999.0000000000000000000000000000000000001", "0.1", "-0.5",
}

// Dates are DATE operands and date values.
var Dates = []string{"2021-11-23", "2021-11-24", "2021-11-22", "2020-02-29", "1970-01-01", "0000-01-01", "9999-12-31"}

// Times are TIME operands and timestamp values: the same instant in several zones, with
// and without fractions, and midnights that equal a date.
var Times = []string{
	"2021-11-23T22:04:19Z", "2021-11-23T23:04:19+01:00", "2021-11-23T13:04:19-09:00",
	"2021-11-23T22:04:19.5-09:00", "2021-11-23T22:04:19.000Z", "2021-11-23T22:04:19.000000001Z",
	"2021-11-23T00:00:00Z", "2021-11-23T01:00:00+01:00", "2021-11-22T23:59:59.999999999Z",
	"2021-11-24T00:00:00-00:00", "1970-01-01T00:00:00Z", "2021-11-23T22:04:19.1234567891Z",
}

// Junk are values that are none of the operand types, or are near misses of them: text
// time.Parse would accept but RFC 3339 does not, numbers the contract does not read.
var Junk = []string{
	"", " 5", ".5", "+5", "-", "abc", "1e3", "8.5atom", "5.x", "0x10", "-0.0stake",
	"2021-11-23T2:04:19Z", "2021-11-23T22:04:19,5Z", "2021-11-23T22:04:19+24:00",
	"2021-11-23T22:04:19+01:60", "2021-11-23t22:04:19z", "2021-11-23T22:04:19",
	"2021-02-30", "2021-11-23T24:00:00Z", "2021-11-23 22:04:19Z", "2021-11-23x", "20211123",
}

var (
	spaces      = []string{" ", " ", " ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2003", "\u3000"}
	comparisons = []string{"=", "<", "<=", ">", ">="}
)

// maxDepth bounds the nesting of parentheses and NOT in generated queries.
const maxDepth = 5

// Query generates valid query texts: every operator with every operand kind it accepts,
// NOT, AND, OR and parentheses nested at most five deep, over the tags of Tags, with varied
// white space (none where the contract allows none).
func Query() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		genOr(t, &b, maxDepth)
		return b.String()
	})
}

// Condition generates one valid condition (`tag OP operand`, `tag CONTAINS 'x'` or
// `tag EXISTS`), a whole query by itself, as Query generates them within queries.
func Condition() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		genCondition(t, &b)
		return b.String()
	})
}

// space draws white space; optional allows none.
func space(t *rapid.T, optional bool) string {
	if optional && rapid.IntRange(0, 3).Draw(t, "nospace") == 0 {
		return ""
	}
	return rapid.SampledFrom(spaces).Draw(t, "space")
}

func genOr(t *rapid.T, b *strings.Builder, depth int) {
	n := rapid.IntRange(1, 3).Draw(t, "terms")
	for i := range n {
		if i > 0 {
			b.WriteString(space(t, !endsInWord(b.String())))
			b.WriteString("OR")
			b.WriteString(space(t, false))
		}
		genAnd(t, b, depth)
	}
}

func genAnd(t *rapid.T, b *strings.Builder, depth int) {
	n := rapid.IntRange(1, 3).Draw(t, "factors")
	for i := range n {
		if i > 0 {
			b.WriteString(space(t, !endsInWord(b.String())))
			b.WriteString("AND")
			b.WriteString(space(t, false))
		}
		genUnary(t, b, depth)
	}
}

func genUnary(t *rapid.T, b *strings.Builder, depth int) {
	kind := 0 // condition
	if depth > 0 {
		kind = rapid.IntRange(0, 5).Draw(t, "unary") // conditions half the time
	}
	switch kind {
	case 4:
		b.WriteString("NOT")
		if rapid.Bool().Draw(t, "notgroup") {
			b.WriteString(space(t, true))
			b.WriteString("(")
			b.WriteString(space(t, true))
			genOr(t, b, depth-2)
			b.WriteString(space(t, true))
			b.WriteString(")")
			return
		}
		b.WriteString(space(t, false))
		genUnary(t, b, depth-1)
	case 5:
		b.WriteString("(")
		b.WriteString(space(t, true))
		genOr(t, b, depth-1)
		b.WriteString(space(t, true))
		b.WriteString(")")
	default:
		genCondition(t, b)
	}
}

// endsInWord reports whether a keyword written right after s would run into a word.
func endsInWord(s string) bool { return strings.HasSuffix(s, "EXISTS") }

func genCondition(t *rapid.T, b *strings.Builder) {
	b.WriteString(rapid.SampledFrom(Tags).Draw(t, "tag"))
	switch rapid.IntRange(0, 9).Draw(t, "op") {
	case 0:
		b.WriteString(space(t, false))
		b.WriteString("EXISTS")
	case 1, 2:
		b.WriteString(space(t, false))
		b.WriteString("CONTAINS")
		b.WriteString(space(t, true))
		b.WriteString(grammar.Quote(String().Draw(t, "string")))
	case 3, 4:
		b.WriteString(space(t, true))
		b.WriteString("=")
		b.WriteString(space(t, true))
		genOperand(t, b, true)
	default:
		b.WriteString(space(t, true))
		b.WriteString(rapid.SampledFrom(comparisons).Draw(t, "comparison"))
		b.WriteString(space(t, true))
		genOperand(t, b, false)
	}
}

func genOperand(t *rapid.T, b *strings.Builder, str bool) {
	kinds := 3
	if str {
		kinds = 4
	}
	switch rapid.IntRange(1, kinds).Draw(t, "kind") {
	case 1:
		b.WriteString(Number().Draw(t, "number"))
	case 2:
		b.WriteString("DATE")
		b.WriteString(space(t, false))
		b.WriteString(Date().Draw(t, "date"))
	case 3:
		b.WriteString("TIME")
		b.WriteString(space(t, false))
		b.WriteString(Time().Draw(t, "time"))
	default:
		b.WriteString(grammar.Quote(String().Draw(t, "string")))
	}
}

// String generates strings: mostly from Strings and Numbers, sometimes any.
func String() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom(Strings),
		rapid.SampledFrom(Strings),
		rapid.SampledFrom(Numbers),
		rapid.String(),
	)
}

// Number generates number literals -?[0-9]+(\.[0-9]*)?: mostly from Numbers, sometimes any.
func Number() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom(Numbers),
		rapid.StringMatching(`-?[0-9]{1,3}(\.[0-9]{0,3})?`),
		rapid.StringMatching(`-?[0-9]{1,25}(\.[0-9]{0,25})?`),
	)
}

// Date generates valid dates YYYY-MM-DD: mostly from Dates, sometimes any.
func Date() *rapid.Generator[string] {
	return rapid.OneOf(rapid.SampledFrom(Dates), anyDate())
}

func anyDate() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		y := rapid.IntRange(0, 9999).Draw(t, "year")
		m := rapid.IntRange(1, 12).Draw(t, "month")
		days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
		if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			days = 29
		}
		d := rapid.IntRange(1, days).Draw(t, "day")
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	})
}

// Time generates valid RFC 3339 timestamps with a zone: mostly from Times, sometimes any.
func Time() *rapid.Generator[string] {
	return rapid.OneOf(rapid.SampledFrom(Times), anyTime())
}

func anyTime() *rapid.Generator[string] {
	return rapid.Custom(func(t *rapid.T) string {
		var b strings.Builder
		b.WriteString(rapid.OneOf(rapid.SampledFrom(Dates), anyDate()).Draw(t, "date"))
		fmt.Fprintf(&b, "T%02d:%02d:%02d",
			rapid.IntRange(0, 23).Draw(t, "hour"),
			rapid.IntRange(0, 59).Draw(t, "minute"),
			rapid.IntRange(0, 59).Draw(t, "second"))
		if rapid.Bool().Draw(t, "fraction") {
			b.WriteString(rapid.StringMatching(`\.[0-9]{1,12}`).Draw(t, "frac"))
		}
		if rapid.Bool().Draw(t, "utc") {
			b.WriteString("Z")
		} else {
			fmt.Fprintf(&b, "%s%02d:%02d",
				rapid.SampledFrom([]string{"+", "-"}).Draw(t, "sign"),
				rapid.IntRange(0, 23).Draw(t, "zh"),
				rapid.IntRange(0, 59).Draw(t, "zm"))
		}
		return b.String()
	})
}

// Value generates event values, often interesting for the generated operands: the same
// strings, numbers as operands write them or otherwise, timestamps in other zones, dates,
// near misses and junk.
func Value() *rapid.Generator[string] {
	return rapid.OneOf(
		rapid.SampledFrom(Strings),
		Number(),
		rapid.Custom(func(t *rapid.T) string { // a number with a unit
			return Number().Draw(t, "n") + rapid.SampledFrom([]string{"stake", "atom", ".", ".x", "e3", " "}).Draw(t, "unit")
		}),
		Date(),
		Time(),
		rapid.SampledFrom(Junk),
		rapid.String(),
	)
}

// Events generates event sets over Keys: nil, empty, with empty lists, with several
// values per key.
func Events() *rapid.Generator[map[string][]string] {
	return rapid.Custom(func(t *rapid.T) map[string][]string {
		switch rapid.IntRange(0, 19).Draw(t, "shape") {
		case 0:
			return nil
		case 1:
			return map[string][]string{}
		}
		n := rapid.IntRange(1, 8).Draw(t, "keys")
		events := make(map[string][]string, n)
		for range n {
			k := rapid.SampledFrom(Keys).Draw(t, "key")
			events[k] = rapid.SliceOfN(Value(), 0, 4).Draw(t, "values")
		}
		return events
	})
}
