package service_test

import (
	"fmt"

	"github.com/querybus/querybus/pubsub/service"
)

// Ticker is a component with a lifecycle: it embeds a BaseService and
// overrides the hooks it needs.
type Ticker struct {
	service.BaseService
	done chan struct{}
}

func NewTicker() *Ticker {
	t := &Ticker{}
	t.BaseService = *service.NewBaseService(nil, "Ticker", t)
	return t
}

func (t *Ticker) OnStart() error {
	t.done = make(chan struct{})
	go func() {
		defer close(t.done)
		<-t.Quit() // a real service would work until Quit is closed
	}()
	fmt.Println("OnStart")
	return nil
}

func (t *Ticker) OnStop() { fmt.Println("OnStop") }

func Example() {
	t := NewTicker()
	fmt.Println(t.Start(), t.IsRunning())
	fmt.Println(t.Start())
	fmt.Println(t.Stop(), t.IsRunning())
	<-t.done // the goroutine saw Quit closed
	fmt.Println(t.Stop())
	fmt.Println(t.Start())
	fmt.Println(t.Reset())
	fmt.Println(t.Start())
	fmt.Println(t.Stop())
	<-t.done
	// Output:
	// OnStart
	// <nil> true
	// service: already started
	// OnStop
	// <nil> false
	// service: already stopped
	// service: already stopped
	// <nil>
	// OnStart
	// <nil>
	// OnStop
	// <nil>
}
