package pubsub_test

import (
	"context"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
)

// TestModel checks the server against a plain model (bustest.Model) whose
// state is the list of published messages: random sequences of subscribe
// (with a capacity, FallBehind, and a resume cursor), unsubscribe,
// unsubscribe-all, publish, drain and restart, on a server with a random
// history length. After every step the counts, the errors, Stats and
// exactly which subscription received which message are compared: each
// subscription's stream is the matching subsequence of the messages after
// its cursor, in order and without a gap, until it is cancelled; a
// subscription that has fallen behind is cancelled exactly when the history
// evicts a message it has not been handed. Publishes go through an
// unbuffered queue, and every step ends with Model.Sync, so that the model
// knows the server's state exactly.
func TestModel(t *testing.T) {
	clients := []string{"a", "b", "c"}
	queries := []pubsub.Query{
		matchAll{},
		keyEquals{"k", "1"}, keyEquals{"k", "2"}, keyEquals{"k", "3"},
		keyEquals{"j", "1"},
		failing{"failing"},
	}
	rapid.Check(t, func(rt *rapid.T) {
		ctx := context.Background()
		histLen := rapid.IntRange(0, 5).Draw(rt, "history")
		s := pubsub.NewServer(pubsub.History(histLen))
		s.SetLogger(discardLogger())
		if err := s.Start(); err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = s.Stop() }()
		sut := untypedSUT{s}
		m := bustest.NewModel(histLen)
		var subs []*pubsub.Subscription // subs[i] is m.All[i]'s

		rt.Repeat(map[string]func(*rapid.T){
			"subscribe": func(rt *rapid.T) {
				c := rapid.SampledFrom(clients).Draw(rt, "client")
				q := rapid.SampledFrom(queries).Draw(rt, "query")
				capacity := rapid.IntRange(1, 3).Draw(rt, "capacity")
				opts := []pubsub.SubscribeOption{pubsub.Capacity(capacity)}
				fallBehind := rapid.Bool().Draw(rt, "fall behind")
				if fallBehind {
					opts = append(opts, pubsub.FallBehind())
				}
				resume := rapid.Bool().Draw(rt, "resume")
				var after uint64
				if resume {
					after = rapid.Uint64Range(0, m.Seq+1).Draw(rt, "after")
					opts = append(opts, pubsub.After(after))
				}
				sub, err := s.SubscribeWith(ctx, c, q, opts...)
				ms, want := m.Subscribe(c, q, capacity, fallBehind, resume, after)
				bustest.CheckSubscribeErr(rt, err, want)
				if ms != nil {
					subs = append(subs, sub)
				}
			},
			"unsubscribe": func(rt *rapid.T) {
				c := rapid.SampledFrom(clients).Draw(rt, "client")
				q := rapid.SampledFrom(queries).Draw(rt, "query")
				if got, want := s.Unsubscribe(ctx, c, q), m.Unsubscribe(c, q); got != want {
					rt.Fatalf("Unsubscribe(%s, %s) = %v, model %v", c, q, got, want)
				}
			},
			"unsubscribeAll": func(rt *rapid.T) {
				c := rapid.SampledFrom(clients).Draw(rt, "client")
				if got, want := s.UnsubscribeAll(ctx, c), m.UnsubscribeAll(c); got != want {
					rt.Fatalf("UnsubscribeAll(%s) = %v, model %v", c, got, want)
				}
			},
			"publish": func(rt *rapid.T) {
				var events map[string][]string
				if !rapid.Bool().Draw(rt, "nil events") {
					events = map[string][]string{}
					for _, key := range []string{"k", "j"} {
						vals := rapid.SliceOfNDistinct(rapid.SampledFrom([]string{"1", "2", "3"}), 0, 2, rapid.ID[string]).Draw(rt, key)
						if len(vals) > 0 {
							events[key] = vals
						}
					}
				}
				if err := s.PublishWithEvents(ctx, fmt.Sprint(m.Seq+1), events); err != nil {
					rt.Fatalf("Publish: %v", err)
				}
				m.Publish(events)
			},
			"drain": func(rt *rapid.T) {
				if len(m.All) == 0 {
					rt.Skip("no subscription")
				}
				i := rapid.IntRange(0, len(m.All)-1).Draw(rt, "sub")
				m.Drain(rt, sut, m.All[i], subs[i])
			},
			"restart": func(rt *rapid.T) {
				if rapid.IntRange(0, 9).Draw(rt, "p") != 0 {
					rt.Skip("rarely")
				}
				m.Restart(rt, s)
			},
			"": func(rt *rapid.T) {
				m.Sync(rt, sut)
				if err := bustest.Compare(m, sut, subs, clients); err != nil {
					rt.Fatal(err)
				}
			},
		})
	})
}
