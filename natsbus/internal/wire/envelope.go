package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The envelope is the payload of one NATS message: one or more messages of
// one origin, in their order. Version 1, all integers unsigned varints
// (encoding/binary's Uvarint), all strings a length and their bytes:
//
//	0x71 0x01           magic byte 'q' and version 1
//	origin              string: the exporter that sent them
//	then one or more messages, up to the end of the payload, each:
//	  seq                 its sequence number on the origin's bus (pubsub Message.Seq)
//	  type                string: its data's type name, as the codec gives it
//	  nkeys               number of event keys, then for each key:
//	    key                 string
//	    nvalues             number of values, then each value as a string
//	  data                string: the data, as the codec encoded it
//
// Keys are written in no particular order; a decoder refuses a key that
// repeats. An exporter puts in one envelope the messages it has at hand
// for one subject, so that a burst costs NATS one message per batch.
const (
	envelopeMagic   = 0x71
	envelopeVersion = 1
)

// Message is one message of an envelope.
type Message struct {
	Seq      uint64 // its sequence number on the origin's bus
	TypeName string // its data's type, as the codec names it
	Events   map[string][]string
	Data     []byte // as the codec encoded it
}

// ErrMalformed is what an error decoding a payload that is not an envelope
// (or not one this version reads) is (errors.Is).
var ErrMalformed = errors.New("natsbus: malformed envelope")

// Append appends to b an envelope of origin's msgs (at least one, for the
// envelope to decode).
func Append(b []byte, origin string, msgs ...Message) []byte {
	b = AppendHeader(b, origin)
	for i := range msgs {
		b = AppendMessage(b, &msgs[i])
	}
	return b
}

// AppendHeader appends to b the start of an envelope of origin's messages,
// to be followed by one or more AppendMessage.
func AppendHeader(b []byte, origin string) []byte {
	b = append(b, envelopeMagic, envelopeVersion)
	return appendString(b, origin)
}

// AppendMessage appends m to b, an envelope begun by AppendHeader.
func AppendMessage(b []byte, m *Message) []byte {
	b = binary.AppendUvarint(b, m.Seq)
	b = appendString(b, m.TypeName)
	b = binary.AppendUvarint(b, uint64(len(m.Events)))
	for k, vs := range m.Events {
		b = appendString(b, k)
		b = binary.AppendUvarint(b, uint64(len(vs)))
		for _, v := range vs {
			b = appendString(b, v)
		}
	}
	return appendString(b, string(m.Data))
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decoder reads an envelope, or one message of it, remembering the first
// error. Its strings are cut from s, one copy of b, rather than each
// copied; a decoder that skips (to find where a message ends) makes no
// strings and no maps.
type decoder struct {
	b    []byte
	s    string // a copy of b, unless skip
	skip bool
	pos  int
	err  error

	values int // counted by a decoder that skips: how many values it saw
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (d *decoder) left() int { return len(d.b) - d.pos }

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.pos:])
	if n <= 0 {
		d.fail("bad %s", what)
		return 0
	}
	d.pos += n
	return v
}

// count reads a count of items of at least one byte each: no more than
// what is left.
func (d *decoder) count(what string) int {
	n := d.uvarint(what)
	if d.err == nil && n > uint64(d.left()) {
		d.fail("%s %d with %d bytes left", what, n, d.left())
		return 0
	}
	return int(n)
}

// span reads a length and skips that many bytes, returning where they
// start and end.
func (d *decoder) span(what string) (from, to int) {
	n := d.uvarint(what)
	if d.err != nil {
		return 0, 0
	}
	if n > uint64(d.left()) {
		d.fail("%s of %d bytes with %d left", what, n, d.left())
		return 0, 0
	}
	from = d.pos
	d.pos += int(n)
	return from, d.pos
}

// str reads a length and that many bytes, as a string sharing s.
func (d *decoder) str(what string) string {
	from, to := d.span(what)
	if d.skip || d.err != nil {
		return ""
	}
	return d.s[from:to]
}

// message reads one message. Its keys' values are cut from one slice, of
// the size values (as a decoder that skipped the message counted them),
// each key's capped so that appending to it never reaches the next key's.
func (d *decoder) message(values int) Message {
	var m Message
	m.Seq = d.uvarint("sequence number")
	m.TypeName = d.str("type name length")
	nkeys := d.count("key count")
	var slab []string
	if !d.skip {
		m.Events = make(map[string][]string, nkeys)
		slab = make([]string, 0, values)
	}
	for i := 0; i < nkeys && d.err == nil; i++ {
		k := d.str("key length")
		n := d.count("value count")
		d.values += n
		if !d.skip && cap(slab)-len(slab) < n { // more than counted
			slab = make([]string, 0, n)
		}
		start := len(slab)
		for j := 0; j < n && d.err == nil; j++ {
			if v := d.str("value length"); !d.skip {
				slab = append(slab, v)
			}
		}
		if d.skip || d.err != nil {
			continue
		}
		if _, dup := m.Events[k]; dup {
			d.fail("key %q twice", k)
		}
		m.Events[k] = slab[start:len(slab):len(slab)]
	}
	from, to := d.span("data length")
	if !d.skip && d.err == nil {
		m.Data = d.b[from:to:to]
	}
	return m
}

// Decode decodes p, an envelope: its origin and messages. Each message's
// strings are one copy of its bytes, shared (so that a message kept keeps
// no other); each Data is a slice of p itself, so p must not change while
// one is in use. Its errors wrap ErrMalformed.
func Decode(p []byte) (origin string, msgs []Message, err error) {
	if len(p) < 2 || p[0] != envelopeMagic {
		return "", nil, fmt.Errorf("%w: not a querybus envelope", ErrMalformed)
	}
	if p[1] != envelopeVersion {
		return "", nil, fmt.Errorf("%w: version %d, this decoder reads %d", ErrMalformed, p[1], envelopeVersion)
	}
	d := decoder{b: p[2:], skip: true}
	from, to := d.span("origin length")
	if d.err == nil && d.left() == 0 {
		d.fail("no message")
	}
	for d.err == nil && d.left() > 0 {
		// Find where the message ends, then decode it from one copy.
		end := decoder{b: d.b[d.pos:], skip: true}
		end.message(0)
		if end.err != nil {
			return "", nil, end.err
		}
		b := d.b[d.pos : d.pos+end.pos]
		md := decoder{b: b, s: string(b)}
		msgs = append(msgs, md.message(end.values))
		if md.err != nil {
			return "", nil, md.err
		}
		d.pos += end.pos
	}
	if d.err != nil {
		return "", nil, d.err
	}
	return string(d.b[from:to]), msgs, nil
}
