package query

import (
	"errors"
	"fmt"

	"github.com/querybus/querybus/internal/fastpath"
	"github.com/querybus/querybus/query/compile"
	"github.com/querybus/querybus/query/grammar"
	"github.com/querybus/querybus/query/internal/plan"
)

// Query is a compiled query. It is immutable and safe for concurrent use. A nil *Query is
// the same query as All (CometBFT's query.All is a nil *Query): every method treats it so.
type Query struct {
	text    string       // canonical form
	match   compile.Func // nil for All
	anchors [][]plan.Term
	parts   []plan.Part // see fastpath.Plan
}

// All is the query that matches every event set, the empty one included. Its String is
// the empty string, which no compiled query has.
var All = &Query{}

// New parses and compiles a query. A rejected query gives an *Error. The compiled queries
// of recent texts are cached (a bounded cache, see cache.go): every caller of one text gets
// the same *Query, which is immutable.
func New(s string) (*Query, error) {
	if q := cached(s); q != nil {
		return q, nil
	}
	q, err := compileText(s)
	if err != nil {
		return nil, err
	}
	remember(s, q)
	return q, nil
}

// compileText parses and compiles s, without the cache.
func compileText(s string) (*Query, error) {
	ast, err := grammar.Parse(s)
	if err != nil {
		return nil, convert(s, err)
	}
	match, err := compile.Compile(ast)
	if err != nil {
		return nil, convert(s, err)
	}
	return &Query{text: ast.String(), match: match, anchors: plan.Anchors(ast), parts: plan.Parts(ast)}, nil
}

// MustCompile is New for queries known to be valid: it panics with the *Error of a rejected
// query.
func MustCompile(s string) *Query {
	q, err := New(s)
	if err != nil {
		panic(err)
	}
	return q
}

// Validate checks a query as New does, keeping nothing: nil for a valid query, an *Error
// for a rejected one.
func Validate(s string) error {
	if cached(s) != nil {
		return nil
	}
	ast, err := grammar.Parse(s)
	if err != nil {
		return convert(s, err)
	}
	if _, err := compile.Compile(ast); err != nil {
		return convert(s, err)
	}
	return nil
}

// Matches reports whether the event set satisfies the query. The error is always nil: a
// value that cannot be read as the operand's type satisfies no condition on it. The
// signature is the one package pubsub asks of a query.
func (q *Query) Matches(events map[string][]string) (bool, error) {
	if q == nil || q.match == nil {
		return true, nil
	}
	return q.match(events), nil
}

func init() {
	fastpath.Of = func(q any) fastpath.Plan {
		qq := q.(*Query)
		if qq == nil || qq.match == nil {
			return fastpath.Plan{Match: matchAll}
		}
		return fastpath.Plan{Match: qq.match, Parts: qq.parts}
	}
}

func matchAll(map[string][]string) bool { return true }

// String returns the canonical form of the query: `New(q.String())` gives a query with the
// same String and the same matches. Two queries with the same canonical form are the same
// subscription.
func (q *Query) String() string {
	if q == nil {
		return ""
	}
	return q.text
}

// IndexTerm is a fact about an event set that a query cannot match without: Key has Value
// among its values or, when AnyValue is set, Key has at least one value. It is the same type
// as pubsub.IndexTerm.
type IndexTerm = struct {
	Key      string
	Value    string
	AnyValue bool
}

// IndexTerms describes the query for an index of subscriptions (pubsub.IndexedQuery): it
// returns alternative sets of terms, and if the query matches an event set then every set
// has a term that holds in it. It returns nil when there is no such set (a disjunct that is
// an EXISTS or sits under NOT), and for All.
func (q *Query) IndexTerms() [][]IndexTerm {
	if q == nil || len(q.anchors) == 0 {
		return nil
	}
	alts := make([][]IndexTerm, len(q.anchors))
	for i, set := range q.anchors {
		alts[i] = make([]IndexTerm, len(set))
		for j, t := range set {
			alts[i][j] = IndexTerm(t)
		}
	}
	return alts
}

// Error is a rejected query: where it went wrong and what was found and expected there.
type Error struct {
	// Offset is the 0-based byte offset of the place in the query.
	Offset int
	// Line and Column are 1-based; Column counts runes.
	Line, Column int
	// Msg says what was found and what was expected.
	Msg string
}

// Error prints "line:column: msg".
func (e *Error) Error() string { return fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg) }

func convert(s string, err error) error {
	var gerr *grammar.Error
	if !errors.As(err, &gerr) {
		// Not reachable: grammar and compile return nothing else. Keep the error whole.
		return &Error{Line: 1, Column: 1, Msg: err.Error()}
	}
	return &Error{Offset: gerr.Pos.Offset, Line: gerr.Pos.Line, Column: gerr.Pos.Column, Msg: gerr.Msg}
}
