// Package proxyproto reads the PROXY protocol header (versions 1 and 2,
// haproxy.org/download/3.0/doc/proxy-protocol.txt) that a load balancer in
// front of hawser sends before the client's bytes, for "bind ...
// accept-proxy" and "tcp-request connection expect-proxy layer4".
//
// The parser is strict: anything that is not exactly a header as the
// specification describes it is an error, and the connection is closed,
// as HAProxy does. Read never consumes a byte past the header, so the
// connection can be handed on unchanged.
package proxyproto

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
)

// Errors returned by Parse and Read. Every error other than
// ErrIncomplete wraps ErrInvalid.
var (
	// ErrIncomplete means b holds the start of a header: read more.
	ErrIncomplete = errors.New("proxyproto: incomplete header")
	// ErrInvalid means the bytes are not a valid PROXY header.
	ErrInvalid = errors.New("proxyproto: invalid header")
)

// Limits from the specification.
const (
	// v1MaxLen is the longest v1 line, CRLF included.
	v1MaxLen = 107
	// v2HeaderLen is the fixed part of a v2 header.
	v2HeaderLen = 16
	// minRead is the shortest header ("PROXY UNKNOWN\r\n"); Read asks for
	// it at once.
	minRead = 15
)

// v2Sig is the 12-byte signature that starts a v2 header.
var v2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

// Header is a decoded PROXY header.
type Header struct {
	// Version is 1 or 2.
	Version int
	// Local is set for a v2 LOCAL command or a v1 "UNKNOWN" line (and v2
	// addresses of a family hawser does not use, such as unix sockets):
	// the connection keeps its own addresses, as the specification says.
	Local bool
	// Src and Dst are the original client and destination addresses
	// when Local is false.
	Src, Dst netip.AddrPort
	// TLVs are the raw v2 type-length-value extensions, validated for
	// framing only.
	TLVs []byte
}

// Parse decodes the header at the start of b and returns it with its
// length in bytes. It returns ErrIncomplete when b is a valid prefix of a
// header.
func Parse(b []byte) (*Header, int, error) {
	switch {
	case len(b) == 0:
		return nil, 0, ErrIncomplete
	case b[0] == 'P':
		return parseV1(b)
	case b[0] == '\r':
		return parseV2(b)
	}
	return nil, 0, invalid("neither a v1 nor a v2 signature")
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// parseV1 decodes "PROXY TCP4|TCP6|UNKNOWN ...\r\n".
func parseV1(b []byte) (*Header, int, error) {
	const prefix = "PROXY "
	n := min(len(b), len(prefix))
	if string(b[:n]) != prefix[:n] {
		return nil, 0, invalid("bad v1 signature")
	}
	end := bytes.IndexByte(b[:min(len(b), v1MaxLen)], '\n')
	if end < 0 {
		if len(b) >= v1MaxLen {
			return nil, 0, invalid("v1 line longer than %d bytes", v1MaxLen)
		}
		return nil, 0, ErrIncomplete
	}
	if end == 0 || b[end-1] != '\r' {
		return nil, 0, invalid("v1 line not ended by CRLF")
	}
	if end < len(prefix) {
		return nil, 0, invalid("bad v1 signature")
	}
	line := string(b[len(prefix) : end-1])
	h, err := parseV1Fields(line)
	if err != nil {
		return nil, 0, err
	}
	return h, end + 1, nil
}

// parseV1Fields decodes the words after "PROXY ".
func parseV1Fields(line string) (*Header, error) {
	f := bytes.Split([]byte(line), []byte(" "))
	proto := string(f[0])
	if proto == "UNKNOWN" {
		// The rest of the line is to be ignored (specification 2.1).
		return &Header{Version: 1, Local: true}, nil
	}
	if proto != "TCP4" && proto != "TCP6" {
		return nil, invalid("unknown v1 protocol %q", proto)
	}
	if len(f) != 5 {
		return nil, invalid("v1 %s line has %d fields, want 5", proto, len(f))
	}
	src, err := v1Addr(proto, string(f[1]), string(f[3]))
	if err != nil {
		return nil, err
	}
	dst, err := v1Addr(proto, string(f[2]), string(f[4]))
	if err != nil {
		return nil, err
	}
	return &Header{Version: 1, Src: src, Dst: dst}, nil
}

// v1Addr parses an address of the family proto and a decimal port
// without leading zeros or sign.
func v1Addr(proto, ip, port string) (netip.AddrPort, error) {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Zone() != "" || a.Is4() != (proto == "TCP4") {
		return netip.AddrPort{}, invalid("bad %s address %q", proto, ip)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil || port[0] == '+' || len(port) > 1 && port[0] == '0' {
		return netip.AddrPort{}, invalid("bad port %q", port)
	}
	return netip.AddrPortFrom(a, uint16(p)), nil
}

// v2 command and family bytes.
const (
	cmdLocal = 0x0
	cmdProxy = 0x1

	famUnspec = 0x0
	famInet   = 0x1
	famInet6  = 0x2
	famUnix   = 0x3

	protoUnspec = 0x0
	protoStream = 0x1
	protoDgram  = 0x2
)

// parseV2 decodes a binary v2 header.
func parseV2(b []byte) (*Header, int, error) {
	n := min(len(b), len(v2Sig))
	if !bytes.Equal(b[:n], v2Sig[:n]) {
		return nil, 0, invalid("bad v2 signature")
	}
	if len(b) < v2HeaderLen {
		return nil, 0, ErrIncomplete
	}
	verCmd, famProto := b[12], b[13]
	if verCmd>>4 != 2 {
		return nil, 0, invalid("v2 version %d", verCmd>>4)
	}
	cmd := verCmd & 0xf
	if cmd != cmdLocal && cmd != cmdProxy {
		return nil, 0, invalid("v2 command %d", cmd)
	}
	total := v2HeaderLen + int(binary.BigEndian.Uint16(b[14:16]))
	if len(b) < total {
		return nil, 0, ErrIncomplete
	}
	body := b[v2HeaderLen:total]
	h := &Header{Version: 2, Local: cmd == cmdLocal}
	fam, proto := famProto>>4, famProto&0xf
	if proto > protoDgram || fam > famUnix {
		return nil, 0, invalid("v2 family/protocol 0x%02x", famProto)
	}
	alen := 0
	switch fam {
	case famInet:
		alen = 12
	case famInet6:
		alen = 36
	case famUnix:
		alen = 216
	}
	if len(body) < alen {
		return nil, 0, invalid("v2 address block of %d bytes, want %d", len(body), alen)
	}
	if !h.Local {
		switch {
		case fam == famInet && proto == protoStream:
			h.Src, h.Dst = v2Addrs(body[:4], body[4:8], body[8:12])
		case fam == famInet6 && proto == protoStream:
			h.Src, h.Dst = v2Addrs(body[:16], body[16:32], body[32:36])
		default:
			// UNSPEC, UDP and unix sockets: keep the connection's own
			// addresses (specification 2.2, "the receiver must accept
			// ... and use the real connection endpoints").
			h.Local = true
		}
	}
	tlvs := body[alen:]
	if err := checkTLVs(tlvs); err != nil {
		return nil, 0, err
	}
	if len(tlvs) > 0 {
		h.TLVs = bytes.Clone(tlvs)
	}
	return h, total, nil
}

func v2Addrs(src, dst, ports []byte) (netip.AddrPort, netip.AddrPort) {
	s, _ := netip.AddrFromSlice(src)
	d, _ := netip.AddrFromSlice(dst)
	return netip.AddrPortFrom(s, binary.BigEndian.Uint16(ports[:2])),
		netip.AddrPortFrom(d, binary.BigEndian.Uint16(ports[2:4]))
}

// checkTLVs checks that the extensions exactly fill b.
func checkTLVs(b []byte) error {
	for len(b) > 0 {
		if len(b) < 3 {
			return invalid("truncated v2 TLV")
		}
		n := 3 + int(binary.BigEndian.Uint16(b[1:3]))
		if n > len(b) {
			return invalid("v2 TLV of %d bytes overruns the header", n)
		}
		b = b[n:]
	}
	return nil
}

// Read reads one header from r and nothing after it: the first bytes in
// one read, then, for a v1 line, one byte at a time up to the line end,
// and for v2 exactly the announced length.
func Read(r io.Reader) (*Header, error) {
	buf := make([]byte, minRead, v1MaxLen+1)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, readErr(err)
	}
	for {
		h, n, err := Parse(buf)
		if err == nil {
			if n != len(buf) {
				// Cannot happen: reads stop at the header's end.
				return nil, invalid("header shorter than the bytes read")
			}
			return h, nil
		}
		if !errors.Is(err, ErrIncomplete) {
			return nil, err
		}
		want := 1
		if buf[0] == '\r' {
			want = v2HeaderLen - len(buf)
			if want <= 0 {
				want = v2HeaderLen + int(binary.BigEndian.Uint16(buf[14:16])) - len(buf)
			}
		}
		buf = append(buf, make([]byte, want)...)
		if _, err := io.ReadFull(r, buf[len(buf)-want:]); err != nil {
			return nil, readErr(err)
		}
	}
}

func readErr(err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return fmt.Errorf("%w: connection closed before the end of the header", ErrInvalid)
	}
	return err
}

// AppendV1 appends a v1 header for src and dst (for tests and for
// "send-proxy"); addresses of different families give "UNKNOWN".
func AppendV1(b []byte, src, dst netip.AddrPort) []byte {
	s, d := src.Addr().Unmap(), dst.Addr().Unmap()
	switch {
	case s.Is4() && d.Is4():
		b = append(b, "PROXY TCP4 "...)
	case s.Is6() && d.Is6():
		b = append(b, "PROXY TCP6 "...)
	default:
		return append(b, "PROXY UNKNOWN\r\n"...)
	}
	b = s.AppendTo(b)
	b = append(b, ' ')
	b = d.AppendTo(b)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(src.Port()), 10)
	b = append(b, ' ')
	b = strconv.AppendUint(b, uint64(dst.Port()), 10)
	return append(b, "\r\n"...)
}

// AppendV2 appends a v2 PROXY (or, without valid addresses, LOCAL)
// header for src and dst with the given raw TLVs.
func AppendV2(b []byte, src, dst netip.AddrPort, tlvs []byte) []byte {
	b = append(b, v2Sig...)
	s, d := src.Addr(), dst.Addr()
	var addrs []byte
	cmd, fam := byte(cmdLocal), byte(famUnspec<<4|protoUnspec)
	switch {
	case s.Unmap().Is4() && d.Unmap().Is4():
		cmd, fam = cmdProxy, famInet<<4|protoStream
		addrs = append(append(addrs, s.Unmap().AsSlice()...), d.Unmap().AsSlice()...)
	case s.IsValid() && d.IsValid():
		// Mixed families travel as IPv6, an IPv4 address in its mapped
		// form; unmapping only one side would leave no family to send.
		cmd, fam = cmdProxy, famInet6<<4|protoStream
		s16, d16 := s.As16(), d.As16()
		addrs = append(append(addrs, s16[:]...), d16[:]...)
	}
	if addrs != nil {
		addrs = binary.BigEndian.AppendUint16(addrs, src.Port())
		addrs = binary.BigEndian.AppendUint16(addrs, dst.Port())
	}
	b = append(b, 0x20|cmd, fam)
	b = binary.BigEndian.AppendUint16(b, uint16(len(addrs)+len(tlvs)))
	b = append(b, addrs...)
	return append(b, tlvs...)
}
