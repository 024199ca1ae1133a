package pubsub_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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

// drainers receive every subscription in its own goroutine until it is
// cancelled. A drainer that receives fenceData calls fence.Done: a
// benchmark publishes it now and then to wait for the drainers to catch up,
// so that none falls behind and is cancelled for capacity.
type drainers struct {
	wg    sync.WaitGroup
	fence sync.WaitGroup
}

var fenceData any = new(int)

func (d *drainers) add(sub *pubsub.Subscription) {
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		for {
			select {
			case m := <-sub.Out():
				if m.Data() == fenceData {
					d.fence.Done()
				}
			case <-sub.Cancelled():
				return
			}
		}
	}()
}

// benchServer starts a server with n subscriptions of distinct clients;
// query(i) gives subscription i's query.
//
// The returned func stops the server and reports how many subscriptions
// were still live (drainers that fall behind are cancelled for capacity).
func benchServer(b *testing.B, n int, q func(i int) pubsub.Query) (*pubsub.Server, *drainers, func()) {
	s := pubsub.NewServer()
	require.NoError(b, s.Start())
	d := &drainers{}
	for i := 0; i < n; i++ {
		sub, err := s.Subscribe(context.Background(), fmt.Sprintf("client-%d", i), q(i), 1000)
		require.NoError(b, err)
		d.add(sub)
	}
	return s, d, func() {
		// Drainers that fell behind were cancelled for capacity: say how
		// many subscriptions were still live at the end.
		b.ReportMetric(float64(s.NumClients()), "live-subs")
		require.NoError(b, s.Stop())
		d.wg.Wait()
	}
}

// BenchmarkPublish: N subscriptions, each with a distinct query, of which
// exactly one matches each message.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("distinct/N=%d", n), func(b *testing.B) {
			s, _, stop := benchServer(b, n, func(i int) pubsub.Query { return invoiceQuery(i) })
			defer stop()
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
			s, d, stop := benchServer(b, n, func(int) pubsub.Query { return q })
			defer stop()
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
					d.fence.Add(n)
					if err := s.PublishWithEvents(ctx, fenceData, events); err != nil {
						b.Fatal(err)
					}
					d.fence.Wait()
				}
			}
		})
	}
}

// BenchmarkPublishNoMatch: 100 distinct queries, none matching.
func BenchmarkPublishNoMatch(b *testing.B) {
	s, _, stop := benchServer(b, 100, func(i int) pubsub.Query { return invoiceQuery(i) })
	defer stop()
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
	defer func() { require.NoError(b, s.Stop()) }()
	ctx := context.Background()
	sub, err := s.Subscribe(ctx, "client", invoiceQuery(1), 1)
	require.NoError(b, err)
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
	d := &drainers{}
	for i := 0; i < 10; i++ {
		sub, err := s.Subscribe(ctx, fmt.Sprint(i), keyEquals{"k", fmt.Sprint(i)}, 10)
		require.NoError(t, err)
		d.add(sub)
	}
	defer func() {
		require.NoError(t, s.Stop())
		d.wg.Wait()
	}()
	var data any = "x"
	none := map[string][]string{"k": {"none"}}
	one := map[string][]string{"k": {"3"}}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, none) }), "no match")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, data, one) }), "one match")
}
