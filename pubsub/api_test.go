package pubsub_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bus"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/pubsub/service"
	"github.com/querybus/querybus/query"
)

var _ service.Service = (*pubsub.Server)(nil)

func TestCapacityPanics(t *testing.T) {
	s := pubsub.NewServer() // not started: a call that did not panic would block
	ctx := cancelledCtx()   // ... so give it a context that is already over
	assert.PanicsWithValue(t,
		"pubsub: Subscribe: outCapacity must be greater than zero (use SubscribeUnbuffered for an unbuffered subscription)",
		func() { _, _ = s.Subscribe(ctx, "a", matchAll{}, 0) })
	assert.Panics(t, func() { _, _ = s.Subscribe(ctx, "a", matchAll{}, -1) })
	assert.PanicsWithValue(t, "pubsub: Subscribe: at most one outCapacity may be given",
		func() { _, _ = s.Subscribe(ctx, "a", matchAll{}, 1, 2) })
	assert.NotPanics(t, func() { _, _ = s.Subscribe(ctx, "a", matchAll{}, 1) })
	assert.Panics(t, func() { pubsub.BufferCapacity(-1) })
	assert.Panics(t, func() { pubsub.NewSubscription(-1) })
}

func TestBufferCapacity(t *testing.T) {
	assert.Equal(t, 0, pubsub.NewServer().BufferCapacity())
	assert.Equal(t, 7, pubsub.NewServer(pubsub.BufferCapacity(7)).BufferCapacity())
}

func TestServerName(t *testing.T) {
	assert.Equal(t, "PubSub", pubsub.NewServer().String())
}

func TestNewSubscriptionAndMessage(t *testing.T) {
	sub := pubsub.NewSubscription(2)
	assert.Equal(t, 2, cap(sub.Out()))
	assert.NoError(t, sub.Err())
	assert.False(t, isClosed(sub.Cancelled()))
	assert.Equal(t, 0, cap(pubsub.NewSubscription(0).Out()))

	events := map[string][]string{"k": {"v"}}
	m := pubsub.NewMessage(42, events)
	assert.Equal(t, 42, m.Data())
	assert.Equal(t, events, m.Events())
	var zero pubsub.Message
	assert.Nil(t, zero.Data())
	assert.Nil(t, zero.Events())
}

func TestErrorsAreTheEnginesAndDistinct(t *testing.T) {
	errs := []error{pubsub.ErrSubscriptionNotFound, pubsub.ErrAlreadySubscribed, pubsub.ErrUnsubscribed,
		pubsub.ErrOutOfCapacity, pubsub.ErrServerStopped, pubsub.ErrNilQuery}
	same := []error{bus.ErrSubscriptionNotFound, bus.ErrAlreadySubscribed, bus.ErrUnsubscribed,
		bus.ErrOutOfCapacity, bus.ErrServerStopped, bus.ErrNilQuery}
	for i, err := range errs {
		assert.Same(t, same[i], err)
		assert.Regexp(t, `^pubsub: [a-z ]+$`, err.Error())
		for j, other := range errs {
			if i != j {
				assert.False(t, errors.Is(err, other), "%v is %v", err, other)
			}
		}
	}
}

func TestEngineOf(t *testing.T) {
	s := pubsub.NewServer()
	e := bus.EngineOf(s)
	require.NotNil(t, e)
	assert.Nil(t, bus.EngineOf("not a server"))
	assert.Nil(t, bus.EngineOf((*pubsub.Server)(nil)))

	// A subscription made through the engine lives in the same server.
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	ctx := context.Background()
	out := make(chan string, 4)
	h, err := bus.Subscribe(ctx, e, "typed", matchAll{}, out, func(data any, _ map[string][]string, _ uint64) (string, bool) {
		str, ok := data.(string)
		return str, ok
	}, bus.SubOptions{})
	require.NoError(t, err)
	assert.Equal(t, 1, s.NumClients())
	require.NoError(t, s.Publish(ctx, 1)) // not a string: skipped, not counted against capacity
	for _, d := range []string{"a", "b", "c", "d"} {
		require.NoError(t, s.Publish(ctx, d))
	}
	barrier(t, untypedSUT{s})
	assert.NoError(t, h.Err())
	assert.Equal(t, []string{"a", "b", "c", "d"}, []string{<-out, <-out, <-out, <-out})
}

// Canceled (CometBFT's spelling) is the Cancelled channel; a nil *query.Query and
// query.Empty{} subscribe to everything, as query.All does.
func TestCometBFTAndTendermintNames(t *testing.T) {
	s := pubsub.NewServer()
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	ctx := context.Background()
	var nilQuery *query.Query
	all, err := s.Subscribe(ctx, "nil", nilQuery, 2)
	require.NoError(t, err)
	empty, err := s.Subscribe(ctx, "empty", query.Empty{}, 2)
	require.NoError(t, err)
	assert.Equal(t, all.Cancelled(), all.Canceled())

	require.NoError(t, s.PublishWithEvents(ctx, "x", map[string][]string{"a.b": {"c"}}))
	require.NoError(t, s.Publish(ctx, "no events"))
	for _, sub := range []*pubsub.Subscription{all, empty} {
		assert.Equal(t, "x", (<-sub.Out()).Data())
		assert.Equal(t, "no events", (<-sub.Out()).Data())
	}
	require.NoError(t, s.Unsubscribe(ctx, "empty", query.Empty{}))
	<-empty.Canceled()
	assert.ErrorIs(t, empty.Err(), pubsub.ErrUnsubscribed)
	require.NoError(t, s.Unsubscribe(ctx, "nil", query.All), "the nil query is All")
	<-all.Canceled()
}

// Two queries that differ only in spacing are one subscription (MIGRATING.md: String() is
// canonical), and Unsubscribe with either text finds it.
func TestSpacingVariantsAreOneSubscription(t *testing.T) {
	s := pubsub.NewServer()
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	ctx := context.Background()
	_, err := s.Subscribe(ctx, "c", query.MustParse("tm.event='Tx'"))
	require.NoError(t, err)
	_, err = s.Subscribe(ctx, "c", query.MustParse("tm.event = 'Tx'"))
	assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed)
	require.NoError(t, s.Unsubscribe(ctx, "c", query.MustParse("tm.event  =  'Tx'")))
	assert.Equal(t, 0, s.NumClientSubscriptions("c"))
}
