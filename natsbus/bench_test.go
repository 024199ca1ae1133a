package natsbus

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/require"

	"github.com/querybus/querybus/natsbus/internal/wire"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// The benchmarks compare, on one embedded server and in one run, the
// bridge (core and JetStream mode) with raw nats.go publish/subscribe of
// the same payloads (one NATS message each): b.N messages published, each
// received by every one of the importers' local subscribers (or raw
// subscribers), in windows of benchWindow in flight, so that no consumer
// is ever slow. A benchmark
// fails if any message was dropped. ns/op is per message published; msgs/s
// is its inverse. The bridge's buses have BufferCapacity(1024), as a busy
// bus would, so that a publisher does not wait for each hand-over.

const benchWindow = 1024

// pipe is one way to carry messages: send publishes message i, and each
// receiver's recv returns once it has received one more, or false once
// stuck is closed.
type pipe struct {
	send    func(i int)
	recvs   []func() bool
	dropped func() uint64
	batched func() float64 // messages per NATS message, for the bridge
	stuck   chan struct{}  // closed by guard
	guard   *time.Timer    // reset by each window (or message) of a benchmark
}

// arm makes recv give up once guard has passed without a call of arm.
func (p *pipe) arm() { p.guard.Reset(guard) }

// recvFrom returns a receiver of ch for p: a plain receive that gives up
// when p is stuck, without a timer per message.
func recvFrom[M any](p *pipe, ch <-chan M) func() bool {
	return func() bool {
		select {
		case <-ch:
			return true
		case <-p.stuck:
			return false
		}
	}
}

func runAll(fs []func()) func() {
	return func() {
		for _, f := range fs {
			f()
		}
	}
}

func benchEvents() map[string][]string {
	return map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}}
}

func rawPipe(b *testing.B, nc *nats.Conn, subs []*nats.Conn) *pipe {
	payload := wire.Append(nil, "bench:1", wire.Message{Seq: 1, TypeName: "float64", Events: benchEvents(), Data: []byte("7")})
	p := &pipe{send: func(int) {
		if err := nc.Publish("querybus.Tx", payload); err != nil {
			b.Fatal(err)
		}
	}}
	var ss []*nats.Subscription
	for _, c := range subs {
		ch := make(chan *nats.Msg, 4*benchWindow)
		s, err := c.ChanSubscribe("querybus.Tx", ch)
		require.NoError(b, err)
		require.NoError(b, c.Flush())
		ss = append(ss, s)
		p.recvs = append(p.recvs, recvFrom(p, ch))
	}
	p.dropped = func() uint64 {
		var n uint64
		for _, s := range ss {
			d, _ := s.Dropped()
			n += uint64(d)
		}
		return n
	}
	return p
}

func bridgePipe(b *testing.B, pubConn *nats.Conn, subs []*nats.Conn, opts ...Option) (*pipe, func()) {
	pub := pubsub.NewServer(pubsub.History(4*benchWindow), pubsub.BufferCapacity(1024))
	require.NoError(b, pub.Start())
	exp, err := Export(bg, pub, pubConn, query.All, opts...)
	require.NoError(b, err)
	closers := []func(){func() { _ = exp.Close(); _ = pub.Stop() }}
	events := benchEvents()
	var data any = 7.0
	p := &pipe{send: func(int) {
		if err := pub.PublishWithEvents(bg, data, events); err != nil {
			b.Fatal(err)
		}
	}}
	var imps []*Importer
	for k, c := range subs {
		bus := pubsub.NewServer(pubsub.BufferCapacity(1024))
		require.NoError(b, bus.Start())
		iopts := append([]Option{Durable(fmt.Sprint("bench-", k))}, opts...)
		imp, err := Import(bg, c, bus, query.MustCompile("tm.event = 'Tx'"), iopts...)
		require.NoError(b, err)
		imps = append(imps, imp)
		sub, err := bus.Subscribe(bg, "reader", query.All, 4*benchWindow)
		require.NoError(b, err)
		closers = append(closers, func() { _ = imp.Close(); _ = bus.Stop() })
		p.recvs = append(p.recvs, recvFrom(p, sub.Out()))
	}
	p.batched = func() float64 {
		st := exp.Stats()
		return float64(st.Exported) / float64(max(st.Payloads, 1))
	}
	p.dropped = func() uint64 {
		n := exp.Stats().Gaps + exp.Stats().PublishErrors
		for _, imp := range imps {
			n += imp.Stats().Dropped
		}
		return n
	}
	return p, runAll(closers)
}

func benchPipes(b *testing.B, run func(b *testing.B, p *pipe)) {
	for _, impl := range []string{"raw", "core", "jetstream"} {
		for _, importers := range []int{1, 4} {
			b.Run(fmt.Sprintf("impl=%s/importers=%d", impl, importers), func(b *testing.B) {
				ns := startNATS(b, func(o *server.Options) {
					if impl == "jetstream" {
						o.JetStream, o.StoreDir = true, b.TempDir()
					}
				})
				pubConn := connect(b, ns)
				var subs []*nats.Conn
				for k := 0; k < importers; k++ {
					subs = append(subs, connect(b, ns))
				}
				var p *pipe
				switch impl {
				case "raw":
					p = rawPipe(b, pubConn, subs)
				case "core":
					var done func()
					p, done = bridgePipe(b, pubConn, subs)
					defer done()
				case "jetstream":
					var done func()
					p, done = bridgePipe(b, pubConn, subs, JetStream("BENCH"))
					defer done()
				}
				p.stuck = make(chan struct{})
				p.guard = time.AfterFunc(guard, func() { close(p.stuck) })
				defer p.guard.Stop()
				run(b, p)
				if p.batched != nil {
					b.ReportMetric(p.batched(), "msgs/payload")
				}
				if d := p.dropped(); d != 0 {
					b.Fatalf("%d messages dropped or lost", d)
				}
			})
		}
	}
}

// BenchmarkThroughput: publish → NATS → every importer's local subscriber.
func BenchmarkThroughput(b *testing.B) {
	benchPipes(b, func(b *testing.B, p *pipe) {
		b.ReportAllocs()
		b.ResetTimer()
		for done := 0; done < b.N; {
			w := min(benchWindow, b.N-done)
			p.arm()
			for i := 0; i < w; i++ {
				p.send(done + i)
			}
			for _, recv := range p.recvs {
				for i := 0; i < w; i++ {
					if !recv() {
						b.Fatalf("message %d not received within %v", done+i, guard)
					}
				}
			}
			done += w
		}
		b.StopTimer()
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	})
}

// BenchmarkLatency: one message at a time, from publish to its receipt by
// every importer's local subscriber; p50 and p99 of those times.
func BenchmarkLatency(b *testing.B) {
	benchPipes(b, func(b *testing.B, p *pipe) {
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p.arm()
			start := time.Now()
			p.send(i)
			for _, recv := range p.recvs {
				if !recv() {
					b.Fatalf("message %d not received within %v", i, guard)
				}
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
	})
}
