package compile

// Decimal is an exact decimal number of any size and precision, read from a
// string without allocating: its digits are substrings of the input.
//
// The representation is canonical, so two Decimals that denote the same
// number have equal fields: the integer digits carry no leading zeros, the
// fraction digits no trailing zeros, and zero is never negative. The zero
// value of Decimal is the number 0.
type Decimal struct {
	neg  bool   // true iff the number is strictly negative
	int  string // integer digits without leading zeros ("" for 0)
	frac string // fraction digits without trailing zeros ("" for none)
}

// ParseDecimal reads s, which must be an operand literal as a whole:
// -?[0-9]+(\.[0-9]*)? — an optional minus, at least one digit, and an
// optional fraction whose digits may be absent ("5." is 5). There is no
// leading plus, exponent, leading dot or white space. It reports false if s
// is not such a literal.
func ParseDecimal(s string) (Decimal, bool) {
	d, n := scanDecimal(s)
	if n == 0 || n != len(s) {
		return Decimal{}, false
	}
	return d, true
}

// LeadingDecimal reads the longest leading number -?[0-9]+(\.[0-9]+)? of
// the event value s and ignores the rest: "160stake" reads as 160,
// "8.5atom" as 8.5, "1e3" as 1 and "5.x" as 5. It reports false if s does
// not begin with such a number ("abc", " 5", ".5", "-", "+5", "").
func LeadingDecimal(s string) (Decimal, bool) {
	// A dot with no digit after it ends the value's number, where it belongs
	// to an operand's ("5.x" and "5." read as 5 either way): the number read
	// is the same, only where it ends differs, and that does not matter here.
	d, n := scanDecimal(s)
	return d, n > 0
}

// maxIntDigits is the most digits an integer may have to be held in an int64 whatever they
// are: 10^18 - 1 < 2^63 - 1.
const maxIntDigits = 18

// smallInt returns d as an int64 if d is an integer of at most maxIntDigits digits.
func (d Decimal) smallInt() (int64, bool) {
	if d.frac != "" || len(d.int) > maxIntDigits {
		return 0, false
	}
	var n int64
	for i := 0; i < len(d.int); i++ {
		n = n*10 + int64(d.int[i]-'0')
	}
	if d.neg {
		n = -n
	}
	return n, true
}

// cmpLeadingInt compares the leading number of the event value s, as LeadingDecimal reads
// it, with bound, an integer of at most maxIntDigits digits, and returns -1, 0 or +1 as Cmp
// would; it reports false if s does not begin with a number. It reads no more than
// maxIntDigits significant digits of s, into an int64, and is exact all the same: a number
// with more digits is further from 0 than bound, and a fraction that is not zero puts the
// number strictly between its integer part and the next integer away from 0.
func cmpLeadingInt(s string, bound int64) (int, bool) {
	i := 0
	neg := i < len(s) && s[i] == '-'
	if neg {
		i++
	}
	start := i
	for i < len(s) && s[i] == '0' { // "007" is 7
		i++
	}
	var n int64
	digits := 0 // significant ones
	for ; i < len(s) && decDigit(s[i]); i++ {
		if digits < maxIntDigits {
			n = n*10 + int64(s[i]-'0')
		}
		digits++
	}
	switch {
	case i == start: // "", "-", "abc", ".5"
		return 0, false
	case digits > maxIntDigits: // |s| >= 10^18 > |bound|
		return awayFromZero(neg), true
	}
	if neg {
		n = -n // -0 is 0
	}
	switch {
	case n < bound:
		return -1, true
	case n > bound:
		return +1, true
	}
	// The integer part is bound: a fraction that is not zero moves the number away from
	// 0, and past bound. A dot with no digit after it ends the number ("5.x" is 5).
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && decDigit(s[i]); i++ {
			if s[i] != '0' {
				return awayFromZero(neg), true
			}
		}
	}
	return 0, true
}

// awayFromZero is how a number of the sign neg compares with one nearer to 0.
func awayFromZero(neg bool) int {
	if neg {
		return -1
	}
	return +1
}

// scanDecimal reads a number -?[0-9]+(\.[0-9]*)? at the start of s and
// returns it with the number of bytes it spans, 0 if s does not begin with
// a number.
func scanDecimal(s string) (Decimal, int) {
	var d Decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	start := i
	for i < len(s) && decDigit(s[i]) {
		i++
	}
	if i == start {
		return Decimal{}, 0
	}
	intDigits := s[start:i]
	var fracDigits string
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && decDigit(s[j]) {
			j++
		}
		fracDigits = s[i+1 : j]
		i = j
	}
	d.int = decTrimLeadingZeros(intDigits)
	d.frac = decTrimTrailingZeros(fracDigits)
	if d.int == "" && d.frac == "" {
		d.neg = false // -0 is 0
	}
	return d, i
}

func decDigit(c byte) bool { return '0' <= c && c <= '9' }

func decTrimLeadingZeros(s string) string {
	i := 0
	for i < len(s) && s[i] == '0' {
		i++
	}
	return s[i:]
}

func decTrimTrailingZeros(s string) string {
	i := len(s)
	for i > 0 && s[i-1] == '0' {
		i--
	}
	return s[:i]
}

// Cmp compares a and b exactly and returns -1 if a < b, 0 if a = b and +1
// if a > b. It does not allocate.
func (a Decimal) Cmp(b Decimal) int {
	if a.neg != b.neg {
		if a.neg {
			return -1
		}
		return +1
	}
	c := a.cmpAbs(b)
	if a.neg {
		return -c
	}
	return c
}

// cmpAbs compares the absolute values of a and b.
func (a Decimal) cmpAbs(b Decimal) int {
	// Without leading zeros, a longer integer part is a larger one.
	switch {
	case len(a.int) < len(b.int):
		return -1
	case len(a.int) > len(b.int):
		return +1
	}
	if c := decCmpString(a.int, b.int); c != 0 {
		return c
	}
	// Without trailing zeros, fractions compare lexicographically: a
	// proper prefix is the smaller one (0.5 < 0.51).
	return decCmpString(a.frac, b.frac)
}

func decCmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return +1
	}
	return 0
}

// IsZero reports whether d is the number 0.
func (d Decimal) IsZero() bool { return d.int == "" && d.frac == "" }

// String returns the canonical decimal form of d: an optional minus, the
// integer digits without leading zeros ("0" if there are none) and, if the
// fraction is not zero, a dot and its digits without trailing zeros. So
// "-007.500" prints as "-7.5" and "-0.0" as "0". It allocates, and is meant
// for messages and tests, not for matching.
func (d Decimal) String() string {
	n := len(d.int) + len(d.frac) + 3
	b := make([]byte, 0, n)
	if d.neg {
		b = append(b, '-')
	}
	if d.int == "" {
		b = append(b, '0')
	} else {
		b = append(b, d.int...)
	}
	if d.frac != "" {
		b = append(b, '.')
		b = append(b, d.frac...)
	}
	return string(b)
}
