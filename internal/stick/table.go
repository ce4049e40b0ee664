package stick

import (
	"container/heap"
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// numShards is the number of independently locked parts of a table
// (HAProxy's CONFIG_HAP_TBL_BUCKETS plays the same role).
const numShards = 16

// maxEvictScan bounds how many queued entries one eviction inspects per
// shard, like HAProxy's max_search, so a table full of tracked entries
// does not make every new key scan the whole table.
const maxEvictScan = 64

// Table is a live stick table. It is safe for concurrent use.
//
// Entries are kept in numShards shards, each a map plus a min-heap ordered
// by last touch. Touching an entry only stores its touch time atomically;
// the heap position is corrected lazily when eviction or the sweeper looks
// at it, the trick HAProxy plays with its expiry tree.
type Table struct {
	name   string
	decl   *Decl
	layout layout
	clock  func() time.Time
	// base is the table's time origin: times are kept as milliseconds
	// since base, which uses the monotonic clock when the clock has one.
	base time.Time

	// expireMS and noPurge may change when a reload keeps the table.
	expireMS atomic.Int64
	noPurge  atomic.Bool

	count  atomic.Int64 // entries in the table, table_cnt
	nextID atomic.Uint64

	shards [numShards]shard
}

// shard is one lock domain of a table.
type shard struct {
	mu sync.Mutex
	m  map[mapKey]*Entry // guarded by mu
	h  touchHeap         // guarded by mu
}

// Option configures a Table or a Registry.
type Option func(*options)

type options struct {
	clock func() time.Time
}

// WithClock sets the time source, for tests. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) { o.clock = now }
}

func buildOptions(opts []Option) options {
	o := options{clock: time.Now}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// New returns an empty table named name (the proxy that declares it).
func New(name string, d *Decl, opts ...Option) *Table {
	o := buildOptions(opts)
	t := &Table{name: name, decl: d, layout: newLayout(d), clock: o.clock, base: o.clock()}
	t.setPolicy(d)
	for i := range t.shards {
		t.shards[i].m = make(map[mapKey]*Entry)
	}
	return t
}

// setPolicy applies the settings that may change without losing entries.
func (t *Table) setPolicy(d *Decl) {
	t.expireMS.Store(d.Expire.Milliseconds())
	t.noPurge.Store(d.NoPurge)
}

// Name returns the table's name.
func (t *Table) Name() string { return t.name }

// Decl returns the declaration the table was built from.
func (t *Table) Decl() *Decl { return t.decl }

// Len returns the number of entries (the table_cnt fetch). Expired entries
// count until the sweeper or a lookup removes them.
func (t *Table) Len() int { return int(t.count.Load()) }

// Avail returns the number of free slots (the table_avl fetch).
func (t *Table) Avail() int { return max(int(t.decl.Size)-t.Len(), 0) }

// Stores reports whether the table stores dt.
func (t *Table) Stores(dt DataType) bool { return dt < numDataTypes && t.layout.slots[dt].stored }

func (t *Table) nowMS() int64 { return int64(t.clock().Sub(t.base) / time.Millisecond) }

// expired reports whether e's expiry date has passed. Without "expire",
// entries never expire.
func (t *Table) expired(e *Entry, now int64) bool {
	exp := t.expireMS.Load()
	return exp > 0 && e.touched.Load()+exp <= now
}

// Get returns the entry for k, or nil. It neither creates the entry nor
// refreshes its expiry nor takes a reference (like HAProxy's table_*
// converters), so use it for reads only: an entry may be evicted while a
// caller holds it, and updates to an evicted entry are lost.
func (t *Table) Get(k Key) *Entry {
	mk, ok := t.canon(k)
	if !ok {
		return nil
	}
	now := t.nowMS()
	sh := &t.shards[shardOf(mk)]
	sh.mu.Lock()
	e := t.lookupLive(sh, mk, now)
	sh.mu.Unlock()
	return e
}

// Track returns the entry for k, creating it if needed, with a reference
// held for the caller and its expiry refreshed (track-sc, stick on/store).
// While referenced, the entry is neither evicted nor expired. The caller
// must call Release exactly once. Track returns nil when k cannot be
// converted to the table's type, or when the table is full and nothing can
// be purged (nopurge, or every entry in use).
func (t *Table) Track(k Key) *Entry {
	mk, ok := t.canon(k)
	if !ok {
		return nil
	}
	now := t.nowMS()
	sh := &t.shards[shardOf(mk)]
	sh.mu.Lock()
	if e := t.lookupLive(sh, mk, now); e != nil {
		e.refs.Add(1)
		e.touchAt(now)
		sh.mu.Unlock()
		return e
	}
	sh.mu.Unlock()

	// Make room without holding the shard lock: eviction locks shards.
	if !t.reserve() {
		return nil
	}
	e := t.newEntry(mk, now)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := t.lookupLive(sh, mk, now); old != nil {
		// Another goroutine created it meanwhile.
		t.count.Add(-1)
		old.refs.Add(1)
		old.touchAt(now)
		return old
	}
	e.refs.Store(1)
	sh.insert(e)
	return e
}

// lookupLive finds mk in sh, dropping it if it has expired and nobody
// holds it: the expiry task would already have removed it in HAProxy.
func (t *Table) lookupLive(sh *shard, mk mapKey, now int64) *Entry {
	e := sh.m[mk]
	if e == nil {
		return nil
	}
	if e.refs.Load() == 0 && t.expired(e, now) {
		t.removeLocked(sh, e)
		return nil
	}
	return e
}

// reserve counts a new entry, purging the oldest unused one if the table
// is full (stksess_new).
func (t *Table) reserve() bool {
	if t.count.Add(1) <= int64(t.decl.Size) {
		return true
	}
	if !t.noPurge.Load() && t.evictOldest() {
		return true
	}
	t.count.Add(-1)
	return false
}

func (t *Table) newEntry(mk mapKey, now int64) *Entry {
	mk.s = cloneString(mk.s) // do not pin the caller's request buffer
	e := &Entry{t: t, key: mk, id: t.nextID.Add(1), shard: shardOf(mk)}
	e.touched.Store(now)
	e.queued = now
	if t.layout.nvals > 0 {
		e.vals = make([]uint64, t.layout.nvals)
	}
	if t.layout.nfrqs > 0 {
		e.frqs = make([]freqCtr, t.layout.nfrqs)
	}
	return e
}

func cloneString(s string) string {
	if s == "" {
		return ""
	}
	return string([]byte(s))
}

// evictOldest removes the least recently touched entry nobody holds.
// HAProxy frees a batch of the oldest entries from one bucket; hawser
// frees exactly one, the oldest across the table, which keeps eviction
// order predictable.
func (t *Table) evictOldest() bool {
	for range 3 { // retry if the candidate was touched or taken meanwhile
		var best *Entry
		var bestTouch int64
		for i := range t.shards {
			sh := &t.shards[i]
			sh.mu.Lock()
			c := sh.oldestFree()
			if c != nil {
				ct := c.touched.Load()
				if best == nil || ct < bestTouch || ct == bestTouch && c.id < best.id {
					best, bestTouch = c, ct
				}
			}
			sh.mu.Unlock()
		}
		if best == nil {
			return false
		}
		sh := &t.shards[best.shard]
		sh.mu.Lock()
		ok := !best.dead && best.refs.Load() == 0 && best.touched.Load() == bestTouch
		if ok {
			t.removeLocked(sh, best)
		}
		sh.mu.Unlock()
		if ok {
			return true
		}
	}
	return false
}

// removeLocked deletes e from sh; sh.mu must be held.
func (t *Table) removeLocked(sh *shard, e *Entry) {
	delete(sh.m, e.key)
	heap.Remove(&sh.h, e.hidx)
	e.dead = true
	t.count.Add(-1)
}

// insert adds a new entry; sh.mu must be held.
func (sh *shard) insert(e *Entry) {
	sh.m[e.key] = e
	heap.Push(&sh.h, e)
}

// oldestFree returns the shard's least recently touched entry with no
// reference, or nil. It first moves entries touched since they were queued
// to their right place. sh.mu must be held.
func (sh *shard) oldestFree() *Entry {
	var aside [maxEvictScan]*Entry
	n := 0
	var found *Entry
	for range maxEvictScan {
		if len(sh.h) == 0 {
			break
		}
		e := sh.h[0]
		if cur := e.touched.Load(); cur != e.queued {
			e.queued = cur
			heap.Fix(&sh.h, 0)
			continue
		}
		if e.refs.Load() > 0 {
			aside[n] = heap.Pop(&sh.h).(*Entry)
			n++
			continue
		}
		found = e
		break
	}
	for _, e := range aside[:n] {
		heap.Push(&sh.h, e)
	}
	return found
}

// Delete removes the entry for k unless it is in use ("clear table t key
// k"). It reports whether an entry was removed.
func (t *Table) Delete(k Key) bool {
	mk, ok := t.canon(k)
	if !ok {
		return false
	}
	sh := &t.shards[shardOf(mk)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e := sh.m[mk]
	if e == nil || e.refs.Load() > 0 {
		return false
	}
	t.removeLocked(sh, e)
	return true
}

// Clear removes every entry not in use ("clear table t") and returns how
// many were removed. Entries tracked by live sessions stay, as in HAProxy.
func (t *Table) Clear() int {
	n := 0
	for i := range t.shards {
		sh := &t.shards[i]
		sh.mu.Lock()
		for _, e := range sh.m {
			if e.refs.Load() == 0 {
				t.removeLocked(sh, e)
				n++
			}
		}
		sh.mu.Unlock()
	}
	return n
}

// Sweep removes the expired entries nobody holds and returns how many it
// removed. Run calls it periodically; lookups also drop expired entries
// they meet, so sweeping only bounds memory and keeps Len accurate.
func (t *Table) Sweep() int {
	exp := t.expireMS.Load()
	if exp <= 0 {
		return 0
	}
	now := t.nowMS()
	n := 0
	for i := range t.shards {
		n += t.sweepShard(&t.shards[i], now, exp)
	}
	return n
}

func (t *Table) sweepShard(sh *shard, now, exp int64) int {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	var held []*Entry
	n := 0
	// Queued touch times never exceed the real ones, so once the top is
	// not expired by its queued time, nothing below it is expired either.
	for len(sh.h) > 0 && sh.h[0].queued+exp <= now {
		e := sh.h[0]
		if cur := e.touched.Load(); cur != e.queued {
			e.queued = cur
			heap.Fix(&sh.h, 0)
			continue
		}
		if e.refs.Load() > 0 {
			// Release removes it once the last holder lets go.
			held = append(held, heap.Pop(&sh.h).(*Entry))
			continue
		}
		t.removeLocked(sh, e)
		n++
	}
	for _, e := range held {
		heap.Push(&sh.h, e)
	}
	return n
}

// Run sweeps the table every interval until ctx is done.
func (t *Table) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.Sweep()
		}
	}
}

// release drops a reference and frees the entry if it expired meanwhile
// (stksess_kill_if_expired).
func (t *Table) release(e *Entry) {
	n := e.refs.Add(-1)
	if n < 0 {
		panic("stick: Release called more often than Track")
	}
	if n > 0 {
		return
	}
	now := t.nowMS()
	if !t.expired(e, now) {
		return
	}
	sh := &t.shards[e.shard]
	sh.mu.Lock()
	if !e.dead && e.refs.Load() == 0 && t.expired(e, now) {
		t.removeLocked(sh, e)
	}
	sh.mu.Unlock()
}

// touchHeap orders a shard's entries by queued touch time, then by id so
// that entries touched in the same millisecond leave in creation order.
type touchHeap []*Entry

func (h touchHeap) Len() int { return len(h) }
func (h touchHeap) Less(i, j int) bool {
	if h[i].queued != h[j].queued {
		return h[i].queued < h[j].queued
	}
	return h[i].id < h[j].id
}
func (h touchHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *touchHeap) Push(x any) {
	e := x.(*Entry)
	e.hidx = len(*h)
	*h = append(*h, e)
}
func (h *touchHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	e.hidx = -1
	return e
}
