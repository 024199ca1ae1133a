package typed_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/typed"
)

// The benchmarks compare a typed server with the untyped one under the
// setup of package pubsub's benchmarks: the same queries, the same events,
// subscribers of capacity 1000 drained each by its own goroutine, and a
// fence whenever a subscriber may have received 500 messages since the last.
// Each fails unless the subscribers received every message it published to
// them, no more and no fewer.

type invoice struct{ number int }

func invoiceQuery(i int) *query.Query {
	return query.MustCompile(fmt.Sprintf("abci.account.owner = 'Ivan' AND abci.invoice.number = %d", i))
}

func invoiceEvents(i int) map[string][]string {
	return map[string][]string{
		"abci.account.owner":  {"Ivan"},
		"abci.invoice.number": {fmt.Sprint(i)},
	}
}

// The data and the fence: the same pointers for both servers, boxed once
// for the untyped one (as pubsub's benchmarks do), so neither allocates.
var (
	theInvoice     = &invoice{7}
	theFence       = &invoice{-1}
	anyInvoice any = theInvoice
	anyFence   any = theFence
)

// benchServer is a started server, untyped or typed, with n subscribers.
type benchServer[D any] struct {
	publish     func(ctx context.Context, data D, events map[string][]string) error
	data, fence D
	d           *bustest.Drainers
	// stop is the Drainers' StopBench: want messages, fences aside.
	stop func(want int)
}

func untypedBench(b *testing.B, n int, q func(i int) pubsub.Query) benchServer[any] {
	s := pubsub.NewServer()
	require.NoError(b, s.Start())
	d := &bustest.Drainers{}
	for i := 0; i < n; i++ {
		sub, err := s.Subscribe(context.Background(), fmt.Sprintf("client-%d", i), q(i), 1000)
		require.NoError(b, err)
		bustest.Drain(d, sub.Out(), sub.Cancelled(), func(m pubsub.Message) bool { return m.Data() == anyFence })
	}
	return benchServer[any]{s.PublishWithEvents, anyInvoice, anyFence, d, func(want int) { d.StopBench(b, s, want) }}
}

func typedBench(b *testing.B, n int, q func(i int) pubsub.Query) benchServer[*invoice] {
	s := typed.NewServer[*invoice]()
	require.NoError(b, s.Start())
	d := &bustest.Drainers{}
	for i := 0; i < n; i++ {
		sub, err := s.Subscribe(context.Background(), fmt.Sprintf("client-%d", i), q(i), 1000)
		require.NoError(b, err)
		bustest.Drain(d, sub.Out(), sub.Cancelled(), func(m typed.Message[*invoice]) bool { return m.Data() == theFence })
	}
	return benchServer[*invoice]{s.PublishWithEvents, theInvoice, theFence, d, func(want int) { d.StopBench(b, s, want) }}
}

// distinct: n subscriptions with distinct queries, exactly one matching
// each message. (Unlike pubsub's, it fences too, every 500 messages per
// subscriber: with N=1 every message goes to the one subscriber.)
func distinct[D any](b *testing.B, s benchServer[D], n int) {
	defer s.stop(b.N) // one subscriber each
	events := make([]map[string][]string, n)
	for i := range events {
		events[i] = invoiceEvents(i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.publish(ctx, s.data, events[i%n]); err != nil {
			b.Fatal(err)
		}
		if i%(500*n) == 500*n-1 { // every subscriber has room for 1000
			s.d.Fence.Add(n)
			for _, ev := range events {
				if err := s.publish(ctx, s.fence, ev); err != nil {
					b.Fatal(err)
				}
			}
			s.d.Fence.Wait()
		}
	}
}

// shared: n subscriptions of one query, every one receiving every message.
func shared[D any](b *testing.B, s benchServer[D], n int) {
	defer s.stop(b.N * n) // every subscriber each
	events := invoiceEvents(7)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.publish(ctx, s.data, events); err != nil {
			b.Fatal(err)
		}
		if i%500 == 499 { // every subscriber has room for 1000
			s.d.Fence.Add(n)
			if err := s.publish(ctx, s.fence, events); err != nil {
				b.Fatal(err)
			}
			s.d.Fence.Wait()
		}
	}
}

// BenchmarkPublish: typed against untyped, with 1, 100 and 1000
// subscribers. Compare with benchstat -col /impl.
func BenchmarkPublish(b *testing.B) {
	ns := []int{1, 100, 1000}
	distinctQ := func(i int) pubsub.Query { return invoiceQuery(i) }
	sharedQ := func(int) pubsub.Query { return invoiceQuery(7) }
	for _, n := range ns {
		b.Run(fmt.Sprintf("distinct/impl=untyped/N=%d", n), func(b *testing.B) { distinct(b, untypedBench(b, n, distinctQ), n) })
		b.Run(fmt.Sprintf("distinct/impl=typed/N=%d", n), func(b *testing.B) { distinct(b, typedBench(b, n, distinctQ), n) })
	}
	for _, n := range ns {
		b.Run(fmt.Sprintf("shared/impl=untyped/N=%d", n), func(b *testing.B) { shared(b, untypedBench(b, n, sharedQ), n) })
		b.Run(fmt.Sprintf("shared/impl=typed/N=%d", n), func(b *testing.B) { shared(b, typedBench(b, n, sharedQ), n) })
	}
}

// A typed publish of pointer data allocates nothing, whether it matches
// nothing, is delivered to a typed subscription, or is skipped by a view of
// another type. (A T that is not pointer-shaped is boxed into an interface
// by Publish, as the caller of the untyped Publish boxes it.)
func TestPublishAllocatesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("allocation counts")
	}
	u := pubsub.NewServer()
	s := typed.Wrap[*invoice](u)
	require.NoError(t, s.Start())
	ctx := context.Background()
	d := &bustest.Drainers{}
	for i := 0; i < 10; i++ {
		sub, err := s.Subscribe(ctx, fmt.Sprint(i), bustest.KeyEquals{Key: "k", Value: fmt.Sprint(i)}, 10)
		require.NoError(t, err)
		bustest.Drain(d, sub.Out(), sub.Cancelled(), func(typed.Message[*invoice]) bool { return false })
		other, err := typed.Wrap[string](u).Subscribe(ctx, "other"+fmt.Sprint(i), bustest.KeyEquals{Key: "k", Value: fmt.Sprint(i)}, 10)
		require.NoError(t, err)
		bustest.Drain(d, other.Out(), other.Cancelled(), func(typed.Message[string]) bool { return false })
	}
	defer func() {
		require.NoError(t, s.Stop())
		d.Wait()
	}()
	none := map[string][]string{"k": {"none"}}
	one := map[string][]string{"k": {"3"}}
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, theInvoice, none) }), "no match")
	assert.Zero(t, testing.AllocsPerRun(1000, func() { _ = s.PublishWithEvents(ctx, theInvoice, one) }), "one match")
}
