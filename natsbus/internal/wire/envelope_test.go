package wire

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// Encoding then decoding gives the envelope back, for arbitrary contents
// and any number of messages.
func TestEnvelopeRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		origin := rapid.String().Draw(t, "origin")
		msgs := rapid.SliceOfN(rapid.Custom(func(t *rapid.T) Message {
			return Message{
				Seq:      rapid.Uint64().Draw(t, "seq"),
				TypeName: rapid.String().Draw(t, "type"),
				Events:   rapid.MapOf(rapid.String(), rapid.SliceOf(rapid.String())).Draw(t, "events"),
				Data:     rapid.SliceOf(rapid.Byte()).Draw(t, "data"),
			}
		}), 1, 5).Draw(t, "msgs")
		gotOrigin, got, err := Decode(Append(nil, origin, msgs...))
		require.NoError(t, err)
		assert.Equal(t, origin, gotOrigin)
		require.Len(t, got, len(msgs))
		for i, m := range msgs {
			assert.Equal(t, m.Seq, got[i].Seq)
			assert.Equal(t, m.TypeName, got[i].TypeName)
			assert.Equal(t, len(m.Events), len(got[i].Events))
			for k, vs := range m.Events {
				assert.Equal(t, len(vs), len(got[i].Events[k]), "key %q", k)
				for j := range vs {
					assert.Equal(t, vs[j], got[i].Events[k][j])
				}
			}
			assert.Equal(t, string(m.Data), string(got[i].Data))
		}
		// Appending to one key's values never changes another's.
		for _, m := range got {
			for k := range m.Events {
				m.Events[k] = append(m.Events[k], "appended")
			}
		}
		for i, m := range msgs {
			for k, vs := range m.Events {
				assert.Equal(t, vs, got[i].Events[k][:len(vs)], "key %q", k)
			}
		}
	})
}

// Any other payload is an error wrapping ErrMalformed, never a panic: every
// prefix of a valid envelope, and the same with a byte changed.
func TestEnvelopeMalformed(t *testing.T) {
	valid := Append(nil, "o", Message{Seq: 7, TypeName: "T",
		Events: map[string][]string{"tm.event": {"Tx"}, "k": {"1", "2"}}, Data: []byte(`{"a":1}`)})
	for n := 0; n < len(valid); n++ {
		_, _, err := Decode(valid[:n])
		assert.ErrorIs(t, err, ErrMalformed, "prefix of %d bytes", n)
	}
	_, _, err := Decode(append(append([]byte(nil), valid...), 0))
	assert.ErrorIs(t, err, ErrMalformed, "a byte after the data")
	_, _, err = Decode(AppendHeader(nil, "o"))
	assert.ErrorIs(t, err, ErrMalformed, "no message")
	for _, p := range [][]byte{nil, []byte("{}"), []byte("hello"), {envelopeMagic, 2}} {
		_, _, err := Decode(p)
		assert.True(t, errors.Is(err, ErrMalformed), "%q: %v", p, err)
	}
	rapid.Check(t, func(t *rapid.T) {
		p := append([]byte(nil), valid...)
		i := rapid.IntRange(0, len(p)-1).Draw(t, "at")
		p[i] = rapid.Byte().Draw(t, "byte")
		_, _, _ = Decode(p) // may decode into something else; must not panic
	})
}

func FuzzDecodeEnvelope(f *testing.F) {
	m := Message{Seq: 1, TypeName: "T", Events: map[string][]string{"a": {"b"}}, Data: []byte("1")}
	f.Add(Append(nil, "o", m))
	f.Add(Append(nil, "o", m, m))
	f.Add([]byte{envelopeMagic, envelopeVersion})
	f.Fuzz(func(t *testing.T, p []byte) {
		origin, msgs, err := Decode(p)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if len(msgs) == 0 {
			t.Fatal("decoded an envelope without messages")
		}
		// What decodes encodes back to something that decodes the same.
		again, msgs2, err := Decode(Append(nil, origin, msgs...))
		if err != nil || again != origin || len(msgs2) != len(msgs) {
			t.Fatalf("re-encoding %q %+v gave %q %+v, %v", origin, msgs, again, msgs2, err)
		}
		for i := range msgs {
			a, b := msgs[i], msgs2[i]
			if a.Seq != b.Seq || a.TypeName != b.TypeName || len(a.Events) != len(b.Events) || string(a.Data) != string(b.Data) {
				t.Fatalf("message %d: %+v re-encoded is %+v", i, a, b)
			}
		}
	})
}

// BenchmarkDecode decodes a typical envelope: a few events, small data.
func BenchmarkDecode(b *testing.B) {
	p := Append(nil, "NUIDNUIDNUIDNUIDNUID12:natsbus-export-NUIDNUIDNUIDNUIDNUID12", Message{Seq: 123456,
		TypeName: "float64", Events: map[string][]string{"tm.event": {"Tx"}, "tx.height": {"7"}, "transfer.amount": {"1000", "25"}}, Data: []byte("7")})
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Decode(p); err != nil {
			b.Fatal(err)
		}
	}
}
