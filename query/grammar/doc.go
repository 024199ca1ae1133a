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
// Parse never returns participle's errors or a partial tree: every rejected query gives an
// *Error with the position of the offending token and a message that says what was found
// and what was expected. Length (MaxLength) and nesting (MaxDepth) are checked on the token
// stream before the parser runs, because participle's recursive descent has no depth limit.
package grammar
