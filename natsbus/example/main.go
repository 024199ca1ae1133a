// Command example runs package natsbus end to end in one process: an
// embedded NATS server, a bus whose node publishes blocks and transactions
// and exports them, and two other buses, an indexer's and a wallet's, each
// importing what its query asks for and delivering it to a local subscriber.
// In production each bus would be in a process of its own, on one NATS
// cluster.
//
// The subscribers' reports are printed once everything has arrived, in a
// fixed order, so the output is the same on every run.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"

	"github.com/querybus/querybus/natsbus"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// Block and Tx are the node's events; each travels as its own type.
type Block struct{ Height int }

type Tx struct {
	Height int
	From   string
	Amount int
}

func run() error {
	ctx := context.Background()
	ns, err := server.NewServer(&server.Options{Host: "127.0.0.1", Port: -1, NoLog: true, NoSigs: true})
	if err != nil {
		return err
	}
	go ns.Start()
	defer func() {
		ns.Shutdown()
		ns.WaitForShutdown()
	}()
	if !ns.ReadyForConnections(10 * time.Second) {
		return fmt.Errorf("NATS server not ready")
	}
	connect := func() (*nats.Conn, error) { return nats.Connect(ns.ClientURL()) }

	// Both sides register the types the bus carries.
	types := natsbus.NewRegistry()
	if err := natsbus.Register[Block](types, "block"); err != nil {
		return err
	}
	if err := natsbus.Register[Tx](types, "tx"); err != nil {
		return err
	}
	codec := natsbus.WithCodec(types)

	// The node: a bus, and an exporter of everything on it.
	node := pubsub.NewServer()
	if err := node.Start(); err != nil {
		return err
	}
	defer func() { _ = node.Stop() }()
	nodeConn, err := connect()
	if err != nil {
		return err
	}
	defer nodeConn.Close()
	exp, err := natsbus.Export(ctx, node, nodeConn, query.All, codec)
	if err != nil {
		return err
	}
	defer exp.Close()

	// Two other buses, each importing what its query asks for.
	type remote struct {
		name, importQuery, localQuery string
		want                          int    // messages its subscriber receives
		travel                        uint64 // messages that reach it over NATS
		bus                           *pubsub.Server
		imp                           *natsbus.Importer
		sub                           *pubsub.Subscription
	}
	remotes := []*remote{
		{name: "indexer", importQuery: "tm.event = 'NewBlock'", localQuery: "block.height >= 2", want: 2, travel: 3},
		{name: "wallet", importQuery: "tm.event = 'Tx' AND tx.amount > 100", localQuery: "tx.from = 'alice'", want: 2, travel: 6},
	}
	for _, r := range remotes {
		r.bus = pubsub.NewServer()
		if err := r.bus.Start(); err != nil {
			return err
		}
		defer func() { _ = r.bus.Stop() }()
		nc, err := connect()
		if err != nil {
			return err
		}
		defer nc.Close()
		if r.imp, err = natsbus.Import(ctx, nc, r.bus, query.MustCompile(r.importQuery), codec); err != nil {
			return err
		}
		defer r.imp.Close()
		if r.sub, err = r.bus.Subscribe(ctx, r.name, query.MustCompile(r.localQuery), 10); err != nil {
			return err
		}
	}

	// The node publishes three heights.
	for h := 1; h <= 3; h++ {
		if err := node.PublishWithEvents(ctx, Block{h}, map[string][]string{"tm.event": {"NewBlock"}, "block.height": {fmt.Sprint(h)}}); err != nil {
			return err
		}
		for _, t := range []Tx{{h, "alice", 50 * h * h}, {h, "bob", 500}} {
			events := map[string][]string{"tm.event": {"Tx"}, "tx.from": {t.From}, "tx.amount": {fmt.Sprint(t.Amount)}}
			if err := node.PublishWithEvents(ctx, t, events); err != nil {
				return err
			}
		}
	}

	for _, r := range remotes {
		fmt.Printf("%s imports %q (subjects %v), subscribes to %q:\n", r.name, r.importQuery, r.imp.Subjects(), r.localQuery)
		timeout := time.After(10 * time.Second)
		for got := 0; got < r.want; got++ {
			select {
			case m := <-r.sub.Out():
				fmt.Printf("  %T %+v\n", m.Data(), m.Data())
			case <-timeout:
				return fmt.Errorf("%s: %d of %d messages", r.name, got, r.want)
			}
		}
	}
	if err := exp.Close(); err != nil {
		return err
	}
	fmt.Printf("node exported %d messages\n", exp.Stats().Exported)
	for _, r := range remotes {
		// Everything the node sent on the subjects of r has reached it
		// (NATS keeps each connection's order), and r is done with it.
		deadline := time.Now().Add(10 * time.Second)
		st := r.imp.Stats()
		for st.Received < r.travel || st.Received != st.Imported+st.Filtered {
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: %+v", r.name, st)
			}
			time.Sleep(time.Millisecond)
			st = r.imp.Stats()
		}
		fmt.Printf("%s received %d from NATS, imported %d, filtered out %d\n", r.name, st.Received, st.Imported, st.Filtered)
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "example:", err)
		os.Exit(1)
	}
}
