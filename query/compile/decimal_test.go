package compile

import (
	"math/big"
	"regexp"
	"strings"
	"testing"

	"pgregory.net/rapid"
)

func TestParseDecimalAccepts(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"-0.000", "0"},
		{"000", "0"},
		{"5", "5"},
		{"5.", "5"},
		{"-5.", "-5"},
		{"5.000", "5"},
		{"005", "5"},
		{"0.5", "0.5"},
		{"00.50", "0.5"},
		{"-0.5", "-0.5"},
		{"-007.500", "-7.5"},
		{"10", "10"},
		{"100.001", "100.001"},
		{"99999999999999999999.0000000000000000000000000000000000001", "99999999999999999999.0000000000000000000000000000000000001"},
	} {
		d, ok := ParseDecimal(tc.in)
		if !ok {
			t.Errorf("ParseDecimal(%q): rejected", tc.in)
			continue
		}
		if got := d.String(); got != tc.want {
			t.Errorf("ParseDecimal(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestParseDecimalRejects(t *testing.T) {
	for _, in := range []string{
		"", "-", ".", "-.", ".5", "-.5", "+5", "5e3", "1E3", " 5", "5 ", "5..", "5.5.", "5.x",
		"--5", "5-", "0x10", "1_000", "١", "5.-1", "abc", "-+5",
	} {
		if d, ok := ParseDecimal(in); ok {
			t.Errorf("ParseDecimal(%q) = %s, want rejection", in, d)
		}
	}
}

func TestLeadingDecimal(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"160stake", "160"},
		{"8.5atom", "8.5"},
		{"1e3", "1"},
		{"5.", "5"},
		{"5.x", "5"},
		{"5..5", "5"},
		{"5.5.5", "5.5"},
		{"-7", "-7"},
		{"-7.25usd", "-7.25"},
		{"-0", "0"},
		{"-0.0abc", "0"},
		{"0005.5000", "5.5"},
		{"5 ", "5"},
		{"5-3", "5"},
		{"12345678901234567890123456789.5", "12345678901234567890123456789.5"},
	} {
		d, ok := LeadingDecimal(tc.in)
		if !ok {
			t.Errorf("LeadingDecimal(%q): rejected", tc.in)
			continue
		}
		if got := d.String(); got != tc.want {
			t.Errorf("LeadingDecimal(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for _, in := range []string{"abc", " 5", ".5", "-", "", "+5", "-.5", "--5", "-a5", "\t5", "e5"} {
		if d, ok := LeadingDecimal(in); ok {
			t.Errorf("LeadingDecimal(%q) = %s, want false", in, d)
		}
	}
}

func mustDecimal(t *testing.T, s string) Decimal {
	t.Helper()
	d, ok := ParseDecimal(s)
	if !ok {
		t.Fatalf("ParseDecimal(%q): rejected", s)
	}
	return d
}

func TestDecimalCmp(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"99999999999999999999.0000000000000000000000000000000000001", "99999999999999999999", +1},
		{"5", "5.000", 0},
		{"5.000", "005", 0},
		{"5", "005", 0},
		{"5.", "5", 0},
		{"-0", "0", 0},
		{"-0.000", "0.0", 0},
		{"-0", "-0.0", 0},
		{"-1", "-0.5", -1},
		{"-0.5", "0", -1},
		{"-0.5", "0.5", -1},
		{"-10", "-9", -1},
		{"-9.99", "-10", +1},
		{"10", "9", +1},
		{"010", "9.999", +1},
		{"0.5", "0.51", -1},
		{"0.51", "0.5", +1},
		{"0.5", "0.50", 0},
		{"0.05", "0.5", -1},
		{"1", "0.99999999999999999999999999", +1},
		{"12345678901234567890", "123456789012345678901", -1},
		{"123456789012345678901", "123456789012345678900.99", +1},
		{"-123456789012345678901", "-12345678901234567890", -1},
		{"0", "0.000000000000000000000000000001", -1},
		{"-0.000000000000000000000000000001", "0", -1},
		{"18446744073709551616", "18446744073709551615.9", +1},
	} {
		a, b := mustDecimal(t, tc.a), mustDecimal(t, tc.b)
		if got := a.Cmp(b); got != tc.want {
			t.Errorf("%s Cmp %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := b.Cmp(a); got != -tc.want {
			t.Errorf("%s Cmp %s = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
		if (a == b) != (tc.want == 0) {
			t.Errorf("%s and %s: field equality %v, want %v (canonical form)", tc.a, tc.b, a == b, tc.want == 0)
		}
	}
}

func TestDecimalZeroValue(t *testing.T) {
	var z Decimal
	if !z.IsZero() || z.String() != "0" || z.Cmp(mustDecimal(t, "-0.0")) != 0 {
		t.Errorf("zero Decimal = %s, want 0", z)
	}
	if mustDecimal(t, "0.001").IsZero() {
		t.Error("0.001 reported as zero")
	}
}

// decRat reads s with math/big, the oracle.
func decRat(t *rapid.T, s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("big.Rat cannot read %q", s)
	}
	return r
}

// decLiteral generates operand literals -?[0-9]+(\.[0-9]*)? of up to about 60
// digits, with leading and trailing zeros, from a small digit alphabet so
// that equal and nearly equal numbers are common.
func decLiteral() *rapid.Generator[string] {
	digits := rapid.SampledFrom([]rune("0000119"))
	return rapid.Custom(func(t *rapid.T) string {
		var sb strings.Builder
		if rapid.Bool().Draw(t, "neg") {
			sb.WriteByte('-')
		}
		sb.WriteString(strings.Repeat("0", rapid.IntRange(0, 5).Draw(t, "lead")))
		sb.WriteString(rapid.StringOfN(digits, 1, 25, -1).Draw(t, "int"))
		if rapid.Bool().Draw(t, "dot") {
			sb.WriteByte('.')
			sb.WriteString(rapid.StringOfN(digits, 0, 25, -1).Draw(t, "frac"))
			sb.WriteString(strings.Repeat("0", rapid.IntRange(0, 5).Draw(t, "trail")))
		}
		return sb.String()
	})
}

// decVariant returns a literal equal to s or close to it: zeros added or
// removed, the sign flipped, a digit changed, a digit appended.
func decVariant(t *rapid.T, s string) string {
	switch rapid.IntRange(0, 5).Draw(t, "variant") {
	case 0:
		return s
	case 1: // same number, other spelling
		neg := strings.HasPrefix(s, "-")
		s = strings.TrimPrefix(s, "-")
		s = "00" + s
		if !strings.Contains(s, ".") {
			s += "."
		}
		s += "000"
		if neg {
			s = "-" + s
		}
		return s
	case 2:
		if strings.HasPrefix(s, "-") {
			return s[1:]
		}
		return "-" + s
	case 3: // change one digit
		i := rapid.IntRange(0, len(s)-1).Draw(t, "pos")
		if !decDigit(s[i]) {
			return s
		}
		c := rapid.SampledFrom([]byte("0123456789")).Draw(t, "digit")
		return s[:i] + string(c) + s[i+1:]
	case 4:
		if !strings.Contains(s, ".") {
			s += "."
		}
		return s + rapid.SampledFrom([]string{"1", "01", "0001", "9"}).Draw(t, "tail")
	default:
		return decLiteral().Draw(t, "other")
	}
}

func TestDecimalCmpMatchesBigRat(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		as := decLiteral().Draw(t, "a")
		bs := decVariant(t, as)
		a, ok := ParseDecimal(as)
		if !ok {
			t.Fatalf("ParseDecimal(%q): rejected", as)
		}
		b, ok := ParseDecimal(bs)
		if !ok {
			t.Fatalf("ParseDecimal(%q): rejected", bs)
		}
		want := decRat(t, as).Cmp(decRat(t, bs))
		if got := a.Cmp(b); got != want {
			t.Fatalf("%s Cmp %s = %d, big.Rat says %d", as, bs, got, want)
		}
		if got := b.Cmp(a); got != -want {
			t.Fatalf("%s Cmp %s = %d, big.Rat says %d", bs, as, got, -want)
		}
		if (a == b) != (want == 0) {
			t.Fatalf("%s, %s: field equality %v, want %v", as, bs, a == b, want == 0)
		}
		// String is canonical and denotes the same number.
		if decRat(t, a.String()).Cmp(decRat(t, as)) != 0 {
			t.Fatalf("ParseDecimal(%q).String() = %s", as, a)
		}
	})
}

var (
	decLeadingRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?`)
	decLiteralRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]*)?$`)
)

func TestLeadingDecimalMatchesRegexp(t *testing.T) {
	chars := rapid.OneOf(
		rapid.SampledFrom([]rune("0000123456789......----+eE x")),
		rapid.Rune(),
	)
	rapid.Check(t, func(t *rapid.T) {
		s := rapid.StringOfN(chars, 0, 70, -1).Draw(t, "value")
		if p, ok := ParseDecimal(s); ok != decLiteralRE.MatchString(s) {
			t.Fatalf("ParseDecimal(%q) ok = %v, regexp says %v", s, ok, !ok)
		} else if ok && decRat(t, p.String()).Cmp(decRat(t, s)) != 0 {
			t.Fatalf("ParseDecimal(%q) = %s", s, p)
		}
		d, ok := LeadingDecimal(s)
		m := decLeadingRE.FindString(s)
		if ok != (m != "") {
			t.Fatalf("LeadingDecimal(%q) ok = %v, regexp reads %q", s, ok, m)
		}
		if !ok {
			return
		}
		if decRat(t, d.String()).Cmp(decRat(t, m)) != 0 {
			t.Fatalf("LeadingDecimal(%q) = %s, regexp reads %q", s, d, m)
		}
		// And it orders like the oracle against an arbitrary operand.
		os := decLiteral().Draw(t, "operand")
		o, _ := ParseDecimal(os)
		if got, want := d.Cmp(o), decRat(t, m).Cmp(decRat(t, os)); got != want {
			t.Fatalf("LeadingDecimal(%q) Cmp %s = %d, big.Rat says %d", s, os, got, want)
		}
	})
}

// Package-level so that the compiler cannot fold them.
var (
	decBenchValue   = "12345678901234567890atom"
	decBenchOperand = "123456789012345678901"
	decSink         int
)

func TestDecimalNoAllocs(t *testing.T) {
	op, _ := ParseDecimal(decBenchOperand)
	allocs := testing.AllocsPerRun(1000, func() {
		v, ok := LeadingDecimal(decBenchValue)
		if ok {
			decSink += v.Cmp(op)
		}
		p, _ := ParseDecimal("-000123.4500")
		decSink += p.Cmp(v)
	})
	if allocs != 0 {
		t.Errorf("LeadingDecimal+Cmp: %v allocations per run, want 0", allocs)
	}
}

func BenchmarkDecimalCmp20vs21(b *testing.B) {
	op, _ := ParseDecimal(decBenchOperand)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		v, ok := LeadingDecimal(decBenchValue)
		if ok {
			decSink += v.Cmp(op)
		}
	}
}
