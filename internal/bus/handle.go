package bus

// Handle is the cancellation state of one subscription, of any kind. The
// engine cancels it exactly once, writing the reason before closing the
// channel.
type Handle struct {
	cancelled chan struct{}
	err       error // written once, before cancelled is closed
}

// NewHandle returns a live (not cancelled) handle.
func NewHandle() *Handle { return &Handle{cancelled: make(chan struct{})} }

// Cancelled returns a channel closed when the subscription is cancelled.
func (h *Handle) Cancelled() <-chan struct{} { return h.cancelled }

// Err returns nil while the subscription is live, and the reason it was
// cancelled (ErrUnsubscribed, ErrOutOfCapacity, ErrServerStopped) afterwards.
func (h *Handle) Err() error {
	select {
	case <-h.cancelled:
		return h.err
	default:
		return nil
	}
}

// cancel records err and closes the channel. Only the loop calls it, once.
func (h *Handle) cancel(err error) {
	h.err = err
	close(h.cancelled)
}

// Messages returns an iterator over out, the channel of the subscription
// with handle h: it yields every message received until h is cancelled,
// then what is left on out, and ends.
func Messages[M any](out <-chan M, h *Handle) func(yield func(M) bool) {
	return func(yield func(M) bool) {
		for {
			select {
			case m := <-out:
				if !yield(m) {
					return
				}
			case <-h.cancelled:
				for {
					select {
					case m := <-out:
						if !yield(m) {
							return
						}
					default:
						return
					}
				}
			}
		}
	}
}
