package bus

// valueTable maps the hash of a value (index.hash) to its value bucket, for one key node.
// It is a Go map's job done with one hash instead of two: the key is already a uniform
// 64-bit hash, so its low bits place it, where a map[uint64] would hash it again. Open
// addressing with linear probing, at most three quarters full; deletion shifts the entries
// that follow back (no tombstones), and the table halves when it falls below an eighth.
type valueTable struct {
	entries []valueEntry // a power of two long; nil when empty
	n       int
}

// valueEntry is one slot of a valueTable; it is free when b is nil.
type valueEntry struct {
	hash uint64
	valueSlot
}

const minValueTable = 8

// get returns the slot of hash, the zero slot if there is none.
func (t *valueTable) get(hash uint64) valueSlot {
	if t.entries == nil {
		return valueSlot{}
	}
	mask := uint64(len(t.entries) - 1)
	for i := hash & mask; ; i = (i + 1) & mask {
		e := &t.entries[i]
		if e.b == nil {
			return valueSlot{}
		}
		if e.hash == hash {
			return e.valueSlot
		}
	}
}

// set makes v, whose bucket must not be nil, the slot of hash.
func (t *valueTable) set(hash uint64, v valueSlot) {
	if (t.n+1)*4 > len(t.entries)*3 {
		t.resize(max(minValueTable, 2*len(t.entries)))
	}
	mask := uint64(len(t.entries) - 1)
	i := hash & mask
	for t.entries[i].b != nil && t.entries[i].hash != hash {
		i = (i + 1) & mask
	}
	if t.entries[i].b == nil {
		t.n++
	}
	t.entries[i] = valueEntry{hash: hash, valueSlot: v}
}

// delete removes the slot of hash, which must be there.
func (t *valueTable) delete(hash uint64) {
	mask := uint64(len(t.entries) - 1)
	i := hash & mask
	for t.entries[i].hash != hash || t.entries[i].b == nil {
		i = (i + 1) & mask
	}
	// Shift back each entry of the run after i that may sit at i: one whose home is not in
	// the cyclic range (i, j].
	for j := (i + 1) & mask; t.entries[j].b != nil; j = (j + 1) & mask {
		home := t.entries[j].hash & mask
		if (j-home)&mask >= (j-i)&mask {
			t.entries[i] = t.entries[j]
			i = j
		}
	}
	t.entries[i] = valueEntry{}
	t.n--
	switch {
	case t.n == 0:
		t.entries = nil
	case len(t.entries) > minValueTable && t.n*8 < len(t.entries):
		t.resize(len(t.entries) / 2)
	}
}

// resize moves the entries into a table of size slots.
func (t *valueTable) resize(size int) {
	old := t.entries
	t.entries = make([]valueEntry, size)
	mask := uint64(size - 1)
	for _, e := range old {
		if e.b == nil {
			continue
		}
		i := e.hash & mask
		for t.entries[i].b != nil {
			i = (i + 1) & mask
		}
		t.entries[i] = e
	}
}

// each calls fn with every hash and slot in the table.
func (t *valueTable) each(fn func(hash uint64, v valueSlot)) {
	for _, e := range t.entries {
		if e.b != nil {
			fn(e.hash, e.valueSlot)
		}
	}
}
