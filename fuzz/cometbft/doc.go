// Package cometbft fuzzes querybus's query language against CometBFT's (v0.40.0), and
// measures the two side by side. It is a module of its own, so that CometBFT and its
// dependencies never reach users of querybus.
//
// The differential targets generate queries of the language both accept (conditions joined
// by AND, the operators and operand forms of both) and event sets that probe each rule,
// run them through both implementations, and fail on any disagreement that Compare cannot
// name: each name is one of the documented differences (MIGRATING.md, "The query
// language"), and an example of each is a test.
//
//	go test -run='^$' -fuzz='^FuzzDifferential$' -fuzztime=30m .
//
// With DIVERGENCES=file set, every divergence met is appended to file by its name, so that a
// campaign's table can be made with sort | uniq -c.
package cometbft
