package bustest

import (
	"bytes"
	"context"
	"log/slog"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bus"
	"github.com/querybus/querybus/pubsub"
)

// Guard bounds every wait of a test that would otherwise hang; it is never
// used to let something happen.
const Guard = 10 * time.Second

// Msg is a received message, whatever the server under test.
type Msg struct {
	Data   string
	Events map[string][]string
	Seq    uint64
}

// Server is the server under test. The scenarios are written against it so
// that they run against every server with the same behaviour (a typed view,
// indexed queries) without change.
type Server interface {
	Start() error
	Stop() error
	Reset() error
	SetLogger(*slog.Logger)
	Subscribe(ctx context.Context, clientID string, q pubsub.Query, capacity ...int) (Sub, error)
	SubscribeUnbuffered(ctx context.Context, clientID string, q pubsub.Query) (Sub, error)
	SubscribeWith(ctx context.Context, clientID string, q pubsub.Query, opts ...pubsub.SubscribeOption) (Sub, error)
	Stats() pubsub.Stats
	// Untyped is the *pubsub.Server under test, or underneath it.
	Untyped() *pubsub.Server
	Unsubscribe(ctx context.Context, clientID string, q pubsub.Query) error
	UnsubscribeAll(ctx context.Context, clientID string) error
	Publish(ctx context.Context, data string) error
	PublishWithEvents(ctx context.Context, data string, events map[string][]string) error
	NumClients() int
	NumClientSubscriptions(clientID string) int
}

// Sub is a subscription of the server under test.
type Sub interface {
	// TryRecv receives a message if one is ready.
	TryRecv() (Msg, bool)
	// Recv waits for a message; false if none comes within Guard.
	Recv() (Msg, bool)
	Cancelled() <-chan struct{}
	Err() error
	// Range is the subscription's Messages iterator, converted.
	Range(yield func(Msg) bool)
}

// Maker makes a server under test, not started, with options.
type Maker func(opts ...pubsub.Option) Server

// TryRecv receives from out if a message is ready, converted by conv;
// adapters implement Sub.TryRecv with it.
func TryRecv[M, R any](out <-chan M, conv func(M) R) (R, bool) {
	select {
	case m := <-out:
		return conv(m), true
	default:
		var zero R
		return zero, false
	}
}

// Recv waits at most Guard for a message on out, converted by conv; adapters
// implement Sub.Recv with it.
func Recv[M, R any](out <-chan M, conv func(M) R) (R, bool) {
	timer := time.NewTimer(Guard)
	defer timer.Stop()
	select {
	case m := <-out:
		return conv(m), true
	case <-timer.C:
		var zero R
		return zero, false
	}
}

// TB is what Barrier needs of a test: a *testing.T, *testing.B or *rapid.T.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	FailNow()
}

// Started returns a started server that is stopped when the test ends.
func Started(t *testing.T, mk Maker, opts ...pubsub.Option) Server {
	t.Helper()
	s := mk(opts...)
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// Barrier returns once the server's goroutine has finished with every
// message published (on an unbuffered queue) before the call, provided no
// delivery is blocked on an unbuffered subscription: it is a round trip
// through the server's goroutine.
func Barrier(t TB, s interface {
	Unsubscribe(ctx context.Context, clientID string, q pubsub.Query) error
}) {
	t.Helper()
	require.ErrorIs(t, s.Unsubscribe(context.Background(), "\x00barrier", MatchAll{}), pubsub.ErrSubscriptionNotFound)
}

// RecvData waits (at most Guard) for a message on sub and returns its data.
func RecvData(t *testing.T, sub Sub) string {
	t.Helper()
	m, ok := sub.Recv()
	require.True(t, ok, "no message within %v", Guard)
	return m.Data
}

// Drained reports the messages ready on sub (after a barrier: all of those
// delivered).
func Drained(sub Sub) []string {
	var got []string
	for {
		m, ok := sub.TryRecv()
		if !ok {
			return got
		}
		got = append(got, m.Data)
	}
}

// IsClosed reports whether c is closed.
func IsClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// ShortCtx is a context for a call that must not succeed: it bounds how long
// the test waits to see it fail.
func ShortCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

// CancelledCtx returns a context that is already cancelled.
func CancelledCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// WaitCancelled waits (at most Guard) for sub to be cancelled.
func WaitCancelled(t *testing.T, sub interface{ Cancelled() <-chan struct{} }) {
	t.Helper()
	select {
	case <-sub.Cancelled():
	case <-time.After(Guard):
		t.Fatalf("not cancelled within %v", Guard)
	}
}

// GuardCtx bounds a call that must succeed, so that a bug fails the test
// instead of hanging it.
func GuardCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), Guard)
	t.Cleanup(cancel)
	return ctx
}

// Ev builds an event set from key, value pairs; a key may repeat.
func Ev(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// SyncBuffer is a bytes.Buffer safe for the server's goroutine to log into.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Settle waits (at most Guard) until the catch-up goroutines of the
// server's cancelled subscriptions have ended
// (bus.Engine.CancelledCatchUps), so that nothing more reaches their Out.
func Settle(t TB, s interface{ Untyped() *pubsub.Server }) {
	t.Helper()
	e := bus.EngineOf(s.Untyped())
	WaitUntil(t, "catch-ups of cancelled subscriptions ended", func() bool { return e.CancelledCatchUps() == 0 })
}

// WaitUntil waits (at most Guard) until cond holds, checking it whenever
// the test's goroutine is scheduled: for a state that other goroutines
// reach on their own (a catch-up refilling Out), never for a duration.
func WaitUntil(t TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Errorf("not within %v: %s", Guard, what)
			t.FailNow()
		}
		runtime.Gosched()
	}
}
