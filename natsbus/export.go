package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/querybus/querybus/natsbus/internal/wire"
	"github.com/querybus/querybus/pubsub"
)

// Exporter sends to NATS the messages published on a bus whose events
// match its query. Make one with Export; Close it when done.
type Exporter struct {
	cfg    *config
	bus    *pubsub.Server
	st     *busState
	nc     *nats.Conn
	js     jetstream.JetStream // JetStream mode
	q      pubsub.Query
	client string // its client id on the bus
	origin string // on the wire: the bus's id and its own

	mu  sync.Mutex
	sub *pubsub.Subscription
	err error // the last loss

	closing chan struct{}
	done    chan struct{}
	once    sync.Once

	subjects map[string]string // by token, see subject

	exported, payloads, encodeErrors, oversize, publishErrors, skipped, gaps atomic.Uint64
}

// ExportStats are an Exporter's counters, since Export.
type ExportStats struct {
	// Exported is the number of messages sent to NATS, and Payloads the
	// number of NATS messages that carried them: the messages at hand for
	// one subject travel together, up to 256 in 64 KiB.
	Exported, Payloads uint64
	// EncodeErrors counts messages whose data the codec could not encode,
	// Oversize those larger than the NATS server's maximum payload, and
	// PublishErrors those the connection refused: none of them was sent,
	// and each was logged.
	EncodeErrors, Oversize, PublishErrors uint64
	// Imported counts the messages an importer of the same bus published
	// into it, which are not sent out again.
	Imported uint64
	// Gaps counts the times the exporter's subscription to its bus was
	// cancelled for capacity (the bus has no history to fall behind in):
	// messages were lost, and the exporter subscribed again. Err says
	// where.
	Gaps uint64
}

// Export starts sending to NATS, on nc, the messages published on bus whose
// events match q (query.All for everything), from now on. It subscribes to
// bus with FallBehind, so that if the bus has a history (pubsub.History) a
// burst the connection cannot take at once is sent late rather than lost.
// It returns an error for an invalid option, or the bus's Subscribe error
// (a stopped bus, ctx ended).
func Export(ctx context.Context, bus *pubsub.Server, nc *nats.Conn, q pubsub.Query, opts ...Option) (*Exporter, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if bus == nil || nc == nil || q == nil {
		return nil, errors.New("natsbus: Export needs a bus, a connection and a query")
	}
	st := stateOf(bus)
	e := &Exporter{
		cfg: cfg, bus: bus, st: st, nc: nc, q: q,
		client:   "natsbus-export-" + nuid.Next(),
		closing:  make(chan struct{}),
		done:     make(chan struct{}),
		subjects: map[string]string{},
	}
	e.origin = st.id + ":" + e.client
	if cfg.stream != "" {
		if e.js, err = ensureStream(ctx, nc, cfg); err != nil {
			return nil, err
		}
	}
	// Registered before it subscribes, so that every message an importer
	// of the bus publishes from then on is marked for it.
	st.mu.Lock()
	st.exporters[e] = struct{}{}
	st.mu.Unlock()
	if err := e.subscribe(ctx); err != nil {
		st.mu.Lock()
		delete(st.exporters, e)
		st.mu.Unlock()
		st.forget(e)
		return nil, err
	}
	go e.run()
	return e, nil
}

// subscribe subscribes the exporter to its bus, unless it is closing
// (errClosing). It holds e.mu meanwhile, so that Close, which closes
// e.closing under e.mu before it unsubscribes, always finds the newest
// subscription.
func (e *Exporter) subscribe(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	select {
	case <-e.closing:
		return errClosing
	default:
	}
	sub, err := e.bus.SubscribeWith(ctx, e.client, e.q, pubsub.Capacity(e.cfg.capacity), pubsub.FallBehind())
	if err != nil {
		return fmt.Errorf("natsbus: Export: %w", err)
	}
	e.sub = sub
	return nil
}

var errClosing = errors.New("natsbus: closing")

func (e *Exporter) run() {
	defer close(e.done)
	b := newBatch(e)
	for {
		e.mu.Lock()
		sub := e.sub
		e.mu.Unlock()
		b.pump(sub)
		if !errors.Is(sub.Err(), pubsub.ErrOutOfCapacity) {
			return // unsubscribed by Close, or the bus stopped
		}
		// Lost: the bus has no history to fall behind in. Say so, and go on.
		e.gaps.Add(1)
		err := fmt.Errorf("natsbus: exporter lost messages after seq %d: %w", b.last, sub.Err())
		e.mu.Lock()
		e.err = err
		e.mu.Unlock()
		e.cfg.logger.Warn("natsbus: exporter's subscription cancelled for capacity; subscribing again",
			"after", b.last, "err", sub.Err())
		e.st.forget(e)
		if err := e.subscribe(context.Background()); err != nil {
			if err != errClosing {
				e.cfg.logger.Error("natsbus: exporter could not subscribe again", "err", err)
			}
			return
		}
	}
}

// The most messages, and bytes, one NATS message carries (the server's
// maximum payload, if smaller, bounds the bytes).
const (
	maxBatch      = 256
	maxBatchBytes = 64 << 10
)

// batch is the envelope an exporter is filling: the messages it has at
// hand for one subject, sent as one NATS message. It is the run
// goroutine's alone.
type batch struct {
	e       *Exporter
	buf     []byte // the envelope so far
	one     []byte // the message being added
	subject string
	header  int    // the length of an envelope's header
	max     int64  // the server's maximum payload when the batch began (0: none known)
	n       int    // messages in buf
	first   uint64 // seq of the first
	last    uint64 // seq of the last message taken from the bus
}

func newBatch(e *Exporter) *batch {
	return &batch{e: e, header: len(wire.AppendHeader(nil, e.origin))}
}

// pump sends sub's messages until it is cancelled and what was left on its
// Out is sent: it waits for a message, takes every other one already
// there, and sends them in envelopes of one subject each.
func (b *batch) pump(sub *pubsub.Subscription) {
	out, cancelled := sub.Out(), sub.Cancelled()
	for {
		select {
		case msg := <-out:
			b.add(msg)
		case <-cancelled:
			for {
				select {
				case msg := <-out:
					b.add(msg)
				default:
					b.flush()
					return
				}
			}
		}
	more:
		for {
			select {
			case msg := <-out:
				b.add(msg)
			default:
				break more
			}
		}
		b.flush()
	}
}

// add encodes msg into the batch, sending the batch first if msg goes to
// another subject or does not fit.
func (b *batch) add(msg pubsub.Message) {
	e := b.e
	b.last = msg.Seq()
	events := msg.Events()
	if e.st.importedSeen(e, events) {
		e.skipped.Add(1)
		return
	}
	name, data, err := e.cfg.codec.Encode(msg.Data())
	if err != nil {
		e.encodeErrors.Add(1)
		e.cfg.logger.Warn("natsbus: message not exported: its data cannot be encoded", "seq", msg.Seq(), "err", err)
		return
	}
	b.one = wire.AppendMessage(b.one[:0], &wire.Message{Seq: msg.Seq(), TypeName: name, Events: events, Data: data})
	if b.n == 0 { // the connection's lock once a batch, not once a message
		b.max = e.nc.MaxPayload()
	}
	limit := int64(maxBatchBytes)
	if b.max > 0 && b.max < limit {
		limit = b.max
	}
	if alone := b.header + len(b.one); b.max > 0 && int64(alone) > b.max {
		e.oversize.Add(1)
		e.cfg.logger.Warn("natsbus: message not exported: larger than the server's maximum payload",
			"seq", msg.Seq(), "bytes", alone, "max", b.max)
		return
	}
	subject := e.subject(wire.RoutingToken(events, e.cfg.routingKey))
	if b.n > 0 && (subject != b.subject || b.n == maxBatch || int64(len(b.buf)+len(b.one)) > limit) {
		b.flush()
	}
	if b.n == 0 {
		b.buf = wire.AppendHeader(b.buf[:0], e.origin)
		b.subject, b.first = subject, msg.Seq()
	}
	b.buf = append(b.buf, b.one...)
	b.n++
}

// flush sends the batch, if it has any message.
func (b *batch) flush() {
	if b.n == 0 {
		return
	}
	e, n := b.e, b.n
	b.n = 0
	var err error
	if e.js != nil {
		err = e.publishJS(b.subject, b.buf, b.first)
	} else {
		err = e.nc.Publish(b.subject, b.buf)
	}
	if err != nil {
		e.publishErrors.Add(uint64(n))
		e.cfg.logger.Warn("natsbus: messages not exported", "from", b.first, "messages", n, "subject", b.subject, "err", err)
		return
	}
	e.exported.Add(uint64(n))
	e.payloads.Add(1)
}

// subject returns the subject of tok, from a cache of the subjects made so
// far (the run goroutine's alone), so that a publish builds no string.
func (e *Exporter) subject(tok string) string {
	s, ok := e.subjects[tok]
	if !ok {
		s = e.cfg.prefix + "." + tok
		if len(e.subjects) < 4096 {
			e.subjects[tok] = s
		}
	}
	return s
}

// retryWait is the pause between two attempts to have the stream store a
// message while NATS is unreachable.
const retryWait = 50 * time.Millisecond

// publishJS has the stream store the message, retrying until it has (the
// Nats-Msg-Id makes a retry of a message it already has harmless), or until
// the exporter closes: then it tries once more, and the error is the
// message's loss.
func (e *Exporter) publishJS(subject string, payload []byte, seq uint64) error {
	id := e.origin + ":" + strconv.FormatUint(seq, 10)
	logged := false
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := e.js.Publish(ctx, subject, payload, jetstream.WithMsgID(id))
		cancel()
		if err == nil {
			if logged {
				e.cfg.logger.Info("natsbus: the stream takes messages again", "seq", seq)
			}
			return nil
		}
		if errors.Is(err, nats.ErrMaxPayload) || errors.Is(err, nats.ErrBadSubject) {
			return err
		}
		select {
		case <-e.closing:
			return err
		default:
		}
		if !logged {
			logged = true
			e.cfg.logger.Warn("natsbus: the stream does not take messages; retrying", "seq", seq, "err", err)
		}
		t := time.NewTimer(retryWait)
		select {
		case <-t.C:
		case <-e.closing:
			t.Stop()
		}
	}
}

// Stats returns the exporter's counters.
func (e *Exporter) Stats() ExportStats {
	return ExportStats{
		Exported:      e.exported.Load(),
		Payloads:      e.payloads.Load(),
		EncodeErrors:  e.encodeErrors.Load(),
		Oversize:      e.oversize.Load(),
		PublishErrors: e.publishErrors.Load(),
		Imported:      e.skipped.Load(),
		Gaps:          e.gaps.Load(),
	}
}

// Err returns nil, or the last loss of messages the exporter could not
// avoid (see ExportStats.Gaps).
func (e *Exporter) Err() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err
}

// Close stops the exporter: it unsubscribes from the bus, hands to the
// connection what it had received, and flushes the connection. It does not
// wait for a connection that is reconnecting: it returns an error wrapping
// nats.ErrDisconnected then, since what the exporter handed to the
// connection in core mode stays in the connection's reconnect buffer (in
// JetStream mode, every message handed over was stored). The exporter
// hands nothing to the connection after Close returns. It returns the
// flush's error, if any.
func (e *Exporter) Close() error {
	var err error
	e.once.Do(func() {
		e.mu.Lock()
		close(e.closing)
		e.mu.Unlock()
		_ = e.bus.Unsubscribe(context.Background(), e.client, e.q) // not found if the bus stopped
		<-e.done
		e.st.mu.Lock()
		delete(e.st.exporters, e)
		e.st.mu.Unlock()
		e.st.forget(e)
		switch st := e.nc.Status(); st {
		case nats.CONNECTED:
			err = e.nc.Flush()
		case nats.CLOSED:
		default:
			// Reconnecting: a flush would wait for the server. What the
			// exporter handed to the connection is in its reconnect
			// buffer.
			err = fmt.Errorf("natsbus: Close: the connection is %s: what the exporter sent is buffered until it reconnects: %w", st, nats.ErrDisconnected)
		}
	})
	return err
}
