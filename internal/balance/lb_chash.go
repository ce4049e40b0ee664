package balance

// ringLookup is "hash-type consistent": the hash falls between two points
// of the ring and the closer one wins (the previous one on a tie), as in
// HAProxy. Only the keys of a server that leaves the group move, since the
// other servers keep their points. When the chosen server cannot be used,
// the walk continues clockwise.
func ringLookup(t *table, v uint32, avoid *Server) *Server {
	n := len(t.ring)
	next := searchRing(t.ring, v)
	if next == n {
		next = 0
	}
	prev := next - 1
	if prev < 0 {
		prev = n - 1
	}
	i := next
	// uint32 arithmetic measures distances around the ring.
	if v-t.ring[prev].key <= t.ring[next].key-v {
		i = prev
	}
	for range n {
		sv := t.servers[t.ring[i].srv]
		if sv != avoid && sv.eligible() {
			return sv
		}
		if i++; i == n {
			i = 0
		}
	}
	return nil
}

// searchRing returns the index of the first point with key >= v, or
// len(ring).
func searchRing(ring []ringPoint, v uint32) int {
	lo, hi := 0, len(ring)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if ring[m].key < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
