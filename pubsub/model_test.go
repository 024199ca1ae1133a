package pubsub_test

import (
	"context"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/querybus/querybus/pubsub"
)

// modelSub is the model's view of one subscription.
type modelSub struct {
	client  string
	q       pubsub.Query
	cap     int
	sub     *pubsub.Subscription
	pending []string // delivered, not yet drained
	err     error    // nil while live
}

// TestModel checks the server against a plain map model: random sequences of
// subscribe, unsubscribe, unsubscribe-all, publish, drain and restart, with
// the counts, the errors and exactly which subscription received which
// message compared after every step. Publishes go through an unbuffered
// queue and are followed by a barrier, so the model knows the server's state
// exactly; every subscription is buffered.
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
		s := pubsub.NewServer()
		if err := s.Start(); err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = s.Stop() }()

		live := map[string]map[string]*modelSub{} // client → query text → sub
		var all []*modelSub                       // every subscription made, live or not
		seq := 0

		cancel := func(ms *modelSub, err error) {
			ms.err = err
			delete(live[ms.client], ms.q.String())
			if len(live[ms.client]) == 0 {
				delete(live, ms.client)
			}
		}
		sync := func(rt *rapid.T) {
			if err := s.Unsubscribe(ctx, "\x00barrier", matchAll{}); err != pubsub.ErrSubscriptionNotFound {
				rt.Fatalf("barrier: %v", err)
			}
		}
		restart := func(rt *rapid.T) {
			if err := s.Stop(); err != nil {
				rt.Fatal(err)
			}
			for _, m := range live {
				for _, ms := range m {
					cancel(ms, pubsub.ErrServerStopped)
				}
			}
			if err := s.Publish(ctx, "x"); err != pubsub.ErrServerStopped {
				rt.Fatalf("Publish after Stop: %v", err)
			}
			if err := s.UnsubscribeAll(ctx, "a"); err != pubsub.ErrSubscriptionNotFound {
				rt.Fatalf("UnsubscribeAll after Stop: %v", err)
			}
			if s.NumClients() != 0 {
				rt.Fatalf("NumClients after Stop: %d", s.NumClients())
			}
			if err := s.Reset(); err != nil {
				rt.Fatal(err)
			}
			if err := s.Start(); err != nil {
				rt.Fatal(err)
			}
		}

		rt.Repeat(map[string]func(*rapid.T){
			"subscribe": func(rt *rapid.T) {
				c := rapid.SampledFrom(clients).Draw(rt, "client")
				q := rapid.SampledFrom(queries).Draw(rt, "query")
				capacity := rapid.IntRange(1, 3).Draw(rt, "capacity")
				sub, err := s.Subscribe(ctx, c, q, capacity)
				if _, dup := live[c][q.String()]; dup {
					if err != pubsub.ErrAlreadySubscribed {
						rt.Fatalf("duplicate Subscribe: %v", err)
					}
					return
				}
				if err != nil {
					rt.Fatalf("Subscribe: %v", err)
				}
				ms := &modelSub{client: c, q: q, cap: capacity, sub: sub}
				if live[c] == nil {
					live[c] = map[string]*modelSub{}
				}
				live[c][q.String()] = ms
				all = append(all, ms)
			},
			"unsubscribe": func(rt *rapid.T) {
				c := rapid.SampledFrom(clients).Draw(rt, "client")
				q := rapid.SampledFrom(queries).Draw(rt, "query")
				err := s.Unsubscribe(ctx, c, q)
				ms, ok := live[c][q.String()]
				if !ok {
					if err != pubsub.ErrSubscriptionNotFound {
						rt.Fatalf("Unsubscribe of nothing: %v", err)
					}
					return
				}
				if err != nil {
					rt.Fatalf("Unsubscribe: %v", err)
				}
				cancel(ms, pubsub.ErrUnsubscribed)
			},
			"unsubscribeAll": func(rt *rapid.T) {
				c := rapid.SampledFrom(clients).Draw(rt, "client")
				err := s.UnsubscribeAll(ctx, c)
				if len(live[c]) == 0 {
					if err != pubsub.ErrSubscriptionNotFound {
						rt.Fatalf("UnsubscribeAll of nothing: %v", err)
					}
					return
				}
				if err != nil {
					rt.Fatalf("UnsubscribeAll: %v", err)
				}
				for _, ms := range live[c] {
					cancel(ms, pubsub.ErrUnsubscribed)
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
				seq++
				data := fmt.Sprint(seq)
				if err := s.PublishWithEvents(ctx, data, events); err != nil {
					rt.Fatalf("Publish: %v", err)
				}
				sync(rt)
				for _, m := range live {
					for _, ms := range m {
						ok, err := ms.q.Matches(events)
						if err != nil || !ok {
							continue
						}
						if len(ms.pending) == ms.cap {
							cancel(ms, pubsub.ErrOutOfCapacity)
							continue
						}
						ms.pending = append(ms.pending, data)
					}
				}
			},
			"drain": func(rt *rapid.T) {
				if len(all) == 0 {
					rt.Skip("no subscription")
				}
				ms := rapid.SampledFrom(all).Draw(rt, "sub")
				sync(rt)
				for _, want := range ms.pending {
					select {
					case m := <-ms.sub.Out():
						if m.Data() != want {
							rt.Fatalf("%s/%s received %v, want %v", ms.client, ms.q, m.Data(), want)
						}
					default:
						rt.Fatalf("%s/%s: %v missing", ms.client, ms.q, want)
					}
				}
				ms.pending = nil
				select {
				case m := <-ms.sub.Out():
					rt.Fatalf("%s/%s received unexpected %v", ms.client, ms.q, m.Data())
				default:
				}
			},
			"restart": func(rt *rapid.T) {
				if rapid.IntRange(0, 9).Draw(rt, "p") != 0 {
					rt.Skip("rarely")
				}
				restart(rt)
			},
			"": func(rt *rapid.T) {
				if n := s.NumClients(); n != len(live) {
					rt.Fatalf("NumClients = %d, model %d", n, len(live))
				}
				for _, c := range clients {
					if n := s.NumClientSubscriptions(c); n != len(live[c]) {
						rt.Fatalf("NumClientSubscriptions(%s) = %d, model %d", c, n, len(live[c]))
					}
				}
				for _, ms := range all {
					if got := ms.sub.Err(); got != ms.err {
						rt.Fatalf("%s/%s: Err() = %v, model %v", ms.client, ms.q, got, ms.err)
					}
					if isClosed(ms.sub.Cancelled()) != (ms.err != nil) {
						rt.Fatalf("%s/%s: Cancelled closed = %v, model err %v", ms.client, ms.q, !(ms.err != nil), ms.err)
					}
				}
			},
		})
	})
}
