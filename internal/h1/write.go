package h1

import (
	"bufio"
	"strconv"
)

// WriteRequestLine writes "METHOD URI HTTP/1.1\r\n". The proxy always
// speaks HTTP/1.1 to servers, as HAProxy does.
func WriteRequestLine(w *bufio.Writer, method, uri []byte) {
	w.Write(method)
	w.WriteByte(' ')
	w.Write(uri)
	w.WriteString(" HTTP/1.1\r\n")
}

// WriteStatusLine writes "HTTP/1.1 CODE REASON\r\n".
func WriteStatusLine(w *bufio.Writer, status int, reason []byte) {
	w.WriteString("HTTP/1.1 ")
	// Three digits, written one by one: a scratch array passed to Write
	// would escape to the heap.
	w.WriteByte(byte('0' + status/100%10))
	w.WriteByte(byte('0' + status/10%10))
	w.WriteByte(byte('0' + status%10))
	w.WriteByte(' ')
	w.Write(reason)
	w.WriteString("\r\n")
}

// WriteHeader writes one "name: value\r\n" line.
func WriteHeader(w *bufio.Writer, name, value []byte) {
	w.Write(name)
	w.WriteString(": ")
	w.Write(value)
	w.WriteString("\r\n")
}

// WriteHeaderString is WriteHeader for constant strings.
func WriteHeaderString(w *bufio.Writer, name, value string) {
	w.WriteString(name)
	w.WriteString(": ")
	w.WriteString(value)
	w.WriteString("\r\n")
}

// WriteContentLength writes a "content-length: n" line.
func WriteContentLength(w *bufio.Writer, n int64) {
	var b [20]byte
	w.WriteString("content-length: ")
	w.Write(strconv.AppendInt(b[:0], n, 10))
	w.WriteString("\r\n")
}

// hopByHop lists the connection-specific fields a proxy must not forward
// (RFC 9110 section 7.6.1), besides those named in Connection.
var hopByHop = []string{"connection", "keep-alive", "proxy-connection", "te", "transfer-encoding", "upgrade"}

// IsHopByHop reports whether name is one of the fixed hop-by-hop fields.
func IsHopByHop(name []byte) bool {
	for _, h := range hopByHop {
		if equalFold(name, h) {
			return true
		}
	}
	return false
}

// StripHopByHop removes the hop-by-hop fields and any field the Connection
// header names. It must run before user rules, so that a client's
// Connection header can never remove a field the proxy adds (Traefik
// CVE-2024-45410). Framing facts already parsed into m are kept.
func (m *Message) StripHopByHop() {
	// Collect the names first: the loop below compacts m.Headers in place.
	var buf [8][]byte
	named := buf[:0]
	m.ConnectionTokens(func(tok []byte) {
		if equalFold(tok, "close") || equalFold(tok, "keep-alive") || equalFold(tok, "upgrade") {
			return
		}
		named = append(named, tok)
	})
	out := m.Headers[:0]
	for _, h := range m.Headers {
		if IsHopByHop(h.Name) || isNamed(named, h.Name) {
			continue
		}
		out = append(out, h)
	}
	clear(m.Headers[len(out):])
	m.Headers = out
}

func isNamed(named [][]byte, name []byte) bool {
	for _, tok := range named {
		// equalFold, not a bitwise |0x20 compare: that one also folds
		// '^' onto '~' and would strip a field the client did not name.
		if equalFold(name, string(tok)) {
			return true
		}
	}
	return false
}
