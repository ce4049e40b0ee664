// Package clienthello parses the TLS ClientHello a client sends first on a
// "mode tcp" connection, without terminating TLS, for HAProxy's req.ssl_*
// sample fetches (req.ssl_sni, req.ssl_alpn, req.ssl_ver,
// req.ssl_hello_type, req.ssl_ec_ext, req.ssl_st_ext, req.ssl_cipherlist,
// req.ssl_sigalgs, req.ssl_supported_groups, req.ssl_keyshare_groups).
//
// The caller buffers the first bytes of the connection and calls Parse each
// time more arrive: ErrIncomplete means "wait for more" (up to
// "tcp-request inspect-delay"), any other error means the bytes are not a
// ClientHello hawser can read, and the fetches fail as HAProxy's do.
//
// Like HAProxy, only the first TLS record is read: the whole ClientHello must
// be in it. A ClientHello fragmented over several records (legal, but rare,
// since a record holds 16 KB) is reported as ErrFragmented at once, where
// HAProxy would wait for the inspect-delay and then fail.
package clienthello

import (
	"bytes"
	"errors"
	"fmt"
)

// Errors returned by Parse, Version and HelloType. Errors other than
// ErrIncomplete wrap ErrNotHello.
var (
	// ErrIncomplete means the buffer ends before the record does; more
	// bytes may make it parse.
	ErrIncomplete = errors.New("clienthello: incomplete")
	// ErrNotHello means the bytes are not a well-formed TLS ClientHello.
	ErrNotHello = errors.New("clienthello: not a TLS ClientHello")
	// ErrFragmented means the ClientHello continues in a second record.
	ErrFragmented = fmt.Errorf("%w: handshake message spans several records", ErrNotHello)
)

// TLS constants (RFC 8446 and the extension registry).
const (
	recordTypeHandshake   = 0x16
	recordHeaderLen       = 5
	maxPlaintext          = 1 << 14 // RFC 8446 section 5.1
	handshakeHeaderLen    = 4
	typeClientHello       = 1
	randomLen             = 32
	maxSessionIDLen       = 32
	extServerName         = 0
	extSupportedGroups    = 10
	extSignatureAlgs      = 13
	extALPN               = 16
	extSessionTicket      = 35
	extSupportedVersions  = 43
	extKeyShare           = 51
	serverNameTypeHost    = 0
	sessionTicketAbsent   = 0
	sessionTicketEmpty    = 1
	sessionTicketPresent  = 2
	minClientHelloVersion = 0x0300 // SSLv3, the first with this format
)

// Hello is what Parse read from a ClientHello. It shares no memory with the
// input, so the caller may reuse its buffer.
type Hello struct {
	// Len is the number of bytes of the record holding the ClientHello,
	// header included.
	Len int
	// RecordVersion is the record layer's version.
	RecordVersion uint16
	// Version is the legacy client_version (0x0303 even for TLS 1.3
	// clients); req.ssl_ver reports it.
	Version uint16
	// SessionID is the legacy session id.
	SessionID []byte
	// CipherSuites lists the offered cipher suites (req.ssl_cipherlist).
	CipherSuites []uint16
	// CompressionMethods lists the offered compression methods.
	CompressionMethods []byte
	// Extensions lists the extension types in the client's order.
	Extensions []uint16
	// ServerName is the first host_name of the server_name extension,
	// empty when absent (req.ssl_sni).
	ServerName string
	// ALPN lists the offered protocols, most preferred first
	// (req.ssl_alpn).
	ALPN []string
	// SupportedVersions lists the supported_versions extension's entries;
	// nil when absent (a client before TLS 1.3).
	SupportedVersions []uint16
	// SupportedGroups lists the supported_groups (formerly elliptic_curves)
	// extension's entries (req.ssl_supported_groups).
	SupportedGroups []uint16
	// ECExt reports whether the supported_groups extension is present
	// (req.ssl_ec_ext).
	ECExt bool
	// SignatureAlgorithms lists the signature_algorithms extension's
	// entries (req.ssl_sigalgs).
	SignatureAlgorithms []uint16
	// KeyShareGroups lists the group of each key_share entry
	// (req.ssl_keyshare_groups).
	KeyShareGroups []uint16
	// SessionTicket is req.ssl_st_ext: 0 without the session_ticket
	// extension, 1 with an empty one, 2 with a ticket.
	SessionTicket int
}

// Parse reads the ClientHello at the start of b, which holds the first bytes
// the client sent. It never reads outside b and does not keep b.
func Parse(b []byte) (*Hello, error) {
	body, recVersion, err := firstRecord(b)
	if err != nil {
		return nil, err
	}
	r := reader(body)
	msgType, ok1 := r.u8()
	msgLen, ok2 := r.u24()
	if !ok1 || !ok2 {
		return nil, notHello("record too short for a handshake header")
	}
	if msgType != typeClientHello {
		return nil, notHello("handshake type %d, not ClientHello", msgType)
	}
	if msgLen > len(r) {
		return nil, ErrFragmented
	}
	h := &Hello{Len: recordHeaderLen + len(body), RecordVersion: recVersion}
	// Bytes after the ClientHello in the same record would be a second
	// handshake message, which a client cannot send before the server's
	// answer; they are left alone, as HAProxy does.
	if err := h.parseBody(r[:msgLen]); err != nil {
		return nil, err
	}
	return h, nil
}

// firstRecord returns the payload and version of the handshake record at
// the start of b.
func firstRecord(b []byte) (body []byte, version uint16, err error) {
	if len(b) == 0 {
		return nil, 0, ErrIncomplete
	}
	if b[0] != recordTypeHandshake {
		return nil, 0, notHello("record type %#x, not handshake", b[0])
	}
	// Check the major version as soon as it is there, so that a plain-text
	// protocol is rejected without waiting for more bytes.
	if len(b) >= 2 && b[1] != 3 {
		return nil, 0, notHello("record version major %d, not 3", b[1])
	}
	if len(b) < recordHeaderLen {
		return nil, 0, ErrIncomplete
	}
	version = uint16(b[1])<<8 | uint16(b[2])
	n := int(b[3])<<8 | int(b[4])
	if n == 0 || n > maxPlaintext {
		return nil, 0, notHello("record length %d", n)
	}
	if len(b) < recordHeaderLen+n {
		return nil, 0, ErrIncomplete
	}
	return b[recordHeaderLen : recordHeaderLen+n], version, nil
}

// parseBody parses the ClientHello body (after the handshake header).
func (h *Hello) parseBody(r reader) error {
	var ok bool
	if h.Version, ok = r.u16(); !ok {
		return notHello("truncated client_version")
	}
	if h.Version>>8 != 3 || h.Version < minClientHelloVersion {
		return notHello("client_version %#04x", h.Version)
	}
	if !r.skip(randomLen) {
		return notHello("truncated random")
	}
	sid, ok := r.vec8()
	if !ok || len(sid) > maxSessionIDLen {
		return notHello("bad session id")
	}
	h.SessionID = bytes.Clone(sid)
	suites, ok := r.vec16()
	if !ok || len(suites) < 2 {
		return notHello("bad cipher suites")
	}
	if h.CipherSuites, ok = uint16s(suites); !ok {
		return notHello("odd cipher suites length")
	}
	comp, ok := r.vec8()
	if !ok || len(comp) == 0 {
		return notHello("bad compression methods")
	}
	h.CompressionMethods = bytes.Clone(comp)
	if len(r) == 0 {
		return nil // no extensions: SSLv3 and early TLS clients
	}
	exts, ok := r.vec16()
	if !ok || len(r) != 0 {
		return notHello("bad extensions length")
	}
	return h.parseExtensions(exts)
}

// parseExtensions walks the extension list, decoding the ones the fetches
// read and checking the framing of all.
func (h *Hello) parseExtensions(r reader) error {
	// One bit per extension type: 8 KB on the stack, no allocation, and
	// linear in the number of extensions whatever the client sends.
	var seen [1 << 16 / 64]uint64
	for len(r) > 0 {
		typ, ok1 := r.u16()
		data, ok2 := r.vec16()
		if !ok1 || !ok2 {
			return notHello("truncated extension")
		}
		// RFC 8446 section 4.2: no extension type may appear twice.
		word, bit := typ/64, uint64(1)<<(typ%64)
		if seen[word]&bit != 0 {
			return notHello("duplicate extension %d", typ)
		}
		seen[word] |= bit
		h.Extensions = append(h.Extensions, typ)
		if err := h.parseExtension(typ, data); err != nil {
			return fmt.Errorf("%w: extension %d: %s", ErrNotHello, typ, err)
		}
	}
	return nil
}

// parseExtension decodes one extension's data.
func (h *Hello) parseExtension(typ uint16, data reader) error {
	var ok bool
	switch typ {
	case extServerName:
		h.ServerName, ok = parseServerName(data)
	case extALPN:
		h.ALPN, ok = parseALPN(data)
	case extSupportedVersions:
		var list reader
		if list, ok = data.vec8(); ok && len(data) == 0 && len(list) > 0 {
			h.SupportedVersions, ok = uint16s(list)
		} else {
			ok = false
		}
	case extSupportedGroups:
		h.ECExt = true
		h.SupportedGroups, ok = uint16List(data)
	case extSignatureAlgs:
		h.SignatureAlgorithms, ok = uint16List(data)
	case extKeyShare:
		h.KeyShareGroups, ok = parseKeyShare(data)
	case extSessionTicket:
		h.SessionTicket, ok = sessionTicketPresent, true
		if len(data) == 0 {
			h.SessionTicket = sessionTicketEmpty
		}
	default:
		ok = true // framing already checked; contents are not ours to judge
	}
	if !ok {
		return errors.New("malformed")
	}
	return nil
}

// parseServerName returns the first host_name of a server_name extension
// (RFC 6066 section 3); other name types are skipped.
func parseServerName(data reader) (string, bool) {
	list, ok := data.vec16()
	if !ok || len(data) != 0 || len(list) == 0 {
		return "", false
	}
	var host string
	for len(list) > 0 {
		typ, ok1 := list.u8()
		name, ok2 := list.vec16()
		if !ok1 || !ok2 || len(name) == 0 {
			return "", false
		}
		if typ == serverNameTypeHost && host == "" {
			host = string(name)
		}
	}
	return host, true
}

// parseALPN returns the protocol names of an ALPN extension (RFC 7301
// section 3.1).
func parseALPN(data reader) ([]string, bool) {
	list, ok := data.vec16()
	if !ok || len(data) != 0 || len(list) == 0 {
		return nil, false
	}
	var protos []string
	for len(list) > 0 {
		name, ok := list.vec8()
		if !ok || len(name) == 0 {
			return nil, false
		}
		protos = append(protos, string(name))
	}
	return protos, true
}

// parseKeyShare returns the group of each KeyShareEntry (RFC 8446 section
// 4.2.8).
func parseKeyShare(data reader) ([]uint16, bool) {
	list, ok := data.vec16()
	if !ok || len(data) != 0 {
		return nil, false
	}
	var groups []uint16
	for len(list) > 0 {
		group, ok1 := list.u16()
		_, ok2 := list.vec16()
		if !ok1 || !ok2 {
			return nil, false
		}
		groups = append(groups, group)
	}
	return groups, true
}

// uint16List decodes a 16-bit-length-prefixed, non-empty list of uint16
// that fills data.
func uint16List(data reader) ([]uint16, bool) {
	list, ok := data.vec16()
	if !ok || len(data) != 0 || len(list) == 0 {
		return nil, false
	}
	return uint16s(list)
}

// uint16s decodes big-endian uint16 values; b must have an even length.
func uint16s(b []byte) ([]uint16, bool) {
	if len(b)%2 != 0 {
		return nil, false
	}
	out := make([]uint16, len(b)/2)
	for i := range out {
		out[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
	}
	return out, true
}

func notHello(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrNotHello}, args...)...)
}
