package bus

// Conv converts published data and events into a subscriber's message type
// M. It returns false when the message is not for this subscriber (a typed
// view skipping data of another type); such a message does not count against
// the subscription's capacity. A Conv runs on the engine's loop: it must be
// fast, must not block and should not allocate.
type Conv[M any] func(data any, events map[string][]string) (M, bool)

// Outcome is the result of one delivery attempt.
type Outcome int

const (
	// Skipped: the sink's Conv declined the message.
	Skipped Outcome = iota
	// Sent: the message is on the subscriber's channel (or was received).
	Sent
	// Full: a non-blocking send found the channel full.
	Full
	// Interrupted: a blocking send was interrupted by a request, returned
	// alongside, that the loop must handle before trying again.
	Interrupted
	// Stopping: a blocking send was interrupted because the engine is
	// stopping.
	Stopping
)

// Deliverer is what the loop delivers through; Sink implements it for each
// message type. Its methods are called only by the loop.
type Deliverer interface {
	// Offer converts and sends without blocking: Skipped, Sent or Full.
	Offer(data any, events map[string][]string) Outcome
	// Send converts and sends, blocking until the subscriber receives, a
	// request arrives on reqs (Interrupted, with the request) or stop is
	// closed (Stopping). It returns Skipped or Sent otherwise.
	Send(data any, events map[string][]string, reqs <-chan Request, stop <-chan struct{}) (Outcome, Request)
	// release lets go of the subscriber's channel once the subscription is
	// cancelled. Only this package implements Deliverer.
	release()
}

// Sink delivers into a subscriber's channel of messages of type M. A
// subscription is unbuffered (blocking delivery) when its channel has
// capacity 0. A delivery allocates nothing beyond what Conv allocates.
type Sink[M any] struct {
	out  chan M
	conv Conv[M]
}

// Offer implements Deliverer.
func (s *Sink[M]) Offer(data any, events map[string][]string) Outcome {
	m, ok := s.conv(data, events)
	if !ok {
		return Skipped
	}
	select {
	case s.out <- m:
		return Sent
	default:
		return Full
	}
}

// Send implements Deliverer.
func (s *Sink[M]) Send(data any, events map[string][]string, reqs <-chan Request, stop <-chan struct{}) (Outcome, Request) {
	m, ok := s.conv(data, events)
	if !ok {
		return Skipped, nil
	}
	select {
	case s.out <- m:
		return Sent, nil
	case r := <-reqs:
		return Interrupted, r
	case <-stop:
		return Stopping, nil
	}
}

func (s *Sink[M]) release() { *s = Sink[M]{} }
