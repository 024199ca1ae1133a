package pubsub_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/querybus/querybus/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Test-only queries, so that the server's tests do not depend on package
// query's semantics.

// keyEquals matches event sets where key has value.
type keyEquals struct{ key, value string }

func (q keyEquals) Matches(events map[string][]string) (bool, error) {
	for _, v := range events[q.key] {
		if v == q.value {
			return true, nil
		}
	}
	return false, nil
}
func (q keyEquals) String() string { return q.key + " = '" + q.value + "'" }

// matchAll matches every event set, the empty one included.
type matchAll struct{}

func (matchAll) Matches(map[string][]string) (bool, error) { return true, nil }
func (matchAll) String() string                            { return "<all>" }

// failing always returns an error.
type failing struct{ text string }

var errBoom = errors.New("boom")

func (q failing) Matches(map[string][]string) (bool, error) { return false, errBoom }
func (q failing) String() string                            { return q.text }

// counting is keyEquals that counts its evaluations.
type counting struct {
	keyEquals
	n *atomic.Int64
}

func (q counting) Matches(events map[string][]string) (bool, error) {
	q.n.Add(1)
	return q.keyEquals.Matches(events)
}

func ev(kv ...string) map[string][]string {
	m := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = append(m[kv[i]], kv[i+1])
	}
	return m
}

// syncBuffer is a bytes.Buffer safe for the server's goroutine to log into.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// guard bounds every wait of a test that would otherwise hang; it is never
// used to let something happen.
const guard = 10 * time.Second

// tmsg is a received message, whatever the server under test.
type tmsg struct {
	data   string
	events map[string][]string
}

// sut is the server under test. The scenarios are written against it so that
// they can run against other servers with the same behaviour (a typed view,
// indexed queries) without change.
type sut interface {
	Start() error
	Stop() error
	Reset() error
	SetLogger(*slog.Logger)
	Subscribe(ctx context.Context, clientID string, q pubsub.Query, capacity ...int) (tsub, error)
	SubscribeUnbuffered(ctx context.Context, clientID string, q pubsub.Query) (tsub, error)
	Unsubscribe(ctx context.Context, clientID string, q pubsub.Query) error
	UnsubscribeAll(ctx context.Context, clientID string) error
	Publish(ctx context.Context, data string) error
	PublishWithEvents(ctx context.Context, data string, events map[string][]string) error
	NumClients() int
	NumClientSubscriptions(clientID string) int
}

// tsub is a subscription of the server under test.
type tsub interface {
	// TryRecv receives a message if one is ready.
	TryRecv() (tmsg, bool)
	// Recv waits for a message; false if none comes within guard.
	Recv() (tmsg, bool)
	Cancelled() <-chan struct{}
	Err() error
}

// newSUT makes a server under test with options.
type newSUT func(opts ...pubsub.Option) sut

// untypedSUT is *pubsub.Server as a sut.
type untypedSUT struct{ *pubsub.Server }

func newUntyped(opts ...pubsub.Option) sut { return untypedSUT{pubsub.NewServer(opts...)} }

func (s untypedSUT) Subscribe(ctx context.Context, clientID string, q pubsub.Query, capacity ...int) (tsub, error) {
	sub, err := s.Server.Subscribe(ctx, clientID, q, capacity...)
	if err != nil {
		return nil, err
	}
	return untypedSub{sub}, nil
}

func (s untypedSUT) SubscribeUnbuffered(ctx context.Context, clientID string, q pubsub.Query) (tsub, error) {
	sub, err := s.Server.SubscribeUnbuffered(ctx, clientID, q)
	if err != nil {
		return nil, err
	}
	return untypedSub{sub}, nil
}

func (s untypedSUT) Publish(ctx context.Context, data string) error {
	return s.Server.Publish(ctx, data)
}

func (s untypedSUT) PublishWithEvents(ctx context.Context, data string, events map[string][]string) error {
	return s.Server.PublishWithEvents(ctx, data, events)
}

type untypedSub struct{ *pubsub.Subscription }

func toT(m pubsub.Message) tmsg {
	d, _ := m.Data().(string)
	return tmsg{data: d, events: m.Events()}
}

func (s untypedSub) TryRecv() (tmsg, bool) {
	select {
	case m := <-s.Out():
		return toT(m), true
	default:
		return tmsg{}, false
	}
}

func (s untypedSub) Recv() (tmsg, bool) {
	select {
	case m := <-s.Out():
		return toT(m), true
	case <-time.After(guard):
		return tmsg{}, false
	}
}

// started returns a started server that is stopped when the test ends.
func started(t *testing.T, mk newSUT, opts ...pubsub.Option) sut {
	t.Helper()
	s := mk(opts...)
	require.NoError(t, s.Start())
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

// barrier returns once the server's goroutine has finished with every
// message published (on an unbuffered queue) before the call, provided no
// delivery is blocked on an unbuffered subscription: it is a round trip
// through the server's goroutine.
func barrier(t *testing.T, s sut) {
	t.Helper()
	require.ErrorIs(t, s.Unsubscribe(context.Background(), "\x00barrier", matchAll{}), pubsub.ErrSubscriptionNotFound)
}

func recvData(t *testing.T, sub tsub) string {
	t.Helper()
	m, ok := sub.Recv()
	require.True(t, ok, "no message within %v", guard)
	return m.data
}

// drained reports the messages ready on sub (after a barrier: all of those
// delivered).
func drained(sub tsub) []string {
	var got []string
	for {
		m, ok := sub.TryRecv()
		if !ok {
			return got
		}
		got = append(got, m.data)
	}
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// shortCtx is a context for a call that must not succeed: it bounds how long
// the test waits to see it fail.
func shortCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	t.Cleanup(cancel)
	return ctx
}

func cancelledCtx() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// waitCancelled waits (at most guard) for sub to be cancelled.
func waitCancelled(t *testing.T, sub tsub) {
	t.Helper()
	select {
	case <-sub.Cancelled():
	case <-time.After(guard):
		t.Fatalf("not cancelled within %v", guard)
	}
}

// guardCtx bounds a call that must succeed, so that a bug fails the test
// instead of hanging it.
func guardCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), guard)
	t.Cleanup(cancel)
	return ctx
}
