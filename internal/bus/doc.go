// Package bus is the delivery engine behind package pubsub and the typed
// layer built on it: one Engine per server, shared by every kind of
// subscription.
//
// # Ownership
//
// One goroutine, the loop, owns all subscription state: the distinct queries
// (keyed by their String), each query's subscriptions, and each client's
// subscriptions. API calls reach the loop as requests, one Go type per
// operation, answered on a per-request channel; publishes travel on a
// separate channel whose capacity is the server's buffer capacity. With an
// unbuffered publish channel (the default) the idle loop waits on that
// channel alone, and requests and Stop's wake-up come through it too: a
// plain receive hands a publish over faster than a select on three
// channels. A delivery blocked on a subscriber takes requests from the
// request channel; a buffered publish channel never carries requests, which
// could otherwise queue behind publishes out of that delivery's reach. The only
// state readable outside the loop are the counts behind NumClients and
// NumClientSubscriptions, which the loop alone writes, always before it
// replies to a request and before it closes a cancelled subscription's
// Cancelled channel.
//
// # Delivery
//
// For each publish the loop visits the candidate queries in its index
// (index.go), evaluates each distinct query once as it is visited, collects
// the subscriptions of the matching queries into a reused slice, and then
// delivers. What a publish reads per candidate is kept small, because at
// many distinct queries each block of memory is a cache miss: a query's
// record (queryEntry) sits in one block with its first subscription and
// that subscription's sink, and holds a *query.Query's matcher itself
// (fastpath.Plan) rather than only the query value. A query filed under one
// key that it can be split at (fastpath.Plan.Parts: a single condition, or a
// conjunction of string equalities) is handed the values of that key that
// the index has already looked up.
//
// # Faults in a user's query
//
// Only *query.Query, which never panics, takes those fast paths, and its
// matcher runs unguarded. Any other Query is user code: its Matches runs
// inside a deferred recover (userMatches), and its IndexTerms too, once,
// when its first subscription arrives (inspect). A panic is logged with its
// stack and counts as no match; the query's subscriptions are cancelled with
// an error wrapping ErrQueryFailed once the index visit is over, since the
// index must not change while it is visited (publish, cancelFailed). A
// Subscribe whose IndexTerms panicked fails before anything is filed. The
// only cost on the path of *query.Query is one length check per publish.
//
// # The query index
//
// A query that implements IndexedQuery gives alternative sets of terms, each
// term "key has this value" or "key has a value"; the query cannot match an
// event set in which no term of a set holds. When a distinct query gets its
// first subscription the loop files it under every term of the set whose
// buckets hold the fewest queries at that moment; when its last subscription
// goes, it is taken out of exactly those buckets, and empty buckets are
// deleted. Other queries (and every query, with QueryIndex(false)) sit in an
// unindexed list. A publish bumps a stamp, looks up each key of the event
// set that has values, and for each of its values the (key, value) bucket
// (a bucket with one query is held in its map slot as that query), visiting
// each distinct query at most once (a query whose stamp is the current one
// is already visited), then the unindexed queries. It allocates nothing
// once the reused slice has grown. Data is
// type-erased (any); each subscription has a Sink[M] that converts the data
// and events into the subscriber's message type M and sends it on the
// subscriber's own channel, so that a typed subscription's Out is the very
// channel the loop delivers into. A Sink's conversion may decline a message
// (not for this subscriber); a declined message does not count against
// capacity.
//
// A buffered subscription gets a non-blocking send; if its channel is full the
// subscription is cancelled with ErrOutOfCapacity. An unbuffered subscription
// gets a blocking send, during which the loop keeps serving requests (so that
// Unsubscribe and Stop release it) but takes no publish (so that order is
// kept).
//
// # Sequence numbers and history
//
// The loop numbers every publish it takes (loop.seq, published in
// Engine.seq for Stats) and, with History(n), keeps the last n in a ring
// (history.go): one 32-byte entry per message (sequence number, data,
// events), nothing per subscription. Without History the ring is nil and a
// publish pays one atomic store for its number, nothing else.
//
// # Falling behind and catching up
//
// A FallBehind subscription whose Out a message finds full, on an engine
// with history, is not cancelled: it is marked behind, its cursor is that
// message's number, and the sink hands the message (kept by the Full
// Offer) to a goroutine of its own, catchUp. From then on a publish passes
// it by (one flag test in deliver), however far behind it is. Its catch-up
// goroutine sends the message in hand, which waits for the subscriber to
// make room, and then asks the loop, with a request like any other
// (refillReq), for what follows: the loop evaluates the subscription's
// query on the retained messages after the cursor and offers each match
// with a non-blocking send until Out is full again (the one that did not
// fit is handed back, and the cursor is on it) or the history is exhausted
// (the subscription is live again, and the goroutine ends). A resuming
// subscription (After) starts the same way, from its cursor, when it
// subscribes. The handover to live is one step of the loop: the refill
// that reaches the newest message clears the flag, and the next publish,
// served after it, offers to the subscription directly; nothing is lost or
// repeated, whatever the publishers do meanwhile.
//
// Loss is decided by the loop too. Every cursor is at least the oldest
// retained number less one, so when a publish is about to evict the oldest
// entry, each subscription behind whose cursor is before it has not been
// handed it: if the entry is one of its messages (its query matches and its
// Conv accepts), the subscription is cancelled with ErrOutOfCapacity;
// otherwise its cursor moves past it. That is O(1) per subscription behind
// per publish. A refill scans at most refillBudget entries at a time, so
// that a sparse query over a long history does not hold the loop.
//
// Why this design, rather than a catch-up goroutine reading a shared log:
// the history, the cursors and every query evaluation stay on the loop, so
// the ring needs no lock on the publish path, a user's query still runs on
// one goroutine only (its panics are handled as in a publish), typed views
// keep their Conv, and the loss rule is exact. The goroutine is there only
// to wait for the subscriber, which the loop must never do, and lives only
// while the subscription is behind. Measured (BenchmarkCatchUp,
// Capacity(64), bursts of 1,024 from History(1024), medians of 6 on 2
// shared cores): refilling Out with non-blocking sends delivers a catch-up
// message in 228 ns, against 1.40 µs when the goroutine fetches one message
// per request (6.1 times as long), in one run; in another, 295 ns a message
// caught up against 710 ns for a live subscriber of the same burst,
// receiving as it is published.
//
// Stats are atomics that the loop writes and anyone reads; Delivered is
// added once per publish, not per delivery, and a catch-up goroutine's send
// is counted by the refill request that follows it (by the goroutine itself
// only if the run ends first).
//
// # Lifecycle
//
// The engine's per-run channels (requests, publishes, stop, done) live in one
// struct swapped atomically by Reset. Start runs the loop; Stop closes the stop
// channel and waits for the loop to exit, which cancels every live
// subscription with ErrServerStopped and zeroes the counts, and then for the
// catch-up goroutines, which end when their subscription is cancelled.
// Publishes still queued at Stop are discarded; the history goes with the
// loop, and sequence numbers go on across Reset.
package bus
