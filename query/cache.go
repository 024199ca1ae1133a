package query

import (
	"hash/maphash"
	"sync"
)

// The cache of compiled queries. Most subscribers of a bus send the same few texts
// (tm.event = 'NewBlock'), and a *Query is immutable, so New hands every caller of one text
// the same compiled query: a hit is a hash, a lock and a map lookup, not a parse.
//
// It is bounded, whatever texts arrive: cacheShards shards of at most cacheShardEntries
// entries each, and only texts of at most maxCachedText bytes. A shard evicts by CLOCK
// (second chance): a hit only sets the entry's bit, which, unlike LRU's reordering of a
// list, costs no write beyond it; when the shard is full, the hand skips and clears the
// entries hit since it last passed them and evicts the first one that was not. Rejected
// texts are not cached: their errors are made afresh, exact, each time.
const (
	cacheShards       = 16
	cacheShardEntries = 256 // 4,096 queries in all
	maxCachedText     = 1024
)

var (
	cacheSeed = maphash.MakeSeed()
	cache     [cacheShards]cacheShard
)

type cacheShard struct {
	mu    sync.Mutex
	byKey map[string]int // the entry of each text
	ring  []cacheEntry
	hand  int
}

type cacheEntry struct {
	text string
	q    *Query
	hit  bool // since the hand last passed
}

func shardOf(s string) *cacheShard {
	return &cache[maphash.String(cacheSeed, s)%cacheShards]
}

// cached returns the compiled query of s, if the cache has it.
func cached(s string) *Query {
	if len(s) > maxCachedText {
		return nil
	}
	sh := shardOf(s)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	i, ok := sh.byKey[s]
	if !ok {
		return nil
	}
	sh.ring[i].hit = true
	return sh.ring[i].q
}

// remember caches q as the compiled query of s, evicting an entry if the shard is full.
func remember(s string, q *Query) {
	if len(s) > maxCachedText {
		return
	}
	sh := shardOf(s)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.byKey == nil {
		sh.byKey = make(map[string]int, cacheShardEntries)
		sh.ring = make([]cacheEntry, 0, cacheShardEntries)
	}
	if _, ok := sh.byKey[s]; ok { // compiled meanwhile by another caller
		return
	}
	if len(sh.ring) < cacheShardEntries {
		sh.byKey[s] = len(sh.ring)
		sh.ring = append(sh.ring, cacheEntry{text: s, q: q})
		return
	}
	for sh.ring[sh.hand].hit {
		sh.ring[sh.hand].hit = false
		sh.hand = (sh.hand + 1) % len(sh.ring)
	}
	delete(sh.byKey, sh.ring[sh.hand].text)
	sh.ring[sh.hand] = cacheEntry{text: s, q: q}
	sh.byKey[s] = sh.hand
	sh.hand = (sh.hand + 1) % len(sh.ring)
}
