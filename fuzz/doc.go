// Package fuzz holds the native Go fuzz targets of the query language and the server. It has no code of
// its own: everything is in its tests.
//
// Each target checks a property, not merely that nothing panicked:
//
//   - FuzzParse: a rejected query gives a *query.Error whose position lies inside the input
//     and whose Line and Column agree with its Offset, Validate agrees with New, and an
//     accepted query round-trips through its canonical form.
//   - FuzzMatch: a compiled query, and the query compiled from its canonical form, match
//     exactly the event sets that the reference evaluator internal/oracle matches.
//   - FuzzDecimal: compile.ParseDecimal, compile.LeadingDecimal and Decimal.Cmp agree with
//     a regular expression and math/big.
//   - FuzzInstant: compile.ParseInstant, ParseDate and ParseTimestamp agree with time.Parse,
//     except where instant.go documents that it is deliberately stricter.
//   - FuzzServer: a byte-coded sequence of subscribe, unsubscribe, unsubscribe-all, publish,
//     drain and restart operations gives the errors, counts, cancellations and deliveries of
//     a plain map model of the pubsub contract.
//
// The seed corpus of every target is a table of inputs that covers each rule of the
// language and every example of its specification. Run one target at a time:
//
//	go test -run='^$' -fuzz='^FuzzParse$' -fuzztime=20s ./fuzz/
//
// A failing input that the fuzzer finds is saved under testdata/fuzz/FuzzX/ and is then
// replayed by every plain "go test ./fuzz/".
package fuzz
