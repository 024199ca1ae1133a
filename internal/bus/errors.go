package bus

import (
	"errors"
	"fmt"
)

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
	// ErrQueryFailed is the reason a subscription is cancelled when a method
	// of its query (Matches, IndexTerms) panicked on the server's goroutine,
	// and the result of a Subscribe whose query's IndexTerms panicked. The
	// error that wraps it names the query and the method and includes the
	// panic value.
	ErrQueryFailed = errors.New("pubsub: query failed")
)

// queryPanicked returns the error for a panic of the method of the query
// with String() text, v being the recovered value.
func queryPanicked(text, method string, v any) error {
	return fmt.Errorf("%w: %s of query %q panicked: %v", ErrQueryFailed, method, text, v)
}
