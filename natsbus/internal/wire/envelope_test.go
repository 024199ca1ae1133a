package wire

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Encoding then decoding gives the envelope back, for arbitrary contents.
func TestEnvelopeRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		e := &Envelope{
			Origin:   rapid.String().Draw(t, "origin"),
			Seq:      rapid.Uint64().Draw(t, "seq"),
			TypeName: rapid.String().Draw(t, "type"),
			Events:   rapid.MapOf(rapid.String(), rapid.SliceOf(rapid.String())).Draw(t, "events"),
			Data:     rapid.SliceOf(rapid.Byte()).Draw(t, "data"),
		}
		got, err := Decode(Append(nil, e))
		require.NoError(t, err)
		assert.Equal(t, e.Origin, got.Origin)
		assert.Equal(t, e.Seq, got.Seq)
		assert.Equal(t, e.TypeName, got.TypeName)
		assert.Equal(t, len(e.Events), len(got.Events))
		for k, vs := range e.Events {
			assert.Equal(t, len(vs), len(got.Events[k]), "key %q", k)
			for i := range vs {
				assert.Equal(t, vs[i], got.Events[k][i])
			}
		}
		assert.Equal(t, string(e.Data), string(got.Data))
	})
}

// Any other payload is an error wrapping ErrMalformed, never a panic: every
// prefix of a valid envelope, and the same with a byte changed.
func TestEnvelopeMalformed(t *testing.T) {
	valid := Append(nil, &Envelope{Origin: "o", Seq: 7, TypeName: "T",
		Events: map[string][]string{"tm.event": {"Tx"}, "k": {"1", "2"}}, Data: []byte(`{"a":1}`)})
	for n := 0; n < len(valid); n++ {
		_, err := Decode(valid[:n])
		assert.ErrorIs(t, err, ErrMalformed, "prefix of %d bytes", n)
	}
	_, err := Decode(append(append([]byte(nil), valid...), 0))
	assert.ErrorIs(t, err, ErrMalformed, "a byte after the data")
	for _, p := range [][]byte{nil, []byte("{}"), []byte("hello"), {envelopeMagic, 2}} {
		_, err := Decode(p)
		assert.True(t, errors.Is(err, ErrMalformed), "%q: %v", p, err)
	}
	rapid.Check(t, func(t *rapid.T) {
		p := append([]byte(nil), valid...)
		i := rapid.IntRange(0, len(p)-1).Draw(t, "at")
		p[i] = rapid.Byte().Draw(t, "byte")
		_, _ = Decode(p) // may decode into something else; must not panic
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	f.Add(Append(nil, &Envelope{Origin: "o", Seq: 1, TypeName: "T", Events: map[string][]string{"a": {"b"}}, Data: []byte("1")}))
	f.Add([]byte{envelopeMagic, envelopeVersion})
	f.Fuzz(func(t *testing.T, p []byte) {
		e, err := Decode(p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		// What decodes encodes back to something that decodes the same.
		again, err := Decode(Append(nil, &e))
		if err != nil || again.Origin != e.Origin || again.Seq != e.Seq || len(again.Events) != len(e.Events) || string(again.Data) != string(e.Data) {
			t.Fatalf("re-encoding %+v gave %+v, %v", e, again, err)
		}
	})
}

// BenchmarkDecode decodes a typical envelope: a few events, small data.
func BenchmarkDecode(b *testing.B) {
	p := Append(nil, &Envelope{Origin: "NUIDNUIDNUIDNUIDNUID12:natsbus-export-NUIDNUIDNUIDNUIDNUID12", Seq: 123456,
		TypeName: "float64", Events: map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}, "transfer.amount": {"1000", "25"}}, Data: []byte("7")})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}
