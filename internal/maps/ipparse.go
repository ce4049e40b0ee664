package maps

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseIP parses an IPv4 or IPv6 address or network as HAProxy reads IP
// patterns and map_ip keys. IPv4 accepts the abbreviated inet_aton forms
// ("10.12" is 10.0.0.12) and dotted netmasks; an address without a mask is
// a host prefix. IPv4-mapped text (::ffff:a.b.c.d) stays IPv6, so its mask
// counts IPv6 bits. Host names are refused: hawser never resolves names in
// patterns.
func ParseIP(text string) (netip.Prefix, error) {
	addrText, maskText, hasMask := strings.Cut(text, "/")
	// The error is made only when needed: lookups parse keys too.
	bad := func() error { return fmt.Errorf("'%s' is not a valid IPv4 or IPv6 address", text) }
	if a, err := netip.ParseAddr(addrText); err == nil && a.Is6() {
		n := 128
		if hasMask {
			if n, err = strconv.Atoi(maskText); err != nil || n < 0 || n > 128 {
				return netip.Prefix{}, bad()
			}
		}
		return netip.PrefixFrom(a.WithZone(""), n).Masked(), nil
	}
	a, ok := parseIPv4(addrText)
	if !ok {
		return netip.Prefix{}, bad()
	}
	n := 32
	if hasMask {
		if n, ok = parseIPv4Mask(maskText); !ok {
			return netip.Prefix{}, bad()
		}
	}
	return netip.PrefixFrom(a, n).Masked(), nil
}

// parseIPv4 parses dotted IPv4 in the inet_aton style HAProxy documents:
// the last part fills the remaining bytes ("127.1" is 127.0.0.1).
func parseIPv4(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		return a, a.Is4()
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var out [4]byte
	for i, p := range parts {
		width := 1
		if i == len(parts)-1 {
			width = 4 - i
		}
		n, err := strconv.ParseUint(p, 10, 8*width)
		if err != nil {
			return netip.Addr{}, false
		}
		for j := width - 1; j >= 0; j-- {
			out[i+j] = byte(n)
			n >>= 8
		}
	}
	return netip.AddrFrom4(out), true
}

// parseIPv4Mask accepts a bit count or a dotted netmask with contiguous
// bits (HAProxy also accepts others, with a slow path hawser lacks).
func parseIPv4Mask(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, n >= 0 && n <= 32
	}
	m, err := netip.ParseAddr(s)
	if err != nil || !m.Is4() {
		return 0, false
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	ones := 0
	for v&0x80000000 != 0 {
		ones++
		v <<= 1
	}
	return ones, v == 0
}
