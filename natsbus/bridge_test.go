package natsbus

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/natsbus/internal/wire"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// registry is the codec of the tests' buses, which carry blocks and txs.
func registry(t *testing.T) *Registry {
	r := NewRegistry()
	require.NoError(t, Register[block](r, "block"))
	require.NoError(t, Register[tx](r, "tx"))
	return r
}

func blockEvents(h int) map[string][]string {
	return map[string][]string{"tm.event": {"NewBlock"}, "block.height": {fmt.Sprint(h)}}
}

func txEvents(h int) map[string][]string {
	return map[string][]string{"tm.event": {"Tx"}, "tx.height": {fmt.Sprint(h)}}
}

// One publishing bus, two subscribing buses with different queries: each
// local subscriber receives exactly what its query matches, once, in the
// order published, as values of their own types; blocks never travel to the
// bus that imports only txs, and txs never to the one that imports blocks.
func TestEndToEnd(t *testing.T) {
	ns := startNATS(t)
	codec := WithCodec(registry(t))
	pub := startBus(t)
	exp, err := Export(bg, pub, connect(t, ns), query.All, codec)
	require.NoError(t, err)
	defer exp.Close()

	txBus, blockBus := startBus(t), startBus(t)
	txImp, err := Import(bg, connect(t, ns), txBus, query.MustCompile("tm.event = 'Tx'"), codec)
	require.NoError(t, err)
	defer txImp.Close()
	blockImp, err := Import(bg, connect(t, ns), blockBus, query.MustCompile("tm.event = 'NewBlock' AND block.height > 2"), codec)
	require.NoError(t, err)
	defer blockImp.Close()
	assert.Equal(t, []string{"querybus.Tx", "querybus.~~"}, txImp.Subjects())
	assert.Equal(t, []string{"querybus.NewBlock", "querybus.~~"}, blockImp.Subjects())

	txs, err := txBus.Subscribe(bg, "wallet", query.MustCompile("tx.height >= 2"), 100)
	require.NoError(t, err)
	blocks, err := blockBus.Subscribe(bg, "indexer", query.All, 100)
	require.NoError(t, err)

	const heights = 5
	for h := 1; h <= heights; h++ {
		require.NoError(t, pub.PublishWithEvents(bg, block{h}, blockEvents(h)))
		for i := 0; i < 2; i++ {
			require.NoError(t, pub.PublishWithEvents(bg, tx{h, fmt.Sprintf("%d-%d", h, i)}, txEvents(h)))
		}
	}

	var gotTxs []string
	for _, m := range recv(t, txs, 2*(heights-1)) {
		gotTxs = append(gotTxs, m.Data().(tx).Hash)
	}
	assert.Equal(t, []string{"2-0", "2-1", "3-0", "3-1", "4-0", "4-1", "5-0", "5-1"}, gotTxs)
	var gotBlocks []int
	for _, m := range recv(t, blocks, heights-2) {
		gotBlocks = append(gotBlocks, m.Data().(block).Height)
		assert.Equal(t, []string{"NewBlock"}, m.Events()["tm.event"], "the same event set")
	}
	assert.Equal(t, []int{3, 4, 5}, gotBlocks)

	waitFor(t, "every message counted", func() bool {
		return settled(txImp, 2*heights) && settled(blockImp, heights)
	})
	assert.Equal(t, ImportStats{Received: 2 * heights, Imported: 2 * heights}, txImp.Stats(), "no block travelled to it")
	assert.Equal(t, ImportStats{Received: heights, Imported: heights - 2, Filtered: 2}, blockImp.Stats(), "no tx travelled to it")
	st := exp.Stats()
	assert.Equal(t, ExportStats{Exported: 3 * heights, Payloads: st.Payloads}, st)
	assert.True(t, st.Payloads >= 1 && st.Payloads <= st.Exported, "payloads %d for %d messages", st.Payloads, st.Exported)
}

// Routing values that are not plain tokens (dots, spaces, wildcards, the
// empty string, non-ASCII, several values) travel, and an importer of one
// of them receives only that one (and what travels on the reserved
// subject, which its query filters).
func TestRoutingValues(t *testing.T) {
	ns := startNATS(t)
	pub := startBus(t)
	exp, err := Export(bg, pub, connect(t, ns), query.All)
	require.NoError(t, err)
	defer exp.Close()
	values := []string{"a.b", "a b", "*", ">", "", "été", "~", "Tx", strings.Repeat("long", 200)}

	all, one := startBus(t), startBus(t)
	allImp, err := Import(bg, connect(t, ns), all, nil)
	require.NoError(t, err)
	defer allImp.Close()
	oneImp, err := Import(bg, connect(t, ns), one, query.MustCompile(`tm.event = 'a.b'`))
	require.NoError(t, err)
	defer oneImp.Close()
	assert.Equal(t, []string{"querybus.~YS5i", "querybus.~~"}, oneImp.Subjects())
	allSub, err := all.Subscribe(bg, "all", query.All, 100)
	require.NoError(t, err)
	oneSub, err := one.Subscribe(bg, "one", query.All, 100)
	require.NoError(t, err)

	for i, v := range values {
		require.NoError(t, pub.PublishWithEvents(bg, float64(i), map[string][]string{"tm.event": {v}}))
	}
	require.NoError(t, pub.PublishWithEvents(bg, "several", map[string][]string{"tm.event": {"a.b", "Tx"}}))
	require.NoError(t, pub.PublishWithEvents(bg, "none", map[string][]string{"other": {"x"}}))

	got := recv(t, allSub, len(values)+2)
	for i, v := range values {
		assert.Equal(t, []string{v}, got[i].Events()["tm.event"])
		assert.Equal(t, float64(i), got[i].Data(), "JSON[any] gives numbers as float64")
	}
	gotOne := recv(t, oneSub, 2)
	assert.Equal(t, float64(0), gotOne[0].Data())
	assert.Equal(t, "several", gotOne[1].Data(), "on the reserved subject, matched by the query")
	waitFor(t, "counted", func() bool { return settled(oneImp, 4) })
	// a.b on its subject; on the reserved one: the long value, "several" and "none".
	assert.Equal(t, ImportStats{Received: 4, Imported: 2, Filtered: 2}, oneImp.Stats())
}

// A bus that exports and imports the same subjects does not receive its own
// messages back, and does not send out again what it imported: two such
// buses each receive the other's messages exactly once.
func TestNoEcho(t *testing.T) {
	ns := startNATS(t)
	a, b := startBus(t), startBus(t)
	for _, bus := range []*pubsub.Server{a, b} {
		nc := connect(t, ns)
		imp, err := Import(bg, nc, bus, nil)
		require.NoError(t, err)
		defer imp.Close()
		exp, err := Export(bg, bus, nc, query.All)
		require.NoError(t, err)
		defer exp.Close()
	}
	subA, err := a.Subscribe(bg, "watcher", query.All, 100)
	require.NoError(t, err)
	subB, err := b.Subscribe(bg, "watcher", query.All, 100)
	require.NoError(t, err)

	require.NoError(t, a.PublishWithEvents(bg, "from a", txEvents(1)))
	require.NoError(t, b.PublishWithEvents(bg, "from b", txEvents(2)))
	assert.ElementsMatch(t, []any{"from a", "from b"}, datas(recv(t, subA, 2)))
	assert.ElementsMatch(t, []any{"from a", "from b"}, datas(recv(t, subB, 2)))
	// A round trip through NATS after which any echo would have arrived.
	require.NoError(t, a.PublishWithEvents(bg, "fence", txEvents(3)))
	assert.Equal(t, []any{"fence"}, datas(recv(t, subA, 1)))
	assert.Equal(t, []any{"fence"}, datas(recv(t, subB, 1)))
	assert.Zero(t, len(subA.Out())+len(subB.Out()), "nothing more")
}

// settled reports whether imp has received n messages and is done with
// them: each imported or counted as not.
func settled(imp *Importer, n uint64) bool {
	st := imp.Stats()
	return st.Received == n && st.Received == st.Imported+st.Filtered+st.Own+st.Duplicates+st.Malformed+st.DecodeErrors+st.PublishErrors
}

func datas(ms []pubsub.Message) []any {
	out := make([]any, len(ms))
	for i, m := range ms {
		out[i] = m.Data()
	}
	return out
}

// Payloads that are not envelopes, and data the codec refuses, are counted,
// logged and dropped; the importer goes on. A message over the server's
// maximum payload is counted by the exporter, which goes on.
func TestBadPayloadsAndOversize(t *testing.T) {
	ns := startNATS(t, func(o *server.Options) { o.MaxPayload = 4096 })
	nc := connect(t, ns)
	bus := startBus(t)
	imp, err := Import(bg, connect(t, ns), bus, nil, WithCodec(JSON[string]()), Logger(quiet()))
	require.NoError(t, err)
	defer imp.Close()
	sub, err := bus.Subscribe(bg, "s", query.All, 10)
	require.NoError(t, err)

	require.NoError(t, nc.Publish("querybus.Tx", []byte("not an envelope")))
	require.NoError(t, nc.Publish("querybus.Tx", nil))
	foreign := wire.Append(nil, "x:1", wire.Message{Seq: 1, TypeName: "main.other", Events: txEvents(1), Data: []byte(`1`)})
	require.NoError(t, nc.Publish("querybus.Tx", foreign))
	badJSON := wire.Append(nil, "x:1", wire.Message{Seq: 2, TypeName: "string", Events: txEvents(1), Data: []byte(`{`)})
	require.NoError(t, nc.Publish("querybus.Tx", badJSON))

	pub := startBus(t)
	exp, err := Export(bg, pub, nc, query.All, WithCodec(JSON[string]()), Logger(quiet()))
	require.NoError(t, err)
	defer exp.Close()
	require.NoError(t, pub.PublishWithEvents(bg, strings.Repeat("x", 5000), txEvents(1))) // too large
	require.NoError(t, pub.PublishWithEvents(bg, 42, txEvents(1)))                        // not a string
	require.NoError(t, pub.PublishWithEvents(bg, "fine", txEvents(1)))

	assert.Equal(t, []any{"fine"}, datas(recv(t, sub, 1)))
	waitFor(t, "counted", func() bool { return settled(imp, 5) })
	assert.Equal(t, ImportStats{Received: 5, Imported: 1, Malformed: 2, DecodeErrors: 2}, imp.Stats())
	assert.Equal(t, ExportStats{Exported: 1, Payloads: 1, Oversize: 1, EncodeErrors: 1}, exp.Stats())
}

// Core NATS drops messages for a consumer that does not keep up; the
// importer counts and logs them. Its bus here is held by an unbuffered
// subscriber that does not read.
func TestSlowConsumerCounted(t *testing.T) {
	ns := startNATS(t)
	bus := startBus(t)
	var log syncBuffer
	silent := nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}) // nats.go prints slow consumers
	imp, err := Import(bg, connect(t, ns, silent), bus, nil, Logger(slogTo(&log)))
	require.NoError(t, err)
	defer imp.Close()
	stuck, err := bus.SubscribeUnbuffered(bg, "stuck", query.All)
	require.NoError(t, err)

	nc := connect(t, ns)
	for i := 0; i < 6000; i++ {
		p := wire.Append(nil, "x:1", wire.Message{Seq: uint64(i + 1), TypeName: "float64", Events: txEvents(1), Data: []byte("1")})
		require.NoError(t, nc.Publish("querybus.Tx", p))
	}
	require.NoError(t, nc.Flush())
	waitFor(t, "drops counted", func() bool { return imp.Stats().Dropped > 0 })
	assert.Contains(t, log.String(), "slow consumer")
	assert.NoError(t, stuck.Err())
	require.NoError(t, bus.Unsubscribe(bg, "stuck", query.All)) // let the importer go
}

// Bad arguments are errors that name the fault, and subscribe nothing.
func TestBadArguments(t *testing.T) {
	ns := startNATS(t)
	nc := connect(t, ns)
	bus := startBus(t)
	_, err := Export(bg, bus, nc, query.All, Prefix("a.*"))
	assert.ErrorContains(t, err, `invalid subject prefix "a.*"`)
	_, err = Import(bg, nc, bus, nil, Prefix(""))
	assert.ErrorContains(t, err, `invalid subject prefix ""`)
	_, err = Export(bg, bus, nc, query.All, Capacity(0))
	assert.ErrorContains(t, err, "capacity 0")
	_, err = Export(bg, bus, nc, query.All, WithCodec(nil))
	assert.ErrorContains(t, err, "nil codec")
	_, err = Export(bg, nil, nc, query.All)
	assert.Error(t, err)
	_, err = Import(bg, nil, bus, nil)
	assert.Error(t, err)
	assert.Zero(t, bus.NumClients())

	stopped := pubsub.NewServer()
	require.NoError(t, stopped.Start())
	require.NoError(t, stopped.Stop())
	_, err = Export(bg, stopped, nc, query.All)
	assert.ErrorIs(t, err, pubsub.ErrServerStopped)
}

// Close of an exporter sends what it had received; nothing is sent after
// it, and a second Close is harmless.
func TestExporterClose(t *testing.T) {
	ns := startNATS(t)
	watch := connect(t, ns)
	got, err := watch.SubscribeSync("querybus.>")
	require.NoError(t, err)
	require.NoError(t, watch.Flush())
	bus := startBus(t)
	exp, err := Export(bg, bus, connect(t, ns), query.All)
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		require.NoError(t, bus.PublishWithEvents(bg, i, txEvents(i)))
	}
	require.NoError(t, exp.Close())
	require.NoError(t, exp.Close())
	require.NoError(t, bus.PublishWithEvents(bg, "after", txEvents(0)))
	require.NoError(t, bus.PublishWithEvents(bg, "fence", txEvents(0))) // a round trip through the bus
	for n := 0; n < 100; {
		m, err := got.NextMsg(guard)
		require.NoError(t, err, "after %d messages", n)
		_, msgs, err := wire.Decode(m.Data)
		require.NoError(t, err)
		n += len(msgs)
	}
	require.NoError(t, watch.Flush())
	n, _, err := got.Pending()
	require.NoError(t, err)
	assert.Zero(t, n, "nothing after Close")
	assert.Zero(t, bus.NumClients())
}

// Close does not wait for a connection that is reconnecting: it says that
// what was sent is in the connection's reconnect buffer.
func TestExporterCloseWhileDisconnected(t *testing.T) {
	ns := startNATS(t)
	lost := make(chan struct{}, 1)
	nc := connect(t, ns, nats.DisconnectErrHandler(func(*nats.Conn, error) {
		select {
		case lost <- struct{}{}:
		default:
		}
	}))
	bus := startBus(t)
	exp, err := Export(bg, bus, nc, query.All)
	require.NoError(t, err)
	ns.Shutdown()
	ns.WaitForShutdown()
	select {
	case <-lost:
	case <-time.After(guard):
		t.Fatal("the connection never saw the server go")
	}
	require.NoError(t, bus.PublishWithEvents(bg, 1, txEvents(1)))
	err = exp.Close()
	assert.ErrorIs(t, err, nats.ErrDisconnected)
	assert.Zero(t, bus.NumClients())
}

// The messages an exporter has at hand travel together: one NATS message
// per run of one subject, of at most maxBatch messages and of at most the
// server's maximum payload (and maxBatchBytes); in order.
func TestBatches(t *testing.T) {
	type payload struct {
		subject string
		n       int
		data    string // the first message's, without quotes
	}
	// batches feeds an exporter's batch directly, so that what is at hand
	// is known, and returns the NATS messages it sent.
	batches := func(t *testing.T, maxPayload int32, feed func(add func(n int, data any, events map[string][]string))) []payload {
		ns := startNATS(t, func(o *server.Options) { o.MaxPayload = maxPayload })
		watch := connect(t, ns)
		got, err := watch.SubscribeSync("querybus.>")
		require.NoError(t, err)
		require.NoError(t, watch.Flush())
		exp, err := Export(bg, startBus(t), connect(t, ns), query.All)
		require.NoError(t, err)
		defer exp.Close()
		b := newBatch(exp)
		total := 0
		feed(func(n int, data any, events map[string][]string) {
			for i := 0; i < n; i++ {
				b.add(pubsub.NewMessage(data, events))
			}
			total += n
		})
		b.flush()
		require.NoError(t, exp.nc.Flush())
		var have []payload
		for n := 0; n < total; {
			m, err := got.NextMsg(guard)
			require.NoError(t, err)
			assert.LessOrEqual(t, len(m.Data), int(maxPayload))
			_, msgs, err := wire.Decode(m.Data)
			require.NoError(t, err)
			have = append(have, payload{m.Subject, len(msgs), strings.Trim(string(msgs[0].Data), `"`)})
			n += len(msgs)
		}
		assert.Equal(t, uint64(total), exp.Stats().Exported)
		assert.Equal(t, uint64(len(have)), exp.Stats().Payloads)
		return have
	}

	t.Run("subjects and count", func(t *testing.T) {
		have := batches(t, 1<<20, func(add func(int, any, map[string][]string)) {
			add(maxBatch+44, 1.0, txEvents(1))
			add(2, 2.0, blockEvents(1))
			add(1, 3.0, txEvents(1))
		})
		assert.Equal(t, []payload{
			{"querybus.Tx", maxBatch, "1"}, {"querybus.Tx", 44, "1"}, {"querybus.NewBlock", 2, "2"}, {"querybus.Tx", 1, "3"},
		}, have)
	})
	t.Run("bytes", func(t *testing.T) {
		x := strings.Repeat("x", 900)
		have := batches(t, 4096, func(add func(int, any, map[string][]string)) {
			add(9, x, txEvents(1)) // 4 of about 940 bytes fit in 4096, not 5
		})
		assert.Equal(t, []payload{{"querybus.Tx", 4, x}, {"querybus.Tx", 4, x}, {"querybus.Tx", 1, x}}, have)
	})
	t.Run("maxBatchBytes", func(t *testing.T) {
		x := strings.Repeat("x", maxBatchBytes/2)
		have := batches(t, 1<<20, func(add func(int, any, map[string][]string)) {
			add(3, x, txEvents(1)) // two halves and their envelope exceed it
		})
		assert.Equal(t, []payload{{"querybus.Tx", 1, x}, {"querybus.Tx", 1, x}, {"querybus.Tx", 1, x}}, have)
	})
}
