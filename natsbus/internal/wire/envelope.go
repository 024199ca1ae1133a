package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The envelope is a message's payload on NATS. Version 1, all integers
// unsigned varints (encoding/binary's Uvarint), all strings a length and
// their bytes:
//
//	0x71 0x01           magic byte 'q' and version 1
//	origin              string: the id of the bus it was published on
//	seq                 its sequence number on that bus (pubsub Message.Seq)
//	type                string: its data's type name, as the codec gives it
//	nkeys               number of event keys, then for each key:
//	  key                 string
//	  nvalues             number of values, then each value as a string
//	data                string: the data, as the codec encoded it
//
// and nothing after it. Keys are written in no particular order; a decoder
// refuses a key that repeats.
const (
	envelopeMagic   = 0x71
	envelopeVersion = 1
)

// Envelope is a message as it travels.
type Envelope struct {
	Origin   string // the exporter that sent it: its bus's id, ':', its own
	Seq      uint64 // its sequence number on the origin's bus
	TypeName string // its data's type, as the codec names it
	Events   map[string][]string
	Data     []byte // as the codec encoded it
}

// ErrMalformed is what an error decoding a payload that is not an envelope
// (or not one this version reads) is (errors.Is).
var ErrMalformed = errors.New("natsbus: malformed envelope")

// Append appends the encoding of e to b.
func Append(b []byte, e *Envelope) []byte {
	b = append(b, envelopeMagic, envelopeVersion)
	b = appendString(b, e.Origin)
	b = binary.AppendUvarint(b, e.Seq)
	b = appendString(b, e.TypeName)
	b = binary.AppendUvarint(b, uint64(len(e.Events)))
	for k, vs := range e.Events {
		b = appendString(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendString(b, v)
		}
	}
	return appendString(b, string(e.Data))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads an envelope, remembering the first error. Its strings are
// cut from s, one copy of the whole payload, rather than each copied.
type decoder struct {
	b   []byte
	s   string // the same bytes as b, from where b starts
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad %s", what)
		return 0
	}
	d.b, d.s = d.b[n:], d.s[n:]
	return v
}

// count reads a count of items of at least one byte each: no more than
// what is left.
func (d *decoder) count(what string) int {
	n := d.uvarint(what)
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail("%s %d with %d bytes left", what, n, len(d.b))
		return 0
	}
	return int(n)
}

// str reads a length and that many bytes, as a string sharing the decoder's
// copy of the payload.
func (d *decoder) str(what string) string {
	n := d.uvarint(what)
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.fail("%s of %d bytes with %d left", what, n, len(d.b))
		return ""
	}
	s := d.s[:n]
	d.b, d.s = d.b[n:], d.s[n:]
	return s
}

// Decode decodes p. The strings are one copy of p, shared; Data is p's own
// bytes (a slice of p), so p must not change while Data is in use. Its
// errors wrap ErrMalformed.
func Decode(p []byte) (Envelope, error) {
	if len(p) < 2 || p[0] != envelopeMagic {
		return Envelope{}, fmt.Errorf("%w: not a querybus envelope", ErrMalformed)
	}
	if p[1] != envelopeVersion {
		return Envelope{}, fmt.Errorf("%w: version %d, this decoder reads %d", ErrMalformed, p[1], envelopeVersion)
	}
	d := decoder{b: p[2:], s: string(p[2:])}
	var e Envelope
	e.Origin = d.str("origin length")
	e.Seq = d.uvarint("sequence number")
	e.TypeName = d.str("type name length")
	nkeys := d.count("key count")
	e.Events = make(map[string][]string, nkeys)
	// Every key's values are cut from one slice (most keys have one
	// value), capped so that appending to one key's never reaches the
	// next's.
	slab := make([]string, 0, nkeys)
	for i := 0; i < nkeys && d.err == nil; i++ {
		k := d.str("key length")
		nvals := d.count("value count")
		if cap(slab)-len(slab) < nvals {
			slab = make([]string, 0, max(nvals, nkeys-i))
		}
		start := len(slab)
		for j := 0; j < nvals && d.err == nil; j++ {
			slab = append(slab, d.str("value length"))
		}
		if _, dup := e.Events[k]; dup && d.err == nil {
			d.fail("key %q twice", k)
		}
		e.Events[k] = slab[start:len(slab):len(slab)]
	}
	n := d.uvarint("data length")
	if d.err == nil && n > uint64(len(d.b)) {
		d.fail("data of %d bytes with %d left", n, len(d.b))
	}
	if d.err == nil {
		e.Data = d.b[:n:n]
		d.b = d.b[n:]
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail("%d bytes after the data", len(d.b))
	}
	if d.err != nil {
		return Envelope{}, d.err
	}
	return e, nil
}
