package natsbus

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/querybus/querybus/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard bounds every wait that would otherwise hang a test.
const guard = 10 * time.Second

// startNATS starts an embedded NATS server on a free port, shut down when
// the test (or benchmark) ends; opts may change its options first.
func startNATS(t testing.TB, opts ...func(*server.Options)) *server.Server {
	t.Helper()
	o := &server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true}
	for _, f := range opts {
		f(o)
	}
	s, err := server.NewServer(o)
	require.NoError(t, err)
	go s.Start()
	require.True(t, s.ReadyForConnections(guard), "NATS server not ready")
	t.Cleanup(func() {
		s.Shutdown()
		s.WaitForShutdown()
	})
	return s
}

// connect connects to s, closed when the test (or benchmark) ends.
func connect(t testing.TB, s *server.Server, opts ...nats.Option) *nats.Conn {
	t.Helper()
	nc, err := nats.Connect(s.ClientURL(), opts...)
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	return nc
}

// startBus starts a bus, stopped when the test ends.
func startBus(t *testing.T, opts ...pubsub.Option) *pubsub.Server {
	t.Helper()
	b := pubsub.NewServer(opts...)
	require.NoError(t, b.Start())
	t.Cleanup(func() { _ = b.Stop() })
	return b
}

// quiet is a logger for tests that make the bridge log on purpose.
func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// waitFor waits (at most guard) until cond holds, checking it every
// millisecond: the state it waits for is reached over the network.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(guard)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %v: %s", guard, what)
		}
		time.Sleep(time.Millisecond)
	}
}

// recv receives n messages of sub, failing after guard.
func recv(t *testing.T, sub *pubsub.Subscription, n int) []pubsub.Message {
	t.Helper()
	var got []pubsub.Message
	timer := time.NewTimer(guard)
	defer timer.Stop()
	for len(got) < n {
		select {
		case m := <-sub.Out():
			got = append(got, m)
		case <-sub.Cancelled():
			t.Fatalf("cancelled after %d of %d messages: %v", len(got), n, sub.Err())
		case <-timer.C:
			t.Fatalf("%d of %d messages within %v", len(got), n, guard)
		}
	}
	return got
}

var bg = context.Background()

// syncBuffer is a bytes.Buffer safe for the bridge's goroutines to log into.
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

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }
