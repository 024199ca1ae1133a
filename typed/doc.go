// Package typed is package pubsub with the message data typed: a Server[T]
// publishes data of type T, and its subscriptions receive Message[T], whose
// Data is a T. Subscribers never write a type assertion.
//
//	type Tx struct {
//		Height int
//		Hash   string
//	}
//
//	s := typed.NewServer[Tx]()
//	if err := s.Start(); err != nil {
//		return err
//	}
//	defer s.Stop()
//
// A subscriber receives its messages until its subscription is cancelled (this
// function is in the package's examples, so it compiles). Unbuffered, it
// makes the server wait for it; Subscribe(ctx, clientID, q, n) gives it a
// buffer of n messages instead, and cancels it with ErrOutOfCapacity when
// the buffer is full.
//
//	func consume(ctx context.Context, s *typed.Server[Tx]) error {
//		sub, err := s.SubscribeUnbuffered(ctx, "client-1", query.MustCompile("tx.height > 5"))
//		if err != nil {
//			return err
//		}
//		for msg := range sub.Messages() {
//			tx := msg.Data() // a Tx
//			fmt.Println(tx.Height, tx.Hash)
//		}
//		return sub.Err() // ErrUnsubscribed or ErrServerStopped
//	}
//
// and a publisher attaches events to each Tx:
//
//	err := s.PublishWithEvents(ctx, tx, map[string][]string{"tx.height": {"7"}})
//
// # One bus, many types
//
// NewServer[T] makes a server of its own (it is Wrap[T] of a new
// pubsub.Server). Wrap[T] makes a typed view of an existing *pubsub.Server,
// for a bus that carries several message types: each view publishes into the
// one server, and each view's subscriptions receive only the messages whose
// data is a T — for an interface type T, those whose data implements T.
// Other messages neither reach them nor count against their capacity, and an
// unbuffered subscription does not make the server wait for them. Untyped
// subscribers of the server see everything the views publish. Views share
// the server's clients: a client's subscriptions, typed or not, count
// together in NumClientSubscriptions, and a client cannot have two
// subscriptions with queries of the same String() even through different
// views (ErrAlreadySubscribed) — one client, one query, one subscription.
//
// Nil data. A nil interface value (published through a view of an interface
// type, e.g. Server[fmt.Stringer].Publish(ctx, nil), or untyped
// Publish(ctx, nil)) has no dynamic type, so a type assertion would refuse
// it; the views treat it as the zero T it is: it reaches the subscriptions
// of every view whose T is an interface type (Server[any] included), and
// none of views of a concrete type. A typed nil pointer, such as a nil *Tx,
// is a *Tx and reaches views of *Tx (and of the interfaces *Tx implements).
//
// # Semantics and cost
//
// Everything else is package pubsub's contract: capacity and
// ErrOutOfCapacity, unbuffered subscriptions blocking the server, ordering,
// Unsubscribe, Stop, Reset, and the errors, which are pubsub's (errors.Is
// with pubsub.ErrOutOfCapacity and the others). So are the delivery
// guarantees: Message.Seq, the server's History, and SubscribeWith with
// pubsub's options (Capacity, After, FallBehind), where a typed
// subscription's messages are the messages whose data is a T: a resume
// replays the retained messages of type T, and one that falls behind is
// cancelled only when the history evicts a T it has not received. Sequence
// numbers count every message of the server, so that those of one view
// increase with gaps. The typed layer adds no
// goroutine and no channel: a subscription's Out is the channel the server's
// goroutine delivers into, converting the data with one type assertion. The
// lifecycle methods (Start, Stop, Reset, ...) act on the underlying server,
// which Untyped returns.
package typed
