package acl

import "encoding/binary"

// ProxySample is an optional interface a Sample implements to serve the
// fc_rcvd_proxy and fc_pp_* fetches: the PROXY header the connection
// started with (accept-proxy, expect-proxy layer4).
type ProxySample interface {
	// ProxyHeader reports whether a header was received and its raw
	// v2 TLVs (none for v1).
	ProxyHeader() (tlvs []byte, ok bool)
}

// PROXY v2 TLV types (proxy-protocol.txt section 2.2).
const (
	pp2TypeAuthority = 0x02
	pp2TypeUniqueID  = 0x05
)

func ppFetches() []fetchEntry {
	return []fetchEntry{
		{[]string{"fc_rcvd_proxy"}, fetchDef{out: TypeBool, fn: fetchRcvdProxy}},
		{[]string{"fc_pp_unique_id"}, fetchDef{out: TypeStr, fn: fetchPPTLV(pp2TypeUniqueID)}},
		{[]string{"fc_pp_authority"}, fetchDef{out: TypeStr, fn: fetchPPTLV(pp2TypeAuthority)}},
	}
}

func fetchRcvdProxy(e *eval, _ []arg) {
	v := value{typ: TypeBool}
	if s, ok := e.s.(ProxySample); ok {
		if _, rcvd := s.ProxyHeader(); rcvd {
			v.i = 1
		}
	}
	e.emit(v)
}

// fetchPPTLV returns the value of the first TLV of type typ.
func fetchPPTLV(typ byte) fetchFunc {
	return func(e *eval, _ []arg) {
		s, ok := e.s.(ProxySample)
		if !ok {
			return
		}
		tlvs, _ := s.ProxyHeader()
		if v, ok := findTLV(tlvs, typ); ok {
			e.emit(value{typ: TypeStr, b: v})
		}
	}
}

// findTLV walks framed TLVs (validated when the header was read).
func findTLV(b []byte, typ byte) ([]byte, bool) {
	for len(b) >= 3 {
		n := int(binary.BigEndian.Uint16(b[1:3]))
		if len(b) < 3+n {
			return nil, false
		}
		if b[0] == typ {
			return b[3 : 3+n], true
		}
		b = b[3+n:]
	}
	return nil, false
}
