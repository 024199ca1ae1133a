package natsbus_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/querybus/querybus/natsbus"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

type Tx struct {
	Hash   string
	Amount int
}

// A bus exports its transactions to NATS; another bus, which could be in
// another process, imports the large ones and delivers them to its own
// subscriber.
func Example() {
	ns, _ := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	go ns.Start()
	defer ns.Shutdown()
	ns.ReadyForConnections(10 * time.Second)
	ctx := context.Background()
	codec := natsbus.WithCodec(natsbus.JSON[Tx]())

	node := pubsub.NewServer()
	_ = node.Start()
	defer func() { _ = node.Stop() }()
	nodeConn, _ := nats.Connect(ns.ClientURL())
	defer nodeConn.Close()
	wallet := pubsub.NewServer()
	_ = wallet.Start()
	defer func() { _ = wallet.Stop() }()
	walletConn, _ := nats.Connect(ns.ClientURL())
	defer walletConn.Close()

	// On the node: send the bus's transactions to NATS.
	exp, err := natsbus.Export(ctx, node, nodeConn, query.MustCompile("tm.event = 'Tx'"), codec)
	if err != nil {
		log.Fatal(err)
	}
	defer exp.Close()

	// Elsewhere: publish into a local bus the large ones; its subscribers use their own queries.
	imp, err := natsbus.Import(ctx, walletConn, wallet, query.MustCompile("tm.event = 'Tx' AND tx.amount > 100"), codec)
	if err != nil {
		log.Fatal(err)
	}
	defer imp.Close()
	sub, _ := wallet.Subscribe(ctx, "risk", query.All, 10)

	for i, amount := range []int{50, 500, 5000} {
		_ = node.PublishWithEvents(ctx, Tx{fmt.Sprint("tx", i), amount},
			map[string][]string{"tm.event": {"Tx"}, "tx.amount": {fmt.Sprint(amount)}})
	}
	for i := 0; i < 2; i++ {
		msg := <-sub.Out()
		fmt.Printf("%+v\n", msg.Data().(Tx))
	}
	fmt.Println(imp.Subjects())
	// Output:
	// {Hash:tx1 Amount:500}
	// {Hash:tx2 Amount:5000}
	// [querybus.Tx querybus.~~]
}
