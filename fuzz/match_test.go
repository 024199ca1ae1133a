package fuzz

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/querybus/querybus/internal/fastpath"
	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/query/grammar"
)

// FuzzMatch checks that a compiled query matches exactly the event sets that the reference
// evaluator oracle.Eval matches, and that the query compiled from its canonical form does
// too, and so does each part the engine may evaluate instead (fastpath.Plan.Parts). The event set is decoded from bytes over a small pool of keys and values that holds
// the query's own tags and operands, so that conditions are hit; see decodeEvents.
func FuzzMatch(f *testing.F) {
	events := [][]byte{
		nil,                 // no event set at all
		{0xff},              // a key with no values only: the empty set
		{0, 0, 1, 1, 2, 2},  // the query's first keys and values
		{0, 0, 0, 1, 0, 2},  // three values for one key
		{3, 0x82, '5', 'x'}, // a raw value
		{7, 0x88, '2', '0', '2', '1', '-', '1', '1', '-', '2', '3'},
		{4, 9, 5, 10, 6, 11, 7, 12, 8, 13, 9, 14, 10, 15},
	}
	for i, c := range queryCases {
		if !c.valid || len(c.q) > maxFuzzQueryLen {
			continue
		}
		for j, ev := range events {
			if (i+j)%3 == 0 || j < 3 {
				f.Add(c.q, ev)
			}
		}
	}
	f.Fuzz(func(t *testing.T, s string, data []byte) {
		if len(s) > maxFuzzQueryLen || len(data) > maxFuzzEventBytes {
			return
		}
		q, err := query.New(s)
		if err != nil {
			return
		}
		ast, err := grammar.Parse(s)
		if err != nil {
			t.Fatalf("grammar.Parse(%q) = %v, but New accepts it", s, err)
		}
		canon, err := query.New(q.String())
		if err != nil {
			t.Fatalf("canonical form %q of %q does not compile: %v", q.String(), s, err)
		}
		canonAST, err := grammar.Parse(q.String())
		if err != nil {
			t.Fatalf("grammar.Parse(%q) = %v, but New accepts it", q.String(), err)
		}
		ev := decodeEvents(data, pools(ast))
		want := oracle.Eval(ast, ev)
		got, err := q.Matches(ev)
		if err != nil {
			t.Fatalf("New(%q).Matches(%s): error %v", s, formatEvents(ev), err)
		}
		if got != want {
			t.Fatalf("New(%q).Matches(%s) = %v, oracle.Eval = %v", s, formatEvents(ev), got, want)
		}
		if got, _ := canon.Matches(ev); got != want {
			t.Fatalf("canonical form %q of %q: Matches(%s) = %v, oracle.Eval = %v", q.String(), s, formatEvents(ev), got, want)
		}
		if got := oracle.Eval(canonAST, ev); got != want {
			t.Fatalf("canonical form %q of %q: oracle.Eval(%s) = %v, on the query %v", q.String(), s, formatEvents(ev), got, want)
		}
		if got, _ := q.Matches(nil); got {
			t.Fatalf("New(%q) matches the nil event set", s)
		}
		for _, p := range fastpath.Of(q).Parts { // what the engine evaluates instead
			var got bool
			if p.Values != nil {
				got = p.Values(ev[p.Key])
			} else {
				got = p.Split(ev[p.Key], ev)
			}
			if got != want {
				t.Fatalf("New(%q) split at %s: %v on %s, oracle.Eval = %v", s, p.Key, got, formatEvents(ev), want)
			}
		}
	})
}

// baseKeys and baseValues are in every pool: keys of the examples of the specification, and
// values that are read in interesting ways as numbers, dates and times.
var (
	baseKeys   = []string{"tm.event", "tx.height", "a", "a.b", "b", "c", "rewards.withdraw.amount", "tm"}
	baseValues = []string{
		"", "Tx", "NewBlock", "x", "it's", "5", "5.0", "005", "-0", "0", "-5", "160stake", "8.5atom",
		"1e3", "abc", " 5", ".5", "5.", "5.x", "-", "99999999999999999999.0000000000000000000000000000000000001",
		"99999999999999999999", "2021-11-23", "2021-11-24", "2021-11-23T22:04:19Z",
		"2021-11-23T23:04:19+01:00", "2021-11-23T22:04:19.5-09:00", "2021-11-23T22:04:19.000000000Z",
		"2021-02-30", "2021-11-23T2:04:19Z", "2021-11-23T22:04:19+24:00",
	}
)

// pools returns the keys and values events are drawn from for the query q: the base pools,
// each tag of q with the keys that EXISTS tells apart (tag + ".x", the tag cut at its last
// dot, the tag with its last byte dropped), and each operand of q as a value, as written and
// next to the values just above and below it.
func pools(q *grammar.Query) pool {
	keys := append([]string(nil), baseKeys...)
	values := append([]string(nil), baseValues...)
	var walk func(or *grammar.Or)
	walk = func(or *grammar.Or) {
		for _, and := range or.Terms {
			for _, u := range and.Factors {
				for u.Not != nil {
					u = u.Not
				}
				if u.Group != nil {
					walk(u.Group)
					continue
				}
				c := u.Cond
				keys = append(keys, c.Tag, c.Tag+".x", c.Tag[:len(c.Tag)-1])
				if i := strings.LastIndexByte(c.Tag, '.'); i > 0 {
					keys = append(keys, c.Tag[:i])
				}
				if c.Operand != nil {
					values = append(values, operandValues(c.Operand)...)
				}
			}
		}
	}
	walk(q.Expr)
	return pool{keys: dedup(keys), values: dedup(values)}
}

// pool is what decodeEvents draws keys and values from.
type pool struct{ keys, values []string }

// operandValues returns event values near the operand o.
func operandValues(o *grammar.Operand) []string {
	switch o.Kind() {
	case grammar.KindString:
		s := string(*o.Str)
		return []string{s, "x" + s + "x", s + s, strings.ToUpper(s)}
	case grammar.KindNumber:
		n := *o.Number
		return []string{n, n + "0", n + "1", n + "stake", "0" + n, strings.TrimPrefix(n, "-"), "-" + n, bump(n, -1), bump(n, +1)}
	case grammar.KindDate:
		d := *o.Date
		return []string{d, d + "T00:00:00Z", d + "T00:00:00.000000001Z", d + "T23:59:59Z", d + "T00:00:00+01:00", bump(d, -1), bump(d, +1)}
	default:
		ts := *o.Time
		return []string{ts, ts[:10], bump(ts, -1), bump(ts, +1), strings.Replace(ts, "T", "t", 1)}
	}
}

// bump changes the last digit of s by delta, carrying nothing: a value just beside s, or s
// itself if its last digit cannot move.
func bump(s string, delta int) string {
	for i := len(s) - 1; i >= 0; i-- {
		if c := s[i]; '0' <= c && c <= '9' {
			d := int(c-'0') + delta
			if d < 0 || d > 9 {
				return s
			}
			return s[:i] + string(rune('0'+d)) + s[i+1:]
		}
	}
	return s
}

func dedup(ss []string) []string {
	seen := make(map[string]bool, len(ss))
	out := ss[:0]
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// maxFuzzEventBytes bounds the encoded event set of FuzzMatch: 64 entries or more, far more
// keys and values than a query of maxFuzzQueryLen bytes can tell apart.
const maxFuzzEventBytes = 128

// decodeEvents builds an event set from data, a sequence of entries:
//
//   - k, v with v < 0x80: the value values[v % len] under the key keys[k % len];
//   - k, v with v >= 0x80: the next v & 0x0f bytes of data, as they are, under keys[k % len];
//   - k >= 0xf0: the key keys[k % len] with an empty list of values, which counts as absent.
//
// An incomplete last entry is dropped.
func decodeEvents(data []byte, pool pool) map[string][]string {
	ev := make(map[string][]string)
	for len(data) > 0 {
		k := data[0]
		key := pool.keys[int(k)%len(pool.keys)]
		if k >= 0xf0 {
			if _, ok := ev[key]; !ok {
				ev[key] = []string{}
			}
			data = data[1:]
			continue
		}
		if len(data) < 2 {
			break
		}
		v := data[1]
		data = data[2:]
		var value string
		if v < 0x80 {
			value = pool.values[int(v)%len(pool.values)]
		} else {
			n := min(int(v&0x0f), len(data))
			value, data = string(data[:n]), data[n:]
		}
		ev[key] = append(ev[key], value)
	}
	return ev
}

// formatEvents prints an event set with its keys sorted, for failure messages.
func formatEvents(ev map[string][]string) string {
	keys := make([]string, 0, len(ev))
	for k := range ev {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %q", k, ev[k])
	}
	b.WriteString("}")
	return b.String()
}
