package typed_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/typed"
)

// started starts s and stops it when the test ends.
func started(t *testing.T, s *pubsub.Server) *pubsub.Server {
	t.Helper()
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// recv waits (at most bustest.Guard) for a message on sub.
func recv[T any](t *testing.T, sub *typed.Subscription[T]) typed.Message[T] {
	t.Helper()
	timer := time.NewTimer(bustest.Guard)
	defer timer.Stop()
	select {
	case m := <-sub.Out():
		return m
	case <-timer.C:
		t.Fatalf("no message within %v", bustest.Guard)
		return typed.Message[T]{}
	}
}

// drained returns the data of the messages ready on sub.
func drained[T any](sub *typed.Subscription[T]) []T {
	var got []T
	for {
		select {
		case m := <-sub.Out():
			got = append(got, m.Data())
		default:
			return got
		}
	}
}

func TestCapacityPanics(t *testing.T) {
	s := typed.NewServer[int]() // not started: a call that did not panic would block
	ctx := bustest.CancelledCtx()
	assert.PanicsWithValue(t,
		"typed: Subscribe: outCapacity must be greater than zero (use SubscribeUnbuffered for an unbuffered subscription)",
		func() { _, _ = s.Subscribe(ctx, "a", bustest.MatchAll{}, 0) })
	assert.Panics(t, func() { _, _ = s.Subscribe(ctx, "a", bustest.MatchAll{}, -1) })
	assert.PanicsWithValue(t, "typed: Subscribe: at most one outCapacity may be given",
		func() { _, _ = s.Subscribe(ctx, "a", bustest.MatchAll{}, 1, 2) })
	assert.NotPanics(t, func() { _, _ = s.Subscribe(ctx, "a", bustest.MatchAll{}, 1) })
	assert.PanicsWithValue(t, "typed: Wrap: nil *pubsub.Server", func() { typed.Wrap[int](nil) })
}

func TestDefaultCapacityIsOneAndOutIsTheDeliveryChannel(t *testing.T) {
	s := typed.NewServer[int]()
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	ctx := context.Background()
	one, err := s.Subscribe(ctx, "a", bustest.MatchAll{})
	require.NoError(t, err)
	assert.Equal(t, 1, cap(one.Out()))
	five, err := s.Subscribe(ctx, "b", bustest.MatchAll{}, 5)
	require.NoError(t, err)
	assert.Equal(t, 5, cap(five.Out()))
	unbuf, err := s.SubscribeUnbuffered(ctx, "c", bustest.KeyEquals{Key: "k", Value: "v"})
	require.NoError(t, err)
	assert.Equal(t, 0, cap(unbuf.Out()))
}

func TestServerForwardsToUntyped(t *testing.T) {
	u := pubsub.NewServer(pubsub.BufferCapacity(3))
	s := typed.Wrap[int](u)
	assert.Same(t, u, s.Untyped())
	assert.Equal(t, 3, s.BufferCapacity())
	assert.Equal(t, "PubSub", s.String())
	assert.Equal(t, 0, typed.NewServer[int]().BufferCapacity())

	assert.False(t, s.IsRunning())
	require.NoError(t, s.Start())
	assert.True(t, u.IsRunning(), "Start acts on the underlying server")
	assert.True(t, s.IsRunning())
	assert.ErrorIs(t, u.Start(), s.Start(), "one lifecycle")
	assert.False(t, bustest.IsClosed(s.Quit()))
	require.NoError(t, u.Stop())
	s.Wait()
	assert.True(t, bustest.IsClosed(s.Quit()))
	assert.False(t, s.IsRunning())
	require.NoError(t, s.Reset())
	assert.False(t, bustest.IsClosed(u.Quit()))
	s.SetLogger(nil)
	assert.Same(t, u.Logger(), s.Logger())
}

func TestNewMessage(t *testing.T) {
	events := map[string][]string{"k": {"v"}}
	m := typed.NewMessage(42, events)
	assert.Equal(t, 42, m.Data())
	assert.Equal(t, events, m.Events())
	var zero typed.Message[*Tx]
	assert.Nil(t, zero.Data())
	assert.Nil(t, zero.Events())
}

// Messages of another type neither reach a view's subscriptions nor count
// against their capacity, nor make the server wait for an unbuffered one.
func TestWrapSkipsOtherTypes(t *testing.T) {
	u := started(t, pubsub.NewServer())
	s := typed.Wrap[string](u)
	ctx := context.Background()
	buffered, err := s.Subscribe(ctx, "a", bustest.MatchAll{}, 2)
	require.NoError(t, err)
	unbuffered, err := s.SubscribeUnbuffered(ctx, "b", bustest.MatchAll{})
	require.NoError(t, err)

	for i := 0; i < 10; i++ {
		// The server would wait for the unbuffered subscriber if these
		// reached it; the guard context turns that into a failure.
		require.NoError(t, u.Publish(bustest.GuardCtx(t), i))
		require.NoError(t, u.Publish(bustest.GuardCtx(t), []byte("not a string")))
	}
	bustest.Barrier(t, u)
	assert.NoError(t, buffered.Err(), "10 ints and 10 []byte do not fill a capacity of 2")
	assert.Empty(t, drained(buffered))

	require.NoError(t, s.Publish(ctx, "s1"))
	assert.Equal(t, "s1", recv(t, unbuffered).Data())
	require.NoError(t, s.Publish(ctx, "s2")) // fills buffered: it now holds s1, s2
	assert.Equal(t, "s2", recv(t, unbuffered).Data())
	require.NoError(t, u.Publish(bustest.GuardCtx(t), 3.5)) // skipped by both
	bustest.Barrier(t, u)
	assert.NoError(t, buffered.Err())
	assert.Equal(t, []string{"s1", "s2"}, drained(buffered))
	assert.NoError(t, unbuffered.Err())
}

// An untyped subscriber sees what a view publishes; a view's subscriber sees
// the untyped publishes whose data is a T.
func TestWrapAndUntypedSeeEachOther(t *testing.T) {
	u := started(t, pubsub.NewServer())
	s := typed.Wrap[int](u)
	ctx := context.Background()
	untyped, err := u.Subscribe(ctx, "u", bustest.MatchAll{}, 10)
	require.NoError(t, err)
	view, err := s.Subscribe(ctx, "t", bustest.MatchAll{}, 10)
	require.NoError(t, err)

	require.NoError(t, s.PublishWithEvents(ctx, 1, bustest.Ev("k", "v")))
	require.NoError(t, u.Publish(ctx, 2))
	require.NoError(t, u.Publish(ctx, "three"))
	require.NoError(t, u.Publish(ctx, int64(4))) // an int64 is not an int
	bustest.Barrier(t, u)

	var got []any
	for len(untyped.Out()) > 0 {
		got = append(got, (<-untyped.Out()).Data())
	}
	assert.Equal(t, []any{1, 2, "three", int64(4)}, got)
	assert.Equal(t, []int{1, 2}, drained(view))
}

// One client, one query: its typed and untyped subscriptions count together
// and conflict, and either side unsubscribes the other's.
func TestWrapSharesClients(t *testing.T) {
	u := started(t, pubsub.NewServer())
	ints, strs := typed.Wrap[int](u), typed.Wrap[string](u)
	ctx := context.Background()
	q := bustest.KeyEquals{Key: "k", Value: "v"}

	viaInts, err := ints.Subscribe(ctx, "a", q)
	require.NoError(t, err)
	_, err = u.Subscribe(ctx, "a", q)
	assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed, "typed, then untyped")
	_, err = strs.SubscribeUnbuffered(ctx, "a", q)
	assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed, "two views")
	untyped, err := u.Subscribe(ctx, "b", q)
	require.NoError(t, err)
	_, err = strs.Subscribe(ctx, "b", q)
	assert.ErrorIs(t, err, pubsub.ErrAlreadySubscribed, "untyped, then typed")
	viaStrs, err := strs.Subscribe(ctx, "a", bustest.MatchAll{})
	require.NoError(t, err, "another query")

	assert.Equal(t, 2, u.NumClients())
	assert.Equal(t, 2, ints.NumClientSubscriptions("a"))
	assert.Equal(t, 2, strs.NumClientSubscriptions("a"))

	require.NoError(t, u.Unsubscribe(ctx, "a", q), "untyped Unsubscribe of a typed subscription")
	assert.ErrorIs(t, viaInts.Err(), pubsub.ErrUnsubscribed)
	require.NoError(t, ints.Unsubscribe(ctx, "b", q), "a view's Unsubscribe of an untyped subscription")
	assert.ErrorIs(t, untyped.Err(), pubsub.ErrUnsubscribed)
	require.NoError(t, ints.UnsubscribeAll(ctx, "a"), "of a subscription of another view")
	assert.ErrorIs(t, viaStrs.Err(), pubsub.ErrUnsubscribed)
	assert.Equal(t, 0, u.NumClients())
	assert.ErrorIs(t, strs.UnsubscribeAll(ctx, "a"), pubsub.ErrSubscriptionNotFound)
}

// Stop cancels the subscriptions of every view; Publish and Subscribe
// return pubsub's errors.
func TestWrapStop(t *testing.T) {
	u := pubsub.NewServer()
	require.NoError(t, u.Start())
	ints, strs := typed.Wrap[int](u), typed.Wrap[string](u)
	ctx := context.Background()
	a, err := ints.Subscribe(ctx, "a", bustest.MatchAll{})
	require.NoError(t, err)
	b, err := strs.SubscribeUnbuffered(ctx, "b", bustest.MatchAll{})
	require.NoError(t, err)
	require.NoError(t, strs.Stop())
	assert.ErrorIs(t, a.Err(), pubsub.ErrServerStopped)
	assert.ErrorIs(t, b.Err(), pubsub.ErrServerStopped)
	assert.ErrorIs(t, ints.Publish(ctx, 1), pubsub.ErrServerStopped)
	_, err = ints.Subscribe(ctx, "c", bustest.MatchAll{})
	assert.ErrorIs(t, err, pubsub.ErrServerStopped)
	assert.True(t, errors.Is(ints.Stop(), u.Stop()))
}

type named struct{ name string }

func (n named) String() string { return n.name }

type ptrNamed struct{ name string }

func (n *ptrNamed) String() string { return n.name }

// Nil data: the zero value of an interface T reaches the views of interface
// types, none of concrete types; a typed nil pointer is a value of its type.
func TestNilData(t *testing.T) {
	u := started(t, pubsub.NewServer())
	ctx := context.Background()
	anys, err := typed.Wrap[any](u).Subscribe(ctx, "any", bustest.MatchAll{}, 10)
	require.NoError(t, err)
	stringers, err := typed.Wrap[fmt.Stringer](u).Subscribe(ctx, "stringer", bustest.MatchAll{}, 10)
	require.NoError(t, err)
	ptrs, err := typed.Wrap[*ptrNamed](u).Subscribe(ctx, "ptr", bustest.MatchAll{}, 10)
	require.NoError(t, err)
	names, err := typed.Wrap[named](u).Subscribe(ctx, "named", bustest.MatchAll{}, 10)
	require.NoError(t, err)
	errs, err := typed.Wrap[error](u).Subscribe(ctx, "error", bustest.MatchAll{}, 10)
	require.NoError(t, err)

	require.NoError(t, typed.Wrap[fmt.Stringer](u).Publish(ctx, nil))
	require.NoError(t, u.Publish(ctx, nil))
	require.NoError(t, typed.Wrap[*ptrNamed](u).Publish(ctx, nil))
	require.NoError(t, u.Publish(ctx, named{"n"}))
	bustest.Barrier(t, u)

	assert.Equal(t, []any{nil, nil, (*ptrNamed)(nil), named{"n"}}, drained(anys))
	assert.Equal(t, []fmt.Stringer{nil, nil, (*ptrNamed)(nil), named{"n"}}, drained(stringers))
	assert.Equal(t, []*ptrNamed{nil}, drained(ptrs), "a typed nil pointer, not the untyped nils")
	assert.Equal(t, []named{{"n"}}, drained(names))
	assert.Equal(t, []error{nil, nil}, drained(errs), "nil is the zero of every interface type")
}

// Canceled (CometBFT's spelling) is the Cancelled channel.
func TestCanceled(t *testing.T) {
	s := typed.NewServer[int]()
	require.NoError(t, s.Start())
	defer func() { require.NoError(t, s.Stop()) }()
	sub, err := s.Subscribe(context.Background(), "c", bustest.MatchAll{})
	require.NoError(t, err)
	assert.Equal(t, sub.Cancelled(), sub.Canceled())
}
