package l7

import (
	"errors"
	"io"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/rules"
)

// resBody is the response body buffered by "http-response wait-for-body".
// Like the request body (body.go) it stays in the server connection's read
// buffer, after the response head, exactly as received, and is forwarded
// from there unchanged; only a chunked body is decoded, for the fetches.
type resBody struct {
	// waited is set once the body was waited for.
	waited bool
	// complete is set when the whole body is buffered.
	complete bool
	// raw is the number of body bytes buffered after the head.
	raw int
	// decoded is a chunked body's data, its capacity kept across requests.
	decoded []byte
	// timedOut is set when the wait's time ran out first.
	timedOut bool
}

var (
	_ acl.ResBody         = (*txn)(nil)
	_ rules.BodyTimeouter = (*txn)(nil)
)

// endResBody forgets the response's buffered body.
func (t *txn) endResBody() {
	t.rs.res = resBody{decoded: t.rs.res.decoded[:0]}
}

// waitResBody buffers the response body until it is complete, atLeast
// bytes of it are in (when positive), the buffer is full or d has
// elapsed. When the time runs out first it reports false and the rule
// replaces the response with a 504, as HAProxy does; a server that fails
// meanwhile is reported by the forwarding that follows, as without the
// wait. A response that is not read from a server connection of this
// client (HTTP/2 to the server) has no buffered body.
func (t *txn) waitResBody(d time.Duration, atLeast int64) bool {
	b := &t.rs.res
	b.waited = true
	sc := t.sc
	if b.complete || sc == nil || sc.br == nil || t.headLen == 0 {
		return true
	}
	resp := &t.resp
	if h1.EqualFold(t.req.Method, "HEAD") || resp.Status == 204 || resp.Status == 304 ||
		!resp.Chunked && resp.ContentLength == 0 {
		b.complete = true
		return true
	}
	var until time.Time
	if d > 0 {
		until = time.Now().Add(d)
	}
	// The wait has its own limit instead of "timeout server".
	idle, want := sc.c.rIdle, sc.c.rWant
	sc.c.rIdle, sc.c.rWant = 0, until
	defer func() { sc.c.rIdle, sc.c.rWant = idle, want }()
	for {
		buf, _ := sc.br.Peek(sc.br.Buffered())
		t.scanResBody(buf[t.headLen:])
		if b.complete || atLeast > 0 && t.resBodyHave() >= atLeast || len(buf) >= sc.br.Size() {
			return true
		}
		if _, err := sc.br.Peek(len(buf) + 1); err != nil {
			switch {
			case errors.Is(err, io.EOF) && !resp.Chunked && resp.ContentLength < 0:
				// A body delimited by the close is complete at the close.
				b.complete = true
			case isTimeout(err):
				b.timedOut = true
				return false
			}
			return true
		}
	}
}

// scanResBody records how much of the response body raw holds.
func (t *txn) scanResBody(raw []byte) {
	b := &t.rs.res
	resp := &t.resp
	switch {
	case resp.Chunked:
		var used int
		b.decoded, used, b.complete = decodeChunks(b.decoded[:0], raw)
		b.raw = used
	case resp.ContentLength >= 0:
		n := min(int64(len(raw)), resp.ContentLength)
		b.raw = int(n)
		b.complete = n == resp.ContentLength
	default:
		b.raw = len(raw)
	}
}

// resBodyHave is the number of response body bytes buffered, decoded.
func (t *txn) resBodyHave() int64 {
	if t.resp.Chunked {
		return int64(len(t.rs.res.decoded))
	}
	return int64(t.rs.res.raw)
}

// ResBody serves the res.body fetches while response rules run: the
// buffered body and its size (Content-Length, else the buffered size).
func (t *txn) ResBody() ([]byte, int64, bool) {
	b := &t.rs.res
	if !b.waited || !t.rs.inResponse {
		return nil, 0, false
	}
	if t.resp.Chunked {
		return b.decoded, int64(len(b.decoded)), true
	}
	size := t.resp.ContentLength
	if size < 0 {
		size = int64(b.raw)
	}
	sc := t.sc
	if b.raw == 0 || sc == nil || sc.br == nil {
		return nil, size, true
	}
	buf, _ := sc.br.Peek(t.headLen + b.raw)
	return buf[t.headLen:], size, true
}

// BodyTimedOut reports whether the last wait-for-body ran out of time.
func (t *txn) BodyTimedOut() bool {
	if t.rs.inResponse {
		return t.rs.res.timedOut
	}
	return t.body.timedOut
}
