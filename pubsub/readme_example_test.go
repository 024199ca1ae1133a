package pubsub_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// The README's examples are parts of these functions, word for word (readme_test.go checks
// it), so that every one of them compiles and runs.

// publishTransfers publishes three transfers, two of them over 1000, then stops the bus.
func publishTransfers(ctx context.Context, bus *pubsub.Server) {
	for _, amount := range []string{"1500stake", "500stake", "2000stake"} {
		events := map[string][]string{"tm.event": {"Tx"}, "transfer.amount": {amount}}
		if err := bus.PublishWithEvents(ctx, "transfer of "+amount, events); err != nil {
			log.Fatal(err)
		}
	}
	_ = bus.Stop()
}

// A subscriber that ranges over its messages until the bus stops.
func Example_readmeIntro() {
	ctx := context.Background()
	bus := pubsub.NewServer()
	if err := bus.Start(); err != nil {
		log.Fatal(err)
	}
	index := func(seq uint64, data any, events map[string][]string) {
		fmt.Println(seq, data, events["transfer.amount"])
	}

	sub, err := bus.Subscribe(ctx, "indexer", query.MustCompile("tm.event = 'Tx' AND transfer.amount > 1000"), 16)
	if err != nil {
		log.Fatal(err)
	}
	go publishTransfers(ctx, bus)     // publishes, then stops the bus
	for msg := range sub.Messages() { // ends when the subscription is cancelled
		index(msg.Seq(), msg.Data(), msg.Events())
	}
	fmt.Println("cancelled:", sub.Err())
	// Output:
	// 1 transfer of 1500stake [1500stake]
	// 3 transfer of 2000stake [2000stake]
	// cancelled: pubsub: server stopped
}

// The README's quick start.
func Example_readmeQuickStart() {
	ctx := context.Background()

	s := pubsub.NewServer()
	if err := s.Start(); err != nil {
		log.Fatal(err)
	}
	defer s.Stop()

	q, err := query.New("tm.event = 'Tx' AND transfer.amount > 1000")
	if err != nil {
		log.Fatal(err) // a *query.Error that says where and why
	}

	sub, err := s.Subscribe(ctx, "my-client", q, 100) // room for 100 messages on Out
	if err != nil {
		log.Fatal(err)
	}
	err = s.PublishWithEvents(ctx, "tx 1", map[string][]string{
		"tm.event":        {"Tx"},
		"transfer.amount": {"1500stake"},
	})
	if err != nil {
		log.Fatal(err)
	}

	select {
	case msg := <-sub.Out():
		fmt.Println(msg.Data(), msg.Events()["transfer.amount"])
	case <-sub.Cancelled():
		fmt.Println("cancelled:", sub.Err()) // pubsub.ErrOutOfCapacity, ErrUnsubscribed, ErrServerStopped
	}
	// Output: tx 1 [1500stake]
}

// The README's delivery options.
func Example_readmeDelivery() {
	ctx := context.Background()
	q := query.MustCompile("tm.event = 'NewBlock'")
	var lastSeq uint64 // the last message the indexer saw: none yet

	s := pubsub.NewServer(pubsub.History(10_000))
	if err := s.Start(); err != nil {
		log.Fatal(err)
	}
	defer s.Stop()

	// Fall behind during a burst instead of being dropped, and catch up as Out drains.
	sub, err := s.SubscribeWith(ctx, "dashboard", q, pubsub.Capacity(64), pubsub.FallBehind())
	if err != nil {
		log.Fatal(err)
	}

	// Resume after the last message seen (after a restart, or after being dropped).
	sub, err = s.SubscribeWith(ctx, "indexer", q, pubsub.After(lastSeq))
	var gap *pubsub.TruncatedError
	if errors.As(err, &gap) { // the history no longer holds everything after lastSeq
		log.Printf("lost messages %d to %d", lastSeq+1, gap.Oldest-1)
		sub, err = s.SubscribeWith(ctx, "indexer", q, pubsub.After(gap.Oldest-1)) // accept the loss
	}
	if err != nil {
		log.Fatal(err)
	}

	_ = s.PublishWithEvents(ctx, "block 1", map[string][]string{"tm.event": {"NewBlock"}})
	fmt.Println((<-sub.Out()).Data())
	// Output: block 1
}
