package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
)

// modelSub is the model's view of one subscription.
type modelSub struct {
	client     string
	q          pubsub.Query
	cap        int
	fallBehind bool
	sub        *pubsub.Subscription
	out        []uint64 // sequence numbers on Out, not yet drained
	err        error    // nil while live

	// Behind: the subscription catches up from the history. held is the
	// message in the hands of its catch-up (out of the history's reach);
	// everything up to it has been handed over.
	behind bool
	held   uint64
}

// modelMsg is a published message as the model keeps it.
type modelMsg struct {
	seq    uint64
	events map[string][]string
}

// TestModel checks the server against a plain model whose state is the list
// of published messages: random sequences of subscribe (with a capacity,
// FallBehind, and a resume cursor), unsubscribe, unsubscribe-all, publish,
// drain and restart, on a server with a random history length. After every
// step the counts, the errors, Stats and exactly which subscription
// received which message are compared: each subscription's stream is the
// matching subsequence of the messages after its cursor, in order and
// without a gap, until it is cancelled; a subscription that has fallen
// behind is cancelled exactly when the history evicts a message it has not
// been handed. Publishes go through an unbuffered queue and are followed by
// a barrier, and catching-up subscriptions are waited for until the server
// has counted the deliveries the model expects, so that the model knows the
// server's state exactly.
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
		if err := s.Start(); err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = s.Stop() }()

		live := map[string]map[string]*modelSub{} // client → query text → sub
		var all []*modelSub                       // every subscription made, live or not
		var seq uint64                            // the last sequence number taken
		var hist []modelMsg                       // the server's history
		var delivered, cancelledCap uint64

		matches := func(ms *modelSub, m modelMsg) bool {
			ok, err := ms.q.Matches(m.events)
			return err == nil && ok
		}
		cancel := func(ms *modelSub, err error) {
			ms.err = err
			ms.behind = false
			if err == pubsub.ErrOutOfCapacity {
				cancelledCap++
			}
			delete(live[ms.client], ms.q.String())
			if len(live[ms.client]) == 0 {
				delete(live, ms.client)
			}
		}
		// refill hands ms, which is behind with everything up to cursor
		// handed over, the history's messages after cursor: onto Out while
		// it has room, then one in hand; if none is left it is live.
		refill := func(ms *modelSub, cursor uint64) {
			for _, m := range hist {
				if m.seq <= cursor || !matches(ms, m) {
					continue
				}
				if len(ms.out) < ms.cap {
					ms.out = append(ms.out, m.seq)
					delivered++
					continue
				}
				ms.behind, ms.held = true, m.seq
				return
			}
			ms.behind = false
		}
		each := func(f func(ms *modelSub)) {
			for _, c := range clients {
				for _, q := range queries {
					if ms := live[c][q.String()]; ms != nil {
						f(ms)
					}
				}
			}
		}
		sync := func(rt *rapid.T) {
			if err := s.Unsubscribe(ctx, "\x00barrier", matchAll{}); err != pubsub.ErrSubscriptionNotFound {
				rt.Fatalf("barrier: %v", err)
			}
			// Catch-ups go on by themselves: wait until the server has
			// counted every delivery the model made (the count and the
			// state of a refill change in one step of the server's
			// goroutine) and the cancelled ones have ended.
			bustest.WaitUntil(rt, "deliveries counted", func() bool { return s.Stats().Delivered >= delivered })
			bustest.Settle(rt, untypedSUT{s})
		}
		restart := func(rt *rapid.T) {
			if err := s.Stop(); err != nil {
				rt.Fatal(err)
			}
			each(func(ms *modelSub) { cancel(ms, pubsub.ErrServerStopped) })
			hist = nil
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
				opts := []pubsub.SubscribeOption{pubsub.Capacity(capacity)}
				fallBehind := rapid.Bool().Draw(rt, "fall behind")
				if fallBehind {
					opts = append(opts, pubsub.FallBehind())
				}
				resume := rapid.Bool().Draw(rt, "resume")
				var after uint64
				if resume {
					after = rapid.Uint64Range(0, seq+1).Draw(rt, "after")
					opts = append(opts, pubsub.After(after))
				}
				sub, err := s.SubscribeWith(ctx, c, q, opts...)
				if _, dup := live[c][q.String()]; dup {
					if err != pubsub.ErrAlreadySubscribed {
						rt.Fatalf("duplicate Subscribe: %v", err)
					}
					return
				}
				if resume {
					covered := after == seq || (after < seq && len(hist) > 0 && hist[0].seq <= after+1)
					if !covered {
						want := pubsub.TruncatedError{After: after, Newest: seq}
						if len(hist) > 0 {
							want.Oldest = hist[0].seq
						}
						var te *pubsub.TruncatedError
						if !errors.As(err, &te) || *te != want || !errors.Is(err, pubsub.ErrHistoryTruncated) {
							rt.Fatalf("SubscribeWith(After(%d)) = %v, want %+v", after, err, want)
						}
						return
					}
				}
				if err != nil {
					rt.Fatalf("Subscribe: %v", err)
				}
				ms := &modelSub{client: c, q: q, cap: capacity, fallBehind: fallBehind, sub: sub}
				if live[c] == nil {
					live[c] = map[string]*modelSub{}
				}
				live[c][q.String()] = ms
				all = append(all, ms)
				if resume {
					refill(ms, after)
				}
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
				if err := s.PublishWithEvents(ctx, fmt.Sprint(seq+1), events); err != nil {
					rt.Fatalf("Publish: %v", err)
				}
				seq++
				m := modelMsg{seq: seq, events: events}
				if histLen > 0 {
					if len(hist) == histLen {
						evicted := hist[0]
						each(func(ms *modelSub) {
							if ms.behind && ms.held < evicted.seq && matches(ms, evicted) {
								cancel(ms, pubsub.ErrOutOfCapacity)
							}
						})
						hist = hist[1:]
					}
					hist = append(hist, m)
				}
				each(func(ms *modelSub) {
					if ms.behind || !matches(ms, m) {
						return
					}
					switch {
					case len(ms.out) < ms.cap:
						ms.out = append(ms.out, seq)
						delivered++
					case ms.fallBehind && histLen > 0:
						ms.behind, ms.held = true, seq
					default:
						cancel(ms, pubsub.ErrOutOfCapacity)
					}
				})
				sync(rt)
			},
			"drain": func(rt *rapid.T) {
				if len(all) == 0 {
					rt.Skip("no subscription")
				}
				ms := rapid.SampledFrom(all).Draw(rt, "sub")
				for _, want := range ms.out {
					select {
					case m := <-ms.sub.Out():
						if m.Seq() != want || m.Data() != fmt.Sprint(want) {
							rt.Fatalf("%s/%s received %v (seq %d), want %d", ms.client, ms.q, m.Data(), m.Seq(), want)
						}
					default:
						rt.Fatalf("%s/%s: %d missing", ms.client, ms.q, want)
					}
				}
				ms.out = nil
				if ms.behind {
					// The catch-up sends the message in hand, then the loop
					// refills Out from the history.
					ms.out = append(ms.out, ms.held)
					delivered++
					refill(ms, ms.held)
				}
				sync(rt)
				if n := len(ms.sub.Out()); n != len(ms.out) {
					rt.Fatalf("%s/%s: %d messages on Out, model %v", ms.client, ms.q, n, ms.out)
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
				want := pubsub.Stats{
					Published:              seq,
					Delivered:              delivered,
					CancelledOutOfCapacity: cancelledCap,
					Clients:                len(live),
					Newest:                 seq,
				}
				texts := map[string]bool{}
				each(func(ms *modelSub) {
					want.Subscriptions++
					texts[ms.q.String()] = true
					if ms.behind {
						want.Behind++
					}
				})
				want.Queries = len(texts)
				if len(hist) > 0 {
					want.Oldest = hist[0].seq
				}
				if got := s.Stats(); got != want {
					rt.Fatalf("Stats() = %+v, model %+v", got, want)
				}
			},
		})
	})
}
