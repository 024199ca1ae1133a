package natsbus

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/querybus/querybus/natsbus/internal/wire"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// Importer publishes into a bus the messages on NATS that its query
// matches. Make one with Import; Close it when done.
type Importer struct {
	cfg      *config
	bus      *pubsub.Server
	st       *busState
	q        *query.Query
	subjects []string

	subs []*nats.Subscription
	ch   chan *nats.Msg
	msgs jetstream.MessagesContext // JetStream mode

	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	received, imported, filtered, own, duplicates, malformed, decodeErrors, publishErrors atomic.Uint64
	dropped                                                                               atomic.Uint64 // as last logged
	payloads                                                                              uint64        // taken from NATS: the run goroutine's
}

// ImportStats are an Importer's counters, since Import.
type ImportStats struct {
	// Received is the number of messages taken from NATS (a payload that
	// is not an envelope counts as one), and Imported the number published
	// into the bus.
	Received, Imported uint64
	// Filtered counts the messages the query did not match (subjects only
	// narrow what travels); Own those an exporter of the same bus sent;
	// Duplicates those already imported into the bus (by origin and
	// sequence number).
	Filtered, Own, Duplicates uint64
	// Malformed counts payloads that are not envelopes, DecodeErrors data
	// the codec could not decode, and PublishErrors messages the bus did
	// not take: each was logged, and dropped.
	Malformed, DecodeErrors, PublishErrors uint64
	// Dropped is the number of NATS messages NATS dropped because the
	// importer did not keep up (a slow consumer), as
	// nats.Subscription.Dropped counts them; it is logged when it grows.
	// Each carried one or more messages (see ExportStats.Payloads).
	Dropped uint64
}

// Subjects returns the NATS subjects the importer subscribed to.
func (i *Importer) Subjects() []string { return append([]string(nil), i.subjects...) }

// Import starts publishing into bus, from now on, the messages on NATS (on
// nc) whose events q matches (nil or query.All for everything). It
// subscribes only to the subjects q can match: those of the values q
// requires of the routing key, and the reserved one; or all of the
// prefix's when q requires nothing of it. Messages an exporter of the same
// bus sent are not imported.
func Import(ctx context.Context, nc *nats.Conn, bus *pubsub.Server, q *query.Query, opts ...Option) (*Importer, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	if bus == nil || nc == nil {
		return nil, errors.New("natsbus: Import needs a connection and a bus")
	}
	if q == nil {
		q = query.All
	}
	i := &Importer{cfg: cfg, bus: bus, q: q, subjects: interest(q, cfg), done: make(chan struct{})}
	i.st = stateOf(bus)
	i.ctx, i.cancel = context.WithCancel(context.Background())
	if cfg.stream != "" {
		if err := i.consume(ctx, nc); err != nil {
			i.cancel()
			return nil, err
		}
		go i.runJS()
		return i, nil
	}
	i.ch = make(chan *nats.Msg, 4096)
	for _, subj := range i.subjects {
		sub, err := nc.ChanSubscribe(subj, i.ch)
		if err != nil {
			i.unsubscribe()
			i.cancel()
			return nil, fmt.Errorf("natsbus: Import: subscribing to %s: %w", subj, err)
		}
		i.subs = append(i.subs, sub)
	}
	if err := flush(ctx, nc); err != nil { // the server has the subscriptions
		i.unsubscribe()
		i.cancel()
		return nil, fmt.Errorf("natsbus: Import: %w", err)
	}
	go i.run()
	return i, nil
}

// consume makes (or finds again) the importer's durable consumer, over its
// subjects, and starts reading it.
func (i *Importer) consume(ctx context.Context, nc *nats.Conn) error {
	if i.cfg.durable == "" {
		return errors.New("natsbus: Import with JetStream needs Durable(name)")
	}
	js, err := ensureStream(ctx, nc, i.cfg)
	if err != nil {
		return err
	}
	// One NATS message (a batch of messages of one origin) unacknowledged
	// at a time: the stream then delivers in its order even when it
	// delivers one again (after a loss on the way), so that each origin's
	// messages arrive in order and a message whose sequence number is not
	// after the last imported one is a duplicate.
	cc := jetstream.ConsumerConfig{
		Durable:       i.cfg.durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		DeliverPolicy: jetstream.DeliverNewPolicy,
		MaxAckPending: 1,
		AckWait:       i.cfg.ackWait,
	}
	if len(i.subjects) == 1 {
		cc.FilterSubject = i.subjects[0]
	} else {
		cc.FilterSubjects = i.subjects
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, i.cfg.stream, cc)
	if err != nil {
		return fmt.Errorf("natsbus: Import: consumer %q of stream %q: %w", i.cfg.durable, i.cfg.stream, err)
	}
	if i.msgs, err = cons.Messages(); err != nil {
		return fmt.Errorf("natsbus: Import: %w", err)
	}
	return nil
}

// runJS imports the messages of the durable consumer, acknowledging each
// once it is in the bus (or refused for good), in the order of the stream.
func (i *Importer) runJS() {
	defer close(i.done)
	for {
		m, err := i.msgs.Next()
		if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
			return
		}
		if err != nil {
			i.cfg.logger.Debug("natsbus: reading the consumer", "err", err)
			continue
		}
		if i.ctx.Err() != nil || !i.take(m.Subject(), m.Data()) {
			// Closing: not imported, so handed back to the stream for
			// the next importer of this consumer.
			_ = m.Nak()
			continue
		}
		if err := m.Ack(); err != nil {
			i.cfg.logger.Warn("natsbus: acknowledgement not sent; the message will come again, and be recognised", "err", err)
		}
	}
}

// interest returns the subjects an importer with q subscribes to: if one of
// q's alternative sets of index terms consists only of values of the
// routing key, the subjects of those values and the reserved subject
// (where messages with several values for the key travel); otherwise every
// subject of the prefix.
func interest(q *query.Query, cfg *config) []string {
	for _, set := range q.IndexTerms() {
		var subjects []string
		seen := map[string]bool{}
		ok := len(set) > 0
		for _, t := range set {
			if t.Key != cfg.routingKey || t.AnyValue {
				ok = false
				break
			}
			if tok := wire.Token(t.Value); !seen[tok] {
				seen[tok] = true
				subjects = append(subjects, cfg.prefix+"."+tok)
			}
		}
		if ok {
			if !seen[wire.Reserved] {
				subjects = append(subjects, cfg.prefix+"."+wire.Reserved)
			}
			return subjects
		}
	}
	return []string{cfg.prefix + ".>"}
}

func (i *Importer) unsubscribe() {
	for _, s := range i.subs {
		_ = s.Unsubscribe()
	}
}

func (i *Importer) run() {
	defer close(i.done)
	for {
		select {
		case <-i.ctx.Done():
			return
		case m := <-i.ch:
			i.take(m.Subject, m.Data)
		}
	}
}

// take imports the messages of one NATS message. It returns false only if
// the importer is closing and some of them were not published into the
// bus (those that were are recognised when it comes again).
func (i *Importer) take(subject string, payload []byte) bool {
	if i.payloads++; i.payloads%dropCheckEvery == 0 {
		i.checkDropped()
	}
	origin, msgs, err := wire.Decode(payload)
	if err != nil {
		i.received.Add(1)
		i.malformed.Add(1)
		i.cfg.logger.Warn("natsbus: message not imported", "subject", subject, "err", err)
		return true
	}
	i.received.Add(uint64(len(msgs)))
	if strings.HasPrefix(origin, i.st.id) && len(origin) > len(i.st.id) && origin[len(i.st.id)] == ':' {
		i.own.Add(uint64(len(msgs)))
		return true
	}
	for k := range msgs {
		if !i.takeOne(subject, origin, &msgs[k]) {
			i.received.Add(-uint64(len(msgs) - k)) // not taken after all: they come again
			return false
		}
	}
	return true
}

// takeOne imports m, of origin. It returns false only if the importer is
// closing and m was not published into the bus.
func (i *Importer) takeOne(subject, origin string, m *wire.Message) bool {
	if ok, err := i.q.Matches(m.Events); err != nil || !ok {
		i.filtered.Add(1)
		return true
	}
	data, err := i.cfg.codec.Decode(m.TypeName, m.Data)
	if err != nil {
		i.decodeErrors.Add(1)
		i.cfg.logger.Warn("natsbus: message not imported: its data cannot be decoded", "subject", subject, "origin", origin, "seq", m.Seq, "err", err)
		return true
	}
	// Claim the message for this bus, so that no other importer of it
	// publishes it too, then publish it.
	prev, ok := i.st.claim(origin, m.Seq)
	if !ok {
		i.duplicates.Add(1)
		return true
	}
	i.st.markImported(m.Events)
	if err := i.bus.PublishWithEvents(i.ctx, data, m.Events); err != nil {
		i.st.forgetEvents(m.Events)
		i.st.unclaim(origin, m.Seq, prev)
		if i.ctx.Err() != nil {
			return false
		}
		i.publishErrors.Add(1)
		i.cfg.logger.Warn("natsbus: message not imported: the bus did not take it", "origin", origin, "seq", m.Seq, "err", err)
		return true
	}
	i.imported.Add(1)
	return true
}

// dropCheckEvery is how many messages pass between two looks at what NATS
// dropped: Subscription.Dropped takes the lock the connection's reader
// holds while it delivers each message. Stats looks too.
const dropCheckEvery = 256

// checkDropped logs the messages NATS dropped for this slow consumer since
// the last time.
func (i *Importer) checkDropped() {
	var n uint64
	for _, s := range i.subs {
		if d, err := s.Dropped(); err == nil {
			n += uint64(d)
		}
	}
	if old := i.dropped.Load(); n > old {
		i.dropped.Store(n)
		i.cfg.logger.Warn("natsbus: NATS dropped messages: the importer is a slow consumer", "dropped", n-old, "total", n)
	}
}

// Stats returns the importer's counters.
func (i *Importer) Stats() ImportStats {
	i.checkDropped()
	return ImportStats{
		Received:      i.received.Load(),
		Imported:      i.imported.Load(),
		Filtered:      i.filtered.Load(),
		Own:           i.own.Load(),
		Duplicates:    i.duplicates.Load(),
		Malformed:     i.malformed.Load(),
		DecodeErrors:  i.decodeErrors.Load(),
		PublishErrors: i.publishErrors.Load(),
		Dropped:       i.dropped.Load(),
	}
}

// Close stops the importer: it unsubscribes from NATS and returns once
// nothing more will be published into the bus by it.
func (i *Importer) Close() error {
	i.once.Do(func() {
		i.unsubscribe()
		if i.msgs != nil {
			i.msgs.Stop()
		}
		i.cancel()
		<-i.done
	})
	return nil
}

// flush waits for the server to have processed what nc sent, within ctx's
// deadline, or nats.go's default timeout if ctx has none.
func flush(ctx context.Context, nc *nats.Conn) error {
	if _, ok := ctx.Deadline(); ok {
		return nc.FlushWithContext(ctx)
	}
	return nc.Flush()
}

// ErrMalformed is what the error of a payload that is not an envelope, or
// not one this version reads, is (errors.Is): such payloads are counted in
// ImportStats.Malformed and logged with it.
var ErrMalformed = wire.ErrMalformed
