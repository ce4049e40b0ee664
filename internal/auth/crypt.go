package auth

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// This file implements the crypt(3) schemes HAProxy accepts through the C
// library's crypt(): MD5-crypt ("$1$", Poul-Henning Kamp's algorithm) and
// SHA-crypt ("$5$", "$6$", Ulrich Drepper's specification). Each function
// returns only the checksum part, encoded in crypt's own base-64 alphabet;
// the caller compares it with the checksum stored in the configuration.

// cryptAlphabet is crypt(3)'s base-64 alphabet; it differs from RFC 4648 in
// both order and the two extra characters.
const cryptAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// md5CryptRounds is fixed by the MD5-crypt algorithm.
const md5CryptRounds = 1000

// The permutations below list, per output group of four characters, the
// three digest bytes that form the 24-bit value (most significant first).
// The last byte(s) of each digest are encoded separately in a short group.
var (
	md5Order = [][3]int{
		{0, 6, 12}, {1, 7, 13}, {2, 8, 14}, {3, 9, 15}, {4, 10, 5},
	}
	sha256Order = [][3]int{
		{0, 10, 20}, {21, 1, 11}, {12, 22, 2}, {3, 13, 23}, {24, 4, 14},
		{15, 25, 5}, {6, 16, 26}, {27, 7, 17}, {18, 28, 8}, {9, 19, 29},
	}
	sha512Order = [][3]int{
		{0, 21, 42}, {22, 43, 1}, {44, 2, 23}, {3, 24, 45}, {25, 46, 4},
		{47, 5, 26}, {6, 27, 48}, {28, 49, 7}, {50, 8, 29}, {9, 30, 51},
		{31, 52, 10}, {53, 11, 32}, {12, 33, 54}, {34, 55, 13}, {56, 14, 35},
		{15, 36, 57}, {37, 58, 16}, {59, 17, 38}, {18, 39, 60}, {40, 61, 19},
		{62, 20, 41},
	}
)

// appendB64 appends the n low-order 6-bit groups of v, least significant
// first, as crypt(3) does.
func appendB64(dst []byte, v uint32, n int) []byte {
	for range n {
		dst = append(dst, cryptAlphabet[v&0x3f])
		v >>= 6
	}
	return dst
}

// encodeDigest encodes a digest with the scheme's byte permutation.
func encodeDigest(d []byte, order [][3]int) []byte {
	out := make([]byte, 0, (len(d)*8+5)/6)
	for _, o := range order {
		out = appendB64(out, uint32(d[o[0]])<<16|uint32(d[o[1]])<<8|uint32(d[o[2]]), 4)
	}
	switch len(d) {
	case md5.Size:
		out = appendB64(out, uint32(d[11]), 2)
	case sha256.Size:
		out = appendB64(out, uint32(d[31])<<8|uint32(d[30]), 3)
	case sha512.Size:
		out = appendB64(out, uint32(d[63]), 2)
	}
	return out
}

// md5Crypt returns the MD5-crypt checksum of pw with salt (at most 8
// characters, already validated).
func md5Crypt(pw, salt []byte) []byte {
	alt := md5.New()
	alt.Write(pw)
	alt.Write(salt)
	alt.Write(pw)
	altSum := alt.Sum(nil)

	h := md5.New()
	h.Write(pw)
	h.Write([]byte("$1$"))
	h.Write(salt)
	writeRepeated(h, altSum, len(pw))
	// The algorithm feeds a NUL byte or the first password byte per bit of
	// the password length; this quirk is part of the published format.
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			h.Write([]byte{0})
		} else {
			h.Write(pw[:1])
		}
	}
	sum := h.Sum(nil)

	for i := range md5CryptRounds {
		h.Reset()
		if i&1 != 0 {
			h.Write(pw)
		} else {
			h.Write(sum)
		}
		if i%3 != 0 {
			h.Write(salt)
		}
		if i%7 != 0 {
			h.Write(pw)
		}
		if i&1 != 0 {
			h.Write(sum)
		} else {
			h.Write(pw)
		}
		sum = h.Sum(sum[:0])
	}
	return encodeDigest(sum, md5Order)
}

// shaCrypt returns the SHA-crypt checksum of pw with salt (at most 16
// characters) and rounds, using newHash (sha256.New or sha512.New); the
// step numbers refer to Drepper's specification.
func shaCrypt(newHash func() hash.Hash, pw, salt []byte, rounds int) []byte {
	// Steps 4-8: digest B.
	b := newHash()
	b.Write(pw)
	b.Write(salt)
	b.Write(pw)
	bSum := b.Sum(nil)

	// Steps 1-3 and 9-12: digest A.
	a := newHash()
	a.Write(pw)
	a.Write(salt)
	writeRepeated(a, bSum, len(pw))
	for i := len(pw); i > 0; i >>= 1 {
		if i&1 != 0 {
			a.Write(bSum)
		} else {
			a.Write(pw)
		}
	}
	aSum := a.Sum(nil)

	// Steps 13-16: the P sequence, derived from the password repeated.
	dp := newHash()
	for range len(pw) {
		dp.Write(pw)
	}
	p := repeatTo(dp.Sum(nil), len(pw))

	// Steps 17-20: the S sequence; the repeat count depends on A's first
	// byte.
	ds := newHash()
	for range 16 + int(aSum[0]) {
		ds.Write(salt)
	}
	s := repeatTo(ds.Sum(nil), len(salt))

	// Step 21: the rounds.
	c := aSum
	h := newHash()
	for i := range rounds {
		h.Reset()
		if i&1 != 0 {
			h.Write(p)
		} else {
			h.Write(c)
		}
		if i%3 != 0 {
			h.Write(s)
		}
		if i%7 != 0 {
			h.Write(p)
		}
		if i&1 != 0 {
			h.Write(c)
		} else {
			h.Write(p)
		}
		c = h.Sum(c[:0])
	}
	if len(c) == sha256.Size {
		return encodeDigest(c, sha256Order)
	}
	return encodeDigest(c, sha512Order)
}

// writeRepeated writes n bytes made of sum repeated (the last copy cut).
func writeRepeated(h hash.Hash, sum []byte, n int) {
	for ; n > len(sum); n -= len(sum) {
		h.Write(sum)
	}
	h.Write(sum[:n])
}

// repeatTo returns n bytes made of sum repeated (the last copy cut).
func repeatTo(sum []byte, n int) []byte {
	out := make([]byte, 0, n)
	for len(out)+len(sum) <= n {
		out = append(out, sum...)
	}
	return append(out, sum[:n-len(out)]...)
}
