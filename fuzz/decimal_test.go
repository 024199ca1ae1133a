package fuzz

import (
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/querybus/querybus/query/compile"
)

// Oracles for the two readings of a number: an operand literal as a whole, and the longest
// leading number of an event value (Go's regexp prefers the longer alternative of (...)?).
var (
	operandNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]*)?$`)
	leadingNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?`)
)

// FuzzDecimal checks compile.ParseDecimal, compile.LeadingDecimal and Decimal.Cmp against
// the regular expressions of the specification and math/big.Rat:
//
//   - ParseDecimal accepts exactly the texts operandNumber matches, LeadingDecimal exactly
//     the values leadingNumber finds a prefix of, and both read the number a Rat reads;
//   - Cmp has the sign of Rat.Cmp, is antisymmetric, and two Decimals are equal (==) exactly
//     when they denote the same number, as the canonical representation promises;
//   - String prints the canonical form, which ParseDecimal reads back as the same Decimal.
func FuzzDecimal(f *testing.F) {
	seeds := []string{
		"0", "-0", "0.0", "-0.000", "00", "5", "5.", "5.0", "005", "-5", "-5.", "5.000", "0.5", ".5",
		"-.5", "+5", "-", "", " 5", "5 ", "1e3", "1E3", "160stake", "8.5atom", "5.x", "5..", "1.2.3",
		"--5", "abc", "-007.500", "0.1", "0.10", "0.09", "10", "9.99", "99999999999999999999",
		"99999999999999999999.0000000000000000000000000000000000001", "-99999999999999999999.1",
		"123456789012345678901234567890.123456789012345678901234567890", "٣", "5\x00", "0x10",
		"1_000", "1,5", "-0.0000000000000000000000000000001",
	}
	for i, a := range seeds {
		f.Add(a, seeds[(i*7+3)%len(seeds)])
		f.Add(a, a)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > maxFuzzNumberLen || len(b) > maxFuzzNumberLen {
			return
		}
		da, ra, oka := checkLeading(t, a)
		db, rb, okb := checkLeading(t, b)
		checkOperand(t, a)
		checkOperand(t, b)
		if !oka || !okb {
			return
		}
		c := da.Cmp(db)
		if want := ra.Cmp(rb); c != want {
			t.Fatalf("LeadingDecimal(%q).Cmp(LeadingDecimal(%q)) = %d, big.Rat says %d", a, b, c, want)
		}
		if back := db.Cmp(da); back != -c {
			t.Fatalf("Cmp is not antisymmetric on %q and %q: %d and %d", a, b, c, back)
		}
		if (da == db) != (c == 0) {
			t.Fatalf("%q and %q: Decimals equal = %v, Cmp = %d: the representation is not canonical", a, b, da == db, c)
		}
	})
}

// maxFuzzNumberLen bounds the texts FuzzDecimal reads: three times the 18 digits that fit an
// int64, enough to exercise every path of the comparisons (small integers, long integers,
// long fractions, both signs), and short enough that the minimisation of an input is quick.
const maxFuzzNumberLen = 64

// checkLeading checks LeadingDecimal(s) against leadingNumber and returns what it read.
func checkLeading(t *testing.T, s string) (compile.Decimal, *big.Rat, bool) {
	t.Helper()
	d, ok := compile.LeadingDecimal(s)
	lead := leadingNumber.FindString(s)
	if ok != (lead != "") {
		t.Fatalf("LeadingDecimal(%q) ok = %v, the leading number is %q", s, ok, lead)
	}
	if !ok {
		if d != (compile.Decimal{}) {
			t.Fatalf("LeadingDecimal(%q) = %v with ok = false, want the zero Decimal", s, d)
		}
		return d, nil, false
	}
	r := ratOf(lead)
	checkDecimal(t, "LeadingDecimal", s, d, r)
	return d, r, true
}

// checkOperand checks ParseDecimal(s) against operandNumber.
func checkOperand(t *testing.T, s string) {
	t.Helper()
	d, ok := compile.ParseDecimal(s)
	if want := operandNumber.MatchString(s); ok != want {
		t.Fatalf("ParseDecimal(%q) ok = %v, want %v", s, ok, want)
	}
	if ok {
		checkDecimal(t, "ParseDecimal", s, d, ratOf(s))
	}
}

// checkDecimal checks that d, read from s by the function fn, is the number r.
func checkDecimal(t *testing.T, fn, s string, d compile.Decimal, r *big.Rat) {
	t.Helper()
	if want := canonical(r); d.String() != want {
		t.Fatalf("%s(%q).String() = %q, want %q", fn, s, d.String(), want)
	}
	if d.IsZero() != (r.Sign() == 0) {
		t.Fatalf("%s(%q).IsZero() = %v, the number is %s", fn, s, d.IsZero(), r.RatString())
	}
	back, ok := compile.ParseDecimal(d.String())
	if !ok || back != d {
		t.Fatalf("%s(%q): ParseDecimal(%q) = %v, %v; want the same Decimal", fn, s, d.String(), back, ok)
	}
	if d.Cmp(d) != 0 {
		t.Fatalf("%s(%q): Cmp with itself = %d", fn, s, d.Cmp(d))
	}
}

// ratOf returns the value of a number -?[0-9]+(\.[0-9]*)?, computed from its digits.
func ratOf(s string) *big.Rat {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	intDigits, fracDigits, _ := strings.Cut(s, ".")
	num, ok := new(big.Int).SetString(intDigits+fracDigits, 10)
	if !ok {
		panic("ratOf: not digits: " + s)
	}
	if neg {
		num.Neg(num)
	}
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(fracDigits))), nil)
	return new(big.Rat).SetFrac(num, den)
}

// canonical prints r, a decimal fraction, as Decimal.String promises to: no leading zeros,
// no trailing zeros in the fraction, no dot without digits after it, no "-0".
func canonical(r *big.Rat) string {
	s := r.FloatString(fractionDigits(r))
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// fractionDigits returns the least k for which r * 10^k is an integer. r is a decimal
// fraction, so its reduced denominator is 2^a * 5^b, and k is max(a, b): a from the
// denominator's trailing zero bits, b from dividing the odd part by 5 until it is 1.
func fractionDigits(r *big.Rat) int {
	den := new(big.Int).Set(r.Denom())
	twos := int(den.TrailingZeroBits())
	den.Rsh(den, uint(twos))
	fives := 0
	five, q, m := big.NewInt(5), new(big.Int), new(big.Int)
	for den.Cmp(big.NewInt(1)) != 0 {
		q.QuoRem(den, five, m)
		if m.Sign() != 0 {
			panic("fractionDigits: not a decimal fraction: " + r.RatString())
		}
		den.Set(q)
		fives++
	}
	return max(twos, fives)
}
