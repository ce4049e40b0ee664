package acl

import (
	"net/netip"
	"strconv"
	"unsafe"
)

// smpType is the type of a sample, after its fetch and converters. It picks
// the default match method and drives casts before matching.
type smpType uint8

const (
	typeBool smpType = iota + 1
	typeInt
	typeIP
	typeStr
	typeBin
)

// String returns the HAProxy name of the type, used in error messages.
func (t smpType) String() string {
	switch t {
	case typeBool:
		return "boolean"
	case typeInt:
		return "integer"
	case typeIP:
		return "ip"
	case typeStr:
		return "string"
	case typeBin:
		return "binary"
	}
	return "unknown"
}

// value is one sample value. Only the field for typ is meaningful. b may
// point into the request or into the evaluator's scratch buffers, so a value
// must not be kept after the emit call that received it.
type value struct {
	typ smpType
	i   int64
	ip  netip.Addr
	b   []byte
}

// canCast reports whether a sample of type from can be matched by a method
// expecting type to. It follows HAProxy's matrix of sample type versus match
// method (configuration.txt section 7.1).
func canCast(from, to smpType) bool {
	switch to {
	case typeStr:
		return true
	case typeBin:
		return from == typeStr || from == typeBin
	case typeInt, typeBool:
		return from == typeBool || from == typeInt || from == typeStr
	case typeIP:
		return from == typeIP || from == typeStr || from == typeBin
	}
	return false
}

// cast converts v to type to, using buf as scratch space for string output.
// It returns the converted value, the possibly grown buffer and whether the
// conversion succeeded (a string that is not a number fails an int cast).
func cast(v value, to smpType, buf []byte) (value, []byte, bool) {
	if v.typ == to {
		return v, buf, true
	}
	switch to {
	case typeStr, typeBin:
		return castToBytes(v, to, buf)
	case typeInt, typeBool:
		return castToInt(v, to)
	case typeIP:
		if v.typ != typeStr && v.typ != typeBin {
			return value{}, buf, false
		}
		a, err := netip.ParseAddr(bytesString(v.b))
		if err != nil {
			return value{}, buf, false
		}
		return value{typ: typeIP, ip: a.Unmap()}, buf, true
	}
	return value{}, buf, false
}

func castToBytes(v value, to smpType, buf []byte) (value, []byte, bool) {
	switch v.typ {
	case typeStr, typeBin:
		return value{typ: to, b: v.b}, buf, true
	case typeBool, typeInt:
		buf = strconv.AppendInt(buf[:0], v.i, 10)
	case typeIP:
		buf = v.ip.AppendTo(buf[:0])
	default:
		return value{}, buf, false
	}
	return value{typ: to, b: buf}, buf, true
}

func castToInt(v value, to smpType) (value, []byte, bool) {
	switch v.typ {
	case typeBool, typeInt:
		return value{typ: to, i: v.i}, nil, true
	case typeStr, typeBin:
		n, ok := parseLeadingInt(v.b)
		return value{typ: to, i: n}, nil, ok
	}
	return value{}, nil, false
}

// parseLeadingInt parses an optional sign and the decimal digits that
// follow, ignoring anything after them, as HAProxy does when a header value
// is turned into an integer. ok is false when there is no digit at all.
func parseLeadingInt(b []byte) (n int64, ok bool) {
	i, neg := 0, false
	if i < len(b) && (b[i] == '-' || b[i] == '+') {
		neg = b[i] == '-'
		i++
	}
	start := i
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, i > start
}

// truthy is the boolean reading of a value: non-zero integers and true
// booleans; a string is read as an integer first.
func truthy(v value) bool {
	switch v.typ {
	case typeBool, typeInt:
		return v.i != 0
	case typeStr, typeBin:
		n, ok := parseLeadingInt(v.b)
		return ok && n != 0
	}
	return false
}

// bytesString views b as a string without copying, for parsers that take
// a string and keep nothing of it (netip.ParseAddr copies any zone). b
// must not change during the call.
func bytesString(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}
