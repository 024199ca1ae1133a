package typed_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/querybus/querybus/internal/bustest"
	"github.com/querybus/querybus/pubsub"
	"github.com/querybus/querybus/query"
	"github.com/querybus/querybus/typed"
)

// One bus, two typed views (NewBlock and Tx) and an untyped subscriber: each
// view's subscriptions get exactly their type, in order, and their capacity
// holds just that many messages although the bus carries more; the untyped
// subscriber gets everything.
func TestMixedBus(t *testing.T) {
	bus := started(t, pubsub.NewServer())
	blocks, txs := typed.Wrap[NewBlock](bus), typed.Wrap[Tx](bus)
	ctx := context.Background()

	const heights = 5
	allBlocks, err := blocks.Subscribe(ctx, "indexer", query.All, heights) // exactly the blocks
	require.NoError(t, err)
	highBlocks, err := blocks.Subscribe(ctx, "indexer", query.MustCompile("block.height > 3"), 2)
	require.NoError(t, err)
	allTxs, err := txs.Subscribe(ctx, "wallet", query.All, 2*heights) // exactly the txs
	require.NoError(t, err)
	evenTxs, err := txs.SubscribeUnbuffered(ctx, "auditor", query.MustCompile("tm.event = 'Tx' AND tx.even = 'yes'"))
	require.NoError(t, err)
	// A query that matches blocks, through the Tx view: nothing.
	blockEventsAsTx, err := txs.Subscribe(ctx, "confused", query.MustCompile("tm.event = 'NewBlock'"), 1)
	require.NoError(t, err)
	everything, err := bus.Subscribe(ctx, "logger", query.All, 3*heights)
	require.NoError(t, err)

	var wantAll []any
	var wantTxs, wantEven []Tx
	gotEven := make(chan []Tx)
	go func() { // the unbuffered subscriber
		var got []Tx
		for range heights {
			m, ok := bustest.Recv(evenTxs.Out(), func(m typed.Message[Tx]) typed.Message[Tx] { return m })
			if !ok {
				break // the test's own goroutine reports the difference
			}
			got = append(got, m.Data())
		}
		gotEven <- got
	}()
	for h := 1; h <= heights; h++ {
		b := NewBlock{Height: h}
		require.NoError(t, blocks.PublishWithEvents(ctx, b, map[string][]string{"tm.event": {"NewBlock"}, "block.height": {fmt.Sprint(h)}}))
		wantAll = append(wantAll, b)
		for i := 0; i < 2; i++ {
			tx := Tx{Height: h, Hash: fmt.Sprintf("%d.%d", h, i)}
			even := map[bool]string{true: "yes", false: "no"}[i == 0]
			require.NoError(t, txs.PublishWithEvents(ctx, tx, map[string][]string{"tm.event": {"Tx"}, "tx.even": {even}}))
			wantAll = append(wantAll, tx)
			wantTxs = append(wantTxs, tx)
			if even == "yes" {
				wantEven = append(wantEven, tx)
			}
		}
	}
	bustest.Barrier(t, bus)
	assert.Equal(t, wantEven, <-gotEven)

	for _, sub := range []interface{ Err() error }{allBlocks, highBlocks, allTxs, evenTxs, blockEventsAsTx, everything} {
		assert.NoError(t, sub.Err())
	}
	assert.Equal(t, []NewBlock{{1}, {2}, {3}, {4}, {5}}, drained(allBlocks))
	assert.Equal(t, []NewBlock{{4}, {5}}, drained(highBlocks))
	assert.Equal(t, wantTxs, drained(allTxs))
	assert.Empty(t, drained(blockEventsAsTx))
	var gotAll []any
	for len(everything.Out()) > 0 {
		gotAll = append(gotAll, (<-everything.Out()).Data())
	}
	assert.Equal(t, wantAll, gotAll)
	assert.Equal(t, 5, bus.NumClients()) // indexer, wallet, auditor, confused, logger
	assert.Equal(t, 2, blocks.NumClientSubscriptions("indexer"))
}

// value is a published value and the name of its kind.
type value struct {
	kind string
	v    any
}

var valueGen = rapid.Custom(func(t *rapid.T) value {
	switch rapid.IntRange(0, 5).Draw(t, "kind") {
	case 0:
		return value{"int", rapid.Int().Draw(t, "int")}
	case 1:
		return value{"string", rapid.StringN(0, 4, -1).Draw(t, "string")}
	case 2:
		return value{"named", named{rapid.StringN(0, 4, -1).Draw(t, "name")}}
	case 3:
		if rapid.Bool().Draw(t, "nil pointer") {
			return value{"ptr", (*ptrNamed)(nil)}
		}
		return value{"ptr", &ptrNamed{rapid.StringN(0, 4, -1).Draw(t, "name")}}
	case 4:
		return value{"float", float64(rapid.IntRange(-100, 100).Draw(t, "float"))}
	default:
		return value{"nil", nil}
	}
})

// view is a typed view under test: which kinds it accepts (the oracle,
// written out by hand), and how to subscribe through it.
type view struct {
	name      string
	accepts   map[string]bool
	subscribe func(ctx context.Context, u *pubsub.Server, client string, q pubsub.Query, capacity int) (*viewSub, error)
}

type viewSub struct {
	drain func() []any
	err   func() error
}

func viewOf[T any](name string, kinds ...string) view {
	acc := map[string]bool{}
	for _, k := range kinds {
		acc[k] = true
	}
	return view{name, acc, func(ctx context.Context, u *pubsub.Server, client string, q pubsub.Query, capacity int) (*viewSub, error) {
		sub, err := typed.Wrap[T](u).Subscribe(ctx, client, q, capacity)
		if err != nil {
			return nil, err
		}
		return &viewSub{
			drain: func() []any {
				var got []any
				for _, d := range drained(sub) {
					got = append(got, d)
				}
				return got
			},
			err: sub.Err,
		}, nil
	}}
}

// publishers publish a value of a kind through a typed view of its type
// (or, for kind "nil", of an interface type).
var publishers = map[string]func(ctx context.Context, u *pubsub.Server, v any, events map[string][]string) error{
	"int": func(ctx context.Context, u *pubsub.Server, v any, ev map[string][]string) error {
		return typed.Wrap[int](u).PublishWithEvents(ctx, v.(int), ev)
	},
	"string": func(ctx context.Context, u *pubsub.Server, v any, ev map[string][]string) error {
		return typed.Wrap[string](u).PublishWithEvents(ctx, v.(string), ev)
	},
	"named": func(ctx context.Context, u *pubsub.Server, v any, ev map[string][]string) error {
		return typed.Wrap[fmt.Stringer](u).PublishWithEvents(ctx, v.(named), ev)
	},
	"ptr": func(ctx context.Context, u *pubsub.Server, v any, ev map[string][]string) error {
		return typed.Wrap[*ptrNamed](u).PublishWithEvents(ctx, v.(*ptrNamed), ev)
	},
	"float": func(ctx context.Context, u *pubsub.Server, v any, ev map[string][]string) error {
		return typed.Wrap[float64](u).PublishWithEvents(ctx, v.(float64), ev)
	},
	"nil": func(ctx context.Context, u *pubsub.Server, v any, ev map[string][]string) error {
		return typed.Wrap[fmt.Stringer](u).PublishWithEvents(ctx, nil, ev)
	},
}

// TestViewsDeliverExactlyTheirType: over a bus carrying random values of
// several types, published untyped or through typed views, each typed view's
// subscription receives exactly the values of its type, in order; its
// capacity, exactly that many, is never exceeded by values of other types.
func TestViewsDeliverExactlyTheirType(t *testing.T) {
	views := []view{
		viewOf[int]("int", "int"),
		viewOf[string]("string", "string"),
		viewOf[named]("named", "named"),
		viewOf[*ptrNamed]("*ptrNamed", "ptr"),
		viewOf[fmt.Stringer]("fmt.Stringer", "named", "ptr", "nil"),
		viewOf[error]("error", "nil"),
		viewOf[any]("any", "int", "string", "named", "ptr", "float", "nil"),
	}
	queries := []pubsub.Query{bustest.MatchAll{}, bustest.KeyEquals{Key: "k", Value: "1"}}
	rapid.Check(t, func(rt *rapid.T) {
		values := rapid.SliceOfN(valueGen, 0, 40).Draw(rt, "values")
		keys := rapid.SliceOfN(rapid.IntRange(0, 1), len(values), len(values)).Draw(rt, "k")
		viaView := rapid.SliceOfN(rapid.Bool(), len(values), len(values)).Draw(rt, "via view")

		u := pubsub.NewServer()
		if err := u.Start(); err != nil {
			rt.Fatal(err)
		}
		defer func() { _ = u.Stop() }()
		ctx := context.Background()

		type checked struct {
			name string
			sub  *viewSub
			want []any
		}
		var subs []checked
		for _, v := range views {
			for qi, q := range queries {
				var want []any
				for i, val := range values {
					if v.accepts[val.kind] && (qi == 0 || keys[i] == 1) {
						want = append(want, val.v)
					}
				}
				sub, err := v.subscribe(ctx, u, v.name, q, max(len(want), 1))
				if err != nil {
					rt.Fatal(err)
				}
				subs = append(subs, checked{fmt.Sprintf("%s %s", v.name, q), sub, want})
			}
		}
		for i, val := range values {
			events := map[string][]string{"k": {fmt.Sprint(keys[i])}}
			var err error
			if viaView[i] {
				err = publishers[val.kind](ctx, u, val.v, events)
			} else {
				err = u.PublishWithEvents(ctx, val.v, events)
			}
			if err != nil {
				rt.Fatal(err)
			}
		}
		bustest.Barrier(rt, u)
		for _, c := range subs {
			if err := c.sub.err(); err != nil {
				rt.Fatalf("%s: cancelled: %v", c.name, err)
			}
			if got := c.sub.drain(); !assert.ObjectsAreEqual(c.want, got) {
				rt.Fatalf("%s: got %#v, want %#v", c.name, got, c.want)
			}
		}
	})
}
