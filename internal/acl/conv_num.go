package acl

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"

	"github.com/hawser-lb/hawser/internal/hash"
	"github.com/hawser-lb/hawser/internal/maps"
	"github.com/zeebo/xxh3"
)

// numericConverters are the arithmetic, boolean, hash and address
// converters (configuration.txt 7.3.1).
func numericConverters() []*convDef {
	one := []argType{argIntVar}
	arith := func(name string, f func(a, b int64) int64) *convDef {
		return &convDef{name: name, args: one, minArgs: 1, in: TypeInt, out: TypeInt,
			fn: func(dst []byte, v value, a []arg) ([]byte, value, bool) {
				return dst, intValue(f(v.i, a[0].i)), true
			}}
	}
	unary := func(name string, out Type, f func(int64) int64) *convDef {
		return &convDef{name: name, in: TypeInt, out: out,
			fn: func(dst []byte, v value, _ []arg) ([]byte, value, bool) {
				return dst, value{typ: out, i: f(v.i)}, true
			}}
	}
	hashConv := func(name string, f func([]byte) uint32) *convDef {
		return &convDef{name: name, args: []argType{argInt}, in: TypeBin, out: TypeInt, fn: convHash(f)}
	}
	return []*convDef{
		arith("add", addSat),
		arith("sub", func(a, b int64) int64 { return subSat(a, b) }),
		arith("mul", mulSat),
		arith("div", divInt),
		arith("mod", modInt),
		arith("and", func(a, b int64) int64 { return a & b }),
		arith("or", func(a, b int64) int64 { return a | b }),
		arith("xor", func(a, b int64) int64 { return a ^ b }),
		unary("neg", TypeInt, func(a int64) int64 { return subSat(0, a) }),
		unary("not", TypeBool, func(a int64) int64 { return b2i(a == 0) }),
		unary("bool", TypeBool, func(a int64) int64 { return b2i(a != 0) }),
		unary("odd", TypeBool, func(a int64) int64 { return a & 1 }),
		unary("even", TypeBool, func(a int64) int64 { return b2i(a&1 == 0) }),
		hashConv("sdbm", hash.SDBM),
		hashConv("djb2", hash.DJB2),
		hashConv("wt6", hash.WT6),
		hashConv("crc32", hash.CRC32),
		{name: "xxh3", args: []argType{argInt}, in: TypeBin, out: TypeInt, fn: convXXH3},
		{name: "ipmask", args: []argType{argStr, argStr}, minArgs: 1, in: TypeIP, out: TypeIP, fn: convIPMask, prepare: prepareIPMask},
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// addSat, subSat and mulSat saturate at the int64 limits instead of
// wrapping, as HAProxy's arithmetic converters do.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case a > 0 && b > 0 && s < 0:
		return math.MaxInt64
	case a < 0 && b < 0 && s >= 0:
		return math.MinInt64
	}
	return s
}

func subSat(a, b int64) int64 {
	if b == math.MinInt64 {
		if a >= 0 {
			return math.MaxInt64
		}
		return a - b
	}
	return addSat(a, -b)
}

func mulSat(a, b int64) int64 {
	if a == 0 || b == 0 {
		return 0
	}
	p := a * b
	if p/b != a || (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) {
		if (a < 0) != (b < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	return p
}

// divInt returns the largest integer for a division by zero, as HAProxy
// documents.
func divInt(a, b int64) int64 {
	switch {
	case b == 0:
		return math.MaxInt64
	case a == math.MinInt64 && b == -1:
		return math.MaxInt64
	}
	return a / b
}

// modInt returns 0 for a modulo by zero, as HAProxy documents.
func modInt(a, b int64) int64 {
	if b == 0 || b == -1 {
		return 0
	}
	return a % b
}

// convHash hashes the input; a non-zero argument applies the avalanche
// step to the 32-bit result.
// convXXH3 is xxh3([seed]): the 64-bit XXH3 hash with the seed (0 by
// default), as a signed integer like HAProxy's.
func convXXH3(dst []byte, v value, a []arg) ([]byte, value, bool) {
	var seed uint64
	if len(a) > 0 {
		seed = uint64(a[0].i)
	}
	return dst, intValue(int64(xxh3.HashSeed(v.b, seed))), true
}

func convHash(f func([]byte) uint32) convFunc {
	return func(dst []byte, v value, a []arg) ([]byte, value, bool) {
		h := f(v.b)
		if len(a) > 0 && a[0].i != 0 {
			h = hash.Avalanche(h)
		}
		return dst, intValue(int64(h)), true
	}
}

// prepareIPMask parses the IPv4 mask (bit count or dotted netmask) and
// the optional IPv6 bit count into the arguments' i fields.
func prepareIPMask(a []arg, _ *compileEnv) error {
	p, err := maps.ParseIP("0.0.0.0/" + a[0].s)
	if err != nil {
		return fmt.Errorf("invalid IPv4 mask '%s'", a[0].s)
	}
	a[0].i = int64(p.Bits())
	if len(a) > 1 {
		n, err := strconv.Atoi(a[1].s)
		if err != nil || n < 0 || n > 128 {
			return fmt.Errorf("invalid IPv6 mask '%s'", a[1].s)
		}
		a[1].i = int64(n)
	}
	return nil
}

// convIPMask keeps the network part of an address; an IPv6 address needs
// the second argument.
func convIPMask(dst []byte, v value, a []arg) ([]byte, value, bool) {
	ip := v.ip.Unmap()
	bits := int(a[0].i)
	if ip.Is6() {
		if len(a) < 2 {
			return dst, value{}, false
		}
		bits = int(a[1].i)
	}
	p, err := ip.Prefix(bits)
	if err != nil {
		return dst, value{}, false
	}
	return dst, value{typ: TypeIP, ip: p.Addr()}, true
}

// ipv4 reads a 32-bit integer as an IPv4 address.
func ipv4(n int64) netip.Addr {
	u := uint32(n)
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}
