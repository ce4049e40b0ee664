package maps

import (
	"math/bits"
	"net/netip"
)

// radix is a path-compressed binary trie of prefixes up to 128 bits,
// stored as two uint64 halves (IPv4 keys use the top 32 bits of hi). It
// answers longest-prefix-match lookups.
type radix struct {
	root *radixNode
	max  uint8 // key width: 32 or 128
}

// radixNode is one branching point or stored prefix. Its key is masked to
// its bit length; has marks a prefix that was inserted (not only a split).
type radixNode struct {
	hi, lo uint64
	bits   uint8
	has    bool
	val    int32
	child  [2]*radixNode
}

// bitAt returns bit i of the key, counting from the most significant bit.
func bitAt(hi, lo uint64, i uint8) int {
	if i < 64 {
		return int(hi >> (63 - i) & 1)
	}
	return int(lo >> (127 - i) & 1)
}

// commonLen is the number of leading bits a and b share, capped at limit.
func commonLen(ahi, alo, bhi, blo uint64, limit uint8) uint8 {
	var n int
	if x := ahi ^ bhi; x != 0 {
		n = bits.LeadingZeros64(x)
	} else {
		n = 64 + bits.LeadingZeros64(alo^blo)
	}
	return uint8(min(n, int(limit)))
}

// maskKey keeps the first n bits of the key.
func maskKey(hi, lo uint64, n uint8) (uint64, uint64) {
	switch {
	case n == 0:
		return 0, 0
	case n <= 64:
		return hi & (^uint64(0) << (64 - n)), 0
	case n < 128:
		return hi, lo & (^uint64(0) << (128 - n))
	}
	return hi, lo
}

// insert stores val for the prefix; an existing prefix keeps its value,
// since the first entry of a file wins as in HAProxy.
func (t *radix) insert(hi, lo uint64, n uint8, val int32) {
	hi, lo = maskKey(hi, lo, n)
	leaf := &radixNode{hi: hi, lo: lo, bits: n, has: true, val: val}
	p := &t.root
	for {
		cur := *p
		if cur == nil {
			*p = leaf
			return
		}
		c := commonLen(hi, lo, cur.hi, cur.lo, min(n, cur.bits))
		switch {
		case c == cur.bits && c == n:
			if !cur.has {
				cur.has, cur.val = true, val
			}
			return
		case c == cur.bits:
			p = &cur.child[bitAt(hi, lo, cur.bits)]
			continue
		case c == n:
			// The new prefix contains cur: it becomes cur's parent.
			leaf.child[bitAt(cur.hi, cur.lo, n)] = cur
			*p = leaf
			return
		}
		mhi, mlo := maskKey(hi, lo, c)
		mid := &radixNode{hi: mhi, lo: mlo, bits: c}
		mid.child[bitAt(cur.hi, cur.lo, c)] = cur
		mid.child[bitAt(hi, lo, c)] = leaf
		*p = mid
		return
	}
}

// lookup returns the value of the longest stored prefix containing the
// full-width key.
func (t *radix) lookup(hi, lo uint64) (int32, bool) {
	var best int32
	found := false
	for n := t.root; n != nil; {
		if commonLen(hi, lo, n.hi, n.lo, n.bits) < n.bits {
			break
		}
		if n.has {
			best, found = n.val, true
		}
		if n.bits >= t.max {
			break
		}
		n = n.child[bitAt(hi, lo, n.bits)]
	}
	return best, found
}

// IPTree finds the longest IPv4 or IPv6 prefix containing an address, with
// HAProxy's rules for mixing families (configuration.txt 7.1.6): an IPv4
// address is also looked up as ::ffff:a.b.c.d among IPv6 prefixes, and an
// IPv6 address embedding an IPv4 one (::ffff:a.b.c.d, ::a.b.c.d,
// 2002:a.b.c.d::) is also looked up among IPv4 prefixes. The zero value is
// empty and ready to use; it is not safe for concurrent writes.
type IPTree struct {
	v4, v6 radix
	n      int
}

// Len returns the number of prefixes inserted.
func (t *IPTree) Len() int { return t.n }

// Insert stores val for p. Inserting a prefix that is already present
// keeps the first value.
func (t *IPTree) Insert(p netip.Prefix, val int32) {
	a := p.Addr()
	t.n++
	if a.Is4() {
		t.v4.max = 32
		t.v4.insert(v4Key(a), 0, uint8(p.Bits()), val)
		return
	}
	t.v6.max = 128
	hi, lo := v6Key(a)
	t.v6.insert(hi, lo, uint8(p.Bits()), val)
}

// Lookup returns the value of the longest prefix containing a.
func (t *IPTree) Lookup(a netip.Addr) (int32, bool) {
	a = a.Unmap()
	if a.Is4() {
		if v, ok := t.v4.lookup(v4Key(a), 0); ok {
			return v, true
		}
		if t.v6.root == nil {
			return 0, false
		}
		return t.v6.lookup(v6Key(netip.AddrFrom16(a.As16())))
	}
	if v, ok := t.v6.lookup(v6Key(a)); ok {
		return v, true
	}
	if v4, ok := EmbeddedIPv4(a); ok && t.v4.root != nil {
		return t.v4.lookup(v4Key(v4), 0)
	}
	return 0, false
}

func v4Key(a netip.Addr) uint64 {
	b := a.As4()
	return uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32
}

func v6Key(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	for i := range 8 {
		hi = hi<<8 | uint64(b[i])
		lo = lo<<8 | uint64(b[8+i])
	}
	return hi, lo
}

// EmbeddedIPv4 returns the IPv4 address an IPv6 address carries: 6to4
// (2002:a.b.c.d::) or IPv4-compatible (::a.b.c.d). Call it after Unmap,
// which already turns ::ffff:a.b.c.d into IPv4.
func EmbeddedIPv4(a netip.Addr) (netip.Addr, bool) {
	b := a.As16()
	if b[0] == 0x20 && b[1] == 0x02 {
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]}), true
	}
	for _, x := range b[:12] {
		if x != 0 {
			return netip.Addr{}, false
		}
	}
	return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]}), true
}
