// Package hash holds HAProxy's string and integer hash functions, shared by
// load balancing ("hash-type") and the sample converters (sdbm, djb2, wt6,
// crc32), so that both place a key exactly where HAProxy would. The values
// were checked against HAProxy's C implementation (see the tests of
// package balance).
package hash

import "hash/crc32"

// CRC32 is the IEEE CRC-32 HAProxy's crc32 function computes.
func CRC32(key []byte) uint32 { return crc32.ChecksumIEEE(key) }

// SDBM is the sdbm database hash: h = h*65599 + c.
func SDBM(key []byte) uint32 {
	var h uint32
	for _, c := range key {
		h = uint32(c) + h<<6 + h<<16 - h
	}
	return h
}

// DJB2 is Dan Bernstein's hash: h = h*33 + c, seeded with 5381.
func DJB2(key []byte) uint32 {
	h := uint32(5381)
	for _, c := range key {
		h = h*33 + uint32(c)
	}
	return h
}

// WT6 is the hash HAProxy designed for numeric inputs: two 32-bit
// lanes that are complemented, rotated by data-dependent amounts and
// swapped at every byte.
func WT6(key []byte) uint32 {
	h0, h1 := uint32(0xa53c965a), uint32(0x5ca6953a)
	s0, s1 := uint32(6), uint32(18)
	for _, c := range key {
		h0 = ^(h0 ^ uint32(c))
		h1 = ^(h1 + uint32(c))
		h0, h1 = rotl(h1, s0), rotl(h0, s1)
		t := (h0>>16 ^ h1) & 0xffff
		s0, s1 = t&0x1f, t>>11
	}
	return h0 ^ h1
}

// rotl rotates x left by s (0..31) bits; a rotation by 0 is the identity,
// as it is in HAProxy on the platforms it runs on.
func rotl(x, s uint32) uint32 {
	s &= 31
	return x<<s | x>>(32-s)
}

// None does not hash: the key is read as a decimal integer (optionally
// signed) up to the first non-digit, as HAProxy's "none" does, so that a
// converter can compute the hash itself.
func None(key []byte) uint32 {
	neg := false
	if len(key) > 0 && key[0] == '-' {
		neg, key = true, key[1:]
	}
	var v int64
	for _, c := range key {
		if c < '0' || c > '9' {
			break
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return uint32(v)
}

// Avalanche is Bob Jenkins' 32-bit full-Avalanche integer hash, HAProxy's
// "Avalanche" modifier and the function that places consistent-hash points.
func Avalanche(a uint32) uint32 {
	a = (a + 0x7ed55d16) + a<<12
	a = (a ^ 0xc761c23c) ^ a>>19
	a = (a + 0x165667b1) + a<<5
	a = (a + 0xd3a2646c) ^ a<<9
	a = (a + 0xfd7046c5) + a<<3
	a = (a ^ 0xb55a4f09) ^ a>>16
	// A final multiplication by a large prime spreads the results over the
	// whole ring, as HAProxy does since 2.x.
	return a * 3221225473
}
