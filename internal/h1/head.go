// Package h1 parses and writes HTTP/1.x message heads and bodies for the
// proxy's data path.
//
// It exists because the proxy forwards messages rather than serving them:
// net/http would parse every request into maps, allocate per header and run
// two goroutines per upstream connection, which measured at a third of
// HAProxy's throughput. Here a head is parsed in place from the connection's
// read buffer into slices, validated strictly (ambiguous framing is rejected,
// never normalised: see RFC 9112 section 6.3 and the request-smuggling CVEs
// listed in the reference notes), edited, and written out again. Every parser
// is a pure function over bytes and is fuzzed.
package h1

import (
	"bytes"
	"errors"
)

// Header is one header field. Name and Value point into the connection's
// read buffer or at bytes supplied by a rule; they are valid until the next
// read on that connection.
type Header struct {
	Name, Value []byte
}

// Errors returned by the parsers. Every one of them makes the proxy answer
// 400 (request) or 502 (response) and close the connection.
var (
	ErrHeadTooLarge  = errors.New("h1: message head larger than the buffer")
	ErrBadRequest    = errors.New("h1: malformed request line")
	ErrBadStatus     = errors.New("h1: malformed status line")
	ErrBadVersion    = errors.New("h1: unsupported HTTP version")
	ErrBadHeader     = errors.New("h1: malformed header field")
	ErrBadFraming    = errors.New("h1: ambiguous or invalid message framing")
	ErrBadChunk      = errors.New("h1: malformed chunked encoding")
	ErrTooManyFields = errors.New("h1: too many header fields")
)

// MaxHeaders bounds the number of header fields in one head, as HAProxy's
// tune.http.maxhdr (default 101) does.
const MaxHeaders = 101

// Message holds what requests and responses share: the header list and the
// framing facts derived from it.
type Message struct {
	Headers []Header
	// Minor is the HTTP/1 minor version: 0 or 1.
	Minor int
	// ContentLength is the body length, or -1 when there is no
	// Content-Length header.
	ContentLength int64
	// Chunked is true when Transfer-Encoding ends with chunked.
	Chunked bool
	// ConnClose and ConnKeepAlive record the Connection header's close and
	// keep-alive tokens; ConnUpgrade its upgrade token.
	ConnClose, ConnKeepAlive, ConnUpgrade bool
}

// Get returns the value of the first header called name (matched without
// regard to case), or nil.
func (m *Message) Get(name string) []byte {
	for i := range m.Headers {
		if equalFold(m.Headers[i].Name, name) {
			return m.Headers[i].Value
		}
	}
	return nil
}

// Has reports whether a header called name is present.
func (m *Message) Has(name string) bool {
	for i := range m.Headers {
		if equalFold(m.Headers[i].Name, name) {
			return true
		}
	}
	return false
}

// Del removes every header called name and reports how many it removed.
func (m *Message) Del(name string) int {
	n := 0
	out := m.Headers[:0]
	for _, h := range m.Headers {
		if equalFold(h.Name, name) {
			n++
			continue
		}
		out = append(out, h)
	}
	clear(m.Headers[len(out):])
	m.Headers = out
	return n
}

// Add appends a header.
func (m *Message) Add(name, value []byte) {
	m.Headers = append(m.Headers, Header{Name: name, Value: value})
}

// Set replaces every header called name with one header.
func (m *Message) Set(name, value []byte) {
	m.Del(string(name))
	m.Add(name, value)
}

// KeepAlive reports whether the sender wants the connection kept open after
// this message: HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
// "Connection: keep-alive".
func (m *Message) KeepAlive() bool {
	if m.Minor == 0 {
		return m.ConnKeepAlive && !m.ConnClose
	}
	return !m.ConnClose
}

// Request is a parsed request head.
type Request struct {
	Message
	Method []byte
	// URI is the request target as received.
	URI []byte
}

// Response is a parsed response head.
type Response struct {
	Message
	Status int
	Reason []byte
}

// equalFold compares ASCII header names without regard to case, without
// allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c, d := b[i], s[i]
		if c == d {
			continue
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if 'A' <= d && d <= 'Z' {
			d += 'a' - 'A'
		}
		if c != d {
			return false
		}
	}
	return true
}

// EqualFold is equalFold for callers outside the package.
func EqualFold(b []byte, s string) bool { return equalFold(b, s) }

// HeadEnd returns the length of the message head at the start of buf,
// including the blank line that ends it, or -1 if buf does not hold a
// complete head yet. from is where to resume scanning (a previous call's
// len(buf), minus 3), so that a head arriving byte by byte is scanned in
// linear time. Lines may end with CRLF or a bare LF, as HAProxy accepts.
// Empty lines before the first line are part of the head, not its end, so
// that a client's stray CRLFs after a body do not end an empty head
// (ParseRequest skips them, as RFC 9112 section 2.2 allows).
func HeadEnd(buf []byte, from int) int {
	if from < 0 {
		from = 0
	}
	for {
		i := bytes.IndexByte(buf[from:], '\n')
		if i < 0 {
			return -1
		}
		i += from
		// The head ends with an empty line: "\n\n" or "\n\r\n".
		if i+1 >= len(buf) {
			return -1
		}
		if lineEmptyAt(buf, i) {
			// Still in the leading empty lines: a blank line after them
			// does not end the head. Checked locally so the resumed scan
			// stays linear.
			from = i + 1
			continue
		}
		switch buf[i+1] {
		case '\n':
			return i + 2
		case '\r':
			if i+2 >= len(buf) {
				return -1
			}
			if buf[i+2] == '\n' {
				return i + 3
			}
		}
		from = i + 1
	}
}

// lineEmptyAt reports whether the line ending with the LF at buf[i] is
// empty (LF or CRLF alone). Only leading lines can be empty: the first empty
// line after a non-empty one ends the head.
func lineEmptyAt(buf []byte, i int) bool {
	if i == 0 || buf[i-1] == '\n' {
		return true
	}
	return buf[i-1] == '\r' && (i == 1 || buf[i-2] == '\n')
}

// tchar reports whether c may appear in a token (RFC 9110 section 5.6.2).
var tchar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// nextLine splits buf at the first LF, dropping a CR before it.
func nextLine(buf []byte) (line, rest []byte, ok bool) {
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		return nil, nil, false
	}
	line = buf[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	return line, buf[i+1:], true
}

// ParseRequest parses a complete request head (as delimited by HeadEnd)
// into r, reusing r's header slice. It lower-cases header names in head. Leading empty lines are skipped, as RFC
// 9112 section 2.2 allows.
func ParseRequest(head []byte, r *Request) error {
	r.reset()
	// Skip whole empty lines only, exactly as HeadEnd does: skipping any
	// run of CR and LF would accept "\r\r\n\r\n" before the request line
	// here while HeadEnd sees it as a complete (empty) head.
	for {
		if len(head) > 0 && head[0] == '\n' {
			head = head[1:]
		} else if len(head) > 1 && head[0] == '\r' && head[1] == '\n' {
			head = head[2:]
		} else {
			break
		}
	}
	line, rest, ok := nextLine(head)
	if !ok {
		return ErrBadRequest
	}
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 <= 0 {
		return ErrBadRequest
	}
	r.Method = line[:sp1]
	for _, c := range r.Method {
		if !tchar[c] {
			return ErrBadRequest
		}
	}
	uriAndVer := line[sp1+1:]
	sp2 := bytes.LastIndexByte(uriAndVer, ' ')
	if sp2 <= 0 {
		return ErrBadRequest
	}
	r.URI = uriAndVer[:sp2]
	for _, c := range r.URI {
		// Controls, spaces, DEL and '#' (a fragment never travels in a
		// request; accepting it enabled ACL bypasses, CVE-2023-45539).
		if c <= ' ' || c == 0x7f || c == '#' {
			return ErrBadRequest
		}
	}
	minor, err := parseVersion(uriAndVer[sp2+1:])
	if err != nil {
		return err
	}
	r.Minor = minor
	if err := parseHeaders(rest, &r.Message); err != nil {
		return err
	}
	if r.Chunked && r.Minor == 0 {
		// Transfer-Encoding did not exist in HTTP/1.0.
		return ErrBadFraming
	}
	return nil
}

// ParseResponse parses a complete response head into r. It lower-cases
// header names in head.
func ParseResponse(head []byte, r *Response) error {
	r.reset()
	line, rest, ok := nextLine(head)
	if !ok || len(line) < 12 {
		return ErrBadStatus
	}
	minor, err := parseVersion(line[:8])
	if err != nil {
		return ErrBadStatus
	}
	r.Minor = minor
	if line[8] != ' ' {
		return ErrBadStatus
	}
	st := line[9:12]
	if st[0] < '1' || st[0] > '9' || st[1] < '0' || st[1] > '9' || st[2] < '0' || st[2] > '9' {
		return ErrBadStatus
	}
	r.Status = int(st[0]-'0')*100 + int(st[1]-'0')*10 + int(st[2]-'0')
	if len(line) > 12 {
		if line[12] != ' ' {
			return ErrBadStatus
		}
		r.Reason = line[13:]
		for _, c := range r.Reason {
			if c < ' ' && c != '\t' || c == 0x7f {
				return ErrBadStatus
			}
		}
	}
	return parseHeaders(rest, &r.Message)
}

func parseVersion(v []byte) (int, error) {
	if len(v) != 8 || string(v[:7]) != "HTTP/1." {
		return 0, ErrBadVersion
	}
	switch v[7] {
	case '0':
		return 0, nil
	case '1':
		return 1, nil
	}
	return 0, ErrBadVersion
}

func (m *Message) reset() {
	clear(m.Headers)
	*m = Message{Headers: m.Headers[:0], ContentLength: -1}
}

func (r *Request) reset() {
	r.Message.reset()
	r.Method, r.URI = nil, nil
}

func (r *Response) reset() {
	r.Message.reset()
	r.Status, r.Reason = 0, nil
}

// parseHeaders parses header lines up to the blank line and derives the
// framing facts.
func parseHeaders(buf []byte, m *Message) error {
	clSeen := false
	teSeen := false
	for {
		line, rest, ok := nextLine(buf)
		if !ok {
			return ErrBadHeader
		}
		buf = rest
		if len(line) == 0 {
			break
		}
		if len(m.Headers) >= MaxHeaders {
			return ErrTooManyFields
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			// No colon, an empty name (CVE-2023-25725), or a line starting
			// with whitespace (obsolete folding, which a proxy must reject or
			// unfold: rejecting is the unambiguous choice).
			return ErrBadHeader
		}
		name := line[:colon]
		for i, c := range name {
			if !tchar[c] {
				// Includes whitespace before the colon (RFC 9112 5.1).
				return ErrBadHeader
			}
			// Names are lower-cased in place, as HAProxy forwards them:
			// backends behind HAProxy already see lower-case names.
			if 'A' <= c && c <= 'Z' {
				name[i] = c + 'a' - 'A'
			}
		}
		value := trimOWS(line[colon+1:])
		for _, c := range value {
			if c < ' ' && c != '\t' || c == 0x7f {
				return ErrBadHeader
			}
		}
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseContentLength(value)
			if !ok || (clSeen && n != m.ContentLength) {
				return ErrBadFraming
			}
			clSeen = true
			m.ContentLength = n
		case equalFold(name, "transfer-encoding"):
			// Codings accumulate across repeated fields (RFC 9110 section
			// 5.3), so a chunked in an earlier field followed by any coding
			// in a later one is chunked applied twice or not last.
			teSeen = true
			chunked, ok := parseTransferEncoding(value, m.Chunked)
			if !ok {
				return ErrBadFraming
			}
			m.Chunked = chunked
		case equalFold(name, "connection"):
			parseConnection(value, m)
		}
		m.Headers = append(m.Headers, Header{Name: name, Value: value})
	}
	if teSeen {
		if clSeen || !m.Chunked {
			// Both framings, or a transfer coding that does not end in
			// chunked: the length is ambiguous for some recipient.
			return ErrBadFraming
		}
	}
	return nil
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseContentLength accepts 1*DIGIT, or a comma list of identical values
// (RFC 9110 section 8.6 allows a recipient to accept that).
func parseContentLength(v []byte) (int64, bool) {
	var first int64 = -1
	for len(v) > 0 {
		var part []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			part, v = trimOWS(v[:i]), v[i+1:]
			if len(v) == 0 {
				return 0, false
			}
		} else {
			part, v = trimOWS(v), nil
		}
		if len(part) == 0 || len(part) > 18 {
			return 0, false
		}
		var n int64
		for _, c := range part {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int64(c-'0')
		}
		if first >= 0 && n != first {
			return 0, false
		}
		first = n
	}
	return first, first >= 0
}

// parseTransferEncoding reports whether the codings end with chunked, and
// rejects chunked applied twice or followed by another coding. chunked is
// whether an earlier Transfer-Encoding field already ended with chunked.
func parseTransferEncoding(v []byte, chunked bool) (_, ok bool) {
	for _, tok := range bytes.Split(v, []byte(",")) {
		tok = trimOWS(tok)
		if len(tok) == 0 {
			continue
		}
		if chunked {
			return false, false
		}
		if equalFold(tok, "chunked") {
			chunked = true
			continue
		}
		for _, c := range tok {
			if !tchar[c] && c != ';' && c != '=' && c != ' ' {
				return false, false
			}
		}
	}
	return chunked, true
}

func parseConnection(v []byte, m *Message) {
	for len(v) > 0 {
		var tok []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			tok, v = trimOWS(v[:i]), v[i+1:]
		} else {
			tok, v = trimOWS(v), nil
		}
		switch {
		case equalFold(tok, "close"):
			m.ConnClose = true
		case equalFold(tok, "keep-alive"):
			m.ConnKeepAlive = true
		case equalFold(tok, "upgrade"):
			m.ConnUpgrade = true
		}
	}
}

// ConnectionTokens calls fn for each token of every Connection header.
func (m *Message) ConnectionTokens(fn func(tok []byte)) {
	for _, h := range m.Headers {
		if !equalFold(h.Name, "connection") {
			continue
		}
		v := h.Value
		for len(v) > 0 {
			var tok []byte
			if i := bytes.IndexByte(v, ','); i >= 0 {
				tok, v = trimOWS(v[:i]), v[i+1:]
			} else {
				tok, v = trimOWS(v), nil
			}
			if len(tok) > 0 {
				fn(tok)
			}
		}
	}
}
