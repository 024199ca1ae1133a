package bus

import "errors"

// Sentinel errors, re-exported by package pubsub under the same names.
var (
	// ErrSubscriptionNotFound is returned by Unsubscribe and UnsubscribeAll
	// when there is nothing to remove, and by them after the server stopped.
	ErrSubscriptionNotFound = errors.New("pubsub: subscription not found")
	// ErrAlreadySubscribed is returned by Subscribe when the client already
	// has a subscription whose query has the same String().
	ErrAlreadySubscribed = errors.New("pubsub: already subscribed")
	// ErrUnsubscribed is a subscription's Err after Unsubscribe or
	// UnsubscribeAll removed it.
	ErrUnsubscribed = errors.New("pubsub: unsubscribed")
	// ErrOutOfCapacity is a buffered subscription's Err after a message
	// found its channel full.
	ErrOutOfCapacity = errors.New("pubsub: subscription out of capacity")
	// ErrServerStopped is a subscription's Err after the server stopped, and
	// the result of Subscribe and Publish on a stopped server.
	ErrServerStopped = errors.New("pubsub: server stopped")
	// ErrNilQuery is returned when a nil query is given.
	ErrNilQuery = errors.New("pubsub: nil query")
)
