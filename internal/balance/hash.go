package balance

import (
	"fmt"

	"github.com/hawser-lb/hawser/internal/hash"
)

// hashFunc names one of HAProxy's "hash-type" functions, which map a key to
// 32 bits; using the same functions puts a key at the same position of the
// hash space as HAProxy would. It is an enum rather than a func value so
// that calls are direct and keys on the stack do not escape.
type hashFunc uint8

// The "hash-type <method> <function>" functions.
const (
	hashFuncSDBM hashFunc = iota
	hashFuncDJB2
	hashFuncWT6
	hashFuncCRC32
	hashFuncNone
)

// hashFuncs is the table of function names.
var hashFuncs = map[string]hashFunc{
	"sdbm":  hashFuncSDBM,
	"djb2":  hashFuncDJB2,
	"wt6":   hashFuncWT6,
	"crc32": hashFuncCRC32,
	"none":  hashFuncNone,
}

// lookupHashFunc returns the named function; "" selects sdbm, the default.
func lookupHashFunc(name string) (hashFunc, error) {
	if name == "" {
		return hashFuncSDBM, nil
	}
	fn, ok := hashFuncs[name]
	if !ok {
		return 0, fmt.Errorf("unknown hash function %q", name)
	}
	return fn, nil
}

// sum hashes key.
func (f hashFunc) sum(key []byte) uint32 {
	switch f {
	case hashFuncDJB2:
		return hash.DJB2(key)
	case hashFuncWT6:
		return hash.WT6(key)
	case hashFuncCRC32:
		return hash.CRC32(key)
	case hashFuncNone:
		return hash.None(key)
	default:
		return hash.SDBM(key)
	}
}
