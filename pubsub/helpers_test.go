package pubsub_test

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"go.uber.org/goleak"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The test-only queries and helpers are package bustest's, shared with the
// scenarios (which live there so that they run against the typed server
// too); these names keep the package's other tests short. keyEquals and
// failing are local types (with bustest's methods) so that their unkeyed
// literals stay vet-clean.
type (
	keyEquals struct{ key, value string }
	failing   struct{ text string }
	matchAll  = bustest.MatchAll
)

func (q keyEquals) Matches(events map[string][]string) (bool, error) {
	return bustest.KeyEquals{Key: q.key, Value: q.value}.Matches(events)
}
func (q keyEquals) String() string { return bustest.KeyEquals{Key: q.key, Value: q.value}.String() }

func (q failing) Matches(events map[string][]string) (bool, error) {
	return bustest.Failing{Text: q.text}.Matches(events)
}
func (q failing) String() string { return q.text }

const guard = bustest.Guard

var (
	isClosed     = bustest.IsClosed
	cancelledCtx = bustest.CancelledCtx
)

// barrier is a round trip through the server's goroutine (bustest.Barrier).
func barrier(t testing.TB, s bustest.Server) {
	t.Helper()
	bustest.Barrier(t, s)
}

// untypedSUT is *pubsub.Server as a bustest.Server.
type untypedSUT struct{ *pubsub.Server }

func newUntyped(opts ...pubsub.Option) bustest.Server { return untypedSUT{pubsub.NewServer(opts...)} }

func (s untypedSUT) Subscribe(ctx context.Context, clientID string, q pubsub.Query, capacity ...int) (bustest.Sub, error) {
	sub, err := s.Server.Subscribe(ctx, clientID, q, capacity...)
	if err != nil {
		return nil, err
	}
	return untypedSub{sub}, nil
}

func (s untypedSUT) SubscribeUnbuffered(ctx context.Context, clientID string, q pubsub.Query) (bustest.Sub, error) {
	sub, err := s.Server.SubscribeUnbuffered(ctx, clientID, q)
	if err != nil {
		return nil, err
	}
	return untypedSub{sub}, nil
}

func (s untypedSUT) SubscribeWith(ctx context.Context, clientID string, q pubsub.Query, opts ...pubsub.SubscribeOption) (bustest.Sub, error) {
	sub, err := s.Server.SubscribeWith(ctx, clientID, q, opts...)
	if err != nil {
		return nil, err
	}
	return untypedSub{sub}, nil
}

func (s untypedSUT) Untyped() *pubsub.Server { return s.Server }

func (s untypedSUT) Publish(ctx context.Context, data string) error {
	return s.Server.Publish(ctx, data)
}

func (s untypedSUT) PublishWithEvents(ctx context.Context, data string, events map[string][]string) error {
	return s.Server.PublishWithEvents(ctx, data, events)
}

type untypedSub struct{ *pubsub.Subscription }

func toMsg(m pubsub.Message) bustest.Msg {
	d, _ := m.Data().(string)
	return bustest.Msg{Data: d, Events: m.Events(), Seq: m.Seq()}
}

func (s untypedSub) Range(yield func(bustest.Msg) bool) {
	for m := range s.Messages() {
		if !yield(toMsg(m)) {
			return
		}
	}
}

func (s untypedSub) TryRecv() (bustest.Msg, bool) { return bustest.TryRecv(s.Out(), toMsg) }
func (s untypedSub) Recv() (bustest.Msg, bool)    { return bustest.Recv(s.Out(), toMsg) }

// discardLogger is a server logger for tests that cancel subscriptions on
// purpose.
func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
