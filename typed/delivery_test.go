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

// mixedBus publishes, on one server with a history, blocks and txs
// alternately (block h, then tx h), numbered from 1: block h has sequence
// number 2h-1, tx h 2h.
func mixedBus(t *testing.T, history, n int) *pubsub.Server {
	t.Helper()
	s := started(t, pubsub.NewServer(pubsub.History(history)))
	ctx := context.Background()
	for h := 1; h <= n; h++ {
		require.NoError(t, s.PublishWithEvents(ctx, NewBlock{Height: h}, map[string][]string{"tm.event": {"NewBlock"}}))
		require.NoError(t, s.PublishWithEvents(ctx, Tx{Hash: fmt.Sprint(h)}, map[string][]string{"tm.event": {"Tx"}}))
	}
	return s
}

// After on a typed view replays only the retained messages whose data is a
// T, and their Seq are the server's.
func TestAfterReplaysOnlyTheViewsType(t *testing.T) {
	s := mixedBus(t, 100, 4)
	sub, err := typed.Wrap[Tx](s).SubscribeWith(context.Background(), "w", query.All, pubsub.After(3), pubsub.Capacity(10))
	require.NoError(t, err)
	bustest.Barrier(t, untypedView{s})
	var got []string
	var seqs []uint64
	for len(sub.Out()) > 0 {
		m := <-sub.Out()
		got, seqs = append(got, m.Data().Hash), append(seqs, m.Seq())
	}
	assert.Equal(t, []string{"2", "3", "4"}, got)
	assert.Equal(t, []uint64{4, 6, 8}, seqs)
}

// A typed subscription that falls behind counts only its type against its
// capacity and the history: blocks evicted before it received them are not
// its loss.
func TestFallBehindLosesOnlyItsType(t *testing.T) {
	s := started(t, pubsub.NewServer(pubsub.History(4)))
	ctx := context.Background()
	txs := typed.Wrap[Tx](s)
	sub, err := txs.SubscribeWith(ctx, "w", query.All, pubsub.FallBehind())
	require.NoError(t, err)
	require.NoError(t, txs.Publish(ctx, Tx{Hash: "1"})) // on Out
	require.NoError(t, txs.Publish(ctx, Tx{Hash: "2"})) // in hand
	for h := 1; h <= 10; h++ {                          // blocks only: evicting them loses nothing of its own
		require.NoError(t, s.Publish(ctx, NewBlock{Height: h}))
	}
	require.NoError(t, txs.Publish(ctx, Tx{Hash: "3"})) // in the history
	bustest.Barrier(t, untypedView{s})
	require.NoError(t, sub.Err())
	var got []string
	for m := range sub.Messages() {
		got = append(got, m.Data().Hash)
		if len(got) == 3 {
			break
		}
	}
	assert.Equal(t, []string{"1", "2", "3"}, got)

	// Now behind again, and a tx is evicted before it is received.
	require.NoError(t, txs.Publish(ctx, Tx{Hash: "4"})) // on Out
	require.NoError(t, txs.Publish(ctx, Tx{Hash: "5"})) // in hand
	require.NoError(t, txs.Publish(ctx, Tx{Hash: "6"})) // history only
	for h := 11; h <= 13; h++ {
		require.NoError(t, s.Publish(ctx, NewBlock{Height: h}))
	}
	bustest.Barrier(t, untypedView{s})
	require.NoError(t, sub.Err(), "tx 6 is still in the history of 4")
	require.NoError(t, s.Publish(ctx, NewBlock{Height: 14})) // evicts tx 6
	bustest.Barrier(t, untypedView{s})
	assert.ErrorIs(t, sub.Err(), pubsub.ErrOutOfCapacity)
	assert.EqualValues(t, 1, txs.Stats().CancelledOutOfCapacity)
}

// Messages of a typed subscription yields its messages until it is
// cancelled, then ends.
func TestTypedMessages(t *testing.T) {
	s := started(t, pubsub.NewServer())
	ctx := context.Background()
	blocks := typed.Wrap[NewBlock](s)
	sub, err := blocks.Subscribe(ctx, "i", query.All, 3)
	require.NoError(t, err)
	for h := 1; h <= 3; h++ {
		require.NoError(t, blocks.Publish(ctx, NewBlock{Height: h}))
	}
	require.NoError(t, s.Stop())
	var got []int
	for m := range sub.Messages() {
		got = append(got, m.Data().Height)
	}
	assert.Equal(t, []int{1, 2, 3}, got, "what was on Out, then the end")
	assert.ErrorIs(t, sub.Err(), pubsub.ErrServerStopped)
	assert.Zero(t, typed.NewMessage(NewBlock{}, nil).Seq())
}

// untypedView is what bustest.Barrier needs of a *pubsub.Server.
type untypedView struct{ *pubsub.Server }
