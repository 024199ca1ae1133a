package fuzz

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/querybus/querybus/internal/bustest"
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
	query.MustCompile(`k = '1' AND j = '1'`), // split at k or j (fastpath.Part.Split)
}

var serverClients = []string{"a", "b", "c"}

// FuzzServer drives a pubsub.Server with a byte-coded sequence of operations (subscribe with
// a capacity, FallBehind and a resume cursor; unsubscribe, unsubscribe-all, publish, drain,
// restart) on a server whose history length the first byte chooses, and checks it after every
// step against the plain model of package bustest: the errors, the counts, Stats, and exactly
// which subscription received which message, in order, and which were cancelled with which
// reason.
func FuzzServer(f *testing.F) {
	f.Add([]byte{0, 0, 0, 1, 0, 3, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 3, 0, 3, 0, 3, 0, 4, 0})          // overflow of capacity 1
	f.Add([]byte{0, 0, 1, 1, 2, 0, 1, 1, 2, 1, 1, 1, 2, 4, 0, 5}) // duplicate, unsubscribe, restart
	f.Add([]byte{0, 0, 2, 2, 1, 0, 2, 3, 1, 2, 2, 3, 7, 4, 1})
	f.Add([]byte{3, 0, 0, 0, 0, 1, 3, 1, 3, 2, 3, 4, 3, 5, 4, 0, 3, 6}) // falls behind, catches up
	f.Add([]byte{2, 3, 1, 3, 2, 3, 4, 0, 0, 1, 0, 2, 1, 4, 0})          // resumes after 1
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 64 {
			ops = ops[:64]
		}
		runServerModel(t, ops)
	})
}

func runServerModel(t *testing.T, ops []byte) {
	ctx := context.Background()
	next := func() int { // the next byte of the program, 0 once it runs out
		if len(ops) == 0 {
			return 0
		}
		b := ops[0]
		ops = ops[1:]
		return int(b)
	}
	histLen := next() % 5
	s := pubsub.NewServer(pubsub.History(histLen))
	s.SetLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.Stop() }()
	sut := server{s}
	m := bustest.NewModel(histLen)
	var subs []*pubsub.Subscription // subs[i] is m.All[i]'s

	for len(ops) > 0 {
		var step string
		switch op := next() % 6; op {
		case 0: // subscribe: the low bits of the fourth byte ask for FallBehind and After
			c, q, capacity, flags := serverClients[next()%3], serverQueries[next()%len(serverQueries)], 1+next()%3, next()
			opts := []pubsub.SubscribeOption{pubsub.Capacity(capacity)}
			fallBehind, resume := flags&1 != 0, flags&2 != 0
			if fallBehind {
				opts = append(opts, pubsub.FallBehind())
			}
			var after uint64
			if resume {
				after = uint64(next()) % (m.Seq + 2)
				opts = append(opts, pubsub.After(after))
			}
			step = fmt.Sprintf("SubscribeWith(%s, %q, %d, fall behind %v, resume %v after %d)", c, q, capacity, fallBehind, resume, after)
			sub, err := s.SubscribeWith(ctx, c, q, opts...)
			ms, want := m.Subscribe(c, q, capacity, fallBehind, resume, after)
			bustest.CheckSubscribeErr(t, err, want)
			if ms != nil {
				subs = append(subs, sub)
			}
		case 1: // unsubscribe
			c, q := serverClients[next()%3], serverQueries[next()%len(serverQueries)]
			step = fmt.Sprintf("Unsubscribe(%s, %q)", c, q)
			if got, want := s.Unsubscribe(ctx, c, q), m.Unsubscribe(c, q); got != want {
				t.Fatalf("%s = %v, model %v", step, got, want)
			}
		case 2: // unsubscribe all
			c := serverClients[next()%3]
			step = fmt.Sprintf("UnsubscribeAll(%s)", c)
			if got, want := s.UnsubscribeAll(ctx, c), m.UnsubscribeAll(c); got != want {
				t.Fatalf("%s = %v, model %v", step, got, want)
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
			step = fmt.Sprintf("Publish(%d, %v)", m.Seq+1, events)
			if err := s.PublishWithEvents(ctx, fmt.Sprint(m.Seq+1), events); err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			m.Publish(events)
		case 4: // drain one subscription, live or cancelled
			if len(m.All) == 0 {
				continue
			}
			i := next() % len(m.All)
			step = fmt.Sprintf("drain %s/%s", m.All[i].Client, m.All[i].Q)
			m.Drain(t, sut, m.All[i], subs[i])
		case 5: // stop, reset and start again
			step = "restart"
			m.Restart(t, s)
		}
		m.Sync(t, sut)
		if err := bustest.Compare(m, sut, subs, serverClients); err != nil {
			t.Fatalf("after %s: %v", step, err)
		}
	}
}

// server is a *pubsub.Server as the model's bustest.ModelServer.
type server struct{ *pubsub.Server }

func (s server) Untyped() *pubsub.Server { return s.Server }
