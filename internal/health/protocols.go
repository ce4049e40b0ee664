package health

import (
	"bytes"
	"encoding/binary"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// The protocol checks are predefined programs, built like HAProxy's
// "option redis-check", "option smtpchk" and friends: the same requests,
// the same expectations and the same status texts.

func redisProgram() *program {
	return &program{proto: true, steps: withImplicitConnect([]step{
		{action: actSend, id: 1, data: []byte("*1\r\n$4\r\nPING\r\n")},
		{action: actExpect, id: 2, exp: &matcher{kind: "string", pattern: []byte("+PONG\r\n"), minRecv: -1,
			errStatus: StatusL7STS, onError: firstLine(0), onSuccess: literal("Redis server is ok")}},
	})}
}

// firstLine returns the reply from offset to its first CR or LF, as
// HAProxy's res.payload(off,0),cut_crlf.
func firstLine(off int) func([]byte) string {
	return func(buf []byte) string {
		if off > len(buf) {
			return ""
		}
		b := buf[off:]
		if i := bytes.IndexAny(b, "\r\n"); i >= 0 {
			b = b[:i]
		}
		return string(b)
	}
}

// smtpText is an SMTP reply's text after its code, spaces trimmed.
func smtpText(buf []byte) string { return strings.TrimLeft(firstLine(4)(buf), " ") }

// smtpCode is an SMTP reply's three-digit code.
func smtpCode(buf []byte) int {
	if len(buf) < 3 {
		return 0
	}
	n, _ := strconv.Atoi(string(buf[:3]))
	return n
}

func smtpProgram(hello string) *program {
	if hello == "" {
		hello = "HELO localhost"
	}
	re := regexp.MustCompile
	return &program{proto: true, steps: []step{
		{action: actConnect, id: 1},
		{action: actExpect, id: 2, exp: &matcher{kind: "rstring", re: re(`^[0-9]{3}[ \r]`), minRecv: 4,
			errStatus: StatusL7RSP, onError: firstLine(0)}},
		{action: actExpect, id: 3, exp: &matcher{kind: "rstring", re: re(`^2[0-9]{2}[ \r]`), minRecv: 4,
			errStatus: StatusL7STS, onError: smtpText, code: smtpCode}},
		{action: actSend, id: 4, data: []byte(hello + "\r\n")},
		{action: actExpect, id: 5, exp: &matcher{kind: "rstring", re: re(`^(2[0-9]{2}-[^\r]*\r\n)*2[0-9]{2}[ \r]`), minRecv: -1,
			errStatus: StatusL7STS, onError: smtpText, onSuccess: smtpText, code: smtpCode}},
		{action: actSend, id: 6, data: []byte("QUIT\r\n")},
		{action: actExpect, id: 7, exp: &matcher{kind: "rstring", re: re(`^2[0-9]{2}[- \r]`), minRecv: 4,
			errStatus: StatusL7STS, onError: smtpText, onSuccess: smtpText, code: smtpCode}},
	}}
}

// pgsqlStartup is a PostgreSQL v3.0 startup message for user; its length
// counts itself.
func pgsqlStartup(user string) []byte {
	body := append([]byte{0, 3, 0, 0}, "user\x00"+user+"\x00\x00"...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(body)+4)), body...)
}

func pgsqlProgram(user string) *program {
	msg := pgsqlStartup(user)
	return &program{proto: true, steps: []step{
		{action: actConnect, id: 1},
		{action: actSend, id: 2, data: msg},
		// An 'E' (ErrorResponse) first byte is a failure: its text,
		// from offset 6, is the info.
		{action: actExpect, id: 3, exp: &matcher{kind: "rstring", negate: true, re: regexp.MustCompile(`^E`), minRecv: 5,
			errStatus: StatusL7RSP, onError: func(b []byte) string { return payloadFrom(b, 6) }}},
		// 'R' (Authentication) with a known method: ok, cleartext, md5,
		// SCM, GSS, SSPI or SASL.
		{action: actExpect, id: 4, exp: &matcher{kind: "rbinary", re: regexp.MustCompile(`^52000000[A-Z0-9]{2}000000(00|02|03|04|05|06|07|09|0A)`), minRecv: 9,
			errStatus: StatusL7STS, onSuccess: literal("PostgreSQL server is ok"), onError: literal("PostgreSQL unknown error")}},
	}}
}

func payloadFrom(b []byte, off int) string {
	if off >= len(b) {
		return ""
	}
	return string(b[off:])
}

// mysqlLogin is the client authentication packet (sequence 1) for user,
// followed by a COM_QUIT packet, in the layout of variant.
func mysqlLogin(user, variant string) []byte {
	var body []byte
	switch variant {
	case "pre-41":
		body = append(body, 0x00, 0x80, 0x00, 0x00, 0x01) // capabilities, max packet
		body = append(body, user+"\x00\x00"...)
	default:
		caps := []byte{0x00, 0x82, 0x00, 0x00} // PROTOCOL_41 | SECURE_CONNECTION
		if variant == "post-80" {
			caps[2] = 0x08 // | PLUGIN_AUTH
		}
		body = append(body, caps...)
		body = append(body, 0x00, 0x80, 0x00, 0x01, 0x21) // max packet, utf8
		body = append(body, make([]byte, 23)...)
		body = append(body, user+"\x00\x00"...)
		if variant == "post-80" {
			body = append(body, "mysql_native_password\x00"...)
		}
	}
	n := len(body)
	pkt := []byte{byte(n), byte(n >> 8), byte(n >> 16), 1}
	pkt = append(pkt, body...)
	return append(pkt, 0x01, 0x00, 0x00, 0x00, 0x01) // COM_QUIT
}

func mysqlProgram(user, variant string) *program {
	steps := []step{{action: actConnect, id: 1}}
	if user != "" {
		steps = append(steps, step{action: actSend, id: 2, data: mysqlLogin(user, variant)})
	}
	hs := &matcher{kind: "custom", minRecv: -1}
	hs.custom = func(buf []byte, last bool) (result, bool) { return mysqlPacket(buf, 0, last, user == "") }
	steps = append(steps, step{action: actExpect, id: len(steps) + 1, exp: hs})
	if user != "" {
		ok := &matcher{kind: "custom", minRecv: -1}
		ok.custom = func(buf []byte, last bool) (result, bool) {
			return mysqlPacket(buf, 4+mysqlLen(buf, 0), last, true)
		}
		steps = append(steps, step{action: actExpect, id: len(steps) + 1, exp: ok})
	}
	return &program{proto: true, steps: steps}
}

func mysqlLen(buf []byte, off int) int {
	if len(buf) < off+3 {
		return 0
	}
	return int(buf[off]) | int(buf[off+1])<<8 | int(buf[off+2])<<16
}

// mysqlPacket judges the MySQL packet at off: an error packet (0xff) is
// L7STS with the server's message and error code; on the final packet
// the info is the server version of the handshake.
func mysqlPacket(buf []byte, off int, last, final bool) (result, bool) {
	if len(buf) < off+4 || len(buf) < off+4+mysqlLen(buf, off) {
		if !last {
			return result{}, true
		}
		return result{status: StatusL7RSP}, false
	}
	if len(buf) > off+4 && buf[off+4] == 0xff {
		r := result{status: StatusL7STS}
		if len(buf) >= off+7 {
			r.code = int(buf[off+5]) | int(buf[off+6])<<8
			r.desc = string(buf[off+7:])
		}
		return r, false
	}
	if !final {
		return result{}, false
	}
	version := ""
	if len(buf) > 5 {
		version, _, _ = strings.Cut(string(buf[5:]), "\x00")
	}
	return result{status: StatusL7OK, desc: version}, false
}

// ldapBind is an anonymous LDAPv3 simple bind request, message ID 1.
var ldapBind = []byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00}

func ldapProgram() *program {
	m := &matcher{kind: "custom", minRecv: -1, custom: ldapBindResponse}
	return &program{proto: true, steps: []step{
		{action: actConnect, id: 1},
		{action: actSend, id: 2, data: ldapBind},
		{action: actExpect, id: 3, exp: &matcher{kind: "rbinary", re: regexp.MustCompile(`^30`), minRecv: 14,
			errStatus: StatusL7RSP, onError: literal("Not LDAPv3 protocol")}},
		{action: actExpect, id: 4, exp: m},
	}}
}

// ldapBindResponse judges a BER-encoded bindResponse (RFC 4511 4.2.2):
// message ID 1, protocolOp 0x61, then the ldapResult enumeration whose
// resultCode 0 means success.
func ldapBindResponse(buf []byte, last bool) (result, bool) {
	notLDAP := result{status: StatusL7RSP, desc: "Not LDAPv3 protocol"}
	short := func() (result, bool) {
		if !last {
			return result{}, true
		}
		return result{status: StatusL7RSP}, false
	}
	p := 1
	if len(buf) < 2 {
		return short()
	}
	size, n := int(buf[p]), 0
	if buf[p]&0x80 != 0 {
		n = int(buf[p] & 0x7f)
		if len(buf) < p+1+n {
			return short()
		}
		switch n {
		case 2:
			size = int(binary.BigEndian.Uint16(buf[p+1:]))
		case 4:
			size = int(binary.BigEndian.Uint32(buf[p+1:]))
		default:
			return notLDAP, false
		}
	}
	p += 1 + n
	if len(buf)-p < size || len(buf)-p < 4 {
		return short()
	}
	if !bytes.Equal(buf[p:p+4], []byte{0x02, 0x01, 0x01, 0x61}) {
		return notLDAP, false
	}
	p += 4
	n = 0
	if buf[p]&0x80 != 0 {
		n = int(buf[p] & 0x7f)
	}
	if len(buf)-p < 1+n+2+1 {
		return short()
	}
	p += 1 + n
	if buf[p] != 0x0a || buf[p+1] != 0x01 {
		return notLDAP, false
	}
	if code := int(buf[p+2]); code != 0 {
		return result{status: StatusL7STS, code: code, desc: "See RFC: http://tools.ietf.org/html/rfc4511#section-4.1.9"}, false
	}
	return result{status: StatusL7OK, desc: "Success"}, false
}

// sslHello builds an SSLv3 ClientHello offering 39 common cipher suites,
// with the current time in its random, so a server answers with a
// handshake (0x16) or alert (0x15) record.
func sslHello() []byte {
	var hello []byte
	hello = append(hello, 0x03, 0x00) // client version SSLv3
	hello = binary.BigEndian.AppendUint32(hello, uint32(time.Now().Unix()))
	hello = append(hello, "HAPROXYSSLCHK\nHAPROXYSSLCHK\n"...) // 28 random bytes
	hello = append(hello, 0x00)                                // no session ID
	var suites []byte
	for c := 0x01; c <= 0x1b; c++ {
		suites = append(suites, 0x00, byte(c))
	}
	for c := 0x2f; c <= 0x3a; c++ {
		suites = append(suites, 0x00, byte(c))
	}
	hello = binary.BigEndian.AppendUint16(hello, uint16(len(suites)))
	hello = append(hello, suites...)
	hello = append(hello, 0x01, 0x00) // null compression
	hs := []byte{0x01, byte(len(hello) >> 16), byte(len(hello) >> 8), byte(len(hello))}
	hs = append(hs, hello...)
	rec := []byte{0x16, 0x03, 0x00}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

func sslHelloProgram() *program {
	return &program{proto: true, steps: withImplicitConnect([]step{
		{action: actSend, id: 1, build: sslHello},
		{action: actExpect, id: 2, exp: &matcher{kind: "rbinary", re: regexp.MustCompile(`^1[56]`), minRecv: 5,
			okStatus: StatusL6OK, errStatus: StatusL6RSP, toutStatus: StatusL6TOUT}},
	})}
}

// spopHello is a minimal SPOP HAPROXY-HELLO frame with "healthcheck"
// set, so the agent answers AGENT-HELLO and closes.
func spopHello() []byte {
	var f []byte
	f = append(f, 1)          // HAPROXY-HELLO
	f = append(f, 0, 0, 0, 1) // flags: FIN
	f = append(f, 0, 0)       // stream and frame id
	kv := func(k string, typ byte, v []byte) {
		f = append(f, byte(len(k)))
		f = append(f, k...)
		f = append(f, typ)
		f = append(f, v...)
	}
	str := func(s string) []byte { return append([]byte{byte(len(s))}, s...) }
	kv("supported-versions", 8, str("2.0"))
	kv("max-frame-size", 3, spopVarint(16380)) // uint32
	kv("capabilities", 8, str(""))
	kv("healthcheck", 0x11, nil) // boolean true
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(f))), f...)
}

// spopVarint encodes v in SPOP's variable-length integer format.
func spopVarint(v uint64) []byte {
	if v < 240 {
		return []byte{byte(v)}
	}
	out := []byte{byte(v) | 0xf0}
	v = (v - 240) >> 4
	for v >= 128 {
		out = append(out, byte(v)|0x80)
		v = (v - 128) >> 7
	}
	return append(out, byte(v))
}

func spopProgram() *program {
	m := &matcher{kind: "custom", minRecv: -1}
	m.custom = func(buf []byte, last bool) (result, bool) {
		if len(buf) < 5 || len(buf) < 4+int(binary.BigEndian.Uint32(buf)) {
			if !last {
				return result{}, true
			}
			return result{status: StatusL7RSP}, false
		}
		switch buf[4] {
		case 101: // AGENT-HELLO
			return result{status: StatusL7OK}, false
		case 102: // AGENT-DISCONNECT
			return result{status: StatusL7STS, desc: "SPOA disconnected"}, false
		}
		return result{status: StatusL7RSP, desc: "invalid frame received"}, false
	}
	return &program{proto: true, steps: withImplicitConnect([]step{
		{action: actSend, id: 1, build: spopHello},
		{action: actExpect, id: 2, exp: m},
	})}
}
