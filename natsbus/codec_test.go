package natsbus

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type tx struct {
	Height int
	Hash   string
}

type block struct{ Height int }

func TestJSONCodec(t *testing.T) {
	c := JSON[tx]()
	name, b, err := c.Encode(tx{7, "ab"})
	require.NoError(t, err)
	assert.Equal(t, "natsbus.tx", name)
	v, err := c.Decode(name, b)
	require.NoError(t, err)
	assert.Equal(t, tx{7, "ab"}, v)
	_, _, err = c.Encode(block{1})
	assert.ErrorContains(t, err, "natsbus.block")
	_, err = c.Decode("natsbus.block", []byte(`{"Height":1}`))
	assert.Error(t, err)
	_, err = c.Decode(name, []byte(`{`))
	assert.Error(t, err)
}

func TestJSONAny(t *testing.T) {
	c := JSON[any]()
	name, b, err := c.Encode(tx{7, "ab"})
	require.NoError(t, err)
	assert.Equal(t, "natsbus.tx", name, "the dynamic type, for information")
	v, err := c.Decode(name, b)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"Height": float64(7), "Hash": "ab"}, v)
	name, b, err = c.Encode(nil)
	require.NoError(t, err)
	v, err = c.Decode(name, b)
	require.NoError(t, err)
	assert.Nil(t, v)
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	require.NoError(t, Register[tx](r, "tx"))
	require.NoError(t, Register[block](r, "block"))
	assert.Error(t, Register[tx](r, "tx2"), "a type twice")
	assert.Error(t, Register[int](r, "tx"), "a name twice")
	assert.Error(t, Register[string](r, ""))
	for _, data := range []any{tx{1, "h"}, block{2}} {
		name, b, err := r.Encode(data)
		require.NoError(t, err)
		got, err := r.Decode(name, b)
		require.NoError(t, err)
		assert.Equal(t, data, got, "arrives as its own type")
	}
	_, _, err := r.Encode(3.5)
	assert.ErrorContains(t, err, "float64 not registered")
	_, err = r.Decode("nope", nil)
	assert.ErrorContains(t, err, `"nope" not registered`)
}

// BenchmarkJSON encodes and decodes a small value with the default codec.
func BenchmarkJSON(b *testing.B) {
	c := JSON[any]()
	b.ReportAllocs()
	for b.Loop() {
		name, p, err := c.Encode(7.0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Decode(name, p); err != nil {
			b.Fatal(err)
		}
	}
}
