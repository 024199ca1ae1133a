// Package bustest holds the behavioural scenarios of the pub-sub server
// contract (shared/spec/pubsub.md) and the harness they are written against,
// so that one table runs against every server with that behaviour: the
// untyped pubsub.Server, typed.Server[T] made by NewServer or Wrap, and each
// configuration of them (as NATS runs its sublist tests with the cache on and
// off).
//
// It is used only by tests: the tests of each server package adapt their
// server to Server and call Run.
//
//	func TestScenarios(t *testing.T) {
//		bustest.Run(t, func(opts ...pubsub.Option) bustest.Server {
//			return adapter{pubsub.NewServer(opts...)}
//		})
//	}
//
// The scenarios publish strings and compare what each subscription receives
// as strings; an adapter whose server carries another type converts both
// ways.
package bustest
