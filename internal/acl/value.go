package acl

import (
	"encoding/binary"
	"net/netip"
	"strconv"
	"unsafe"
)

// Type is the type of a sample, after its fetch and converters. It picks
// the default match method and drives casts before matching.
type Type uint8

const (
	TypeBool Type = iota + 1
	TypeInt
	TypeIP
	TypeStr
	TypeBin
)

// String returns the HAProxy name of the type, used in error messages.
func (t Type) String() string {
	switch t {
	case TypeBool:
		return "boolean"
	case TypeInt:
		return "integer"
	case TypeIP:
		return "ip"
	case TypeStr:
		return "string"
	case TypeBin:
		return "binary"
	}
	return "unknown"
}

// value is one sample value. Only the field for typ is meaningful. b may
// point into the request or into the evaluator's scratch buffers, so a value
// must not be kept after the emit call that received it.
type value struct {
	typ Type
	i   int64
	ip  netip.Addr
	b   []byte
}

// canCast reports whether a sample of type from can be matched by a method
// expecting type to. It follows HAProxy's matrix of sample type versus match
// method (configuration.txt section 7.1).
func canCast(from, to Type) bool {
	switch to {
	case TypeStr:
		return true
	case TypeBin:
		return from == TypeStr || from == TypeBin
	case TypeInt, TypeBool:
		return from == TypeBool || from == TypeInt || from == TypeStr
	case TypeIP:
		return from == TypeIP || from == TypeStr || from == TypeBin
	}
	return false
}

// canConvert reports whether a converter taking type to accepts a sample
// of type from: as canCast, and a converter of binary input also takes an
// integer or boolean as its 8 big-endian bytes (HAProxy's c_int2bin), so
// that "ssl_fc_err,hex" works.
func canConvert(from, to Type) bool {
	return canCast(from, to) || to == TypeBin && (from == TypeInt || from == TypeBool)
}

// castConv is cast for a converter's input (see canConvert).
func castConv(v value, to Type, buf []byte) (value, []byte, bool) {
	if to == TypeBin && (v.typ == TypeInt || v.typ == TypeBool) {
		buf = binary.BigEndian.AppendUint64(buf[:0], uint64(v.i))
		return value{typ: TypeBin, b: buf}, buf, true
	}
	return cast(v, to, buf)
}

// cast converts v to type to, using buf as scratch space for string output.
// It returns the converted value, the possibly grown buffer and whether the
// conversion succeeded (a string that is not a number fails an int cast).
func cast(v value, to Type, buf []byte) (value, []byte, bool) {
	if v.typ == to {
		return v, buf, true
	}
	switch to {
	case TypeStr, TypeBin:
		return castToBytes(v, to, buf)
	case TypeInt, TypeBool:
		return castToInt(v, to)
	case TypeIP:
		if v.typ == TypeInt || v.typ == TypeBool {
			// HAProxy reads an integer as an IPv4 address (c_int2ip).
			return value{typ: TypeIP, ip: ipv4(v.i)}, buf, true
		}
		if v.typ != TypeStr && v.typ != TypeBin {
			return value{}, buf, false
		}
		a, err := netip.ParseAddr(bytesString(v.b))
		if err != nil {
			return value{}, buf, false
		}
		return value{typ: TypeIP, ip: a.Unmap()}, buf, true
	}
	return value{}, buf, false
}

func castToBytes(v value, to Type, buf []byte) (value, []byte, bool) {
	switch v.typ {
	case TypeStr, TypeBin:
		return value{typ: to, b: v.b}, buf, true
	case TypeBool, TypeInt:
		buf = strconv.AppendInt(buf[:0], v.i, 10)
	case TypeIP:
		if to == TypeBin {
			// The binary form of an address is its network-order bytes.
			buf = append(buf[:0], v.ip.AsSlice()...)
			break
		}
		buf = v.ip.AppendTo(buf[:0])
	default:
		return value{}, buf, false
	}
	return value{typ: to, b: buf}, buf, true
}

func castToInt(v value, to Type) (value, []byte, bool) {
	switch v.typ {
	case TypeBool, TypeInt:
		if to == TypeBool && v.i != 0 {
			return value{typ: to, i: 1}, nil, true
		}
		return value{typ: to, i: v.i}, nil, true
	case TypeIP:
		// An IPv4 address reads as its 32-bit value (c_ip2int); IPv6
		// has no integer form.
		if !v.ip.Is4() {
			return value{}, nil, false
		}
		b := v.ip.As4()
		return value{typ: to, i: int64(b[0])<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3])}, nil, true
	case TypeStr, TypeBin:
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
	case TypeBool, TypeInt:
		return v.i != 0
	case TypeStr, TypeBin:
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

// Value is a typed sample value returned by Expr.Eval. Only the field for
// Type is set: Int for TypeBool (0 or 1) and TypeInt, IP for TypeIP, Bytes
// for TypeStr and TypeBin.
type Value struct {
	Type  Type
	Int   int64
	IP    netip.Addr
	Bytes []byte
}

// AppendString appends the value as HAProxy prints it in a log line or a
// header: integers in decimal, booleans as 0 or 1, addresses in text form
// and binary samples as raw bytes.
func (v Value) AppendString(dst []byte) []byte {
	switch v.Type {
	case TypeBool, TypeInt:
		return strconv.AppendInt(dst, v.Int, 10)
	case TypeIP:
		return v.IP.AppendTo(dst)
	}
	return append(dst, v.Bytes...)
}

// String returns the value as AppendString writes it.
func (v Value) String() string { return string(v.AppendString(nil)) }
