package grammar

import (
	"fmt"
	"strings"
)

// Position is a place in the query text: 0-based byte Offset, 1-based Line and Column
// (Column counts runes). Filename is always empty; it is there so that the parser can fill
// a Position as it fills its own.
type Position struct {
	Filename string
	Offset   int
	Line     int
	Column   int
}

// Query is the root of the syntax tree: one disjunction that spans the whole input.
type Query struct {
	Pos  Position
	Expr *Or `parser:"@@"`
}

// Or is a disjunction of one or more conjunctions: `a OR b OR c`.
type Or struct {
	Pos   Position
	Terms []*And `parser:"@@ ( 'OR' @@ )*"`
}

// And is a conjunction of one or more unary expressions: `a AND b AND c`.
type And struct {
	Pos     Position
	Factors []*Unary `parser:"@@ ( 'AND' @@ )*"`
}

// Unary is exactly one of a negation, a parenthesised group or a condition.
type Unary struct {
	Pos   Position
	Not   *Unary     `parser:"  'NOT' @@"`
	Group *Or        `parser:"| '(' @@ ')'"`
	Cond  *Condition `parser:"| @@"`
}

// Condition is a test of one tag: `tag op operand` or `tag EXISTS`. The grammar accepts any
// operand after any operator (and none at all after EXISTS); which pairs make sense is
// decided by the compiler, so that `a < 'x'` gets an error that points at 'x'.
type Condition struct {
	Pos     Position
	Tag     string   `parser:"(?! 'AND' | 'OR' | 'NOT' | 'CONTAINS' | 'EXISTS' | 'DATE' | 'TIME' ) @Word"`
	Op      Operator `parser:"@( '=' | '<=' | '>=' | '<' | '>' | 'CONTAINS' | 'EXISTS' )"`
	Operand *Operand `parser:"@@?"`
	// EndPos is the position of the token after the condition.
	EndPos Position
}

// Operand is exactly one of a string, a number, a date or a time, kept as written.
type Operand struct {
	Pos    Position
	Str    *String `parser:"  @String"`
	Number *string `parser:"| @Number"`
	Date   *string `parser:"| 'DATE' @DateTime"`
	Time   *string `parser:"| 'TIME' @DateTime"`
}

// String is the value of a string literal: the text between the quotes with every doubled
// quote made single. No other escapes exist.
type String string

// Capture implements participle.Capture: it removes the quotes of a literal.
func (s *String) Capture(values []string) error {
	lit := values[0]
	*s = String(strings.ReplaceAll(lit[1:len(lit)-1], "''", "'"))
	return nil
}

// Operator is the operator of a condition.
type Operator int

// The operators, in the order of their precedence in nothing: they all bind the same.
const (
	OpEqual Operator = iota + 1
	OpLess
	OpLessEqual
	OpGreater
	OpGreaterEqual
	OpContains
	OpExists
)

var operatorText = [...]string{
	OpEqual:        "=",
	OpLess:         "<",
	OpLessEqual:    "<=",
	OpGreater:      ">",
	OpGreaterEqual: ">=",
	OpContains:     "CONTAINS",
	OpExists:       "EXISTS",
}

// Capture implements participle.Capture.
func (o *Operator) Capture(values []string) error {
	for op, text := range operatorText {
		if text != "" && text == values[0] {
			*o = Operator(op)
			return nil
		}
	}
	return fmt.Errorf("unknown operator %q", values[0])
}

// String returns the operator as written in a query.
func (o Operator) String() string {
	if o <= 0 || int(o) >= len(operatorText) {
		return fmt.Sprintf("Operator(%d)", int(o))
	}
	return operatorText[o]
}

// OperandKind says which alternative an Operand holds.
type OperandKind int

// The operand kinds.
const (
	KindString OperandKind = iota + 1
	KindNumber
	KindDate
	KindTime
)

// String names the kind as error messages do: "a string", "a number", "a DATE", "a TIME".
func (k OperandKind) String() string {
	switch k {
	case KindString:
		return "a string"
	case KindNumber:
		return "a number"
	case KindDate:
		return "a DATE"
	case KindTime:
		return "a TIME"
	}
	return fmt.Sprintf("OperandKind(%d)", int(k))
}

// Kind reports which alternative o holds.
func (o *Operand) Kind() OperandKind {
	switch {
	case o.Str != nil:
		return KindString
	case o.Number != nil:
		return KindNumber
	case o.Date != nil:
		return KindDate
	default:
		return KindTime
	}
}
