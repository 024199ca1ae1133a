package typed_test

import (
	"context"
	"fmt"
	"runtime"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/typed"
)

type Tx struct {
	Height int
	Hash   string
}

type NewBlock struct{ Height int }

// consume is the subscriber of the package documentation.
func consume(ctx context.Context, s *typed.Server[Tx]) error {
	sub, err := s.SubscribeUnbuffered(ctx, "client-1", query.MustCompile("tx.height > 5"))
	if err != nil {
		return err
	}
	for msg := range sub.Messages() {
		tx := msg.Data() // a Tx
		fmt.Println(tx.Height, tx.Hash)
	}
	return sub.Err() // ErrUnsubscribed or ErrServerStopped
}

// The subscriber of the package documentation, stopped by the server. Its
// subscription is unbuffered, so the server takes the last message (which
// consume does not match) only once consume has received the one before.
func Example_consume() {
	s := typed.NewServer[Tx]()
	if err := s.Start(); err != nil {
		panic(err)
	}
	ctx := context.Background()
	done := make(chan error)
	go func() { done <- consume(ctx, s) }()
	for s.NumClients() == 0 { // let consume subscribe first
		runtime.Gosched()
	}
	for _, h := range []int{4, 6, 7, 3} {
		tx := Tx{Height: h, Hash: fmt.Sprintf("0x%02x", h)}
		if err := s.PublishWithEvents(ctx, tx, map[string][]string{"tx.height": {fmt.Sprint(h)}}); err != nil {
			panic(err)
		}
	}
	_ = s.Stop()
	fmt.Println(<-done)
	// Output:
	// 6 0x06
	// 7 0x07
	// pubsub: server stopped
}

// NewServer, Subscribe, Publish: the data comes out typed.
func ExampleNewServer() {
	s := typed.NewServer[Tx]()
	if err := s.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = s.Stop() }()
	ctx := context.Background()

	sub, err := s.Subscribe(ctx, "client-1", query.MustCompile("tx.height >= 7"), 10)
	if err != nil {
		panic(err)
	}
	for h := 6; h <= 8; h++ {
		tx := Tx{Height: h, Hash: fmt.Sprintf("0x%02x", h)}
		_ = s.PublishWithEvents(ctx, tx, map[string][]string{"tx.height": {fmt.Sprint(h)}})
	}
	for i := 0; i < 2; i++ {
		msg := <-sub.Out()
		var tx Tx = msg.Data() // no type assertion
		fmt.Println(tx.Height, tx.Hash, msg.Events()["tx.height"])
	}
	fmt.Println(s.Unsubscribe(ctx, "client-1", query.MustCompile("tx.height >= 7")), sub.Err())
	// Output:
	// 7 0x07 [7]
	// 8 0x08 [8]
	// <nil> pubsub: unsubscribed
}

// Typed views of one bus carrying two message types, and an untyped
// subscriber that sees both.
func ExampleWrap() {
	bus := pubsub.NewServer()
	blocks := typed.Wrap[NewBlock](bus)
	txs := typed.Wrap[Tx](bus)
	if err := bus.Start(); err != nil {
		panic(err)
	}
	defer func() { _ = bus.Stop() }()
	ctx := context.Background()

	blockSub, err := blocks.Subscribe(ctx, "indexer", query.All, 10)
	if err != nil {
		panic(err)
	}
	txSub, err := txs.Subscribe(ctx, "wallet", query.All, 10)
	if err != nil {
		panic(err)
	}
	everything, err := bus.Subscribe(ctx, "logger", query.All, 10)
	if err != nil {
		panic(err)
	}

	_ = blocks.Publish(ctx, NewBlock{Height: 1})
	_ = txs.Publish(ctx, Tx{Height: 1, Hash: "0xaa"})
	_ = bus.Publish(ctx, "neither") // reaches untyped subscribers only
	_ = blocks.Publish(ctx, NewBlock{Height: 2})

	fmt.Println("indexer:", (<-blockSub.Out()).Data().Height, (<-blockSub.Out()).Data().Height)
	fmt.Println("wallet:", (<-txSub.Out()).Data().Hash)
	for i := 0; i < 4; i++ {
		fmt.Printf("logger: %+v\n", (<-everything.Out()).Data())
	}

	// One client, one query: a typed and an untyped subscription of a
	// client with the same query conflict.
	_, err = bus.Subscribe(ctx, "wallet", query.All)
	fmt.Println(err)
	// Output:
	// indexer: 1 2
	// wallet: 0xaa
	// logger: {Height:1}
	// logger: {Height:1 Hash:0xaa}
	// logger: neither
	// logger: {Height:2}
	// pubsub: already subscribed
}
