package bus

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The ring keeps the last len(entries) entries and finds each by its
// sequence number across the wrap-around.
func TestHistoryRing(t *testing.T) {
	h := history{entries: make([]entry, 3)}
	assert.Zero(t, h.oldestSeq(), "empty")
	assert.False(t, h.full())
	for seq := uint64(1); seq <= 10; seq++ {
		h.add(entry{seq: seq, data: int(seq)})
		first := uint64(1)
		if seq > 3 {
			first = seq - 2
		}
		require.Equal(t, first, h.oldestSeq(), "after %d", seq)
		assert.Equal(t, seq >= 3, h.full(), "after %d", seq)
		for want := first; want <= seq; want++ {
			e := h.at(want)
			require.Equal(t, want, e.seq)
			require.Equal(t, int(want), e.data)
		}
	}
}

// A history that begins after sequence numbers were used (a Reset server)
// starts at the first number it is given.
func TestHistoryStartsAnywhere(t *testing.T) {
	h := history{entries: make([]entry, 2)}
	h.add(entry{seq: 41})
	assert.EqualValues(t, 41, h.oldestSeq())
	h.add(entry{seq: 42})
	h.add(entry{seq: 43})
	assert.EqualValues(t, 42, h.oldestSeq())
	assert.EqualValues(t, 43, h.at(43).seq)
}
