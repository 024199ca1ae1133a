package compile

import (
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/query/grammar"
)

const maxBound = 999999999999999999 // the largest integer of maxIntDigits digits

// leadingNumber is how the contract reads a value as a number: its longest leading
// -?[0-9]+(\.[0-9]+)?.
var leadingNumber = regexp.MustCompile(`^(-?)([0-9]+)(?:\.([0-9]+))?`)

// bigCmp is the contract's comparison of the value v with the integer bound, done with
// math/big: v's leading number, read as the integer n of its digits scaled down by 10^f
// (f fraction digits), compares with bound as n does with bound·10^f. ok is false if v has
// no leading number.
func bigCmp(t require.TestingT, v string, bound int64) (c int, ok bool) {
	m := leadingNumber.FindStringSubmatch(v)
	if m == nil {
		return 0, false
	}
	n, ok := new(big.Int).SetString(m[2]+m[3], 10)
	require.True(t, ok, "digits of %q", v)
	if m[1] == "-" {
		n.Neg(n)
	}
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(m[3]))), nil)
	b := new(big.Int).Mul(big.NewInt(bound), scale)
	return n.Cmp(b), true
}

func TestCmpLeadingInt(t *testing.T) {
	const no = 2 // no leading number
	for _, tc := range []struct {
		v     string
		bound int64
		want  int
	}{
		{"5", 5, 0}, {"5", 4, +1}, {"5", 6, -1}, {"5", -5, +1}, {"-5", 5, -1}, {"-5", -5, 0},
		{"007", 7, 0}, {"007", 6, +1}, {"-007", -7, 0}, {"000", 0, 0}, {"00", 1, -1},
		{"0000000000000000000000000001", 1, 0},                     // 28 digits, 1 significant
		{"-000000000000000000000999999999999999999", -maxBound, 0}, // 18 significant
		{"-0", 0, 0}, {"-0", -1, +1}, {"-0", 1, -1}, {"-0.000", 0, 0}, {"-00", 0, 0},
		{"-0.5", 0, -1}, {"-0.5", -1, +1}, {"0.5", 0, +1}, {"0.5", 1, -1}, {"-0.0abc", 0, 0},
		{"5.", 5, 0}, {"5.x", 5, 0}, {"5.x", 6, -1}, {"5..5", 5, 0}, {"5.000", 5, 0},
		{"5.001", 5, +1}, {"5.001", 6, -1}, {"-5.001", -5, -1}, {"-5.001", -6, +1},
		{"8.5atom", 8, +1}, {"8.5atom", 9, -1}, {"-8.5", -8, -1}, {"-8.5", -9, +1},
		{"5.5.5", 5, +1}, {"1.0000000000000000000000000001", 1, +1}, {"1.00000000000000000000000", 1, 0},
		{"160stake", 160, 0}, {"160stake", 159, +1}, {"-5stake", -5, 0}, {"1e3", 1, 0}, {"1e3", 1000, -1},
		{"5-3", 5, 0}, {"5 ", 5, 0}, {"2021-11-23", 2021, 0},
		{"", 0, no}, {"-", 0, no}, {"abc", 0, no}, {".5", 0, no}, {"-.5", 0, no}, {"+5", 5, no},
		{" 5", 5, no}, {"--5", -5, no}, {"-a5", 0, no}, {"e5", 0, no}, {"١", 1, no},
		// 18 digits: read as they are.
		{"999999999999999999", maxBound, 0}, {"999999999999999999", maxBound - 1, +1},
		{"999999999999999998", maxBound, -1}, {"-999999999999999999", -maxBound, 0},
		{"-999999999999999999", maxBound, -1}, {"999999999999999999.5", maxBound, +1},
		{"-999999999999999999.5", -maxBound, -1}, {"100000000000000000", 99999999999999999, +1},
		// 19 and more: beyond any bound.
		{"1000000000000000000", maxBound, +1}, {"-1000000000000000000", -maxBound, -1},
		{"9999999999999999999", 0, +1}, {"-9999999999999999999", 0, -1},
		{"9223372036854775808", maxBound, +1}, {"18446744073709551616", -maxBound, +1},
		{"99999999999999999999", maxBound, +1}, {"-99999999999999999999.5", -maxBound, -1},
		{"12345678901234567890123", 5, +1}, {"-123456789012345678901234567890", 0, -1},
		{"0000000000000000001000000000000000000", maxBound, +1},
	} {
		t.Run(fmt.Sprintf("%q/%d", tc.v, tc.bound), func(t *testing.T) {
			c, ok := cmpLeadingInt(tc.v, tc.bound)
			if tc.want == no {
				assert.False(t, ok)
			} else {
				assert.True(t, ok)
				assert.Equal(t, tc.want, c)
			}
			bc, bok := bigCmp(t, tc.v, tc.bound)
			assert.Equal(t, bok, ok, "math/big reads a leading number")
			assert.Equal(t, bc, c, "math/big comparison")
		})
	}
}

func TestSmallInt(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true}, {"-0", 0, true}, {"-0.000", 0, true}, {"5", 5, true}, {"5.", 5, true},
		{"5.000", 5, true}, {"005", 5, true}, {"-160", -160, true},
		{"999999999999999999", maxBound, true}, {"-999999999999999999", -maxBound, true},
		{"0000000000000000000000001", 1, true},
		{"1000000000000000000", 0, false}, {"-1000000000000000000", 0, false},
		{"99999999999999999999", 0, false}, {"5.5", 0, false}, {"-0.5", 0, false},
	} {
		d, ok := ParseDecimal(tc.in)
		require.True(t, ok, tc.in)
		n, ok := d.smallInt()
		assert.Equal(t, tc.ok, ok, tc.in)
		assert.Equal(t, tc.want, n, tc.in)
	}
}

// bound draws an integer of at most maxIntDigits digits, often at the edges.
func bound() *rapid.Generator[int64] {
	return rapid.OneOf(
		rapid.Int64Range(-maxBound, maxBound),
		rapid.Int64Range(-20, 20),
		rapid.Custom(func(t *rapid.T) int64 {
			n := int64(1)
			for range rapid.IntRange(0, maxIntDigits-1).Draw(t, "exp") {
				n *= 10
			}
			n += rapid.Int64Range(-1, 1).Draw(t, "delta")
			if rapid.Bool().Draw(t, "neg") {
				n = -n
			}
			return n
		}),
		rapid.SampledFrom([]int64{0, maxBound, -maxBound}),
	)
}

// leading draws an event value for a condition on the integer b: a number near b, written
// with or without leading zeros, fraction digits and text after it, or any leading number of
// up to 30 digits, or text that is no number at all.
func leading(b int64) *rapid.Generator[string] {
	near := rapid.Custom(func(t *rapid.T) string {
		n := b + rapid.Int64Range(-1, 1).Draw(t, "delta")
		s := strconv.FormatInt(n, 10)
		if rapid.Bool().Draw(t, "zeros") {
			zeros := strings.Repeat("0", rapid.IntRange(1, 25).Draw(t, "nzeros"))
			if n < 0 {
				s = "-" + zeros + s[1:]
			} else {
				s = zeros + s
			}
		}
		if n == 0 && rapid.Bool().Draw(t, "minus") {
			s = "-" + s
		}
		return s + rapid.StringMatching(`(\.[0-9]{0,4}|\.0{0,30}[0-9]?)?[a-z.\-]{0,2}`).Draw(t, "rest")
	})
	return rapid.OneOf(
		near,
		rapid.StringMatching(`-?0{0,3}[0-9]{1,30}(\.[0-9]{0,3})?[a-z.]{0,2}`),
		rapid.SampledFrom([]string{"", "-", "abc", ".5", "-.5", "+5", " 5", "--5", "e5", "-0", "-0.0"}),
	)
}

// The integer comparison agrees with the contract's reading of the value, done with
// math/big (bigCmp), not with the package's own Decimal.
func TestCmpLeadingIntAgreesWithDecimal(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		b := bound().Draw(t, "bound")
		v := leading(b).Draw(t, "value")
		c, ok := cmpLeadingInt(v, b)
		bc, bok := bigCmp(t, v, b)
		require.Equal(t, bok, ok, "leading number of %q", v)
		require.Equal(t, bc, c, "%q against %d", v, b)
	})
}

// tagOfLen is a tag of n bytes.
func tagOfLen(n int) string { return "t" + strings.Repeat("x", n-1) }

// funcName is the name of the function f calls.
func funcName(f Func) string { return runtime.FuncForPC(reflect.ValueOf(f).Pointer()).Name() }

// The closure Compile picks for each condition and operand length: the inline ones when the
// bytes fit in them, and the ones that refer to strings when not.
func TestCompileInlines(t *testing.T) {
	for _, tc := range []struct{ query, closure string }{
		{`a = 'x'`, "equalsIn64"},
		{`a = ''`, "equalsIn64"},
		{tagOfLen(26) + ` = '` + strings.Repeat("v", 27) + `'`, "equalsIn64"}, // 3 + 53 bytes
		{tagOfLen(26) + ` = '` + strings.Repeat("v", 28) + `'`, "equalsIn128"},
		{tagOfLen(50) + ` = '` + strings.Repeat("v", 67) + `'`, "equalsIn128"}, // 3 + 117 bytes
		{tagOfLen(50) + ` = '` + strings.Repeat("v", 68) + `'`, "stringEqual"},
		{`a = 'x' AND b = 'y'`, "equalsIn64"},
		{`tm.events.type='NewBlock' AND abci.account.name='Igor'`, "equalsIn64"},
		{`tm.event = 'Tx' AND transfer.recipient = 'cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g7'`, "equalsIn128"},
		{`a = 'x' AND b = 'y' AND c = 'z' AND d = 'w'`, "equalsIn64"},
		{`a = 'x' AND ` + tagOfLen(60) + ` = '` + strings.Repeat("v", 60) + `'`, "sharedEquals"},
		{`a = 'x' AND b = 'y' AND ` + tagOfLen(60) + ` = '` + strings.Repeat("v", 60) + `'`, "sharedEquals"},
		{`a = 5`, "intIn64"}, {`a < -5`, "intIn64"}, {`a >= 005.000`, "intIn64"}, {`a <= -0`, "intIn64"},
		{`a > 999999999999999999`, "intIn64"}, {`a > -999999999999999999`, "intIn64"},
		{tagOfLen(46) + ` > 5`, "intIn64"}, {tagOfLen(47) + ` > 5`, "intIn128"},
		{tagOfLen(110) + ` > 5`, "intIn128"}, {tagOfLen(111) + ` > 5`, "decimalNumber"},
		{`a > 1000000000000000000`, "decimalNumber"}, {`a > -1000000000000000000`, "decimalNumber"},
		{`a > 5.5`, "decimalNumber"}, {`a > 0.1`, "decimalNumber"},
	} {
		ast, err := grammar.Parse(tc.query)
		require.NoError(t, err, tc.query)
		f, err := Compile(ast)
		require.NoError(t, err, tc.query)
		assert.Contains(t, funcName(f), "."+tc.closure+".", tc.query)
	}
}

// Each inline closure is a single block of 64 or 128 bytes: its variables are captured by
// value, not moved to blocks of their own.
func TestInlineClosureIsOneBlock(t *testing.T) {
	assert.Equal(t, uintptr(64-8), unsafe.Sizeof(equals64{}))
	assert.Equal(t, uintptr(128-8), unsafe.Sizeof(equals128{}))
	assert.Equal(t, uintptr(64-8), unsafe.Sizeof(intTag64{}))
	assert.Equal(t, uintptr(128-8), unsafe.Sizeof(intTag128{}))
	for _, tc := range []struct {
		name string
		size uint64
		make func() Func
	}{
		{"equalsIn64", 64, func() Func { return equalsIn64(equals64{}) }},
		{"equalsIn128", 128, func() Func { return equalsIn128(equals128{}) }},
		{"intIn64", 64, func() Func { return intIn64(intTag64{}) }},
		{"intIn128", 128, func() Func { return intIn128(intTag128{}) }},
	} {
		allocs, bytes := closureAllocs(tc.make)
		assert.Equal(t, 1.0, allocs, "%s: allocations", tc.name)
		assert.Equal(t, float64(tc.size), bytes, "%s: bytes", tc.name)
	}
}

// closureAllocs returns the allocations and bytes that a call of newFunc takes on average:
// the least of a few measurements, as the runtime may allocate now and then on its own.
func closureAllocs(newFunc func() Func) (allocs, bytes float64) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const n = 1000
	fs := [n]Func{}
	allocs, bytes = math.Inf(1), math.Inf(1)
	for range 5 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for i := range fs {
			fs[i] = newFunc()
		}
		runtime.ReadMemStats(&after)
		allocs = min(allocs, float64(after.Mallocs-before.Mallocs)/n)
		bytes = min(bytes, float64(after.TotalAlloc-before.TotalAlloc)/n)
	}
	return allocs, bytes
}

// inlineQuery draws a query whose closure is an inline one or, with operands a little too
// long, the closure that would be inline otherwise: a conjunction of one to four
// `tag = 'string'` conditions, or a numeric condition with an integer operand.
func inlineQuery(t *rapid.T) (q string, ast *grammar.Query, general Func) {
	tags := rapid.Custom(func(t *rapid.T) string {
		return rapid.OneOf(
			rapid.SampledFrom(oracle.Tags),
			rapid.SampledFrom([]string{tagOfLen(20), tagOfLen(46), tagOfLen(47), tagOfLen(110), tagOfLen(111)}),
		).Draw(t, "tag")
	})
	if rapid.Bool().Draw(t, "numeric") {
		tag := tags.Draw(t, "tag")
		op := rapid.SampledFrom([]string{"=", "<", "<=", ">", ">="}).Draw(t, "op")
		operand := rapid.OneOf(
			rapid.Custom(func(t *rapid.T) string { return strconv.FormatInt(bound().Draw(t, "bound"), 10) }),
			rapid.StringMatching(`-?0{0,3}[0-9]{1,20}(\.0{0,2})?`),
		).Draw(t, "operand")
		q = fmt.Sprintf("%s %s %s", tag, op, operand)
		ast, err := grammar.Parse(q)
		require.NoError(t, err, q)
		cond := ast.Expr.Terms[0].Factors[0].Cond
		want, ok := ParseDecimal(operand)
		require.True(t, ok)
		return q, ast, decimalNumber(tag, cond.Op, want)
	}
	wants := rapid.OneOf(
		rapid.SampledFrom(oracle.Strings),
		rapid.StringMatching(`[a-z0-9']{0,70}`),
	)
	n := rapid.IntRange(1, 4).Draw(t, "conditions")
	conds := make([]tagWant, n)
	parts := make([]string, n)
	for i := range conds {
		conds[i] = tagWant{tags.Draw(t, "tag"), wants.Draw(t, "want")}
		parts[i] = fmt.Sprintf("%s = '%s'", conds[i].tag, strings.ReplaceAll(conds[i].want, "'", "''"))
	}
	q = strings.Join(parts, " AND ")
	ast, err := grammar.Parse(q)
	require.NoError(t, err, q)
	if n == 1 {
		tag, want := conds[0].tag, conds[0].want
		return q, ast, func(ev map[string][]string) bool { return anyEqual(ev[tag], want) }
	}
	return q, ast, sharedEquals(conds)
}

// inlineEvents draws event sets for the query: the keys of its tags (and others) with values
// that equal its operands, differ from them slightly or are numbers near them.
func inlineEvents(t *rapid.T, ast *grammar.Query) map[string][]string {
	var keys, values []string
	for _, u := range ast.Expr.Terms[0].Factors {
		c := u.Cond
		keys = append(keys, c.Tag)
		switch {
		case c.Operand.Str != nil:
			s := string(*c.Operand.Str)
			values = append(values, s, s+"x", "x"+s)
			if s != "" {
				values = append(values, s[:len(s)-1])
			}
		default:
			d, _ := ParseDecimal(*c.Operand.Number)
			b, ok := d.smallInt()
			if !ok {
				b = maxBound
			}
			for range 4 {
				values = append(values, leading(b).Draw(t, "number"))
			}
			values = append(values, "1"+*c.Operand.Number, *c.Operand.Number+".5", "-"+*c.Operand.Number)
		}
	}
	keys = append(keys, oracle.Keys...)
	ev := map[string][]string{}
	for range rapid.IntRange(0, 5).Draw(t, "keys") {
		k := rapid.SampledFrom(keys).Draw(t, "key")
		ev[k] = rapid.SliceOfN(rapid.SampledFrom(values), 0, 3).Draw(t, "values")
	}
	return ev
}

// The inline closures agree with the closures they stand for, and with the reference
// evaluator.
func TestInlineAgreesWithGeneral(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		q, ast, general := inlineQuery(t)
		match, err := Compile(ast)
		require.NoError(t, err, q)
		for range 8 {
			ev := inlineEvents(t, ast)
			want := oracle.Eval(ast, ev)
			require.Equal(t, want, general(ev), "general closure: %s on %#v", q, ev)
			require.Equal(t, want, match(ev), "%s (%s) on %#v", q, funcName(match), ev)
		}
	})
}

// Matching with an inline closure allocates nothing, on every path through it.
func TestInlineDoesNotAllocate(t *testing.T) {
	ev := map[string][]string{
		"tm.event":       {"Tx"},
		"a":              {"abc", "", "-", "007", "-0", "5.x", "8.5atom", "-0.5", "160stake"},
		"big":            {"12345678901234567890123", "-99999999999999999999.5", "999999999999999999.5"},
		tagOfLen(46):     {"5"},
		tagOfLen(110):    {"5"},
		"transfer.recip": {"cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g7"},
	}
	queries := []string{
		`tm.event = 'Tx'`, `tm.event = 'NewBlock'`, `missing = 'x'`, `a = '5.x'`,
		`tm.event = 'Tx' AND a = '-'`, `tm.event = 'Tx' AND a = 'x'`, `missing = 'Tx' AND a = '-'`,
		`tm.event = 'Tx' AND transfer.recip = 'cosmos1qypqxpq9qcrsszg2pvxq6rs0zqg3yyc5z5tpwxqergd3c8g7'`,
		`a = 7`, `a < -1`, `a <= 0`, `a > 160`, `a >= 9`, `a = 999999999999999999`,
		`big > 5`, `big < 5`, `big = 999999999999999999`, `missing > 5`,
		tagOfLen(46) + ` = 5`, tagOfLen(110) + ` = 5`,
	}
	for _, q := range queries {
		ast, err := grammar.Parse(q)
		require.NoError(t, err, q)
		match, err := Compile(ast)
		require.NoError(t, err, q)
		require.Regexp(t, `\.(equals|int)In(64|128)\.`, funcName(match), q)
		for _, e := range []map[string][]string{ev, nil, {}} {
			allocs := testing.AllocsPerRun(100, func() { match(e) })
			assert.Zero(t, allocs, "%s on %v", q, e)
		}
	}
}

// Every condition of a conjunction of string equalities counts, whichever closure holds the
// conjunction (inline in 64 or 128 bytes, or sharing one allocation), at 3, 4 and 5
// conditions and with short and long tags and values: the event set that satisfies them all
// matches, and for each condition, event sets that satisfy every other condition but not
// that one do not match, whether its key is missing, has no values, has only near misses of
// the operand, or the operand is under another key.
func TestStringEqualsEveryCondition(t *testing.T) {
	long := func(prefix string, n int) string { return prefix + strings.Repeat("x", n-len(prefix)) }
	short3 := []tagWant{{"a", "x"}, {"b", "y"}, {"c", "z"}}
	short5 := []tagWant{{"a", "x"}, {"b", "y"}, {"c", "z"}, {"d", "w"}, {"e", "v"}}
	medium := func(n int) []tagWant { // 8-byte tags, 10-byte wants: too big for 64 bytes
		conds := make([]tagWant, n)
		for i := range conds {
			conds[i] = tagWant{fmt.Sprintf("attr.%03d", i), fmt.Sprintf("value-%04d", i)}
		}
		return conds
	}
	big := func(n int) []tagWant { // 45-byte tags, 60-byte wants
		conds := make([]tagWant, n)
		for i := range conds {
			conds[i] = tagWant{long(fmt.Sprintf("tag%d.", i), 45), long(fmt.Sprintf("want%d-", i), 60)}
		}
		return conds
	}
	var closures []string // of the rows
	for _, tc := range []struct {
		name  string
		conds []tagWant
	}{
		{"3 short", short3},
		{"4 short", short5[:4]},
		{"5 short", short5},
		{"3 realistic", []tagWant{{"tm.event", "Tx"}, {"message.action", "send"}, {"transfer.recipient", "cosmos1qypqxpq9qcrs"}}},
		{"3 medium", medium(3)},
		{"4 medium", medium(4)},
		{"5 medium", medium(5)},
		{"2 long", big(2)},
		{"3 long", big(3)},
		{"4 long", big(4)},
		{"5 long", big(5)},
		{"3, long tag third", []tagWant{{"a", "x"}, {"b", "y"}, {long("third.", 45), "z"}}},
		{"3, long tag and want third", []tagWant{{"a", "x"}, {"b", "y"}, {long("third.", 45), long("w-", 70)}}},
		{"3, long tag first", []tagWant{{long("first.", 60), long("w-", 60)}, {"b", "y"}, {"c", "z"}}},
		{"3, long wants", []tagWant{{"a", long("w1-", 40)}, {"b", long("w2-", 40)}, {"c", long("w3-", 40)}}},
		{"4, long third", []tagWant{{"a", "x"}, {"b", "y"}, {long("third.", 50), long("w-", 50)}, {"d", "w"}}},
		{"5, long last", []tagWant{{"a", "x"}, {"b", "y"}, {"c", "z"}, {"d", "w"}, {long("fifth.", 50), long("w-", 50)}}},
		{"3, a tag twice", []tagWant{{"a", "x"}, {long("b.", 45), "y"}, {"a", long("w-", 60)}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parts := make([]string, len(tc.conds))
			for i, c := range tc.conds {
				parts[i] = c.tag + " = '" + c.want + "'"
			}
			q := strings.Join(parts, " AND ")
			ast, err := grammar.Parse(q)
			require.NoError(t, err, q)
			match, err := Compile(ast)
			require.NoError(t, err, q)
			closures = append(closures, funcName(match))

			// events builds the event set in which every condition holds but skip (-1:
			// none): each key has near misses of its operands, then the operands, except
			// skip's, which break applies to.
			events := func(skip int, brk string) map[string][]string {
				ev := map[string][]string{"unrelated": {"x", "y"}}
				for _, c := range tc.conds {
					w := c.want
					ev[c.tag] = append(ev[c.tag], w+"x", "x"+w)
					if w != "" {
						ev[c.tag] = append(ev[c.tag], w[:len(w)-1], w[:len(w)-1]+"#")
					}
				}
				for i, c := range tc.conds {
					if i != skip {
						ev[c.tag] = append(ev[c.tag], c.want)
					}
				}
				if skip < 0 {
					return ev
				}
				c := tc.conds[skip]
				switch brk {
				case "missing":
					delete(ev, c.tag)
				case "empty":
					ev[c.tag] = []string{}
				case "elsewhere":
					ev[c.tag+"x"] = []string{c.want}
					ev[strings.ToUpper(c.tag)] = []string{c.want}
				}
				return ev
			}
			all := events(-1, "")
			assert.True(t, match(all), "%s on %v", q, all)
			for i, c := range tc.conds {
				for _, brk := range []string{"near misses", "missing", "empty", "elsewhere"} {
					if (brk == "missing" || brk == "empty") && slices.ContainsFunc(tc.conds, func(o tagWant) bool { return o != c && o.tag == c.tag }) {
						continue // another condition needs the key
					}
					ev := events(i, brk)
					assert.False(t, match(ev), "%s without condition %d (%s): %v", q, i+1, brk, ev)
					assert.False(t, oracle.Eval(ast, ev), "oracle: %s without condition %d (%s)", q, i+1, brk)
				}
			}
		})
	}
	// The rows reach every closure a conjunction of string equalities can get.
	for _, name := range []string{"equalsIn64", "equalsIn128", "sharedEquals"} {
		assert.True(t, slices.ContainsFunc(closures, func(f string) bool {
			return strings.Contains(f, "."+name+".")
		}), "no row reaches %s: %v", name, closures)
	}
}
