package natsbus

import (
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// jsServer starts an embedded NATS server with JetStream storing in dir, on
// port (-1: a free one).
func jsServer(t *testing.T, dir string, port int) *server.Server {
	return startNATS(t, func(o *server.Options) {
		o.JetStream = true
		o.StoreDir = dir
		o.Port = port
	})
}

// reconnecting connects with reconnection forever, quickly, as a bridge
// across a server restart needs.
func reconnecting(t *testing.T, s *server.Server) *nats.Conn {
	return connect(t, s, nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond),
		nats.ErrorHandler(func(*nats.Conn, *nats.Subscription, error) {}))
}

// jsBridge is a publishing bus exporting everything to the stream EVENTS of
// ns and a bus importing it through the durable consumer "indexer", on
// reconnecting connections, and a subscriber of the second bus: the setup
// of the fault tests. history is the publishing bus's; expOpts are added to
// the exporter's options. The test defers close, so that the bridge closes
// while the server it last started still runs.
type jsBridge struct {
	pub        *pubsub.Server
	exp        *Exporter
	imp        *Importer
	sub        *pubsub.Subscription
	pubC, impC *nats.Conn
}

func newJSBridge(t *testing.T, ns *server.Server, history int, expOpts ...Option) *jsBridge {
	t.Helper()
	j := &jsBridge{pub: startBus(t, pubsub.History(history)), pubC: reconnecting(t, ns), impC: reconnecting(t, ns)}
	var err error
	j.exp, err = Export(bg, j.pub, j.pubC, query.All, append([]Option{JetStream("EVENTS"), Logger(quiet())}, expOpts...)...)
	require.NoError(t, err)
	bus := startBus(t)
	j.imp, err = Import(bg, j.impC, bus, nil, JetStream("EVENTS"), Durable("indexer"), AckWait(300*time.Millisecond), Logger(quiet()))
	require.NoError(t, err)
	j.sub, err = bus.Subscribe(bg, "s", query.All, 1000)
	require.NoError(t, err)
	return j
}

func (j *jsBridge) close() {
	_ = j.imp.Close()
	_ = j.exp.Close()
}

// ranks receives n messages of sub and returns their data, which the tests
// make the publish's rank (a float64 through JSON[any]).
func ranks(t *testing.T, sub *pubsub.Subscription, n int) []int {
	t.Helper()
	var out []int
	for _, m := range recv(t, sub, n) {
		out = append(out, int(m.Data().(float64)))
	}
	return out
}

func upTo(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

func TestJetStreamEndToEnd(t *testing.T) {
	ns := jsServer(t, t.TempDir(), -1)
	pub := startBus(t)
	exp, err := Export(bg, pub, connect(t, ns), query.All, JetStream("EVENTS"))
	require.NoError(t, err)
	defer exp.Close()
	bus := startBus(t)
	imp, err := Import(bg, connect(t, ns), bus, query.MustCompile("tm.event = 'Tx'"), JetStream("EVENTS"), Durable("wallet"))
	require.NoError(t, err)
	defer imp.Close()
	sub, err := bus.Subscribe(bg, "w", query.All, 200)
	require.NoError(t, err)
	for i := 0; i < 100; i++ {
		require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
		require.NoError(t, pub.PublishWithEvents(bg, -1, blockEvents(i))) // not for it
	}
	assert.Equal(t, upTo(100), ranks(t, sub, 100))
	waitFor(t, "counted", func() bool { return settled(imp, 100) })
	assert.Equal(t, ImportStats{Received: 100, Imported: 100}, imp.Stats(), "blocks never reach its consumer")
	waitFor(t, "blocks exported too", func() bool { return exp.Stats().Exported == 200 })

	_, err = Import(bg, connect(t, ns), bus, nil, JetStream("EVENTS"))
	assert.ErrorContains(t, err, "needs Durable")
}

// An importer closed and made again with the same durable name goes on
// where it stopped: what was published meanwhile arrives, nothing twice.
func TestJetStreamImporterRestart(t *testing.T) {
	ns := jsServer(t, t.TempDir(), -1)
	pub := startBus(t)
	exp, err := Export(bg, pub, connect(t, ns), query.All, JetStream("EVENTS"))
	require.NoError(t, err)
	defer exp.Close()
	bus := startBus(t)
	sub, err := bus.Subscribe(bg, "s", query.All, 500)
	require.NoError(t, err)
	open := func() *Importer {
		imp, err := Import(bg, connect(t, ns), bus, nil, JetStream("EVENTS"), Durable("indexer"), AckWait(300*time.Millisecond))
		require.NoError(t, err)
		return imp
	}

	imp := open()
	for i := 0; i < 100; i++ {
		require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
	}
	got := ranks(t, sub, 50)        // the importer is mid-stream...
	require.NoError(t, imp.Close()) // ... when it goes away
	for i := 100; i < 200; i++ {
		require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
	}
	waitFor(t, "everything exported", func() bool { return exp.Stats().Exported == 200 })
	got = append(got, ranks(t, sub, len(sub.Out()))...) // what it published before Close returned
	imp = open()
	defer imp.Close()
	got = append(got, ranks(t, sub, 200-len(got))...)
	assert.Equal(t, upTo(200), got, "no loss, no duplicate, in order")
	require.NoError(t, pub.PublishWithEvents(bg, 200, txEvents(200)))
	assert.Equal(t, []int{200}, ranks(t, sub, 1))
	assert.Zero(t, len(sub.Out()))
}

// The NATS server restarts (file storage) while a bus publishes: the
// exporter retries until the stream has each message, the importer's
// consumer goes on after the restart, and every message arrives once, in
// order.
func TestJetStreamServerRestart(t *testing.T) {
	dir := t.TempDir()
	ns := jsServer(t, dir, -1)
	port := ns.Addr().(*net.TCPAddr).Port
	j := newJSBridge(t, ns, 10_000)
	defer j.close()
	pub, exp, sub := j.pub, j.exp, j.sub

	const n = 600
	for i := 0; i < n/2; i++ {
		require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
	}
	got := ranks(t, sub, 100)
	ns.Shutdown()
	ns.WaitForShutdown()
	for i := n / 2; i < n; i++ { // while the server is down
		require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
	}
	jsServer(t, dir, port)
	got = append(got, ranks(t, sub, n-len(got))...)
	assert.Equal(t, upTo(n), got, "no loss, no duplicate, in order")
	assert.Zero(t, exp.Stats().PublishErrors)
	t.Logf("importer: %+v", j.imp.Stats())
}

// An exporter that cannot send (the NATS server is down) and whose
// subscription to its bus fills up: with a history it falls behind and
// sends everything once the server is back; without one it loses
// messages, and says so in Stats and Err.
func TestExporterBacklog(t *testing.T) {
	for _, history := range []int{0, 1000} {
		t.Run(fmt.Sprintf("history=%d", history), func(t *testing.T) {
			dir := t.TempDir()
			ns := jsServer(t, dir, -1)
			port := ns.Addr().(*net.TCPAddr).Port
			j := newJSBridge(t, ns, history, Capacity(4))
			defer j.close()
			pub, exp, sub := j.pub, j.exp, j.sub

			ns.Shutdown()
			ns.WaitForShutdown()
			for i := 0; i < 100; i++ { // far more than the exporter's subscription holds
				require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
			}
			jsServer(t, dir, port)
			if history > 0 {
				assert.Equal(t, upTo(100), ranks(t, sub, 100), "caught up from the bus's history")
				assert.NoError(t, exp.Err())
				assert.Zero(t, exp.Stats().Gaps)
				return
			}
			waitFor(t, "the loss reported", func() bool { return exp.Stats().Gaps > 0 })
			assert.ErrorIs(t, exp.Err(), pubsub.ErrOutOfCapacity)
			require.NoError(t, pub.PublishWithEvents(bg, 100, txEvents(100)))
			got := ranks(t, sub, 1)
			for len(got) == 0 || got[len(got)-1] != 100 { // what got through, then the one after the loss
				got = append(got, ranks(t, sub, 1)...)
			}
			assert.Less(t, len(got), 101, "some were lost")
			assert.IsIncreasing(t, got, "in order")
		})
	}
}

// The connections of the exporter and of the importer are dropped by the
// server mid-stream, and reconnect: every message arrives once, in order.
func TestJetStreamDroppedConnections(t *testing.T) {
	ns := jsServer(t, t.TempDir(), -1)
	j := newJSBridge(t, ns, 10_000)
	defer j.close()
	pub, exp, sub := j.pub, j.exp, j.sub

	const n = 600
	var got []int
	dropped := map[*nats.Conn]uint64{} // the id each connection had when the server dropped it
	for round := 0; round < 3; round++ {
		for i := round * n / 3; i < (round+1)*n/3; i++ {
			require.NoError(t, pub.PublishWithEvents(bg, i, txEvents(i)))
		}
		got = append(got, ranks(t, sub, 50)...) // mid-stream
		for _, nc := range []*nats.Conn{j.pubC, j.impC} {
			var id uint64
			waitFor(t, "reconnected since the last drop", func() bool {
				var err error
				id, err = nc.GetClientID()
				return err == nil && nc.IsConnected() && id != dropped[nc]
			})
			require.NoError(t, ns.DisconnectClientByID(id))
			dropped[nc] = id
		}
	}
	got = append(got, ranks(t, sub, n-len(got))...)
	assert.Equal(t, upTo(n), got, "no loss, no duplicate, in order")
	assert.Zero(t, exp.Stats().PublishErrors)
}
