package stick

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Key is a value to look up in a table, built from a sample: IPKey,
// IntKey, StringKey or BinaryKey. The table converts it to its own key
// type the way HAProxy converts samples (smp_to_stkey): an IPv4 address in
// an ipv6 table becomes ::ffff:a.b.c.d, a string is cut at its first NUL
// and to the table's len, a binary block is truncated or padded with zeros.
// Building a Key does not allocate (except BinaryKey, which copies).
type Key struct {
	kind keyKind
	ip   netip.Addr
	n    int64
	s    string
}

type keyKind uint8

const (
	kindNone keyKind = iota
	kindIP
	kindInt
	kindString
)

// IPKey returns a key for an address. IPv4-mapped IPv6 addresses are
// treated as IPv4, since that is what HAProxy's src fetch would return for
// such a client.
func IPKey(a netip.Addr) Key { return Key{kind: kindIP, ip: a.Unmap()} }

// IntKey returns a key for an integer sample.
func IntKey(n int64) Key { return Key{kind: kindInt, n: n} }

// StringKey returns a key for a string sample.
func StringKey(s string) Key { return Key{kind: kindString, s: s} }

// BinaryKey returns a key for a binary sample. It copies b.
func BinaryKey(b []byte) Key { return Key{kind: kindString, s: string(b)} }

// mapKey is a key in its table's canonical form. IP and integer keys live
// in a and b (big-endian halves for IPv6), string and binary keys in s, so
// that a lookup never allocates.
type mapKey struct {
	a, b uint64
	s    string
}

// canon converts k to the table's key type. ok is false when the sample
// cannot be converted (e.g. an IPv6 address into an ipv4 table).
func (t *Table) canon(k Key) (mk mapKey, ok bool) {
	switch t.decl.Type {
	case IPv4:
		a, ok := k.asIP()
		if !ok {
			return mk, false
		}
		v4, ok := v6tov4(a)
		if !ok {
			return mk, false
		}
		b := v4.As4()
		return mapKey{a: uint64(binary.BigEndian.Uint32(b[:]))}, true
	case IPv6:
		a, ok := k.asIP()
		if !ok {
			return mk, false
		}
		b := netip.AddrFrom16(a.As16()).As16()
		return mapKey{a: binary.BigEndian.Uint64(b[:8]), b: binary.BigEndian.Uint64(b[8:])}, true
	case Integer:
		n, ok := k.asInt()
		// HAProxy keeps the low 32 bits of the 64-bit sample.
		return mapKey{a: uint64(uint32(n))}, ok
	case String:
		s := k.asString()
		if i := strings.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		if len(s) > t.decl.KeyLen {
			s = s[:t.decl.KeyLen]
		}
		return mapKey{s: s}, true
	default: // Binary
		s := k.asBinary()
		if len(s) > t.decl.KeyLen {
			s = s[:t.decl.KeyLen]
		}
		// Blocks are zero-padded to len, so two blocks are equal exactly
		// when they are equal without their trailing zeros.
		return mapKey{s: strings.TrimRight(s, "\x00")}, true
	}
}

// asIP converts the sample to an address: an integer is an IPv4 address in
// host order (c_int2ip), a string is parsed.
func (k Key) asIP() (netip.Addr, bool) {
	switch k.kind {
	case kindIP:
		return k.ip, k.ip.IsValid()
	case kindInt:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(k.n))
		return netip.AddrFrom4(b), true
	case kindString:
		a, err := netip.ParseAddr(k.s)
		return a.Unmap(), err == nil
	}
	return netip.Addr{}, false
}

// v6tov4 maps an address to IPv4 as HAProxy's v6tov4 does: IPv4 itself,
// IPv4-mapped and IPv4-compatible addresses, and 6to4 (2002::/16).
func v6tov4(a netip.Addr) (netip.Addr, bool) {
	if a.Is4() {
		return a, true
	}
	b := a.As16()
	var zero [10]byte
	if [10]byte(b[:10]) == zero && (b[10] == 0xff && b[11] == 0xff || b[10] == 0 && b[11] == 0) {
		return netip.AddrFrom4([4]byte(b[12:])), true
	}
	if b[0] == 0x20 && b[1] == 0x02 {
		return netip.AddrFrom4([4]byte(b[2:6])), true
	}
	return netip.Addr{}, false
}

// asInt converts the sample to an integer: an IPv4 address in host order
// (c_ip2int), a decimal string.
func (k Key) asInt() (int64, bool) {
	switch k.kind {
	case kindInt:
		return k.n, true
	case kindIP:
		if !k.ip.Is4() {
			return 0, false
		}
		b := k.ip.As4()
		return int64(binary.BigEndian.Uint32(b[:])), true
	case kindString:
		n, err := strconv.ParseInt(k.s, 10, 64)
		return n, err == nil
	}
	return 0, false
}

func (k Key) asString() string {
	switch k.kind {
	case kindIP:
		return k.ip.String()
	case kindInt:
		return strconv.FormatInt(k.n, 10)
	}
	return k.s
}

// asBinary returns the raw bytes HAProxy's converters would produce: the
// 4 or 16 address bytes, or the 8-byte big-endian integer.
func (k Key) asBinary() string {
	switch k.kind {
	case kindIP:
		return string(k.ip.AsSlice())
	case kindInt:
		return string(binary.BigEndian.AppendUint64(nil, uint64(k.n)))
	}
	return k.s
}

// ParseKey parses a key typed on the Runtime API ("show table t key K",
// "clear table t key K", "set table t key K"): an address, a decimal
// integer, a string, or hex digits for a binary table.
func (t *Table) ParseKey(s string) (Key, error) {
	switch t.decl.Type {
	case IPv4, IPv6:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return Key{}, fmt.Errorf("invalid IP address '%s'", s)
		}
		if _, ok := t.canon(IPKey(a)); !ok {
			return Key{}, fmt.Errorf("address '%s' does not fit a table of type %s", s, t.decl.Type)
		}
		return IPKey(a), nil
	case Integer:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return Key{}, fmt.Errorf("invalid integer '%s'", s)
		}
		return IntKey(n), nil
	case String:
		return StringKey(s), nil
	default:
		b, err := hex.DecodeString(s)
		if err != nil {
			return Key{}, fmt.Errorf("invalid hexadecimal key '%s'", s)
		}
		return BinaryKey(b), nil
	}
}

// shardOf picks the shard of a canonical key. The hash is fixed (no
// random seed) so that "show table" prints the same shard numbers from one
// run to the next.
func shardOf(mk mapKey) uint8 {
	x := mk.a ^ (mk.b * 0x9e3779b97f4a7c15)
	if mk.s != "" {
		x = 0xcbf29ce484222325 // FNV-1a
		for i := 0; i < len(mk.s); i++ {
			x ^= uint64(mk.s[i])
			x *= 0x100000001b3
		}
	}
	// splitmix64 finalizer: spreads sequential addresses and integers.
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return uint8(x % numShards)
}

// formatKey writes a key as "show table" prints it.
func (t *Table) formatKey(sb *strings.Builder, mk mapKey) {
	switch t.decl.Type {
	case IPv4:
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(mk.a))
		sb.WriteString(netip.AddrFrom4(b).String())
	case IPv6:
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], mk.a)
		binary.BigEndian.PutUint64(b[8:], mk.b)
		sb.WriteString(netip.AddrFrom16(b).String())
	case Integer:
		sb.WriteString(strconv.FormatUint(mk.a, 10))
	case String:
		writeText(sb, mk.s)
	default:
		const hexDigits = "0123456789ABCDEF"
		for i := range t.decl.KeyLen {
			var c byte
			if i < len(mk.s) {
				c = mk.s[i]
			}
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		}
	}
}

// writeText escapes a string key like HAProxy's dump_text: blanks, '=',
// '\' and control characters are escaped so the line stays parseable.
func writeText(sb *strings.Builder, s string) {
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c == 0x1b:
			sb.WriteString(`\e`)
		case c == '\\' || c == ' ' || c == '=':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c > ' ' && c < 0x7f:
			sb.WriteByte(c)
		default:
			sb.WriteString(`\x`)
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&15])
		}
	}
}
