// Package oracle is the reference against which the query compiler is tested. It is used only
// by tests, never by the module's non-test code.
//
// Eval is a plain evaluator that walks the syntax tree and implements each matching rule of
// the query language's contract (README, "The query language", "Matching") in the most
// obvious way: numbers through a regular expression and math/big.Rat, dates and times through
// package time. It is slow and allocates freely; it is meant to be obviously right, so that
// the compiled closures of package query/compile can be checked against it.
//
// Query and Events are rapid generators of valid query texts and of event sets over the same
// keys, with values chosen to be interesting for the generated operands, shared by the
// property tests of the module.
package oracle
