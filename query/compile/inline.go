package compile

import (
	"github.com/querybus/querybus/query/grammar"
	"github.com/querybus/querybus/query/internal/plan"
)

// The closures here hold the bytes of their tags and operands in their own block of memory,
// so that evaluating one touches that block alone: a bus evaluates thousands of distinct
// queries whose memory is out of the cache, and every further block, such as the bytes of a
// string the closure refers to, is one more cache miss.
//
// The compiler puts a captured variable in the closure's block, next to its code pointer,
// only if the variable is at most 128 bytes, is never assigned after it is captured and never
// has its address taken; else it moves the variable to a block of its own and captures a
// pointer. So each closure captures a fixed-size array, or a struct that holds one, which
// another function filled, and never slices it: slicing takes the address. It slices a copy
// on its stack instead, a few moves that touch no memory but the closure's block. A string
// conversion of a slice that is used directly as a map index or in a comparison does not
// allocate. Each array comes in two sizes, for a closure of 64 bytes and one of 128, one and
// two cache lines; operands that do not fit in the larger take the closures that refer to
// their strings.

// An equals array holds one or more `tag = 'want'` conditions: b[0] is their number n,
// b[1:1+2n] the offsets in b at which each tag and then each want ends, and the bytes of the
// tags and wants follow from b[1+2n], in the order of the conditions.
type (
	equals64  [64 - 8]byte
	equals128 [128 - 8]byte
)

// inlineEquals returns the closure for the conjunction of the conditions, one or more, that
// holds their strings in its own block, or nil if they do not fit in an equals128.
func inlineEquals(conds []tagWant) Func {
	return inlineIn(conds, equalsIn64, equalsIn128)
}

// inlineSplit is inlineEquals for a server that has the values of the first condition's tag
// (see plan.Part): the closure compares them and looks the other tags up.
func inlineSplit(conds []tagWant) plan.SplitFunc {
	return inlineIn(conds, splitIn64, splitIn128)
}

// inlineIn returns the closure that in64 or in128 makes of the equals array of the
// conditions, whichever it fits in (the smaller if both), or nil if neither.
func inlineIn[F any](conds []tagWant, in64 func(equals64) F, in128 func(equals128) F) F {
	var b equals128
	switch fillEquals(&b, conds) {
	case 64:
		return in64(equals64(b[:len(equals64{})]))
	case 128:
		return in128(b)
	}
	var none F
	return none
}

// fillEquals writes the equals array of the conditions into b and returns the size of the
// closure that holds it: 64 if it fits in an equals64, 128 if only in an equals128, 0 if in
// neither (b is then unchanged).
func fillEquals(b *equals128, conds []tagWant) int {
	size := 1 + 2*len(conds)
	for _, c := range conds {
		size += len(c.tag) + len(c.want)
	}
	if size > len(b) {
		return 0
	}
	b[0] = byte(len(conds))
	at := 1 + 2*len(conds)
	for i, c := range conds {
		at += copy(b[at:], c.tag)
		b[1+2*i] = byte(at)
		at += copy(b[at:], c.want)
		b[2+2*i] = byte(at)
	}
	if size <= len(equals64{}) {
		return 64
	}
	return 128
}

func equalsIn64(p equals64) Func {
	return func(ev map[string][]string) bool {
		b := p // captured by value, as long as it is not sliced
		return allEqual(ev, b[:], 0)
	}
}

func equalsIn128(p equals128) Func {
	return func(ev map[string][]string) bool {
		b := p
		return allEqual(ev, b[:], 0)
	}
}

func splitIn64(p equals64) plan.SplitFunc {
	return func(vs []string, ev map[string][]string) bool {
		b := p
		return firstEqual(vs, b[:]) && allEqual(ev, b[:], 1)
	}
}

func splitIn128(p equals128) plan.SplitFunc {
	return func(vs []string, ev map[string][]string) bool {
		b := p
		return firstEqual(vs, b[:]) && allEqual(ev, b[:], 1)
	}
}

// firstEqual reports whether one of vs equals the want of the equals array's first
// condition.
func firstEqual(vs []string, b []byte) bool {
	want := b[b[1]:b[2]]
	for _, v := range vs {
		if v == string(want) {
			return true
		}
	}
	return false
}

// allEqual reports whether each condition of the equals array b from the one at index from
// on holds: the key of its tag has a value equal to its want. It checks them in order, and
// stops at the first that fails.
func allEqual(ev map[string][]string, b []byte, from int) bool {
	n := 1 + 2*int(b[0])
	at := n // where the tag of condition from begins: after the offsets, or the previous want
	if from > 0 {
		at = int(b[2*from])
	}
	for i := 1 + 2*from; i < n; i += 2 {
		tagEnd, wantEnd := int(b[i]), int(b[i+1])
		want := b[tagEnd:wantEnd]
		found := false
		for _, v := range ev[string(b[at:tagEnd])] {
			if v == string(want) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
		at = wantEnd
	}
	return true
}

// intTag64 and intTag128 hold a condition `tag op bound` with an integer bound of at most
// maxIntDigits digits.
type (
	intTag64 struct {
		bound  int64
		accept uint8 // bit c+1 is set if the comparison c of a value with bound satisfies op
		n      uint8 // the length of the tag
		tag    [64 - 8 - 8 - 2]byte
	}
	intTag128 struct {
		bound  int64
		accept uint8
		n      uint8
		tag    [128 - 8 - 8 - 2]byte
	}
)

// inlineInt returns the closure for `tag op bound`, with bound an integer of at most
// maxIntDigits digits, that holds the tag and bound in its own block, or nil if the tag does
// not fit in an intTag128. It reads each value with cmpLeadingInt, exactly as
// decimalNumber's closure does with LeadingDecimal and Cmp.
func inlineInt(tag string, op grammar.Operator, bound int64) Func {
	accept := acceptMask(op)
	switch {
	case len(tag) <= len(intTag64{}.tag):
		p := intTag64{bound: bound, accept: accept, n: uint8(len(tag))}
		copy(p.tag[:], tag)
		return intIn64(p)
	case len(tag) <= len(intTag128{}.tag):
		p := intTag128{bound: bound, accept: accept, n: uint8(len(tag))}
		copy(p.tag[:], tag)
		return intIn128(p)
	}
	return nil
}

func intIn64(p intTag64) Func {
	return func(ev map[string][]string) bool {
		tag := p.tag // captured by value, as long as it is not sliced
		for _, v := range ev[string(tag[:p.n])] {
			if c, ok := cmpLeadingInt(v, p.bound); ok && p.accept>>uint(c+1)&1 != 0 {
				return true
			}
		}
		return false
	}
}

func intIn128(p intTag128) Func {
	return func(ev map[string][]string) bool {
		tag := p.tag
		for _, v := range ev[string(tag[:p.n])] {
			if c, ok := cmpLeadingInt(v, p.bound); ok && p.accept>>uint(c+1)&1 != 0 {
				return true
			}
		}
		return false
	}
}
