package bus_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/querybus/querybus/internal/bus"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type all struct{}

func (all) Matches(map[string][]string) (bool, error) { return true, nil }
func (all) String() string                            { return "all" }

// onlyInts is the conversion of a typed view of ints.
func onlyInts(data any, _ map[string][]string, _ uint64) (int, bool) {
	i, ok := data.(int)
	return i, ok
}

func started(t *testing.T) *bus.Engine {
	e := bus.NewEngine(0, nil)
	e.Start()
	t.Cleanup(e.Stop)
	return e
}

// barrier is a round trip through the loop.
func barrier(t *testing.T, e *bus.Engine) {
	require.ErrorIs(t, e.UnsubscribeAll(context.Background(), "\x00barrier"), bus.ErrSubscriptionNotFound)
}

func TestHandle(t *testing.T) {
	h := bus.NewHandle()
	assert.NoError(t, h.Err())
	select {
	case <-h.Cancelled():
		t.Fatal("cancelled at birth")
	default:
	}
}

func TestDeclinedMessagesDoNotCountAgainstCapacity(t *testing.T) {
	e := started(t)
	ctx := context.Background()
	out := make(chan int, 1)
	h, err := bus.Subscribe(ctx, e, "c", all{}, out, onlyInts, bus.SubOptions{})
	require.NoError(t, err)
	for i := 0; i < 3; i++ {
		require.NoError(t, e.Publish(ctx, "not an int", nil))
	}
	require.NoError(t, e.Publish(ctx, 7, nil))
	barrier(t, e)
	assert.NoError(t, h.Err())
	assert.Equal(t, 7, <-out)
	require.NoError(t, e.Publish(ctx, 8, nil))
	require.NoError(t, e.Publish(ctx, 9, nil))
	barrier(t, e)
	assert.ErrorIs(t, h.Err(), bus.ErrOutOfCapacity)
}

func TestUnbufferedDeclinedMessageDoesNotBlock(t *testing.T) {
	e := started(t)
	ctx := context.Background()
	out := make(chan int)
	h, err := bus.Subscribe(ctx, e, "c", all{}, out, onlyInts, bus.SubOptions{})
	require.NoError(t, err)
	require.NoError(t, e.Publish(ctx, "skipped", nil))
	// Had the loop been waiting on out, it would not take this one.
	short, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	require.NoError(t, e.Publish(short, "skipped too", nil))
	require.NoError(t, e.Publish(ctx, 1, nil))
	assert.Equal(t, 1, <-out)
	assert.NoError(t, h.Err())
}

func TestCountsAndStop(t *testing.T) {
	e := bus.NewEngine(3, nil)
	assert.Equal(t, 3, e.BufferCapacity())
	e.Start()
	ctx := context.Background()
	h1, err := bus.Subscribe(ctx, e, "a", all{}, make(chan int, 1), onlyInts, bus.SubOptions{})
	require.NoError(t, err)
	_, err = bus.Subscribe(ctx, e, "a", all{}, make(chan int, 1), onlyInts, bus.SubOptions{})
	assert.ErrorIs(t, err, bus.ErrAlreadySubscribed)
	assert.Equal(t, 1, e.NumClients())
	assert.Equal(t, 1, e.NumClientSubscriptions("a"))
	e.Stop()
	<-h1.Cancelled()
	assert.ErrorIs(t, h1.Err(), bus.ErrServerStopped)
	assert.Equal(t, 0, e.NumClients())
	assert.ErrorIs(t, e.Publish(ctx, 1, nil), bus.ErrServerStopped)
	e.Stop() // idempotent
	e.Reset()
	e.Start()
	defer e.Stop()
	_, err = bus.Subscribe(ctx, e, "a", all{}, make(chan int, 1), onlyInts, bus.SubOptions{})
	require.NoError(t, err)
}

func TestStopWithoutStart(t *testing.T) {
	e := bus.NewEngine(0, nil)
	e.Stop() // must not wait for a loop that never ran
	assert.ErrorIs(t, e.Publish(context.Background(), 1, nil), bus.ErrServerStopped)
}

func TestNilQuery(t *testing.T) {
	e := bus.NewEngine(0, nil)
	_, err := bus.Subscribe[int](context.Background(), e, "a", nil, make(chan int), onlyInts, bus.SubOptions{})
	assert.ErrorIs(t, err, bus.ErrNilQuery)
}
