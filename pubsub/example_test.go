package pubsub_test

import (
	"context"
	"errors"
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
	for msg := range sub.Messages() {
		fmt.Println(msg.Seq(), msg.Data(), msg.Events()["tx.height"])
	}
	return sub.Err() // ErrUnsubscribed or ErrServerStopped
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
	// 1 tx [7]
	// pubsub: server stopped
}

// A subscriber that was dropped resumes after the last sequence number it
// saw, from the server's history: it misses nothing and receives nothing
// twice. A cursor the history no longer covers is an error that says what
// is left.
func ExampleAfter() {
	s := pubsub.NewServer(pubsub.History(100))
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = s.Stop() }()
	ctx := context.Background()
	blocks := query.MustCompile("tm.event = 'NewBlock'")
	newBlock := map[string][]string{"tm.event": {"NewBlock"}}

	sub, _ := s.Subscribe(ctx, "indexer", blocks, 10)
	_ = s.PublishWithEvents(ctx, "block 1", newBlock)
	msg := <-sub.Out()
	last := msg.Seq()
	fmt.Println("received", msg.Data(), "seq", last)
	_ = s.Unsubscribe(ctx, "indexer", blocks) // the indexer goes away...

	_ = s.PublishWithEvents(ctx, "block 2", newBlock)
	_ = s.PublishWithEvents(ctx, "tx", map[string][]string{"tm.event": {"Tx"}})
	_ = s.PublishWithEvents(ctx, "block 3", newBlock)

	// ... and comes back.
	sub, err := s.SubscribeWith(ctx, "indexer", blocks, pubsub.After(last), pubsub.Capacity(10))
	if err != nil {
		panic(err)
	}
	_ = s.PublishWithEvents(ctx, "block 4", newBlock)
	for i := 0; i < 3; i++ {
		msg := <-sub.Out()
		fmt.Println("received", msg.Data(), "seq", msg.Seq())
	}

	_, err = s.SubscribeWith(ctx, "someone else", blocks, pubsub.After(99))
	var te *pubsub.TruncatedError
	fmt.Println(errors.As(err, &te), te.Oldest, te.Newest)
	fmt.Println(err)
	// Output:
	// received block 1 seq 1
	// received block 2 seq 2
	// received block 3 seq 4
	// received block 4 seq 5
	// true 1 5
	// pubsub: history truncated: resume after 99, but the newest message taken is 5
}

// A subscriber that cannot keep up with a burst falls behind instead of
// being cancelled, and catches up from the history as it reads.
func ExampleFallBehind() {
	s := pubsub.NewServer(pubsub.History(1000))
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = s.Stop() }()
	ctx := context.Background()

	sub, _ := s.SubscribeWith(ctx, "dashboard", query.All, pubsub.Capacity(2), pubsub.FallBehind())
	for i := 1; i <= 100; i++ { // a burst: far more than Out holds
		_ = s.Publish(ctx, i)
	}
	fmt.Println("behind:", s.Stats().Behind, "err:", sub.Err())

	sum, n := 0, 0
	for msg := range sub.Messages() {
		sum, n = sum+msg.Data().(int), n+1
		if n == 100 {
			break
		}
	}
	fmt.Println("received", n, "messages, sum", sum, "err:", sub.Err())
	// Output:
	// behind: 1 err: <nil>
	// received 100 messages, sum 5050 err: <nil>
}

// Stats can be read at any time, without waiting for the server.
func ExampleServer_Stats() {
	s := pubsub.NewServer(pubsub.History(2))
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = s.Stop() }()
	ctx := context.Background()
	sub, _ := s.Subscribe(ctx, "client", query.All, 5)
	for i := 0; i < 3; i++ {
		_ = s.Publish(ctx, i)
	}
	for i := 0; i < 3; i++ {
		<-sub.Out()
	}
	st := s.Stats()
	fmt.Printf("published %d, history %d..%d, %d subscription(s)\n", st.Published, st.Oldest, st.Newest, st.Subscriptions)
	// Output:
	// published 3, history 2..3, 1 subscription(s)
}
