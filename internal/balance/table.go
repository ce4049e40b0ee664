package balance

import (
	"container/heap"
	"slices"

	"github.com/hawser-lb/hawser/internal/hash"
)

// table is what the algorithms pick from: the group of servers that was
// usable when it was built (the active servers, or else the backups) and the
// structures derived from their weights. Tables are immutable once
// published.
type table struct {
	fp      uint64    // fingerprint of the group it was built for
	servers []*Server // the group, by ID
	// sched is a smooth weighted round-robin cycle over servers: each server
	// appears weight/gcd times, spread evenly. It serves roundrobin,
	// static-rr, the map of map-based hashing and weighted random draws.
	sched []int32
	// ring holds the consistent-hash points, sorted by key; nil unless the
	// algorithm hashes consistently.
	ring []ringPoint
}

// ringPoint is one occurrence of a server on the consistent-hash ring.
type ringPoint struct {
	key uint32
	srv int32 // index into table.servers
}

// Fingerprint seeds: distinct values keep an active group and a backup group
// made of the same indexes apart. 0 is reserved for "no usable server".
const (
	fpActive   = 0xcbf29ce484222325
	fpBackup   = 0x84222325cbf29ce4
	fpFirstBck = 0x9e3779b97f4a7c15
	fpPrime    = 0x100000001b3
)

// fingerprint identifies the group of servers balancing must use now: the
// eligible active servers, or else the first eligible backup (or all of them
// with AllBackups). It costs one pass of atomic loads over the servers, which
// is what lets health and admin changes apply at the next pick without any
// notification. Collisions are harmless: candidates are re-checked live.
func (p *Pool) fingerprint() uint64 {
	act, bck := uint64(fpActive), uint64(fpBackup)
	nAct, nBck, first := 0, 0, -1
	for i, sv := range p.byID {
		if !sv.eligible() {
			continue
		}
		if sv.Backup {
			if first < 0 {
				first = i
			}
			bck = (bck ^ uint64(i+1) ^ uint64(sv.EWeight())<<32) * fpPrime
			nBck++
			continue
		}
		// The weight is part of the group: a weight set at run time
		// rebuilds the schedule at the next pick.
		act = (act ^ uint64(i+1) ^ uint64(sv.EWeight())<<32) * fpPrime
		nAct++
	}
	switch {
	case nAct > 0:
		return act
	case nBck == 0:
		return 0
	case p.opts.AllBackups:
		return bck
	default:
		return (fpFirstBck ^ uint64(first+1)) * fpPrime
	}
}

// current returns the table for the group usable now, rebuilding it when
// the group changed since it was built.
func (p *Pool) current() *table {
	fp := p.fingerprint()
	if t := p.tab.Load(); t.fp == fp {
		return t
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if t := p.tab.Load(); t.fp == fp {
		return t
	}
	t := p.build(fp)
	p.tab.Store(t)
	return t
}

// build makes the table for the group usable now. fp is the fingerprint the
// caller computed; the group is recomputed here and may be newer, in which
// case the next pick rebuilds again.
func (p *Pool) build(fp uint64) *table {
	t := &table{fp: fp, servers: p.group()}
	t.sched = schedule(t.servers)
	if p.ring {
		t.ring = buildRing(t.servers)
	}
	return t
}

// group lists the servers balancing must use now, by ID.
func (p *Pool) group() []*Server {
	var act, bck []*Server
	for _, sv := range p.byID {
		if !sv.eligible() {
			continue
		}
		if sv.Backup {
			bck = append(bck, sv)
		} else {
			act = append(act, sv)
		}
	}
	switch {
	case len(act) > 0:
		return act
	case len(bck) > 0 && !p.opts.AllBackups:
		return bck[:1]
	default:
		return bck
	}
}

// schedule spreads each server weight/gcd times over one cycle so that
// consecutive picks interleave (weights 3 and 1 give a a b a, not a a a b).
// The k-th turn (from 0) of a server of weight w is placed at time
// (k+½)/w: sorting all turns by time interleaves them as evenly as the
// weights allow, with ties going to the lower ID.
func schedule(servers []*Server) []int32 {
	g := 0
	for _, sv := range servers {
		g = gcd(g, sv.EWeight())
	}
	if g == 0 {
		return nil
	}
	h := turnHeap{}
	total := 0
	for i, sv := range servers {
		w := sv.EWeight() / g
		total += w
		h = append(h, turn{srv: int32(i), w: int64(w)})
	}
	heap.Init(&h)
	sched := make([]int32, 0, total)
	for len(sched) < total {
		t := &h[0]
		sched = append(sched, t.srv)
		t.k++
		if t.k == t.w {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return sched
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// turn is a server's next place in the schedule being built: its turn k out
// of w falls at time (2k+1)/(2w).
type turn struct {
	srv  int32
	k, w int64
}

// turnHeap orders turns by time, then by server index.
type turnHeap []turn

func (h turnHeap) Len() int { return len(h) }
func (h turnHeap) Less(i, j int) bool {
	// (2ki+1)/(2wi) < (2kj+1)/(2wj), cross-multiplied to stay in integers.
	a := (2*h[i].k + 1) * h[j].w
	b := (2*h[j].k + 1) * h[i].w
	if a != b {
		return a < b
	}
	return h[i].srv < h[j].srv
}
func (h turnHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *turnHeap) Push(x any)   { *h = append(*h, x.(turn)) }
func (h *turnHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// Consistent-hash geometry, as in HAProxy: a server of weight w has w*16
// points, and point j of server id sits at hash.Avalanche(id*4096 + j). Using the
// same placement keeps a key on the same server as HAProxy would for the
// same server ids.
const (
	pointsPerWeight = 16
	idStride        = maxWeight * pointsPerWeight
)

// buildRing places every server's points and sorts them by key.
func buildRing(servers []*Server) []ringPoint {
	n := 0
	for _, sv := range servers {
		n += sv.EWeight() * pointsPerWeight
	}
	ring := make([]ringPoint, 0, n)
	for i, sv := range servers {
		base := uint32(sv.ID) * idStride
		for j := range sv.EWeight() * pointsPerWeight {
			ring = append(ring, ringPoint{key: hash.Avalanche(base + uint32(j)), srv: int32(i)})
		}
	}
	slices.SortFunc(ring, func(a, b ringPoint) int {
		if a.key != b.key {
			if a.key < b.key {
				return -1
			}
			return 1
		}
		return int(a.srv - b.srv)
	})
	return ring
}
