// Package grammar declares the query language as a participle grammar and parses query text
// into a syntax tree.
//
// The grammar is one Go struct per production (Query, Or, And, Unary, Condition, Operand);
// their parser tags are the grammar, and participle prints it as this EBNF (a golden test
// keeps this comment and the tags in step):
//
//	Query = Or .
//	Or = And ("OR" And)* .
//	And = Unary ("AND" Unary)* .
//	Unary = ("NOT" Unary) | ("(" Or ")") | Condition .
//	Condition = (?! "AND" | "OR" | "NOT" | "CONTAINS" | "EXISTS" | "DATE" | "TIME") <word> ("=" | "<=" | ">=" | "<" | ">" | "CONTAINS" | "EXISTS") Operand? .
//	Operand = <string> | <number> | ("DATE" <datetime>) | ("TIME" <datetime>) .
//
// The tokens are:
//
//	word     = (letter | "_") { letter | digit | "_" | "." | "-" }   (Unicode letters and digits)
//	string   = "'" { any character but "'" | "''" } "'"
//	number   = [ "-" ] digit { digit } [ "." { digit } ]
//	datetime = YYYY-MM-DD [ "T" hh:mm:ss [ "." digits ] [ "Z" | ("+" | "-") hh:mm ] ]
//	op       = "=" | "<" | "<=" | ">" | ">="
//
// White space separates tokens and is otherwise ignored. Keywords are words matched as
// literals: a keyword is a whole upper-case word, so AND.x, ANDY and NOTE.x are tags, and
// no keyword is ever a tag.
//
// The grammar is deliberately looser than the language in two places, so that errors can
// be precise: any operand may follow any operator, and the operand is optional. Parse
// reports a missing operand naming the operator ("expected a number, DATE or TIME after
// ">""); the compiler (package compile) rejects pairs that make no sense (a < 'x') with an
// error that points at the operand.
//
// Parse never returns a partial tree: every rejected query gives an *Error with the position
// of the offending token and a message that says what was found and what was expected. The
// position is the first token at which the text stops being the beginning of a query, and
// Parse reads nothing after it. Length (MaxLength, of the text and of its canonical form) and
// nesting (MaxDepth) are bounded, so that no text can exhaust the parser's stack or time: a
// text of MaxLength bytes is accepted or rejected in a few milliseconds.
//
// Parse runs a hand-written recursive descent that mirrors the structs production for
// production and builds the very tree participle builds from their tags. participle builds
// its tree through reflection, at about 15 µs per condition; the descent is linear and costs
// a small fraction of that. The participle parser stays the reference: the package's tests
// and its fuzz target FuzzDescent check that the two accept the same texts with identical
// trees, and that every error of Parse is at the first token that cannot begin a query.
package grammar
