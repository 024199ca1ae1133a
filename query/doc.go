// Package query compiles subscription queries and matches them against event sets.
//
// A query is a small boolean language over the composite keys of an event set
// (map[string][]string, keys such as "tm.event" or "transfer.amount"):
//
//	tm.event = 'Tx' AND transfer.amount > 1000
//	tx.height >= 5 AND (rewards EXISTS OR NOT tm.event = 'NewBlock')
//	block.time > TIME 2021-11-23T22:04:19Z AND memo CONTAINS 'airdrop'
//
// New parses and compiles a query once; Matches then evaluates it without parsing or
// allocating. A *Query satisfies pubsub.Query, so it can be given to a pubsub.Server as a
// subscription filter, and All subscribes to everything. Validate checks a query without
// keeping it, for example before deploying a subscription.
//
// The language is a superset of Tendermint's and CometBFT's event query language: a query
// written for them is accepted and means the same, except where a rule below says it
// fixes a defect of theirs. MIGRATING.md in the module lists every difference, with a query
// and events that show it. Tendermint v0.34's names (MustParse, Empty, Conditions,
// Operator, DateLayout, TimeLayout) are here too.
//
// # Events
//
// A query is matched against an event set: each key is a composite {eventType}.{attribute}
// (transfer.amount, tm.event), where the type itself may hold dots (rewards.withdraw.amount
// has the type rewards.withdraw), and maps to zero or more values. A key whose list is
// empty counts as absent.
//
// # Syntax
//
//	query      = or EOF
//	or         = and { "OR" and }
//	and        = unary { "AND" unary }
//	unary      = "NOT" unary | "(" or ")" | condition
//	condition  = tag ( "=" ( string | number | date | time )
//	                 | ( "<" | "<=" | ">" | ">=" ) ( number | date | time )
//	                 | "CONTAINS" string
//	                 | "EXISTS" )
//
// For example:
//
//	memo = 'it''s'                       a quote inside a string is written twice
//	a = 1 OR b = 2 AND c = 3             AND binds tighter: a = 1 OR (b = 2 AND c = 3)
//	NOT (a = 1 OR b = 2)                 parentheses group
//	a.b > -5.5 AND t < DATE 2021-11-23   numbers may be negative and fractional
//
// NOT binds tightest, then AND, then OR. Any white space (blank, tab, newline, no-break
// space) separates tokens; tokens that cannot run together need none (a='x'AND b=5).
//
//   - Keywords are upper case and whole words: AND, OR, NOT, CONTAINS, EXISTS, DATE, TIME.
//     A word that merely contains one (ANDY, NOTE.x) is a tag.
//   - A tag is a letter or '_', then letters, digits, '_', '.' and '-'.
//   - A string is single-quoted; a quote inside is written twice (see memo above).
//     Nothing else is an escape.
//   - A number is -?[0-9]+(\.[0-9]*)?: an optional minus, digits, an optional fraction. No
//     exponent, no '+', no leading dot.
//   - DATE YYYY-MM-DD is a calendar date; TIME is an RFC 3339 timestamp with a zone (Z or
//     ±hh:mm) and optional fractional seconds. Both are checked when the query is compiled
//     (DATE 2021-02-30 is an error).
//
// The empty query is an error, and so is any other pairing of operator and operand
// (a < 'x', a CONTAINS 5, a EXISTS 'x'). A query longer than 16 KiB, or nested deeper than
// 64 levels of parentheses and NOT, is an error, never a crash.
//
// # Matching
//
//   - tag OP operand holds if some value of tag satisfies it. Each condition is judged on its
//     own: in a > 5 AND a < 3 the two may be satisfied by different values of a.
//   - tag EXISTS holds if some key with a value is tag or begins with tag + ".": tm EXISTS
//     tests for an event type, tm.event EXISTS for an attribute; tm.ev EXISTS does not
//     match tm.event.
//   - NOT, AND and OR are the boolean operations. A query never matches an empty event set
//     (nil or no keys), NOT a EXISTS included; All matches every event set.
//   - Strings: = is byte-wise equality, CONTAINS a substring test (the empty string is in
//     every value).
//   - Numbers: a value is read as its leading number -?[0-9]+(\.[0-9]+)? ('160stake' is 160,
//     '1e3' is 1); a value without one (' 5', '.5', 'abc') satisfies no numeric condition.
//     Comparison is exact, in decimal, at any size: 5 = 5.000 = 005.
//   - Dates and times: a value is read as an RFC 3339 timestamp or a date (midnight UTC), and
//     instants are compared: TIME 2021-11-23T23:04:19+01:00 = '2021-11-23T22:04:19Z'.
//
// Matching never fails: a value that cannot be read as the operand's type does not satisfy
// the condition.
//
// # Canonical form
//
// String returns the canonical form, which identifies a subscription: one space around
// every operator and keyword, strings single-quoted with inner quotes doubled, numbers,
// dates and times as written, and parentheses only where precedence needs them. Two queries
// that differ only in spacing are the same subscription. New(q.String()) gives back a query
// with the same String and the same matches, for every query but All, whose String is ""
// (New("") is an error: the empty query).
//
// # Errors
//
// New and Validate return a *Error for every rejected query: its Offset (bytes), Line and
// Column (runes) locate the problem, and Msg says what was found and what was expected,
// with the fix for the common slips:
//
//	1:12: unexpected end of query, expected a number, DATE or TIME after ">"
//	1:12: unexpected "Tx", expected a string, number, DATE or TIME after "=" (strings are single-quoted: 'Tx')
//	1:7: unexpected "and": keywords are upper case, did you mean AND?
package query
