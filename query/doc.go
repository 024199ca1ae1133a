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
// Every rejected query gives an *Error with the position of the problem and a message that
// says what was found and what was expected there:
//
//	1:12: unexpected end of query, expected a number, DATE or TIME after ">"
//
// The language is a superset of Tendermint/CometBFT's event query language; the module's
// README documents it in full.
package query
