package pubsub_test

import (
	"context"
	"fmt"
	"runtime"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// Subscribe, publish, unsubscribe.
func Example() {
	s := pubsub.NewServer()
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = s.Stop() }()
	ctx := context.Background()

	txs := query.MustCompile("tm.event = 'Tx' AND tx.height > 5")
	sub, err := s.Subscribe(ctx, "client-1", txs, 10)
	if err != nil {
		panic(err)
	}
	everything, err := s.Subscribe(ctx, "client-2", query.All, 10)
	if err != nil {
		panic(err)
	}

	_ = s.PublishWithEvents(ctx, "tx at 3", map[string][]string{"tm.event": {"Tx"}, "tx.height": {"3"}})
	_ = s.PublishWithEvents(ctx, "tx at 7", map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}})
	_ = s.Publish(ctx, "no events") // only query.All matches an empty event set

	msg := <-sub.Out()
	fmt.Println("client-1:", msg.Data(), msg.Events()["tx.height"])
	for i := 0; i < 3; i++ {
		fmt.Println("client-2:", (<-everything.Out()).Data())
	}

	fmt.Println(s.NumClients(), s.NumClientSubscriptions("client-1"))
	if err := s.Unsubscribe(ctx, "client-1", txs); err != nil {
		panic(err)
	}
	<-sub.Cancelled()
	fmt.Println(sub.Err())
	fmt.Println(s.Unsubscribe(ctx, "client-1", txs))
	fmt.Println(s.NumClients(), s.NumClientSubscriptions("client-1"))
	// Output:
	// client-1: tx at 7 [7]
	// client-2: tx at 3
	// client-2: tx at 7
	// client-2: no events
	// 2 1
	// pubsub: unsubscribed
	// pubsub: subscription not found
	// 1 0
}

// A subscriber that does not keep up is cancelled with ErrOutOfCapacity;
// the others are not affected, and it may subscribe again.
func ExampleServer_Subscribe_outOfCapacity() {
	s := pubsub.NewServer()
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = s.Stop() }()
	ctx := context.Background()

	blocks := query.MustCompile("tm.event = 'NewBlock'")
	slow, _ := s.Subscribe(ctx, "slow", blocks, 2)
	fast, _ := s.Subscribe(ctx, "fast", blocks, 100)

	for h := 1; h <= 3; h++ {
		_ = s.PublishWithEvents(ctx, h, map[string][]string{"tm.event": {"NewBlock"}})
	}

	<-slow.Cancelled()
	fmt.Println("slow:", slow.Err())
	for {
		select {
		case msg := <-slow.Out(): // what was delivered is still there
			fmt.Println("slow got block", msg.Data())
			continue
		default:
		}
		break
	}
	for i := 0; i < 3; i++ {
		fmt.Println("fast got block", (<-fast.Out()).Data())
	}
	fmt.Println("fast:", fast.Err())
	fmt.Println("slow counted:", s.NumClientSubscriptions("slow"))
	_, err := s.Subscribe(ctx, "slow", blocks, 2)
	fmt.Println("subscribe again:", err)
	// Output:
	// slow: pubsub: subscription out of capacity
	// slow got block 1
	// slow got block 2
	// fast got block 1
	// fast got block 2
	// fast got block 3
	// fast: <nil>
	// slow counted: 0
	// subscribe again: <nil>
}

// Stopping the server cancels every subscription.
func ExampleServer_Stop() {
	s := pubsub.NewServer()
	_ = s.Start()
	sub, _ := s.SubscribeUnbuffered(context.Background(), "client", query.All)
	_ = s.Publish(context.Background(), "never received") // the server waits for the subscriber...
	_ = s.Stop()                                          // ... until it stops
	<-sub.Cancelled()
	fmt.Println(sub.Err())
	fmt.Println(s.Publish(context.Background(), "late"))
	// Output:
	// pubsub: server stopped
	// pubsub: server stopped
}

// consume is the subscriber of the package documentation.
func consume(ctx context.Context, s *pubsub.Server) error {
	sub, err := s.SubscribeUnbuffered(ctx, "client-1", query.MustCompile("tm.event = 'Tx'"))
	if err != nil {
		return err
	}
	for {
		select {
		case msg := <-sub.Out():
			fmt.Println(msg.Data(), msg.Events()["tx.height"])
		case <-sub.Cancelled():
			return sub.Err() // ErrUnsubscribed or ErrServerStopped
		}
	}
}

// The subscriber loop of the package documentation, ended by Stop. Its
// subscription is unbuffered, so the second publish returns only after
// consume has received the first.
func Example_consume() {
	s := pubsub.NewServer()
	if err := s.Start(); err != nil {
		panic(err)
	}
	ctx := context.Background()
	done := make(chan error)
	go func() { done <- consume(ctx, s) }()
	for s.NumClients() == 0 { // let consume subscribe first
		runtime.Gosched()
	}
	_ = s.PublishWithEvents(ctx, "tx", map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}})
	_ = s.PublishWithEvents(ctx, "block", map[string][]string{"tm.event": {"NewBlock"}})
	_ = s.Stop()
	fmt.Println(<-done)
	// Output:
	// tx [7]
	// pubsub: server stopped
}
