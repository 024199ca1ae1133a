package bus

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// valueTable behaves as a map[uint64]valueSlot under any sequence of sets and deletes,
// with hashes drawn from a small set whose low bits collide, so that probe runs form,
// wrap around the end of the table and are cut by deletions.
func TestValueTableIsAMap(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var table valueTable
		model := map[uint64]valueSlot{}
		hashes := rapid.SliceOfNDistinct(rapid.Uint64(), 1, 40, rapid.ID[uint64]).Draw(t, "hashes")
		for i := range hashes {
			if rapid.Bool().Draw(t, "colliding") { // the same low bits as another hash
				hashes[i] = hashes[i]&^0xff | hashes[0]&0xff
			}
		}
		buckets := make([]bucket, 3)
		for step := rapid.IntRange(1, 300).Draw(t, "steps"); step > 0; step-- {
			h := rapid.SampledFrom(hashes).Draw(t, "hash")
			if _, ok := model[h]; ok && rapid.Bool().Draw(t, "delete") {
				table.delete(h)
				delete(model, h)
			} else {
				v := valueSlot{b: &buckets[rapid.IntRange(0, 2).Draw(t, "bucket")]}
				table.set(h, v)
				model[h] = v
			}
			require.Equal(t, len(model), table.n)
			for _, h := range hashes {
				require.Equal(t, model[h], table.get(h), "hash %x", h)
			}
			seen := map[uint64]valueSlot{}
			table.each(func(h uint64, v valueSlot) { seen[h] = v })
			require.Equal(t, model, seen)
			if n := len(table.entries); n != 0 {
				require.Equal(t, 0, n&(n-1), "a power of two")
				require.LessOrEqual(t, table.n*4, n*3, "at most three quarters full")
			}
		}
	})
}
