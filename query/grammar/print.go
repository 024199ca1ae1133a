package grammar

import "strings"

// String prints the canonical form of the query: one space around every operator and
// keyword, strings single-quoted with inner quotes doubled, numbers, dates and times as
// written, and parentheses only where precedence needs them.
func (q *Query) String() string {
	var b strings.Builder
	printOr(&b, q.Expr, top)
	return b.String()
}

// context is where an expression is printed; it decides whether parentheses are needed.
type context int

const (
	top        context = iota // the whole query, or inside parentheses that are printed
	andFactor                 // an operand of AND
	notOperand                // the operand of NOT
)

func printOr(b *strings.Builder, or *Or, ctx context) {
	if len(or.Terms) == 1 {
		printAnd(b, or.Terms[0], ctx)
		return
	}
	if ctx != top {
		b.WriteByte('(')
	}
	for i, and := range or.Terms {
		if i > 0 {
			b.WriteString(" OR ")
		}
		printAnd(b, and, top)
	}
	if ctx != top {
		b.WriteByte(')')
	}
}

func printAnd(b *strings.Builder, and *And, ctx context) {
	if len(and.Factors) == 1 {
		printUnary(b, and.Factors[0], ctx)
		return
	}
	if ctx == notOperand {
		b.WriteByte('(')
	}
	for i, u := range and.Factors {
		if i > 0 {
			b.WriteString(" AND ")
		}
		printUnary(b, u, andFactor)
	}
	if ctx == notOperand {
		b.WriteByte(')')
	}
}

func printUnary(b *strings.Builder, u *Unary, ctx context) {
	switch {
	case u.Not != nil:
		b.WriteString("NOT ")
		printUnary(b, u.Not, notOperand)
	case u.Group != nil:
		printOr(b, u.Group, ctx)
	default:
		u.Cond.print(b)
	}
}

// String prints the condition in canonical form.
func (c *Condition) String() string {
	var b strings.Builder
	c.print(&b)
	return b.String()
}

func (c *Condition) print(b *strings.Builder) {
	b.WriteString(c.Tag)
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	if c.Operand != nil {
		b.WriteByte(' ')
		c.Operand.print(b)
	}
}

// String prints the operand in canonical form.
func (o *Operand) String() string {
	var b strings.Builder
	o.print(&b)
	return b.String()
}

func (o *Operand) print(b *strings.Builder) {
	switch {
	case o.Str != nil:
		b.WriteString(Quote(string(*o.Str)))
	case o.Number != nil:
		b.WriteString(*o.Number)
	case o.Date != nil:
		b.WriteString("DATE ")
		b.WriteString(*o.Date)
	case o.Time != nil:
		b.WriteString("TIME ")
		b.WriteString(*o.Time)
	}
}

// Quote returns s as a string literal of the query language: in single quotes, with every
// quote inside doubled.
func Quote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
