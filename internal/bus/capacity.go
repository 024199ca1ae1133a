package bus

// OutCapacity returns the Out capacity that Subscribe's variadic outCapacity asks for: 1 if
// none is given. It panics, naming the calling package pkg, if the capacity is not positive
// or if more than one is given; unbuffered subscriptions have a method of their own.
func OutCapacity(pkg string, outCapacity []int) int {
	switch len(outCapacity) {
	case 0:
		return 1
	case 1:
		if outCapacity[0] <= 0 {
			panic(pkg + ": Subscribe: outCapacity must be greater than zero (use SubscribeUnbuffered for an unbuffered subscription)")
		}
		return outCapacity[0]
	}
	panic(pkg + ": Subscribe: at most one outCapacity may be given")
}

// SubConfig is what a subscription's options ask for: its Out capacity and
// the rest.
type SubConfig struct {
	Capacity int
	SubOptions
}

// SubConfigOf reads the options given to SubscribeWith (a
// []pubsub.SubscribeOption) for the package pkg, panicking on a contradiction.
// Package pubsub sets it in its init function, so that the typed layer reads
// pubsub's options without pubsub exporting how.
var SubConfigOf func(pkg string, opts any) SubConfig
