package typed_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/typed"
)

// TestScenarios runs the contract's scenarios (package bustest, the table the
// untyped server's tests run) against typed servers: of their own with a
// type parameter that holds anything (any) or not a string (int), and Wrap
// views of a concrete and of an interface type.
func TestScenarios(t *testing.T) {
	configs := []struct {
		name string
		mk   bustest.Maker
	}{
		{"NewServer[any]", func(opts ...pubsub.Option) bustest.Server {
			return adapt(typed.NewServer[any](opts...),
				func(s string) any { return s },
				func(d any) string { s, _ := d.(string); return s })
		}},
		{"NewServer[int]", func(opts ...pubsub.Option) bustest.Server {
			c := &intern{ids: map[string]int{}}
			return adapt(typed.NewServer[int](opts...), c.id, c.text)
		}},
		{"Wrap[string]", func(opts ...pubsub.Option) bustest.Server {
			return adapt(typed.Wrap[string](pubsub.NewServer(opts...)),
				func(s string) string { return s },
				func(s string) string { return s })
		}},
		{"Wrap[fmt.Stringer]", func(opts ...pubsub.Option) bustest.Server {
			return adapt(typed.Wrap[fmt.Stringer](pubsub.NewServer(opts...)),
				func(s string) fmt.Stringer { return text(s) },
				func(s fmt.Stringer) string { return s.String() })
		}},
	}
	for _, c := range configs {
		t.Run(c.name+"/index=on", func(t *testing.T) { bustest.Run(t, c.mk) })
		t.Run(c.name+"/index=off", func(t *testing.T) { bustest.Run(t, c.mk, pubsub.QueryIndex(false)) })
	}
}

// text is a string as a fmt.Stringer.
type text string

func (t text) String() string { return string(t) }

// intern numbers the scenarios' strings, so that a Server[int] carries them.
type intern struct {
	mu    sync.Mutex
	ids   map[string]int
	texts []string
}

func (c *intern) id(s string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[s]
	if !ok {
		id = len(c.texts)
		c.ids[s] = id
		c.texts = append(c.texts, s)
	}
	return id
}

func (c *intern) text(id int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if id < 0 || id >= len(c.texts) {
		return "unknown id " + strconv.Itoa(id)
	}
	return c.texts[id]
}

// sut is a *typed.Server[T] as a bustest.Server; enc and dec convert the
// scenarios' strings to and from T.
type sut[T any] struct {
	*typed.Server[T]
	enc func(string) T
	dec func(T) string
}

func adapt[T any](s *typed.Server[T], enc func(string) T, dec func(T) string) bustest.Server {
	return sut[T]{s, enc, dec}
}

func (s sut[T]) Subscribe(ctx context.Context, clientID string, q pubsub.Query, capacity ...int) (bustest.Sub, error) {
	sub, err := s.Server.Subscribe(ctx, clientID, q, capacity...)
	if err != nil {
		return nil, err
	}
	return tsub[T]{sub, s.dec}, nil
}

func (s sut[T]) SubscribeUnbuffered(ctx context.Context, clientID string, q pubsub.Query) (bustest.Sub, error) {
	sub, err := s.Server.SubscribeUnbuffered(ctx, clientID, q)
	if err != nil {
		return nil, err
	}
	return tsub[T]{sub, s.dec}, nil
}

func (s sut[T]) SubscribeWith(ctx context.Context, clientID string, q pubsub.Query, opts ...pubsub.SubscribeOption) (bustest.Sub, error) {
	sub, err := s.Server.SubscribeWith(ctx, clientID, q, opts...)
	if err != nil {
		return nil, err
	}
	return tsub[T]{sub, s.dec}, nil
}

func (s sut[T]) Publish(ctx context.Context, data string) error {
	return s.Server.Publish(ctx, s.enc(data))
}

func (s sut[T]) PublishWithEvents(ctx context.Context, data string, events map[string][]string) error {
	return s.Server.PublishWithEvents(ctx, s.enc(data), events)
}

type tsub[T any] struct {
	*typed.Subscription[T]
	dec func(T) string
}

func (s tsub[T]) msg(m typed.Message[T]) bustest.Msg {
	return bustest.Msg{Data: s.dec(m.Data()), Events: m.Events(), Seq: m.Seq()}
}

func (s tsub[T]) Range(yield func(bustest.Msg) bool) {
	for m := range s.Messages() {
		if !yield(s.msg(m)) {
			return
		}
	}
}

func (s tsub[T]) TryRecv() (bustest.Msg, bool) { return bustest.TryRecv(s.Out(), s.msg) }
func (s tsub[T]) Recv() (bustest.Msg, bool)    { return bustest.Recv(s.Out(), s.msg) }
