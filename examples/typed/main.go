// Command typed shows package typed as a node's event bus carrying two event
// types, NewBlock and Tx. Two typed views of one pubsub.Server publish them;
// typed subscribers of each view receive only their type — without a type
// assertion — and an untyped subscriber of the server sees both. A typed
// server of its own (typed.NewServer) carries the node's status lines.
//
// Each subscriber collects what it receives and the reports are printed in a
// fixed order once the server has stopped, so the output is the same on
// every run.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/typed"
)

// NewBlock is the event of a committed block.
type NewBlock struct {
	Height int
	NumTxs int
}

// Tx is the event of an executed transaction.
type Tx struct {
	Height   int
	From, To string
	Amount   int
}

// collect receives on sub until it is cancelled, then takes what is left
// (Out is never closed), formatting each message with format; it returns
// the lines and why the subscription ended.
func collect[T any](sub *typed.Subscription[T], format func(T) string) ([]string, error) {
	var lines []string
	for {
		select {
		case m := <-sub.Out():
			lines = append(lines, format(m.Data()))
			continue
		case <-sub.Cancelled():
		}
		break
	}
	for {
		select {
		case m := <-sub.Out():
			lines = append(lines, format(m.Data()))
			continue
		default:
		}
		return lines, sub.Err()
	}
}

// report is what one subscriber received.
type report struct {
	name  string
	lines []string
	err   error
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "typed:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	bus := pubsub.NewServer()
	blocks := typed.Wrap[NewBlock](bus)
	txs := typed.Wrap[Tx](bus)
	if err := bus.Start(); err != nil {
		return err
	}

	// Subscribers, each with the view of the type it wants.
	blockSub, err := blocks.Subscribe(ctx, "explorer", query.MustCompile("tm.event = 'NewBlock'"), 100)
	if err != nil {
		return err
	}
	bigTxs, err := txs.Subscribe(ctx, "risk", query.MustCompile("tm.event = 'Tx' AND transfer.amount > 1000"), 100)
	if err != nil {
		return err
	}
	aliceTxs, err := txs.Subscribe(ctx, "alice", query.MustCompile("transfer.sender = 'alice' OR transfer.recipient = 'alice'"), 100)
	if err != nil {
		return err
	}
	// query.All through the Tx view: every message whose data is a Tx. Its
	// capacity holds exactly the five transactions: the blocks on the same
	// bus do not count against it.
	allTxs, err := txs.Subscribe(ctx, "archive", query.All, 5)
	if err != nil {
		return err
	}
	everything, err := bus.Subscribe(ctx, "logger", query.All, 100)
	if err != nil {
		return err
	}
	// One client, one query: the explorer's block subscription and a Tx
	// subscription with the same query conflict, whatever the views.
	if _, err := txs.Subscribe(ctx, "explorer", query.MustCompile("tm.event = 'NewBlock'")); !errors.Is(err, pubsub.ErrAlreadySubscribed) {
		return fmt.Errorf("second subscription of explorer: %v, want %v", err, pubsub.ErrAlreadySubscribed)
	}
	fmt.Printf("%d clients on the bus\n", bus.NumClients())

	reports := make([]report, 5)
	var wg sync.WaitGroup
	gather := func(i int, name string, f func() ([]string, error)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lines, err := f()
			reports[i] = report{name, lines, err}
		}()
	}
	showBlock := func(b NewBlock) string {
		if b.NumTxs == 1 {
			return fmt.Sprintf("block %d with 1 tx", b.Height)
		}
		return fmt.Sprintf("block %d with %d txs", b.Height, b.NumTxs)
	}
	showTx := func(t Tx) string { return fmt.Sprintf("tx@%d %s→%s %d", t.Height, t.From, t.To, t.Amount) }
	gather(0, "explorer (NewBlock)", func() ([]string, error) { return collect(blockSub, showBlock) })
	gather(1, "risk (Tx, amount > 1000)", func() ([]string, error) { return collect(bigTxs, showTx) })
	gather(2, "alice (Tx, alice's)", func() ([]string, error) { return collect(aliceTxs, showTx) })
	gather(3, "archive (Tx, all)", func() ([]string, error) { return collect(allTxs, showTx) })
	gather(4, "logger (untyped, all)", func() ([]string, error) {
		var lines []string
		for {
			select {
			case m := <-everything.Out():
				lines = append(lines, fmt.Sprintf("%T %+v", m.Data(), m.Data()))
				continue
			case <-everything.Cancelled():
			}
			break
		}
		for len(everything.Out()) > 0 {
			m := <-everything.Out()
			lines = append(lines, fmt.Sprintf("%T %+v", m.Data(), m.Data()))
		}
		return lines, everything.Err()
	})

	// The publisher: three blocks, each followed by its transactions.
	txsAt := map[int][]Tx{
		1: {{1, "alice", "bob", 500}, {1, "carol", "dave", 2500}},
		2: {{2, "bob", "alice", 1200}},
		3: {{3, "dave", "carol", 40}, {3, "erin", "frank", 9000}},
	}
	for h := 1; h <= 3; h++ {
		b := NewBlock{Height: h, NumTxs: len(txsAt[h])}
		if err := blocks.PublishWithEvents(ctx, b, map[string][]string{"tm.event": {"NewBlock"}, "block.height": {fmt.Sprint(h)}}); err != nil {
			return err
		}
		for _, t := range txsAt[h] {
			events := map[string][]string{
				"tm.event":           {"Tx"},
				"tx.height":          {fmt.Sprint(t.Height)},
				"transfer.sender":    {t.From},
				"transfer.recipient": {t.To},
				"transfer.amount":    {fmt.Sprint(t.Amount)},
			}
			if err := txs.PublishWithEvents(ctx, t, events); err != nil {
				return err
			}
		}
	}

	// A typed server of its own, for the node's status lines.
	status := typed.NewServer[string]()
	if err := status.Start(); err != nil {
		return err
	}
	statusSub, err := status.Subscribe(ctx, "console", query.All, 10)
	if err != nil {
		return err
	}
	if err := status.Publish(ctx, "synced to height 3"); err != nil {
		return err
	}
	fmt.Println("status:", (<-statusSub.Out()).Data())
	if err := status.Stop(); err != nil {
		return err
	}

	// Stop cancels every subscription, typed or not; with an unbuffered
	// publish queue (the default) every message published so far has been
	// delivered by then.
	if err := blocks.Stop(); err != nil { // the lifecycle is the bus's
		return err
	}
	wg.Wait()
	for _, r := range reports {
		fmt.Printf("%s:\n", r.name)
		for _, l := range r.lines {
			fmt.Printf("  %s\n", l)
		}
		fmt.Printf("  cancelled: %v\n", r.err)
		if !errors.Is(r.err, pubsub.ErrServerStopped) {
			return fmt.Errorf("%s ended with %v, want %v", r.name, r.err, pubsub.ErrServerStopped)
		}
	}
	return nil
}
