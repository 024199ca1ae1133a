package pubsub_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// panicky is a user's query whose Matches panics with its value whenever the
// key "boom" has a value, and otherwise matches every event set.
type panicky struct{ text string }

func (q panicky) Matches(events map[string][]string) (bool, error) {
	if len(events["boom"]) > 0 {
		panic("kaboom: " + q.text)
	}
	return true, nil
}
func (q panicky) String() string { return q.text }

// indexedPanicky is panicky filed in the index under key "k" having a value,
// so that its Matches is reached through the index rather than the
// unindexed list.
type indexedPanicky struct{ panicky }

func (q indexedPanicky) IndexTerms() [][]pubsub.IndexTerm {
	return [][]pubsub.IndexTerm{{{Key: "k", AnyValue: true}}}
}

// badTerms is a user's query whose IndexTerms panics with a runtime error.
type badTerms struct{ text string }

func (q badTerms) Matches(map[string][]string) (bool, error) { return true, nil }
func (q badTerms) String() string                            { return q.text }
func (q badTerms) IndexTerms() [][]pubsub.IndexTerm {
	var terms [][]pubsub.IndexTerm
	return terms[:1] // slice bounds out of range
}

// loggedServer starts a server whose log goes to the returned buffer.
func loggedServer(t *testing.T, opts ...pubsub.Option) (*pubsub.Server, *bustest.SyncBuffer) {
	t.Helper()
	s := pubsub.NewServer(opts...)
	logs := &bustest.SyncBuffer{}
	s.SetLogger(slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Stop() })
	return s, logs
}

// A Matches that panics cancels the subscriptions of that query, and only
// them, with an error that wraps ErrQueryFailed and carries the panic value;
// the panic is logged with its stack, and the server goes on delivering, to
// the others in the same publish and afterwards.
func TestPanickingMatchesCancelsItsSubscriptionsOnly(t *testing.T) {
	for _, tc := range []struct {
		name string
		q    pubsub.Query
	}{
		{"unindexed", panicky{"p"}},
		{"indexed", indexedPanicky{panicky{"p"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			s, logs := loggedServer(t)
			bad1, err := s.Subscribe(ctx, "a", tc.q, 10)
			require.NoError(t, err)
			bad2, err := s.Subscribe(ctx, "b", tc.q, 10) // shares the query
			require.NoError(t, err)
			before, err := s.Subscribe(ctx, "a", query.MustCompile("k EXISTS"), 10)
			require.NoError(t, err)
			after, err := s.Subscribe(ctx, "c", query.All, 10)
			require.NoError(t, err)

			require.NoError(t, s.PublishWithEvents(ctx, "fine", map[string][]string{"k": {"1"}}))
			require.NoError(t, s.PublishWithEvents(ctx, "fatal", map[string][]string{"k": {"1"}, "boom": {"x"}}))
			require.NoError(t, s.PublishWithEvents(ctx, "later", map[string][]string{"k": {"2"}}))
			barrier(t, untypedSUT{s})

			for _, bad := range []*pubsub.Subscription{bad1, bad2} {
				require.True(t, isClosed(bad.Cancelled()))
				err := bad.Err()
				assert.ErrorIs(t, err, pubsub.ErrQueryFailed)
				assert.Contains(t, err.Error(), "kaboom: p")
				assert.Contains(t, err.Error(), "Matches")
				assert.Equal(t, "fine", (<-bad.Out()).Data(), "what came before the panic is kept")
				assert.Empty(t, bad.Out())
			}
			for _, good := range []*pubsub.Subscription{before, after} {
				assert.NoError(t, good.Err())
				for _, want := range []string{"fine", "fatal", "later"} {
					assert.Equal(t, want, (<-good.Out()).Data())
				}
			}
			assert.Equal(t, 0, s.NumClientSubscriptions("b"))
			assert.Equal(t, 1, s.NumClientSubscriptions("a"))
			assert.Equal(t, 2, s.NumClients())

			log := logs.String()
			assert.Contains(t, log, "level=ERROR")
			assert.Contains(t, log, "kaboom: p")
			assert.Contains(t, log, "panicky.Matches", "the stack names the panicking method")
			assert.Equal(t, 1, strings.Count(log, "query panicked"), "one panic, one record")

			// The query may be subscribed again; it is a new subscription.
			again, err := s.Subscribe(ctx, "a", tc.q, 10)
			require.NoError(t, err)
			require.NoError(t, s.PublishWithEvents(ctx, "again", map[string][]string{"k": {"3"}}))
			assert.Equal(t, "again", (<-again.Out()).Data())
		})
	}
}

// A Subscribe whose query's IndexTerms panics returns an error that wraps
// ErrQueryFailed and subscribes nothing; the server goes on. With the index
// off, IndexTerms is never called.
func TestPanickingIndexTermsFailsSubscribe(t *testing.T) {
	ctx := context.Background()
	s, logs := loggedServer(t)
	sub, err := s.Subscribe(ctx, "a", badTerms{"t"}, 1)
	require.Error(t, err)
	assert.Nil(t, sub)
	assert.ErrorIs(t, err, pubsub.ErrQueryFailed)
	assert.Contains(t, err.Error(), "IndexTerms")
	assert.Contains(t, err.Error(), "out of range")
	assert.Contains(t, logs.String(), "badTerms.IndexTerms")
	assert.Equal(t, 0, s.NumClients())
	assert.ErrorIs(t, s.Unsubscribe(ctx, "a", badTerms{"t"}), pubsub.ErrSubscriptionNotFound)

	ok, err := s.Subscribe(ctx, "a", query.All, 1)
	require.NoError(t, err)
	require.NoError(t, s.Publish(ctx, "x"))
	assert.Equal(t, "x", (<-ok.Out()).Data())

	off, _ := loggedServer(t, pubsub.QueryIndex(false))
	sub, err = off.Subscribe(ctx, "a", badTerms{"t"}, 1)
	require.NoError(t, err)
	require.NoError(t, off.Publish(ctx, "y"))
	assert.Equal(t, "y", (<-sub.Out()).Data())
}

// A query whose Matches fails is logged at level Warn with the query's text
// and counts as no match; its subscription stays.
func TestFailingMatchesIsLogged(t *testing.T) {
	ctx := context.Background()
	s, logs := loggedServer(t)
	sub, err := s.Subscribe(ctx, "a", failing{"f"}, 1)
	require.NoError(t, err)
	require.NoError(t, s.Publish(ctx, "x"))
	barrier(t, untypedSUT{s})
	assert.Empty(t, sub.Out())
	assert.NoError(t, sub.Err())
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "query=f")
	assert.Contains(t, logs.String(), "boom")
}

// A subscription cancelled for capacity is logged at level Warn with its
// client and query.
func TestOutOfCapacityIsLogged(t *testing.T) {
	ctx := context.Background()
	s, logs := loggedServer(t)
	sub, err := s.Subscribe(ctx, "slow", query.All, 1)
	require.NoError(t, err)
	require.NoError(t, s.Publish(ctx, 1))
	require.NoError(t, s.Publish(ctx, 2))
	<-sub.Cancelled()
	assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "out of capacity")
	assert.Contains(t, logs.String(), "client=slow")
}

// A nil *query.Query is query.All: it subscribes to everything, the empty
// event set included, is the same subscription as query.All, and
// unsubscribes.
func TestNilQueryPointerIsAll(t *testing.T) {
	ctx := context.Background()
	s, _ := loggedServer(t)
	var nilQuery *query.Query
	sub, err := s.Subscribe(ctx, "a", nilQuery, 2)
	require.NoError(t, err)
	_, err = s.Subscribe(ctx, "a", query.All, 2)
	assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed)
	require.NoError(t, s.Publish(ctx, "empty"))
	require.NoError(t, s.PublishWithEvents(ctx, "some", map[string][]string{"k": {"v"}}))
	assert.Equal(t, "empty", (<-sub.Out()).Data())
	assert.Equal(t, "some", (<-sub.Out()).Data())
	require.NoError(t, s.Unsubscribe(ctx, "a", nilQuery))
	assert.ErrorIs(t, sub.Err(), pubsub.ErrUnsubscribed)

	var untypedNil pubsub.Query
	_, err = s.Subscribe(ctx, "a", untypedNil, 1)
	assert.True(t, errors.Is(err, pubsub.ErrNilQuery))
}

// Regression (found by TestModel): a subscription dropped for capacity no longer counts,
// as soon as its Cancelled channel is closed.
func TestCapacityDropUncountsAtOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := loggedServer(t)
	sub, err := s.Subscribe(ctx, "a", matchAll{}, 1)
	require.NoError(t, err)
	require.NoError(t, s.Publish(ctx, "fills the buffer"))
	require.NoError(t, s.Publish(ctx, "finds it full"))
	<-sub.Cancelled()
	assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
	assert.Equal(t, 0, s.NumClients())
	assert.Equal(t, 0, s.NumClientSubscriptions("a"))
}

// Regression (found by TestModel): unsubscribing one of a client's two subscriptions
// leaves exactly the other one counted.
func TestUnsubscribeOneOfTwoCountsTheOther(t *testing.T) {
	ctx := context.Background()
	s, _ := loggedServer(t)
	_, err := s.Subscribe(ctx, "c", matchAll{}, 1)
	require.NoError(t, err)
	other, err := s.Subscribe(ctx, "c", keyEquals{"k", "1"}, 1)
	require.NoError(t, err)
	require.NoError(t, s.Unsubscribe(ctx, "c", matchAll{}))
	assert.Equal(t, 1, s.NumClientSubscriptions("c"))
	assert.Equal(t, 1, s.NumClients())
	assert.NoError(t, other.Err())
}
