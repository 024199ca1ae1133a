// Command resume shows the delivery guarantees of package pubsub on a
// node's event bus with a history of 100 messages:
//
//   - an indexer that is dropped for capacity during a burst learns it from
//     Err, and resumes after the last sequence number it saw, from the
//     history: it misses no block and receives none twice;
//   - a dashboard that subscribed with FallBehind falls behind during the
//     same burst instead of being dropped, and catches up as it reads;
//   - an archiver that comes back after too long is told exactly what the
//     history no longer holds, and chooses to accept the loss.
//
// Everything happens in one goroutine, in a fixed order, so the output is
// the same on every run.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

var blocks = query.MustCompile("tm.event = 'NewBlock'")

// chain publishes, for each height from..to, a block and a transaction.
func chain(ctx context.Context, s *pubsub.Server, from, to int) error {
	for h := from; h <= to; h++ {
		if err := s.PublishWithEvents(ctx, fmt.Sprintf("block %d", h), map[string][]string{"tm.event": {"NewBlock"}}); err != nil {
			return err
		}
		if err := s.PublishWithEvents(ctx, fmt.Sprintf("tx at %d", h), map[string][]string{"tm.event": {"Tx"}}); err != nil {
			return err
		}
	}
	return nil
}

// reader keeps what a subscriber has seen, checking that it comes in order.
type reader struct {
	name   string
	last   uint64 // the Seq of the last message seen: the cursor to resume after
	count  int
	errors int // a message whose Seq is not above the last one
}

func (r *reader) take(m pubsub.Message) {
	if m.Seq() <= r.last {
		r.errors++
	}
	r.last = m.Seq()
	r.count++
}

// drain takes what sub's Out holds now.
func (r *reader) drain(sub *pubsub.Subscription) {
	for len(sub.Out()) > 0 {
		r.take(<-sub.Out())
	}
}

func run(w io.Writer) error {
	ctx := context.Background()
	s := pubsub.NewServer(pubsub.History(100))
	// The server logs, at level Warn, every subscription it cancels for
	// capacity; here into the program's output, without the time, so that
	// the log falls in place.
	s.SetLogger(slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			return a
		},
	})))
	if err := s.Start(); err != nil {
		return err
	}
	defer func() { _ = s.Stop() }()

	indexer := &reader{name: "indexer"}
	isub, err := s.Subscribe(ctx, "indexer", blocks, 4)
	if err != nil {
		return err
	}
	dashboard := &reader{name: "dashboard"}
	dsub, err := s.SubscribeWith(ctx, "dashboard", query.All, pubsub.Capacity(4), pubsub.FallBehind())
	if err != nil {
		return err
	}

	fmt.Fprintln(w, "== heights 1 to 3, everyone reading")
	if err := chain(ctx, s, 1, 3); err != nil {
		return err
	}
	for i := 0; i < 3; i++ {
		indexer.take(<-isub.Out())
	}
	for i := 0; i < 6; i++ {
		dashboard.take(<-dsub.Out())
	}
	fmt.Fprintf(w, "indexer: %d blocks, last seq %d\n", indexer.count, indexer.last)

	fmt.Fprintln(w, "== a burst: heights 4 to 40, nobody reading")
	if err := chain(ctx, s, 4, 40); err != nil {
		return err
	}
	<-isub.Cancelled() // happened during the burst, when its Out was full
	fmt.Fprintln(w, "indexer: dropped:", isub.Err())
	indexer.drain(isub) // what was delivered before is still there
	fmt.Fprintf(w, "indexer: %d blocks so far, last seq %d; resuming after it\n", indexer.count, indexer.last)
	isub, err = s.SubscribeWith(ctx, "indexer", blocks, pubsub.After(indexer.last), pubsub.Capacity(4))
	if err != nil {
		return err
	}
	st := s.Stats()
	fmt.Fprintf(w, "stats: published %d, history %d..%d, behind %d, cancelled for capacity %d\n",
		st.Published, st.Oldest, st.Newest, st.Behind, st.CancelledOutOfCapacity)

	for indexer.count < 40 {
		indexer.take(<-isub.Out())
	}
	fmt.Fprintf(w, "indexer: %d blocks, %d out of order, Err %v\n", indexer.count, indexer.errors, isub.Err())
	for msg := range dsub.Messages() {
		dashboard.take(msg)
		if dashboard.count == 80 {
			break
		}
	}
	fmt.Fprintf(w, "dashboard: %d messages, %d out of order, last seq %d, Err %v\n", dashboard.count, dashboard.errors, dashboard.last, dsub.Err())

	fmt.Fprintln(w, "== the archiver saw seq 2, then went away for heights 41 to 70")
	if err := s.UnsubscribeAll(ctx, "indexer"); err != nil {
		return err
	}
	if err := s.UnsubscribeAll(ctx, "dashboard"); err != nil {
		return err
	}
	if err := chain(ctx, s, 41, 70); err != nil {
		return err
	}
	_, err = s.SubscribeWith(ctx, "archiver", query.All, pubsub.After(2))
	var gap *pubsub.TruncatedError
	if !errors.As(err, &gap) {
		return fmt.Errorf("resume after 2: %v, want a *pubsub.TruncatedError", err)
	}
	fmt.Fprintln(w, "archiver:", err)
	fmt.Fprintf(w, "archiver: messages %d to %d are lost; accepting that, resuming after %d\n", 3, gap.Oldest-1, gap.Oldest-1)
	asub, err := s.SubscribeWith(ctx, "archiver", query.All, pubsub.After(gap.Oldest-1), pubsub.Capacity(10), pubsub.FallBehind())
	if err != nil {
		return err
	}
	archiver := &reader{name: "archiver"}
	for archiver.last < gap.Newest {
		archiver.take(<-asub.Out())
	}
	fmt.Fprintf(w, "archiver: %d messages, seq %d to %d, Err %v\n", archiver.count, gap.Oldest, archiver.last, asub.Err())
	return nil
}

func main() {
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "resume:", err)
		os.Exit(1)
	}
}
