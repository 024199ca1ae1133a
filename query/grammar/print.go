package grammar

import "strings"

// String prints the canonical form of the query: one space around every operator and
// keyword, strings single-quoted with inner quotes doubled, numbers, dates and times as
// written, and parentheses only where precedence needs them.
func (q *Query) String() string {
	var p printer
	p.or(q.Expr, top)
	return p.String()
}

// printer prints the canonical form. With a limit, it also finds the first condition whose
// printout ends past limit bytes.
type printer struct {
	strings.Builder
	limit int        // 0: none
	over  *Condition // the first condition that ends past limit
}

// context is where an expression is printed; it decides whether parentheses are needed.
type context int

const (
	top        context = iota // the whole query, or inside parentheses that are printed
	andFactor                 // an operand of AND
	notOperand                // the operand of NOT
)

func (b *printer) or(or *Or, ctx context) {
	if len(or.Terms) == 1 {
		b.and(or.Terms[0], ctx)
		return
	}
	if ctx != top {
		b.WriteByte('(')
	}
	for i, and := range or.Terms {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.and(and, top)
	}
	if ctx != top {
		b.WriteByte(')')
	}
}

func (b *printer) and(and *And, ctx context) {
	if len(and.Factors) == 1 {
		b.unary(and.Factors[0], ctx)
		return
	}
	if ctx == notOperand {
		b.WriteByte('(')
	}
	for i, u := range and.Factors {
		if i > 0 {
			b.WriteString(" AND ")
		}
		b.unary(u, andFactor)
	}
	if ctx == notOperand {
		b.WriteByte(')')
	}
}

func (b *printer) unary(u *Unary, ctx context) {
	switch {
	case u.Not != nil:
		b.WriteString("NOT ")
		b.unary(u.Not, notOperand)
	case u.Group != nil:
		b.or(u.Group, ctx)
	default:
		u.Cond.print(&b.Builder)
		if b.limit > 0 && b.over == nil && b.Len() > b.limit {
			b.over = u.Cond
		}
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
