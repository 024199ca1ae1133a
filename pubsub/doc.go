// Package pubsub is an in-process publish-subscribe server: publishers send
// messages with a set of events (map[string][]string), and each subscription
// receives the messages whose events its query matches.
//
// The API is the one of Tendermint's libs/pubsub, with the behaviour fixed
// where Tendermint and CometBFT deadlock, lose errors or keep stale counts.
// Queries usually come from package github.com/querybus/querybus/query, whose
// *query.Query satisfies Query (query.All matches everything, including the
// empty event set of Publish).
//
//	s := pubsub.NewServer()
//	if err := s.Start(); err != nil {
//		return err
//	}
//	defer s.Stop()
//
// A subscriber receives its messages until its subscription is cancelled
// (this function is in the package's examples, so it compiles). Unbuffered,
// it makes the server wait for it; Subscribe(ctx, clientID, q, n) gives it a
// buffer of n messages instead, and cancels it with ErrOutOfCapacity when
// the buffer is full (or, with History and FallBehind, lets it fall behind
// and catch up: see below).
//
//	func consume(ctx context.Context, s *pubsub.Server) error {
//		sub, err := s.SubscribeUnbuffered(ctx, "client-1", query.MustCompile("tm.event = 'Tx'"))
//		if err != nil {
//			return err
//		}
//		for msg := range sub.Messages() {
//			fmt.Println(msg.Seq(), msg.Data(), msg.Events()["tx.height"])
//		}
//		return sub.Err() // ErrUnsubscribed or ErrServerStopped
//	}
//
// and a publisher attaches events to each message:
//
//	err := s.PublishWithEvents(ctx, tx, map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}})
//
// # Publishing
//
// PublishWithEvents returns once the server has taken the message, not once
// it is delivered. The server queues BufferCapacity messages (0, the default:
// a publisher waits until the server takes its message). Before Start a
// buffered server queues messages and an unbuffered one makes publishers
// wait; messages still queued when the server stops are discarded. Messages
// one goroutine publishes reach each subscription in the order published.
// Each distinct query (by String) is evaluated at most once per publish,
// however many clients share it, and only if it could match (see "The query
// index"); a query whose Matches returns an error is logged (with the
// server's logger, see SetLogger) and counts as no match.
//
// # Queries of your own
//
// Any type with Matches and String is a Query. Its Matches (and IndexTerms)
// runs on the server's goroutine, the one that delivers every message, so it
// must be fast and must never block: while it waits, nobody receives
// anything and publishers wait too. If it panics, the server recovers, logs
// the panic with its stack, and cancels every subscription of that query
// with an error that wraps ErrQueryFailed and includes the panic value;
// other subscriptions, publishers and the server go on. A Subscribe whose
// query's IndexTerms panics returns such an error and subscribes nothing.
// *query.Query never panics (its fuzz targets check it) and pays nothing for
// this. A nil *query.Query is the same query as query.All.
//
// # Logging
//
// The server reports what its operator should know: a query that failed or
// panicked (levels Warn and Error) and a subscription cancelled for capacity
// (Warn). By default these go to slog.Default() and nothing below Warn is
// logged; SetLogger chooses another logger.
//
// # The query index
//
// So that a publish costs what its matching subscriptions cost, not what all
// subscriptions cost, the server indexes the queries that implement
// IndexedQuery, as *query.Query does. Such a query gives alternative sets of
// terms, each term "key has this value" or "key has some value", such that
// the query cannot match an event set in which no term of a set holds. When
// a query (by String) gets its first subscription, the server files it under
// the terms of one set — the one whose terms currently have the fewest
// queries filed under them, so that in `transfer.recipient = 'addr1' AND
// tm.event = 'Tx'` the recipient is used rather than the event type every
// other query shares — and takes it out again when its last subscription
// goes. A publish looks up the keys of its event set that have values, and
// each of their values, and evaluates only the queries filed there, each
// once, plus the queries that are not indexed. A publish allocates nothing.
//
// What can be indexed, for *query.Query: a condition `key = 'string'` (filed
// under the key and that value) and any other condition on a key — a number,
// date or time comparison, CONTAINS (filed under the key: the query is
// evaluated when the key has any value). A conjunction needs one indexable
// condition, a disjunction one in each of its branches. A query with a
// branch that is an EXISTS condition (which also matches longer keys) or
// sits under NOT, query.All, and every Query that does not implement
// IndexedQuery are evaluated on every publish. QueryIndex(false) turns the
// index off: every distinct query is then evaluated on every publish, with
// the same deliveries.
//
// A *query.Query is also evaluated more cheaply than other queries: the
// server keeps its compiled matcher and calls it without going through the
// query value, and a single condition on one key (`tx.height > 100`) is
// evaluated on the values the index has already looked up for that key, so
// that thousands of range queries on one key cost less each than a Matches
// call.
//
// # Delivery and slow subscribers
//
// A buffered subscription (Subscribe, capacity ≥ 1) never blocks the server:
// if its Out channel is full when a message arrives, the subscription is
// cancelled with ErrOutOfCapacity, and nothing else is affected. An
// unbuffered subscription (SubscribeUnbuffered) blocks the server until the
// subscriber receives; Unsubscribe and Stop still release it. Out is never
// closed: select on Cancelled too, or range over Messages, which ends when
// the subscription is cancelled.
//
// # Sequence numbers, history, resuming and falling behind
//
// The server numbers the messages it takes 1, 2, 3, ... (Message.Seq), for
// its lifetime: Reset does not restart the numbers. A subscription receives
// increasing numbers; a gap between two is a message that did not match its
// query, never one that was lost, since a subscription that loses a message
// is cancelled.
//
// With History(n) the server keeps the last n messages it took, and
// SubscribeWith takes two options that use them:
//
//   - After(seq) resumes a stream: the subscription first receives the
//     retained messages after seq that match its query, then the live ones,
//     without a gap or a duplicate. A subscriber that was dropped, or
//     restarted, resumes after the last Seq it saw. If the history no longer
//     holds every message after seq, nothing is subscribed and the error is
//     a *TruncatedError (ErrHistoryTruncated), which says what the history
//     holds, so that the caller can decide to accept the loss.
//   - FallBehind() makes a buffered subscription whose Out is full fall
//     behind instead of being cancelled: the server leaves it out of
//     publishes and hands it the messages it missed from the history, in
//     order, as it drains Out, until it has caught up and is live again. It
//     is cancelled with ErrOutOfCapacity only when the history evicts a
//     message it has not been handed (one message besides those on Out is in
//     hand, out of the history's reach). It never makes the server, other
//     subscribers or publishers wait, and costs a publish the same however
//     far behind it is.
//
// Stats returns the server's counters (messages published and delivered,
// subscriptions cancelled for capacity, subscriptions behind, the history's
// range, ...) without waiting for the server's goroutine.
//
// # Subscribing and unsubscribing
//
// Subscribe, SubscribeUnbuffered, Unsubscribe and UnsubscribeAll are served
// by the server's goroutine, so before Start they wait for it. Once Subscribe
// returns, every later publish that matches reaches the subscription; once
// Unsubscribe returns, nothing published afterwards reaches it. A
// subscription cancelled for any reason no longer counts in NumClients and
// NumClientSubscriptions as soon as its Cancelled channel is closed, and the
// client may subscribe again with the same query. If ctx ends before the
// server takes a Subscribe or Unsubscribe, the call returns ctx.Err() and
// nothing changed.
//
// # Lifecycle
//
// Server embeds service.BaseService. Stop returns once the server's goroutine
// has exited and every subscription is cancelled with ErrServerStopped;
// afterwards Subscribe and Publish return ErrServerStopped and Unsubscribe
// ErrSubscriptionNotFound. Reset makes a stopped server startable again,
// empty.
//
// All methods are safe for concurrent use.
package pubsub
