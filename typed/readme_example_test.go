package typed_test

import (
	"context"
	"fmt"
	"log"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/typed"
)

// Transfer is the data of the README's typed example.
type Transfer struct {
	Height int
	From   string
	To     string
	Amount int
}

// The README's typed example, word for word (readme_test.go checks it).
func Example_readme() {
	ctx := context.Background()

	bus := pubsub.NewServer() // one bus for every type
	if err := bus.Start(); err != nil {
		log.Fatal(err)
	}
	defer bus.Stop()
	transfers := typed.Wrap[Transfer](bus) // a view that publishes and receives Transfer
	blocks := typed.Wrap[NewBlock](bus)    // another view, same bus

	sub, err := transfers.Subscribe(ctx, "risk", query.MustCompile("transfer.amount > 1000"), 100)
	if err != nil {
		log.Fatal(err)
	}
	err = blocks.PublishWithEvents(ctx, NewBlock{Height: 7}, map[string][]string{"tm.event": {"NewBlock"}})
	if err != nil {
		log.Fatal(err)
	}
	err = transfers.PublishWithEvents(ctx, Transfer{Height: 7, From: "a", To: "b", Amount: 2500},
		map[string][]string{"tm.event": {"Tx"}, "transfer.amount": {"2500"}})
	if err != nil {
		log.Fatal(err)
	}
	t := (<-sub.Out()).Data() // a Transfer: no type assertion
	fmt.Println(t.From, "->", t.To, t.Amount)
	// Output: a -> b 2500
}
