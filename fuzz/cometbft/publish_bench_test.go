package cometbft

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	cmtpubsub "github.com/cometbft/cometbft/libs/pubsub"
	cmtquery "github.com/cometbft/cometbft/libs/pubsub/query"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// BenchmarkPublish: N distinct subscriptions transfer.recipient = 'addr<i>' AND tm.event =
// 'Tx', each publish matching exactly one, each subscription received by its own goroutine;
// querybus, CometBFT v0.40.0 and the bare-channel floor (bustest.Floor) side by side in one
// run. benchstat -col /impl gives the ratios; tools/benchplot draws them. A run in which a
// subscriber was dropped for capacity fails.
func BenchmarkPublish(b *testing.B) {
	for _, n := range []int{10, 100, 1000, 10000} {
		for _, impl := range []string{"querybus", "cometbft", "floor"} {
			b.Run(fmt.Sprintf("N=%d/impl=%s", n, impl), func(b *testing.B) { benchPublish(b, n, impl) })
		}
	}
}

var fence any = new(int)

func benchPublish(b *testing.B, n int, impl string) {
	const format = "transfer.recipient = 'addr%d' AND tm.event = 'Tx'"
	capacity := min(1000, 2_000_000/n)
	ctx := context.Background()
	d := &bustest.Drainers{}
	var srv bustest.PublishServer
	switch impl {
	case "querybus":
		s := pubsub.NewServer()
		require.NoError(b, s.Start())
		for i := 0; i < n; i++ {
			sub, err := s.Subscribe(ctx, fmt.Sprint("client-", i), query.MustCompile(fmt.Sprintf(format, i)), capacity)
			require.NoError(b, err)
			bustest.Drain(d, sub.Out(), sub.Cancelled(), func(m pubsub.Message) bool { return m.Data() == fence })
		}
		srv = s
	case "cometbft":
		s := cmtpubsub.NewServer()
		require.NoError(b, s.Start())
		for i := 0; i < n; i++ {
			sub, err := s.Subscribe(ctx, fmt.Sprint("client-", i), cmtquery.MustCompile(fmt.Sprintf(format, i)), capacity)
			require.NoError(b, err)
			bustest.Drain(d, sub.Out(), sub.Canceled(), func(m cmtpubsub.Message) bool { return m.Data() == fence })
		}
		srv = s
	default:
		f := bustest.NewFloor("transfer.recipient", pubsub.NewMessage)
		for i := 0; i < n; i++ {
			f.Subscribe(d, fmt.Sprint("addr", i), capacity, func(m pubsub.Message) bool { return m.Data() == fence })
		}
		f.Start()
		srv = f
	}
	defer func() { d.StopBench(b, srv, b.N) }()
	runtime.GC() // each implementation starts from a collected heap, whatever came before
	events := make([]map[string][]string, n)
	for i := range events {
		events[i] = map[string][]string{"tm.event": {"Tx"}, "transfer.recipient": {fmt.Sprint("addr", i)}, "transfer.amount": {"100stake"}}
	}
	// A fence to every subscriber whenever each may have capacity/4 messages waiting, so
	// that none is dropped for capacity.
	d.PublishFenced(b, srv, bustest.Workload{Data: "transfer", Fence: fence, Events: events, FenceEvery: capacity / 4 * n, Fences: events, Receivers: n})
}
