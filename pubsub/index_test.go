package pubsub_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/bus"
	"github.com/querybus/querybus/internal/oracle"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// A *query.Query is indexed.
var _ pubsub.IndexedQuery = (*query.Query)(nil)

// idxOpaque hides a query's IndexTerms: the server evaluates it on every
// publish.
type idxOpaque struct{ q pubsub.Query }

func (o idxOpaque) Matches(events map[string][]string) (bool, error) { return o.q.Matches(events) }
func (o idxOpaque) String() string                                   { return o.q.String() }

// idxCounting is an indexed "key = value" query that counts its
// evaluations.
type idxCounting struct {
	key, value string
	n          *atomic.Int64
}

func (q idxCounting) Matches(events map[string][]string) (bool, error) {
	q.n.Add(1)
	for _, v := range events[q.key] {
		if v == q.value {
			return true, nil
		}
	}
	return false, nil
}
func (q idxCounting) String() string { return q.key + " = '" + q.value + "'" }
func (q idxCounting) IndexTerms() [][]pubsub.IndexTerm {
	return [][]pubsub.IndexTerm{{{Key: q.key, Value: q.value}}}
}

// idxBarrier returns once the server has finished with every message taken
// before: a request is served only between two publishes.
func idxBarrier(t require.TestingT, s *pubsub.Server) {
	require.ErrorIs(t, s.UnsubscribeAll(context.Background(), "\x00barrier"), pubsub.ErrSubscriptionNotFound)
}

func idxStats(t require.TestingT, s *pubsub.Server) bus.IndexStats {
	st, err := bus.EngineOf(s).IndexStats(context.Background())
	require.NoError(t, err)
	return st
}

func TestQueryIndexEvaluatesOnlyCandidates(t *testing.T) {
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("index=%v", on), func(t *testing.T) {
			s := pubsub.NewServer(pubsub.QueryIndex(on))
			require.NoError(t, s.Start())
			defer func() { require.NoError(t, s.Stop()) }()
			ctx := context.Background()
			var n atomic.Int64
			subs := make([]*pubsub.Subscription, 100)
			for i := range subs {
				var err error
				subs[i], err = s.Subscribe(ctx, fmt.Sprint("c", i), idxCounting{"k", fmt.Sprint(i), &n}, 10)
				require.NoError(t, err)
			}
			require.NoError(t, s.PublishWithEvents(ctx, "m", map[string][]string{"k": {"7"}, "other": {"7"}}))
			idxBarrier(t, s)
			want := int64(100)
			if on {
				want = 1
			}
			assert.Equal(t, want, n.Load(), "evaluations")
			assert.Len(t, subs[7].Out(), 1)
			st := idxStats(t, s)
			assert.Equal(t, 100, st.Queries)
			if on {
				assert.Equal(t, bus.IndexStats{Queries: 100, Keys: 1, Buckets: 100, Entries: 100}, st)
			} else {
				assert.Equal(t, bus.IndexStats{Queries: 100, Unindexed: 100, Entries: 100}, st)
			}
			require.NoError(t, s.PublishWithEvents(ctx, "m", map[string][]string{"k": {}, "other": {"1"}}))
			idxBarrier(t, s)
			if on {
				assert.Equal(t, int64(1), n.Load(), "a key without values matches no term")
			}
		})
	}
}

// A publish that matches nothing, or one indexed query, allocates nothing.
func TestIndexedPublishAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	for _, on := range []bool{true, false} {
		t.Run(fmt.Sprintf("index=%v", on), func(t *testing.T) {
			s := pubsub.NewServer(pubsub.QueryIndex(on))
			require.NoError(t, s.Start())
			defer func() { require.NoError(t, s.Stop()) }()
			ctx := context.Background()
			for i := 0; i < 20; i++ {
				q := query.MustCompile(fmt.Sprintf("transfer.recipient = 'addr%d' AND tm.event = 'Tx'", i))
				_, err := s.Subscribe(ctx, fmt.Sprint("c", i), q, 10000)
				require.NoError(t, err)
			}
			_, err := s.Subscribe(ctx, "range", query.MustCompile("tx.height > 100"), 10000)
			require.NoError(t, err)
			var data any = "x"
			none := map[string][]string{"tm.event": {"Tx"}, "transfer.recipient": {"nobody"}, "tx.height": {"5"}}
			one := map[string][]string{"tm.event": {"Tx"}, "transfer.recipient": {"addr3"}}
			assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, none) }), "no match")
			assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, one) }), "one match")
		})
	}
}

// idxModelSub is one live subscription of the property test, on both
// servers.
type idxModelSub struct {
	q       pubsub.Query
	on, off *pubsub.Subscription
}

// With the index on and off, a server delivers exactly the same messages to
// the same subscriptions, and these are the ones whose query matches,
// whatever the queries (every form of the language, OR and NOT included,
// query.All, and queries that hide their IndexTerms) and whatever the
// sequence of subscriptions, unsubscriptions and publishes. Once everything
// is unsubscribed, the index holds nothing.
func TestQueryIndexProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		ctx := context.Background()
		on := pubsub.NewServer(pubsub.QueryIndex(true))
		off := pubsub.NewServer(pubsub.QueryIndex(false))
		require.NoError(t, on.Start())
		defer func() { _ = on.Stop() }()
		require.NoError(t, off.Start())
		defer func() { _ = off.Stop() }()

		var pool []pubsub.Query
		for _, text := range rapid.SliceOfN(rapid.OneOf(oracle.Query(), oracle.Condition()), 1, 8).Draw(t, "queries") {
			q, err := query.New(text)
			if err != nil {
				t.Fatalf("generated query %q rejected: %v", text, err)
			}
			pool = append(pool, q)
		}
		pool = append(pool, query.All, idxOpaque{pool[0]})
		clients := []string{"c0", "c1", "c2"}

		live := map[string]map[string]*idxModelSub{} // client -> query text -> sub
		const capacity = 200
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for step := 0; step < steps; step++ {
			client := rapid.SampledFrom(clients).Draw(t, "client")
			switch rapid.IntRange(0, 5).Draw(t, "action") {
			case 0, 1: // subscribe
				q := pool[rapid.IntRange(0, len(pool)-1).Draw(t, "query")]
				subOn, errOn := on.Subscribe(ctx, client, q, capacity)
				subOff, errOff := off.Subscribe(ctx, client, q, capacity)
				require.Equal(t, errOn, errOff)
				if _, dup := live[client][q.String()]; dup {
					require.ErrorIs(t, errOn, pubsub.ErrAlreadySubscribed)
					continue
				}
				require.NoError(t, errOn)
				if live[client] == nil {
					live[client] = map[string]*idxModelSub{}
				}
				live[client][q.String()] = &idxModelSub{q: q, on: subOn, off: subOff}
			case 2: // unsubscribe
				q := pool[rapid.IntRange(0, len(pool)-1).Draw(t, "query")]
				errOn := on.Unsubscribe(ctx, client, q)
				errOff := off.Unsubscribe(ctx, client, q)
				require.Equal(t, errOn, errOff)
				if s := live[client][q.String()]; s != nil {
					require.NoError(t, errOn)
					require.ErrorIs(t, s.on.Err(), pubsub.ErrUnsubscribed)
					require.ErrorIs(t, s.off.Err(), pubsub.ErrUnsubscribed)
					idxRequireEmpty(t, s)
					delete(live[client], q.String())
					if len(live[client]) == 0 {
						delete(live, client)
					}
				} else {
					require.ErrorIs(t, errOn, pubsub.ErrSubscriptionNotFound)
				}
			case 3: // unsubscribe all
				errOn := on.UnsubscribeAll(ctx, client)
				errOff := off.UnsubscribeAll(ctx, client)
				require.Equal(t, errOn, errOff)
				if len(live[client]) == 0 {
					require.ErrorIs(t, errOn, pubsub.ErrSubscriptionNotFound)
				}
				for _, s := range live[client] {
					idxRequireEmpty(t, s)
				}
				delete(live, client)
			default: // publish
				events := oracle.Events().Draw(t, "events")
				require.NoError(t, on.PublishWithEvents(ctx, step, events))
				require.NoError(t, off.PublishWithEvents(ctx, step, events))
				idxBarrier(t, on)
				idxBarrier(t, off)
				for c, subs := range live {
					for text, s := range subs {
						want, err := s.q.Matches(events)
						require.NoError(t, err)
						gotOn, gotOff := idxReceived(s.on), idxReceived(s.off)
						require.Equal(t, gotOff, gotOn, "client %s, query %q, events %v", c, text, events)
						if want {
							require.Equal(t, []any{step}, gotOn, "client %s, query %q, events %v", c, text, events)
						} else {
							require.Empty(t, gotOn, "client %s, query %q, events %v", c, text, events)
						}
						require.NoError(t, s.on.Err())
					}
				}
			}
			stOn, stOff := idxStats(t, on), idxStats(t, off)
			require.Equal(t, stOn.Queries, stOff.Queries)
			require.Equal(t, stOff.Queries, stOff.Unindexed)
			require.Equal(t, stOff.Queries, stOff.Entries)
			require.Zero(t, stOff.Keys)
		}
		for _, c := range clients {
			_ = on.UnsubscribeAll(ctx, c)
			_ = off.UnsubscribeAll(ctx, c)
		}
		require.Equal(t, bus.IndexStats{}, idxStats(t, on))
		require.Equal(t, bus.IndexStats{}, idxStats(t, off))
	})
}

// idxReceived takes what is in sub's Out now, without waiting.
func idxReceived(sub *pubsub.Subscription) []any {
	var got []any
	for {
		select {
		case m := <-sub.Out():
			got = append(got, m.Data())
		default:
			return got
		}
	}
}

func idxRequireEmpty(t require.TestingT, s *idxModelSub) {
	require.Empty(t, idxReceived(s.on))
	require.Empty(t, idxReceived(s.off))
}
