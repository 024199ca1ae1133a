package cometbft

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"time"

	cmtquery "github.com/cometbft/cometbft/libs/pubsub/query"

	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/query/grammar"
)

// The known divergences between querybus and CometBFT v0.40.0 on the common language (AND of
// conditions). Each is one of the documented differences (MIGRATING.md, "The query
// language"); Classify names the one that explains a disagreement, or none.
const (
	// Parsing.
	NegativeOperand    = "operand -5: querybus reads it, CometBFT does not parse it"
	OrNotParentheses   = "OR, NOT or parentheses: querybus only"
	YearRange          = "DATE/TIME year outside 1900-2999: querybus accepts it, CometBFT does not"
	UnterminatedTail   = "an unterminated string at the end: CometBFT ignores it and what follows, querybus rejects the query"
	QuoteInString      = "a quote in a string ('it''s'): querybus reads '' as a quote, CometBFT has no escape"
	BlankAfterDateTime = "DATE/TIME followed by other white space than one blank: querybus accepts it"

	// Matching.
	DotlessKey     = "key without a dot: CometBFT never matches it"
	TagIsEventType = "tag is an event type (a key's part before its last dot): CometBFT tests the empty string"
	ExistsDeeper   = "tag EXISTS with only a deeper key (tag.x.y): querybus matches, CometBFT does not"
	NegativeValue  = "value -5: querybus reads it as a number, CometBFT reads no number"
	FloatPrecision = "fractions compared through 125-bit floats in CometBFT, exactly in querybus"
	InstantFormat  = "timestamp value against DATE, or date value against TIME: querybus reads it, CometBFT does not"
)

// Divergence is a disagreement between the two on one query and event set.
type Divergence struct {
	Query  string
	Events map[string][]string
	// Ours and Theirs are each side's answer: for a query one of them rejects, whether it
	// accepts it.
	Ours, Theirs bool
	Parse        bool // a disagreement on accepting the query; otherwise on Matches
	// Kinds names what explains it: a name for the query, or one per condition and value
	// that disagree. Empty (or with "" entries) when something is not explained.
	Kinds []string
	// Detail says what disagreed, for a failure message.
	Detail string
}

// Explained reports whether every part of the disagreement has a name.
func (d *Divergence) Explained() bool {
	if len(d.Kinds) == 0 {
		return false
	}
	for _, k := range d.Kinds {
		if k == "" {
			return false
		}
	}
	return true
}

func (d *Divergence) String() string {
	what := "Matches"
	if d.Parse {
		what = "accepting the query"
	}
	return fmt.Sprintf("%s disagree on %q with events %v: querybus %v, CometBFT %v (%s); named %q",
		what, d.Query, d.Events, d.Ours, d.Theirs, d.Detail, d.Kinds)
}

// Compare runs both implementations on a query and an event set: nil if they agree, or the
// divergence with what explains it.
func Compare(text string, events map[string][]string) *Divergence {
	ours, errOurs := query.New(text)
	theirs, errTheirs := cmtquery.New(text)
	if (errOurs == nil) != (errTheirs == nil) {
		d := &Divergence{Query: text, Events: events, Ours: errOurs == nil, Theirs: errTheirs == nil, Parse: true}
		d.Detail = fmt.Sprintf("querybus: %v; CometBFT: %v", errOurs, errTheirs)
		d.Kinds = []string{classifyParse(text, d.Ours, errOurs)}
		return d
	}
	if errOurs != nil {
		return nil
	}
	a, _ := ours.Matches(events)
	b, _ := theirs.Matches(events)
	if a == b {
		return nil
	}
	d := &Divergence{Query: text, Events: events, Ours: a, Theirs: b}
	d.Kinds, d.Detail = classifyMatch(text, events)
	return d
}

var (
	negativeLit = regexp.MustCompile(`(^|[^0-9A-Za-z_.'])-[0-9]`)
	orNotParens = regexp.MustCompile(`[()]|(^|[^0-9A-Za-z_.])(OR|NOT)($|[^0-9A-Za-z_.])`)
	dateTimeLit = regexp.MustCompile(`(DATE|TIME)(\s+)([0-9]{4})-([0-9]{2})-([0-9]{2})(T[0-9:.]+(Z|[+-][0-9:]+))?`)
)

// classifyParse names a disagreement on accepting text; ours says whether querybus accepts
// it, and errOurs is its error if not. Only the text outside string literals is looked at.
func classifyParse(text string, ours bool, errOurs error) string {
	code := outsideStrings(text)
	if ours {
		if quoteInString(text) {
			return QuoteInString
		}
		if orNotParens.MatchString(code) {
			return OrNotParentheses
		}
		if negativeLit.MatchString(code) {
			return NegativeOperand
		}
		for _, m := range dateTimeLit.FindAllStringSubmatch(code, -1) {
			if m[2] != " " {
				return BlankAfterDateTime
			}
			if y := m[3]; y < "1900" || y > "2999" {
				return YearRange
			}
		}
		return ""
	}
	var qerr *query.Error
	if errors.As(errOurs, &qerr) && strings.HasPrefix(qerr.Msg, "unterminated string") {
		// CometBFT read the text up to its last quote, and ignored the rest.
		whole, _ := cmtquery.New(text)
		head, err := cmtquery.New(text[:strings.LastIndexByte(text, '\'')])
		if err == nil && head.String() == whole.String() {
			return UnterminatedTail
		}
	}
	return ""
}

// quoteInString reports whether a string operand of text, as querybus reads it, holds a
// quote.
func quoteInString(text string) bool {
	ast, err := grammar.Parse(text)
	if err != nil {
		return false
	}
	found := false
	var walk func(or *grammar.Or)
	walk = func(or *grammar.Or) {
		for _, and := range or.Terms {
			for _, u := range and.Factors {
				for u.Not != nil {
					u = u.Not
				}
				switch {
				case u.Group != nil:
					walk(u.Group)
				case u.Cond.Operand != nil && u.Cond.Operand.Str != nil:
					found = found || strings.Contains(string(*u.Cond.Operand.Str), "'")
				}
			}
		}
	}
	walk(ast.Expr)
	return found
}

// outsideStrings returns text with the contents of its string literals blanked out.
func outsideStrings(text string) string {
	b := []byte(text)
	in := false
	for i, c := range b {
		switch {
		case c == '\'':
			in = !in
		case in:
			b[i] = ' '
		}
	}
	return string(b)
}

// classifyMatch names each condition of text that disagrees on events; both sides evaluate
// the conditions of a conjunction each on its own, so the whole disagrees only through them.
func classifyMatch(text string, events map[string][]string) ([]string, string) {
	ast, err := grammar.Parse(text)
	if err != nil || len(ast.Expr.Terms) != 1 {
		return nil, "not a conjunction"
	}
	var kinds, details []string
	var walk func(and *grammar.And)
	walk = func(and *grammar.And) {
		for _, u := range and.Factors {
			switch {
			case u.Group != nil && len(u.Group.Terms) == 1:
				walk(u.Group.Terms[0])
			case u.Cond != nil:
				c := u.Cond
				a, b := both(c.String(), events)
				if a == b {
					continue
				}
				k := classifyCondition(c, events, a)
				kinds = append(kinds, k)
				details = append(details, fmt.Sprintf("%s: querybus %v, CometBFT %v", c, a, b))
			default:
				kinds = append(kinds, "")
				details = append(details, "not a conjunction")
			}
		}
	}
	walk(ast.Expr.Terms[0])
	if len(kinds) == 0 {
		return nil, "no single condition disagrees"
	}
	return kinds, strings.Join(details, "; ")
}

// both evaluates text with each implementation.
func both(text string, events map[string][]string) (ours, theirs bool) {
	a, errA := query.New(text)
	b, errB := cmtquery.New(text)
	if errA != nil || errB != nil {
		panic(fmt.Sprintf("a condition of an accepted query is rejected: %q: %v, %v", text, errA, errB))
	}
	ours, _ = a.Matches(events)
	theirs, _ = b.Matches(events)
	return ours, theirs
}

// eventType is what CometBFT makes of a key: its part before the last dot.
func eventType(key string) (string, bool) {
	i := strings.LastIndexByte(key, '.')
	if i < 0 {
		return "", false
	}
	return key[:i], true
}

// classifyCondition names why condition c disagrees on events, where ours is querybus's
// answer (CometBFT's is the other).
func classifyCondition(c *grammar.Condition, events map[string][]string, ours bool) string {
	tag := c.Tag
	if !ours {
		for k := range events {
			if t, ok := eventType(k); ok && t == tag && oursOn(c, "") {
				return TagIsEventType
			}
		}
	}
	if c.Op == grammar.OpExists {
		if !ours {
			return ""
		}
		if len(events[tag]) > 0 && !strings.Contains(tag, ".") {
			return DotlessKey
		}
		for k, vs := range events {
			if t, _ := eventType(k); len(vs) > 0 && strings.HasPrefix(k, tag+".") && t != tag {
				return ExistsDeeper
			}
		}
		return ""
	}
	if !strings.Contains(tag, ".") {
		if ours {
			return DotlessKey
		}
		return ""
	}
	// A value of tag on which the two disagree, and why.
	for _, v := range events[tag] {
		a, b := both(c.String(), map[string][]string{tag: {v}})
		if a == b {
			continue
		}
		if k := classifyValue(c, v); k != "" {
			return k
		}
		return ""
	}
	return ""
}

// oursOn reports whether querybus's c holds for an event set where tag has the one value v.
func oursOn(c *grammar.Condition, v string) bool {
	a, _ := query.MustCompile(c.String()).Matches(map[string][]string{c.Tag: {v}})
	return a
}

var (
	negative    = regexp.MustCompile(`^-[0-9]`)
	leadingNum  = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?`)
	wholeNumber = regexp.MustCompile(`^[0-9]+$`)
)

// classifyValue names why the two disagree on c for one value v of its tag.
func classifyValue(c *grammar.Condition, v string) string {
	o := c.Operand
	switch {
	case o == nil:
		return ""
	case o.Number != nil:
		if negative.MatchString(v) {
			return NegativeValue
		}
		lead := leadingNum.FindString(v)
		if lead == "" {
			return ""
		}
		exact := exactRat(lead).Cmp(exactRat(*o.Number))
		rounded := valueFloat(v, lead).Cmp(operandFloat(*o.Number))
		if holds(c.Op, exact) != holds(c.Op, rounded) {
			return FloatPrecision
		}
	case o.Date != nil:
		if _, err := time.Parse("2006-01-02", v); err != nil && readsInstant(v) {
			return InstantFormat
		}
	case o.Time != nil:
		if _, err := time.Parse(time.RFC3339, v); err != nil && readsInstant(v) {
			return InstantFormat
		}
	}
	return ""
}

// readsInstant reports whether querybus reads v as a date or a timestamp: a DATE condition
// it satisfies or fails is told apart from one it cannot read by trying both sides.
func readsInstant(v string) bool {
	lo, _ := query.MustCompile("k.k >= DATE 0000-01-01").Matches(map[string][]string{"k.k": {v}})
	return lo
}

func holds(op grammar.Operator, cmp int) bool {
	switch op {
	case grammar.OpEqual:
		return cmp == 0
	case grammar.OpLess:
		return cmp < 0
	case grammar.OpLessEqual:
		return cmp <= 0
	case grammar.OpGreater:
		return cmp > 0
	case grammar.OpGreaterEqual:
		return cmp >= 0
	}
	return false
}

func exactRat(s string) *big.Rat {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		panic("not a decimal: " + s)
	}
	return r
}

// valueFloat is the documented rounding of CometBFT's values: a value that is a whole
// integer exactly, the leading number of any other value to 125 bits.
func valueFloat(v, lead string) *big.Float {
	if wholeNumber.MatchString(v) {
		n, _ := new(big.Int).SetString(v, 10)
		f, _, _ := big.ParseFloat(lead, 10, uint(max(n.BitLen(), 1)), big.ToNearestEven)
		return f
	}
	f, _, _ := big.ParseFloat(lead, 10, 125, big.ToNearestEven)
	return f
}

// operandFloat is the documented rounding of CometBFT's operands: an integer exactly (at
// least 64 bits), a fraction to 125 bits.
func operandFloat(s string) *big.Float {
	if n, ok := new(big.Int).SetString(s, 10); ok {
		f, _, _ := big.ParseFloat(s, 10, uint(max(n.BitLen(), 64)), big.ToNearestEven)
		return f
	}
	f, _, _ := big.ParseFloat(s, 10, 125, big.ToNearestEven)
	return f
}
