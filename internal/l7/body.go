package l7

import (
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/rules"
)

// reqBody is the request body buffered for the rules ("http-request
// wait-for-body", "option http-buffer-request"). The body stays in the
// client's read buffer, after the head, exactly as it was received, so
// that it is forwarded unchanged; only a chunked body is decoded, into
// decoded, for the fetches. Like HAProxy, hawser buffers at most what fits
// in one buffer (tune.bufsize) with the head.
type reqBody struct {
	// waited is set once the body was waited for: the body fetches have
	// a value from then on.
	waited bool
	// complete is set when the whole body is buffered.
	complete bool
	// headLen is the request head's length in the read buffer, and raw
	// the number of body bytes buffered after it, as received.
	headLen, raw int
	// decoded is a chunked body's data, its capacity kept across requests.
	decoded []byte
	// aborted is set when the client went away during the wait.
	aborted bool
	// timedOut is set when the wait's time ran out first.
	timedOut bool
}

var (
	_ acl.Body         = (*txn)(nil)
	_ rules.BodyWaiter = (*txn)(nil)
)

// endBody forgets the request's buffered body.
func (t *txn) endBody() {
	t.body = reqBody{decoded: t.body.decoded[:0]}
}

// hasReqBody reports whether the request announces a body.
func (t *txn) hasReqBody() bool { return t.req.Chunked || t.req.ContentLength > 0 }

// bufferRequest waits for the body before a proxy's http-request rules
// when the proxy has "option http-buffer-request", within "timeout
// http-request" (or "timeout client"). It reports false when the client
// went away: the request ends, logged "CR".
func (t *txn) bufferRequest(px *config.Proxy) bool {
	if !px.HTTPBufferRequest {
		return true
	}
	to := t.timeouts()
	if t.WaitForBody(firstNonZero(to.HTTPRequest, to.Client), 0) {
		return true
	}
	if t.body.timedOut {
		// HAProxy answers 408 when "timeout http-request" expires
		// before the body is in, logged "cD".
		t.answer(&rules.Outcome{Status: 408, Term: 'c'})
		return false
	}
	t.clientGone()
	return false
}

// clientGone ends a request whose client closed while it was held
// (waiting for its body, tarpitted): nothing is sent, the log says "CR".
func (t *txn) clientGone() {
	t.entry.TermState = [2]byte{tsClientAbort, phRequest}
	t.entry.Status = -1
	t.closeClient = true
	t.req.ContentLength, t.req.Chunked = 0, false
}

// WaitForBody buffers the request body until it is complete, atLeast
// bytes of it are in (when positive), the buffer is full or d has
// elapsed; the rules then go on with what was received. It reports false
// when the client closed or failed, which ends the request with "CR".
func (t *txn) WaitForBody(d time.Duration, atLeast int64) bool {
	if t.rs.inResponse {
		return t.waitResBody(d, atLeast)
	}
	b := &t.body
	b.waited = true
	if b.headLen == 0 {
		b.headLen = t.headLen
	}
	if b.complete || t.bodyDone || t.headLen == 0 {
		// Already waited for, forwarded or consumed.
		return true
	}
	if !t.hasReqBody() {
		b.complete = true
		return true
	}
	t.sendContinue()
	var until time.Time
	if d > 0 {
		until = time.Now().Add(d)
	}
	// The wait has its own limit; the head's deadline comes back after.
	prev := t.cc.rWant
	t.cc.setReadDeadline(until)
	defer t.cc.setReadDeadline(prev)
	for {
		buf, _ := t.br.Peek(t.br.Buffered())
		t.scanBody(buf[b.headLen:])
		if b.complete || atLeast > 0 && t.bodyHave() >= atLeast || len(buf) >= t.br.Size() {
			return true
		}
		if _, err := t.br.Peek(len(buf) + 1); err != nil {
			if isTimeout(err) {
				b.timedOut = true
				return false
			}
			b.aborted = true
			return false
		}
	}
}

// sendContinue answers "Expect: 100-continue" before waiting for a body
// the client holds back until then; the header is removed so that the
// server does not answer it a second time.
func (t *txn) sendContinue() {
	if t.req.Minor != 1 || !t.req.Has("expect") {
		return
	}
	if t.br.Buffered() > t.headLen {
		// The client did not wait.
		t.req.Del("expect")
		return
	}
	t.bw.WriteString("HTTP/1.1 100 Continue\r\n\r\n")
	t.flushLocal()
	t.req.Del("expect")
}

// scanBody records how much of the body raw (the bytes after the head)
// holds, decoding chunks for a chunked body.
func (t *txn) scanBody(raw []byte) {
	b := &t.body
	if !t.req.Chunked {
		n := min(int64(len(raw)), t.req.ContentLength)
		b.raw = int(n)
		b.complete = n == t.req.ContentLength
		return
	}
	var used int
	b.decoded, used, b.complete = decodeChunks(b.decoded[:0], raw)
	b.raw = used
}

// bodyHave is the number of body bytes buffered, decoded.
func (t *txn) bodyHave() int64 {
	if t.req.Chunked {
		return int64(len(t.body.decoded))
	}
	return int64(t.body.raw)
}

// ReqBody serves the req.body fetches: the buffered body and its
// advertised size (Content-Length, or the buffered size when chunked).
func (t *txn) ReqBody() ([]byte, int64, bool) {
	b := &t.body
	if !b.waited {
		return nil, 0, false
	}
	if t.req.Chunked {
		return b.decoded, int64(len(b.decoded)), true
	}
	if b.raw == 0 || t.headLen != b.headLen {
		// No body, or it has left the buffer (forwarded or consumed).
		return nil, max(t.req.ContentLength, 0), true
	}
	buf, _ := t.br.Peek(b.headLen + b.raw)
	return buf[b.headLen:], t.req.ContentLength, true
}

// ReqLen serves req.len in mode http: the head and the body bytes
// buffered as received.
func (t *txn) ReqLen() int64 {
	return int64(max(t.body.headLen, t.headLen) + t.body.raw)
}

// decodeChunks appends the data of the chunks in raw to dst, including a
// partial last chunk. used is the number of raw bytes that hold complete
// chunks or the partial one; complete is set when raw holds the last
// chunk and the trailers. A malformed chunk stops the scan: forwarding
// reports it.
func decodeChunks(dst, raw []byte) (out []byte, used int, complete bool) {
	p := 0
	for {
		line, ok := crlfLine(raw[p:])
		if !ok {
			return dst, p, false
		}
		size, ok := chunkSize(line)
		if !ok {
			return dst, p, false
		}
		start := p + len(line) + 2
		if size == 0 {
			return trailersEnd(dst, raw, start)
		}
		end := start + size
		if end+2 > len(raw) || size < 0 {
			n := min(len(raw), end) - start
			return append(dst, raw[start:start+n]...), start + n, false
		}
		dst = append(dst, raw[start:end]...)
		p = end + 2
	}
}

// trailersEnd reports whether raw holds the whole trailer section from p,
// ending with an empty line.
func trailersEnd(dst, raw []byte, p int) ([]byte, int, bool) {
	for {
		line, ok := crlfLine(raw[p:])
		if !ok {
			return dst, p, false
		}
		p += len(line) + 2
		if len(line) == 0 {
			return dst, p, true
		}
	}
}

// crlfLine returns the line at the start of b without its CRLF.
func crlfLine(b []byte) ([]byte, bool) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] == '\r' && b[i+1] == '\n' {
			return b[:i], true
		}
	}
	return nil, false
}

// chunkSize parses a chunk-size line (hex digits, optional extensions).
func chunkSize(line []byte) (int, bool) {
	n, digits := 0, 0
	for _, c := range line {
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'a' && c <= 'f':
			v = int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			v = int(c-'A') + 10
		case c == ';' || c == ' ' || c == '\t':
			return n, digits > 0
		default:
			return 0, false
		}
		if digits++; digits > 15 {
			return 0, false
		}
		n = n<<4 | v
	}
	return n, digits > 0
}
