package fuzz

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
)

// serverQueries are the queries FuzzServer subscribes with: a few that overlap, one shared
// by everything, and one that no event set here matches.
var serverQueries = []*query.Query{
	query.All,
	query.MustCompile(`k = '1'`),
	query.MustCompile(`k = '2' OR j = '1'`),
	query.MustCompile(`k > 1 AND NOT j EXISTS`),
	query.MustCompile(`j EXISTS`),
	query.MustCompile(`nothing = 'here'`),
}

var serverClients = []string{"a", "b", "c"}

// fuzzSub is the model's view of one subscription.
type fuzzSub struct {
	client  string
	q       *query.Query
	cap     int
	sub     *pubsub.Subscription
	pending []int // published sequence numbers delivered but not yet drained
	err     error // nil while live
}

// FuzzServer drives a pubsub.Server with a byte-coded sequence of operations (subscribe,
// unsubscribe, unsubscribe-all, publish, drain, restart) and checks it, after every step,
// against a plain map model: the errors, the counts, and exactly which subscription received
// which message, in order, and which were cancelled with which reason.
func FuzzServer(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 3, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 3, 0, 3, 0, 3, 0, 4, 0})          // overflow of capacity 1
	f.Add([]byte{0, 1, 1, 2, 0, 1, 1, 2, 1, 1, 1, 2, 4, 0, 5}) // duplicate, unsubscribe, restart
	f.Add([]byte{0, 2, 2, 1, 0, 2, 3, 1, 2, 2, 3, 7, 4, 1})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		runServerModel(t, ops)
	})
}

func runServerModel(t *testing.T, ops []byte) {
	ctx := context.Background()
	s := pubsub.NewServer()
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Stop() }()

	live := map[string]map[string]*fuzzSub{}
	var all []*fuzzSub
	seq := 0
	next := func() int { // the next byte of the program, 0 once it runs out
		if len(ops) == 0 {
			return 0
		}
		b := ops[0]
		ops = ops[1:]
		return int(b)
	}
	cancel := func(fs *fuzzSub, err error) {
		fs.err = err
		delete(live[fs.client], fs.q.String())
		if len(live[fs.client]) == 0 {
			delete(live, fs.client)
		}
	}
	// barrier returns once the server has finished every publish it took before: requests
	// and publishes are served by one goroutine, one at a time.
	barrier := func() {
		if err := s.Unsubscribe(ctx, "\x00barrier", query.All); !errors.Is(err, pubsub.ErrSubscriptionNotFound) {
			t.Fatalf("barrier: %v", err)
		}
	}
	check := func(step string) {
		if got, want := s.NumClients(), len(live); got != want {
			t.Fatalf("after %s: NumClients = %d, model %d", step, got, want)
		}
		for _, c := range serverClients {
			if got, want := s.NumClientSubscriptions(c), len(live[c]); got != want {
				t.Fatalf("after %s: NumClientSubscriptions(%s) = %d, model %d", step, c, got, want)
			}
		}
		for _, fs := range all {
			if got := fs.sub.Err(); !errors.Is(got, fs.err) || (got == nil) != (fs.err == nil) {
				t.Fatalf("after %s: %s/%s Err() = %v, model %v", step, fs.client, fs.q, got, fs.err)
			}
		}
	}
	for len(ops) > 0 {
		var step string
		switch op := next() % 6; op {
		case 0: // subscribe
			c, q, capacity := serverClients[next()%3], serverQueries[next()%len(serverQueries)], 1+next()%3
			step = fmt.Sprintf("Subscribe(%s, %q, %d)", c, q, capacity)
			sub, err := s.Subscribe(ctx, c, q, capacity)
			if _, dup := live[c][q.String()]; dup {
				if !errors.Is(err, pubsub.ErrAlreadySubscribed) {
					t.Fatalf("%s: %v, want ErrAlreadySubscribed", step, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			fs := &fuzzSub{client: c, q: q, cap: capacity, sub: sub}
			if live[c] == nil {
				live[c] = map[string]*fuzzSub{}
			}
			live[c][q.String()] = fs
			all = append(all, fs)
		case 1: // unsubscribe
			c, q := serverClients[next()%3], serverQueries[next()%len(serverQueries)]
			step = fmt.Sprintf("Unsubscribe(%s, %q)", c, q)
			err := s.Unsubscribe(ctx, c, q)
			fs, ok := live[c][q.String()]
			if !ok {
				if !errors.Is(err, pubsub.ErrSubscriptionNotFound) {
					t.Fatalf("%s: %v, want ErrSubscriptionNotFound", step, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			cancel(fs, pubsub.ErrUnsubscribed)
		case 2: // unsubscribe all
			c := serverClients[next()%3]
			step = fmt.Sprintf("UnsubscribeAll(%s)", c)
			err := s.UnsubscribeAll(ctx, c)
			if len(live[c]) == 0 {
				if !errors.Is(err, pubsub.ErrSubscriptionNotFound) {
					t.Fatalf("%s: %v, want ErrSubscriptionNotFound", step, err)
				}
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			for _, fs := range live[c] {
				cancel(fs, pubsub.ErrUnsubscribed)
			}
		case 3: // publish: the low bits of one byte choose the values of k and j
			bits := next()
			events := map[string][]string{}
			for i, v := range []string{"1", "2", "3"} {
				if bits&(1<<i) != 0 {
					events["k"] = append(events["k"], v)
				}
			}
			if bits&8 != 0 {
				events["j"] = []string{"1"}
			}
			if bits&16 != 0 {
				events["j"] = []string{} // present but empty: absent
			}
			seq++
			step = fmt.Sprintf("Publish(%d, %v)", seq, events)
			if err := s.PublishWithEvents(ctx, seq, events); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			barrier()
			for _, m := range live {
				for _, fs := range m {
					if ok, _ := fs.q.Matches(events); !ok {
						continue
					}
					if len(fs.pending) == fs.cap {
						cancel(fs, pubsub.ErrOutOfCapacity)
						continue
					}
					fs.pending = append(fs.pending, seq)
				}
			}
		case 4: // drain one subscription, live or cancelled
			if len(all) == 0 {
				continue
			}
			fs := all[next()%len(all)]
			step = fmt.Sprintf("drain %s/%s", fs.client, fs.q)
			barrier()
			for _, want := range fs.pending {
				select {
				case m := <-fs.sub.Out():
					if m.Data() != want {
						t.Fatalf("%s: received %v, want %v", step, m.Data(), want)
					}
				default:
					t.Fatalf("%s: message %v missing", step, want)
				}
			}
			fs.pending = nil
			select {
			case m := <-fs.sub.Out():
				t.Fatalf("%s: unexpected message %v", step, m.Data())
			default:
			}
		case 5: // stop, reset and start again
			step = "restart"
			if err := s.Stop(); err != nil {
				t.Fatal(err)
			}
			for _, m := range live {
				for _, fs := range m {
					cancel(fs, pubsub.ErrServerStopped)
				}
			}
			if err := s.Publish(ctx, 0); !errors.Is(err, pubsub.ErrServerStopped) {
				t.Fatalf("Publish after Stop: %v", err)
			}
			if err := s.Reset(); err != nil {
				t.Fatal(err)
			}
			if err := s.Start(); err != nil {
				t.Fatal(err)
			}
		}
		check(step)
	}
}
