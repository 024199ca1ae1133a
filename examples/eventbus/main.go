// Command eventbus shows package pubsub as a node's event bus: a publisher
// emits block and transaction events, and subscribers with different
// queries receive what concerns them. One subscriber does not read and is
// cancelled with ErrOutOfCapacity without disturbing the others.
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
	"strings"
	"sync"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// subscriber receives until its subscription is cancelled.
type subscriber struct {
	name     string
	query    string
	capacity int
	reads    bool // false: a slow subscriber that never reads

	sub      *pubsub.Subscription
	received []string
	err      error
}

func (s *subscriber) run(wg *sync.WaitGroup) {
	defer wg.Done()
	if s.reads {
		for {
			select {
			case msg := <-s.sub.Out():
				s.received = append(s.received, fmt.Sprint(msg.Data()))
				continue
			case <-s.sub.Cancelled():
			}
			break
		}
	} else {
		<-s.sub.Cancelled()
	}
	// Out is never closed: what was delivered before the cancellation is
	// still there.
	for {
		select {
		case msg := <-s.sub.Out():
			s.received = append(s.received, fmt.Sprint(msg.Data()))
			continue
		default:
		}
		break
	}
	s.err = s.sub.Err()
}

type block struct{ height int }

func (b block) String() string { return fmt.Sprintf("block %d", b.height) }

type tx struct {
	height   int
	from, to string
	amount   int
}

func (t tx) String() string {
	return fmt.Sprintf("tx@%d %s→%s %d", t.height, t.from, t.to, t.amount)
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "eventbus:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx := context.Background()
	server := pubsub.NewServer()
	if err := server.Start(); err != nil {
		return err
	}

	subscribers := []*subscriber{
		{name: "blocks", query: "tm.event = 'NewBlock'", capacity: 100, reads: true},
		{name: "big transfers", query: "tm.event = 'Tx' AND transfer.amount > 1000", capacity: 100, reads: true},
		{name: "alice", query: "transfer.sender = 'alice' OR transfer.recipient = 'alice'", capacity: 100, reads: true},
		{name: "everything", query: "", capacity: 100, reads: true},
		{name: "slow txs", query: "tm.event = 'Tx'", capacity: 2, reads: false},
	}
	var wg sync.WaitGroup
	for _, s := range subscribers {
		q := query.All
		if s.query != "" {
			var err error
			if q, err = query.New(s.query); err != nil {
				return fmt.Errorf("query of %s: %w", s.name, err)
			}
		}
		var err error
		if s.sub, err = server.Subscribe(ctx, s.name, q, s.capacity); err != nil {
			return err
		}
		wg.Add(1)
		go s.run(&wg)
	}
	fmt.Printf("%d subscribers\n", server.NumClients())

	// The publisher: three blocks with their transactions.
	txs := map[int][]tx{
		1: {{1, "alice", "bob", 500}, {1, "carol", "dave", 2500}},
		2: {{2, "bob", "alice", 1200}},
		3: {{3, "dave", "carol", 40}, {3, "erin", "frank", 9000}},
	}
	for h := 1; h <= 3; h++ {
		events := map[string][]string{"tm.event": {"NewBlock"}, "block.height": {fmt.Sprint(h)}}
		if err := server.PublishWithEvents(ctx, block{h}, events); err != nil {
			return err
		}
		for _, t := range txs[h] {
			events := map[string][]string{
				"tm.event":           {"Tx"},
				"tx.height":          {fmt.Sprint(t.height)},
				"transfer.sender":    {t.from},
				"transfer.recipient": {t.to},
				"transfer.amount":    {fmt.Sprint(t.amount)},
			}
			if err := server.PublishWithEvents(ctx, t, events); err != nil {
				return err
			}
		}
	}
	slow := subscribers[len(subscribers)-1]
	<-slow.sub.Cancelled() // cancelled by the server while it delivered tx@2
	fmt.Printf("%d subscribers after publishing (the slow one was dropped)\n", server.NumClients())

	// Stop cancels the remaining subscriptions: the subscribers return.
	// Every message published so far is in their channels by then: with an
	// unbuffered publish queue (the default), PublishWithEvents returned once
	// the server had taken the message, and the server finishes delivering
	// a message it has taken to buffered subscriptions before it stops.
	if err := server.Stop(); err != nil {
		return err
	}
	wg.Wait()

	for _, s := range subscribers {
		fmt.Printf("%s (%s):\n", s.name, orAll(s.query))
		for _, r := range s.received {
			fmt.Printf("  %s\n", r)
		}
		fmt.Printf("  cancelled: %v\n", s.err)
	}
	if !errors.Is(slow.err, pubsub.ErrOutOfCapacity) {
		return fmt.Errorf("the slow subscriber ended with %v, want %v", slow.err, pubsub.ErrOutOfCapacity)
	}
	return nil
}

func orAll(q string) string {
	if strings.TrimSpace(q) == "" {
		return "query.All"
	}
	return q
}
