package query

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func resetCache() {
	for i := range cache {
		sh := &cache[i]
		sh.mu.Lock()
		sh.byKey, sh.ring, sh.hand = nil, nil, 0
		sh.mu.Unlock()
	}
}

// cacheSize returns the number of cached queries, checking each shard's index against its
// ring.
func cacheSize(t *testing.T) int {
	n := 0
	for i := range cache {
		sh := &cache[i]
		sh.mu.Lock()
		require.LessOrEqual(t, len(sh.ring), cacheShardEntries)
		require.Equal(t, len(sh.ring), len(sh.byKey))
		for j, e := range sh.ring {
			require.Equal(t, j, sh.byKey[e.text], "%q", e.text)
			require.Same(t, sh, shardOf(e.text))
		}
		n += len(sh.ring)
		sh.mu.Unlock()
	}
	return n
}

// holds reports whether the cache has s, without counting a hit.
func holds(s string) bool {
	sh := shardOf(s)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	_, ok := sh.byKey[s]
	return ok
}

// textsInShard returns n distinct valid texts that fall in sh.
func textsInShard(sh *cacheShard, n int) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		s := fmt.Sprintf("tx.height > %d", i)
		if shardOf(s) == sh {
			out = append(out, s)
		}
	}
	return out
}

func TestCacheHitIsTheSameQuery(t *testing.T) {
	resetCache()
	a := MustCompile("tm.event = 'NewBlock'")
	assert.Same(t, a, MustCompile("tm.event = 'NewBlock'"))
	b := MustCompile("tm.event='NewBlock'")
	assert.NotSame(t, a, b, "the cache is by text")
	assert.Equal(t, a.String(), b.String())
	assert.NoError(t, Validate("tm.event = 'NewBlock'"))
	assert.Equal(t, 2, cacheSize(t))
	assert.NoError(t, Validate("tx.height > 5"))
	assert.Equal(t, 2, cacheSize(t), "Validate keeps nothing")
}

// Rejected texts are not cached, and their errors are exact each time.
func TestCacheKeepsNoErrors(t *testing.T) {
	resetCache()
	for i := 0; i < 2; i++ {
		_, err := New("tx.height >")
		var qerr *Error
		require.ErrorAs(t, err, &qerr)
		assert.Equal(t, Error{Offset: 11, Line: 1, Column: 12, Msg: `unexpected end of query, expected a number, DATE or TIME after ">"`}, *qerr)
		assert.Equal(t, err, Validate("tx.height >"))
	}
	assert.Zero(t, cacheSize(t))
}

// However many texts arrive, the cache holds at most cacheShards × cacheShardEntries, and no
// text longer than maxCachedText.
func TestCacheIsBounded(t *testing.T) {
	resetCache()
	for i := 0; i < 3*cacheShards*cacheShardEntries; i++ {
		MustCompile(fmt.Sprintf("transfer.recipient = 'addr%d'", i))
	}
	assert.Equal(t, cacheShards*cacheShardEntries, cacheSize(t), "every shard full, none over")
	resetCache()
	long := fmt.Sprintf("memo = '%0*d'", maxCachedText, 0)
	q := MustCompile(long)
	assert.NotSame(t, q, MustCompile(long))
	assert.Zero(t, cacheSize(t))
}

// A full shard evicts, by CLOCK, the first entry not hit since the hand last passed it.
func TestCacheEvictsByClock(t *testing.T) {
	resetCache()
	sh := shardOf("tx.height > 0")
	texts := textsInShard(sh, cacheShardEntries+2)
	first := MustCompile(texts[0])
	for _, s := range texts[1:cacheShardEntries] {
		MustCompile(s)
	}
	MustCompile(texts[0]) // a hit: texts[0] gets a second chance
	MustCompile(texts[cacheShardEntries])
	assert.True(t, holds(texts[0]), "the entry hit survives")
	assert.False(t, holds(texts[1]), "the first entry not hit is evicted")
	assert.True(t, holds(texts[2]))
	MustCompile(texts[cacheShardEntries+1])
	assert.False(t, holds(texts[2]), "the hand moved on")
	assert.True(t, holds(texts[0]), "its bit was cleared, but the hand has not come round")
	assert.Same(t, first, MustCompile(texts[0]))
}

// Callers of New on many goroutines share the cache: each gets a query with the text's
// canonical form, and for one text, eventually, one query.
func TestCacheConcurrent(t *testing.T) {
	resetCache()
	var texts []string
	for i := 0; i < 300; i++ {
		texts = append(texts, fmt.Sprintf("tm.event = 'Tx' AND tx.height >= %d", i%50))
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := range texts {
				s := texts[(i+g*37)%len(texts)]
				q, err := New(s)
				if !assert.NoError(t, err) {
					return
				}
				want, _ := compileText(s)
				assert.Equal(t, want.String(), q.String())
			}
		}(g)
	}
	wg.Wait()
	assert.Equal(t, 50, cacheSize(t))
	for _, s := range texts {
		assert.Same(t, MustCompile(s), MustCompile(s))
	}
}
