package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

func invoiceQuery(i int) *query.Query {
	return query.MustCompile(fmt.Sprintf("abci.account.owner = 'Ivan' AND abci.invoice.number = %d", i))
}

func invoiceEvents(i int) map[string][]string {
	return map[string][]string{
		"abci.account.owner":  {"Ivan"},
		"abci.invoice.number": {fmt.Sprint(i)},
	}
}

// fenceData is the data of a fence (see bustest.Drainers).
var fenceData any = new(int)

func isFence(m pubsub.Message) bool { return m.Data() == fenceData }

func drain(d *bustest.Drainers, sub *pubsub.Subscription) {
	bustest.Drain(d, sub.Out(), sub.Cancelled(), isFence)
}

// benchServer starts a server with n subscriptions of distinct clients,
// each received by a drainer of d; query(i) gives subscription i's query.
// The benchmark defers d.StopBench.
func benchServer(b *testing.B, n int, q func(i int) pubsub.Query) (*pubsub.Server, *bustest.Drainers) {
	s := pubsub.NewServer()
	require.NoError(b, s.Start())
	d := &bustest.Drainers{}
	for i := 0; i < n; i++ {
		sub, err := s.Subscribe(context.Background(), fmt.Sprintf("client-%d", i), q(i), 1000)
		require.NoError(b, err)
		drain(d, sub)
	}
	return s, d
}

// BenchmarkPublish: N subscriptions, each with a distinct query, of which
// exactly one matches each message.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("distinct/N=%d", n), func(b *testing.B) {
			s, d := benchServer(b, n, func(i int) pubsub.Query { return invoiceQuery(i) })
			defer d.StopBench(b, s, b.N) // one subscriber each
			events := make([]map[string][]string, n)
			for i := range events {
				events[i] = invoiceEvents(i)
			}
			var data any = "invoice"
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.PublishWithEvents(ctx, data, events[i%n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("shared/N=%d", n), func(b *testing.B) {
			q := invoiceQuery(7)
			s, d := benchServer(b, n, func(int) pubsub.Query { return q })
			defer d.StopBench(b, s, b.N*n) // every subscriber each
			events := invoiceEvents(7)
			var data any = "invoice"
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := s.PublishWithEvents(ctx, data, events); err != nil {
					b.Fatal(err)
				}
				if i%500 == 499 { // every subscriber has room for 1000
					d.Fence.Add(n)
					if err := s.PublishWithEvents(ctx, fenceData, events); err != nil {
						b.Fatal(err)
					}
					d.Fence.Wait()
				}
			}
		})
	}
}

// BenchmarkPublishNoMatch: 100 distinct queries, none matching.
func BenchmarkPublishNoMatch(b *testing.B) {
	s, d := benchServer(b, 100, func(i int) pubsub.Query { return invoiceQuery(i) })
	defer d.StopBench(b, s, 0)
	events := invoiceEvents(-1)
	var data any = "invoice"
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.PublishWithEvents(ctx, data, events); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLatency: from publish to receipt, one subscriber.
func BenchmarkLatency(b *testing.B) {
	s := pubsub.NewServer()
	require.NoError(b, s.Start())
	ctx := context.Background()
	sub, err := s.Subscribe(ctx, "client", invoiceQuery(1), 1)
	require.NoError(b, err)
	defer func() {
		require.NoError(b, s.Stop())
		// The loop received b.N messages: no more may be left, and none
		// may have been refused for capacity.
		if left := len(sub.Out()); (left != 0 || !errors.Is(sub.Err(), pubsub.ErrServerStopped)) && !b.Failed() {
			b.Fatalf("received %d messages and %d more were left, want %d (subscription ended with %v)", b.N, left, b.N, sub.Err())
		}
	}()
	events := invoiceEvents(1)
	var data any = "invoice"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.PublishWithEvents(ctx, data, events); err != nil {
			b.Fatal(err)
		}
		<-sub.Out()
	}
}

// A publish allocates nothing, whether it matches nothing or is delivered
// to a buffered subscription. (The engine's own allocations; the test
// queries allocate nothing.)
func TestPublishAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	s := pubsub.NewServer()
	require.NoError(t, s.Start())
	ctx := context.Background()
	d := &bustest.Drainers{}
	for i := 0; i < 10; i++ {
		sub, err := s.Subscribe(ctx, fmt.Sprint(i), keyEquals{"k", fmt.Sprint(i)}, 10)
		require.NoError(t, err)
		drain(d, sub)
	}
	defer func() {
		require.NoError(t, s.Stop())
		d.Wait()
	}()
	var data any = "x"
	none := map[string][]string{"k": {"none"}}
	one := map[string][]string{"k": {"3"}}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, none) }), "no match")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, one) }), "one match")
}

// Neither does a publish on a server with a history, with a subscription
// that has fallen behind (and stays behind: its next message never comes).
func TestPublishWithHistoryAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	s := pubsub.NewServer(pubsub.History(64))
	require.NoError(t, s.Start())
	ctx := context.Background()
	live, err := s.Subscribe(ctx, "live", keyEquals{"k", "1"}, 10)
	require.NoError(t, err)
	d := &bustest.Drainers{}
	drain(d, live)
	defer func() {
		require.NoError(t, s.Stop())
		d.Wait()
	}()
	_, err = s.SubscribeWith(ctx, "behind", keyEquals{"behind", "yes"}, pubsub.FallBehind())
	require.NoError(t, err)
	for i := 0; i < 2; i++ {
		require.NoError(t, s.PublishWithEvents(ctx, "x", map[string][]string{"behind": {"yes"}}))
	}
	var data any = "x"
	one := map[string][]string{"k": {"1"}}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, one) }))
	assert.Equal(t, 1, s.Stats().Behind)
}

// Benchmarks of the query index. Each runs with the index on and off
// (sub-benchmarks index=on, index=off; compare with benchstat -col /index).
//
// Their subscriptions are buffered and have no reader while the clock runs:
// every so often, with the clock stopped, the benchmark waits for the
// server (a request is served only between two publishes) and empties every
// Out channel, before any can fill. A delivery is then a send into a channel
// buffer, with no goroutine to wake, so that ns/op is the server's own cost
// of a publish (taking it from the publisher, finding the candidates,
// evaluating them, delivering); live-subs shows that no subscription was
// cancelled for capacity. Each fails unless the Out channels gave up as
// many messages as its publishes imply (none, for those that match none).

var onOff = []bool{true, false}

func onOffName(on bool) string {
	if on {
		return "index=on"
	}
	return "index=off"
}

// compiled caches the queries of the benchmarks (compiling 100,000 takes
// a while) by their text.
var compiled = map[string]*query.Query{}

func compiledQuery(format string, i int) *query.Query {
	text := fmt.Sprintf(format, i)
	q := compiled[text]
	if q == nil {
		q = query.MustCompile(text)
		compiled[text] = q
	}
	return q
}

// bufferedBench is a started server with n buffered subscriptions of
// distinct clients and no readers.
type bufferedBench struct {
	s    *pubsub.Server
	subs []*pubsub.Subscription
	// fence, with a buffered publish queue, receives fenceEvents: drain
	// publishes them and waits for them, the queue being FIFO.
	fence *pubsub.Subscription
	// every is how many publishes may pass between two drains; since is
	// how many passed since the last.
	every, since int
	// deliveries is how many subscriptions each publish is delivered to;
	// received counts the messages drain takes from them.
	deliveries, received int
	// extra is how many clients the benchmark subscribed beside subs.
	extra int
}

func newBufferedBench(b *testing.B, on bool, n, capacity, perPublish int, q func(i int) pubsub.Query, opts ...pubsub.Option) *bufferedBench {
	s := pubsub.NewServer(append([]pubsub.Option{pubsub.QueryIndex(on)}, opts...)...)
	require.NoError(b, s.Start())
	ctx := context.Background()
	bb := &bufferedBench{s: s, subs: make([]*pubsub.Subscription, n)}
	if s.BufferCapacity() > 0 {
		var err error
		bb.fence, err = s.Subscribe(ctx, "\x00fence", fenceQuery, 1)
		require.NoError(b, err)
	}
	for i := range bb.subs {
		var err error
		bb.subs[i], err = s.Subscribe(ctx, fmt.Sprintf("client-%d", i), q(i), capacity)
		require.NoError(b, err)
	}
	// Each subscription receives at most one message per perPublish
	// publishes (1 when every publish reaches all, n when they take turns,
	// 0 when none matches), so it fills after capacity*perPublish; a
	// publish is delivered to n/perPublish of them.
	bb.every = (capacity - 1) * perPublish
	if perPublish == 0 {
		bb.every = math.MaxInt
	} else {
		bb.deliveries = n / perPublish
	}
	return bb
}

var (
	fenceQuery  = query.MustCompile("bench.fence = 'fence'")
	fenceEvents = map[string][]string{"bench.fence": {"fence"}}
)

// sync waits until the server has handled every publish so far. With an
// unbuffered publish queue, a request is served only after the publish
// before it; with a buffered one, a request may overtake queued publishes,
// so sync publishes a fence and waits for it instead. The clock runs: the
// queued publishes are part of the work measured.
func (bb *bufferedBench) sync(b *testing.B) {
	if bb.fence != nil {
		require.NoError(b, bb.s.PublishWithEvents(context.Background(), fenceData, fenceEvents))
		<-bb.fence.Out()
		return
	}
	require.ErrorIs(b, bb.s.UnsubscribeAll(context.Background(), "\x00barrier"), pubsub.ErrSubscriptionNotFound)
}

// drain waits for the server and empties every Out channel.
func (bb *bufferedBench) drain(b *testing.B) {
	bb.sync(b)
	for _, sub := range bb.subs {
		for len(sub.Out()) > 0 {
			<-sub.Out()
			bb.received++
		}
	}
	bb.since = 0
}

// published counts one publish and drains, with the clock stopped once the
// server has caught up, when due.
func (bb *bufferedBench) published(b *testing.B) {
	bb.since++
	if bb.since >= bb.every {
		bb.sync(b)
		b.StopTimer()
		bb.drain(b)
		b.StartTimer()
	}
}

func (bb *bufferedBench) stop(b *testing.B) {
	require.NoError(b, bb.s.Stop())
}

// run is the body of a sub-benchmark: b.N publishes of events(i). It fails
// b unless they were delivered b.N*deliveries times.
func (bb *bufferedBench) run(b *testing.B, events func(i int) map[string][]string) {
	bb.drain(b)
	bb.received = 0
	ctx := context.Background()
	var data any = "tx"
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := bb.s.PublishWithEvents(ctx, data, events(i)); err != nil {
			b.Fatal(err)
		}
		bb.published(b)
	}
	bb.sync(b)
	b.StopTimer()
	live := bb.s.NumClients()
	if bb.fence != nil {
		live-- // the fence's
	}
	live -= bb.extra
	b.ReportMetric(float64(live), "live-subs")
	bb.drain(b)
	if want := b.N * bb.deliveries; bb.received != want {
		b.Fatalf("subscriptions received %d messages, want %d (%d of %d live at the end)", bb.received, want, live, len(bb.subs))
	}
}

const recipientFormat = "transfer.recipient = 'addr%d' AND tm.event = 'Tx'"

func transferEvents(n int) []map[string][]string {
	events := make([]map[string][]string, n)
	for k := range events {
		events[k] = map[string][]string{
			"tm.event":           {"Tx"},
			"transfer.recipient": {fmt.Sprint("addr", k)},
			"transfer.amount":    {"100stake"},
		}
	}
	return events
}

// transferRing publishes the events of transferEvents from a ring of maps,
// setting the recipient of each before it is published, so that the event
// sets are as warm in the cache for any N. The ring must hold the maps of
// every publish the server may not be done with: two with an unbuffered
// publish queue, the queue's capacity plus two otherwise.
type transferRing struct {
	maps       []map[string][]string
	recipients []string
}

func newTransferRing(n, maps int) *transferRing {
	r := &transferRing{maps: make([]map[string][]string, maps), recipients: make([]string, n)}
	for k := range r.recipients {
		r.recipients[k] = fmt.Sprint("addr", k)
	}
	for i := range r.maps {
		r.maps[i] = map[string][]string{"tm.event": {"Tx"}, "transfer.recipient": {""}, "transfer.amount": {"100stake"}}
	}
	return r
}

func (r *transferRing) next(i int) map[string][]string {
	m := r.maps[i%len(r.maps)]
	m["transfer.recipient"][0] = r.recipients[i%len(r.recipients)]
	return m
}

// BenchmarkIndexDistinct: N distinct subscriptions `transfer.recipient =
// 'addr<i>' AND tm.event = 'Tx'`; each publish matches exactly one of them
// (k cycling). With the index, a publish should cost about the same for any
// N. events=cycled publishes N prebuilt event sets in turn (at large N they
// are cold in the cache, as the subscriptions are); events=ring publishes
// the same sets from a ring of maps rewritten before each publish (a
// race-free reuse, see transferRing), so that only the server's own state
// grows with N.
//
// queue=unbuffered is the default server: every publish is a rendezvous of
// the publisher with the loop goroutine, a few hundred ns of the cost at any
// N. queue=1024 (BufferCapacity(1024), a realistic setting for a busy bus)
// lets the publisher and the loop run in parallel, so that ns/op is the
// throughput of the loop itself.
//
// Each subscription's Out holds 200 messages, CometBFT's default RPC
// subscription buffer, whatever N is, so that a delivery writes into
// buffers of a realistic size; only at N=100,000 is it cut to 20, to keep
// the benchmark's channel buffers under 50 MB (2,000,000 slots). A
// subscription that receives one publish in N touches a new buffer slot on
// each delivery: cold at large N, as it would be for a real subscriber.
func BenchmarkIndexDistinct(b *testing.B) {
	queues := []struct {
		name string
		cap  int
	}{{"unbuffered", 0}, {"1024", 1024}}
	for _, on := range onOff {
		b.Run(onOffName(on), func(b *testing.B) {
			for _, n := range []int{10, 1000, 10000, 100000} {
				b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
					for _, queue := range queues {
						b.Run("queue="+queue.name, func(b *testing.B) {
							capacity := min(200, 2_000_000/n)
							bb := newBufferedBench(b, on, n, capacity, n, func(i int) pubsub.Query { return compiledQuery(recipientFormat, i) }, pubsub.BufferCapacity(queue.cap))
							defer bb.stop(b)
							events := transferEvents(n)
							b.Run("events=cycled", func(b *testing.B) {
								bb.run(b, func(i int) map[string][]string { return events[i%n] })
							})
							ring := newTransferRing(n, queue.cap+2)
							b.Run("events=ring", func(b *testing.B) {
								bb.run(b, ring.next)
							})
						})
					}
				})
			}
		})
	}
}

// BenchmarkIndexRange: N subscriptions `tx.height > <i>`, which the index
// can only file under their key, so that every publish with a tx.height
// evaluates them all; none matches the published height. ns/query is the
// cost per subscription, to compare with Matches, one compiled query's
// Matches on the same events.
func BenchmarkIndexRange(b *testing.B) {
	events := map[string][]string{"tm.event": {"Tx"}, "tx.height": {"0"}}
	b.Run("Matches", func(b *testing.B) {
		q := compiledQuery("tx.height > %d", 1)
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if ok, _ := q.Matches(events); ok {
				b.Fatal("matches")
			}
		}
	})
	for _, on := range onOff {
		for _, n := range []int{10, 100, 1000, 10000} {
			bb := newBufferedBench(b, on, n, 1, 0, func(i int) pubsub.Query { return compiledQuery("tx.height > %d", i+1) })
			b.Run(fmt.Sprintf("%s/N=%d", onOffName(on), n), func(b *testing.B) {
				bb.run(b, func(int) map[string][]string { return events })
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/query")
			})
			bb.stop(b)
		}
	}
}

// BenchmarkIndexShared: one query shared by 1,000 subscribers, every
// publish delivered to all of them. ns/delivery is ns/op / 1000.
func BenchmarkIndexShared(b *testing.B) {
	const n = 1000
	events := transferEvents(1)[0]
	for _, on := range onOff {
		bb := newBufferedBench(b, on, n, 1000, 1, func(int) pubsub.Query { return compiledQuery(recipientFormat, 0) })
		b.Run(fmt.Sprintf("%s/N=%d", onOffName(on), n), func(b *testing.B) {
			bb.run(b, func(int) map[string][]string { return events })
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/delivery")
		})
		bb.stop(b)
	}
}

// BenchmarkIndexNoMatch: 10,000 distinct subscriptions, a publish that
// matches none of them.
func BenchmarkIndexNoMatch(b *testing.B) {
	const n = 10000
	events := map[string][]string{"tm.event": {"Tx"}, "transfer.recipient": {"nobody"}, "transfer.amount": {"100stake"}}
	for _, on := range onOff {
		bb := newBufferedBench(b, on, n, 1, 0, func(i int) pubsub.Query { return compiledQuery(recipientFormat, i) })
		b.Run(fmt.Sprintf("%s/N=%d", onOffName(on), n), func(b *testing.B) {
			bb.run(b, func(int) map[string][]string { return events })
		})
		bb.stop(b)
	}
}

// BenchmarkIndexMemory: the heap a server holds per subscription, with
// 100,000 subscriptions of distinct clients to distinct queries (compiled
// beforehand, not counted), buffered with capacity 1. B/sub counts the
// subscription's channels and handle, the server's records of it and of its
// client, and the query's place in the index.
func BenchmarkIndexMemory(b *testing.B) {
	const n = 100000
	ctx := context.Background()
	qs := make([]pubsub.Query, n)
	ids := make([]string, n)
	for i := range qs {
		qs[i] = compiledQuery(recipientFormat, i)
		ids[i] = fmt.Sprintf("client-%d", i)
	}
	for _, on := range onOff {
		b.Run(fmt.Sprintf("%s/N=%d", onOffName(on), n), func(b *testing.B) {
			var perSub float64
			for i := 0; i < b.N; i++ {
				s := pubsub.NewServer(pubsub.QueryIndex(on))
				require.NoError(b, s.Start())
				subs := make([]*pubsub.Subscription, n)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				for j := range subs {
					var err error
					subs[j], err = s.Subscribe(ctx, ids[j], qs[j], 1)
					if err != nil {
						b.Fatal(err)
					}
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				perSub += float64(after.HeapAlloc-before.HeapAlloc) / n
				runtime.KeepAlive(subs)
				require.NoError(b, s.Stop())
			}
			b.ReportMetric(perSub/float64(b.N), "B/sub")
		})
	}
}
