package l7

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/hawser-lb/hawser/internal/h1"
)

// h2s is one HTTP/2 stream (HAProxy's h2s), presented to its transaction
// as an HTTP/1.1 connection carrying one request: Read returns the
// request head, then the body; Write takes the HTTP/1.1 response and
// sends it as frames.
//
// Read honours read deadlines the way a socket does (a timeout leaves the
// data for the next Read, which idleConn's lazy deadlines rely on). After
// the body, Read blocks like an open socket until the stream is reset or
// a deadline passes: the end of a request body is not a client leaving.
type h2s struct {
	c  *h2c
	id uint32

	// Guarded by c.mu.
	closed  bool  // out of the stream table: reset, or its transaction ended
	sendWin int64 // what the client lets this stream send
	// localEnd is set once END_STREAM is written (under c.wmu).
	localEnd atomic.Bool

	// The request side, filled by the reader, guarded by mu.
	mu        sync.Mutex
	rbuf      []byte // body received and not yet read, from roff
	roff      int
	remoteEnd bool  // END_STREAM received
	rerr      error // the stream was reset or the connection ended
	trailers  []hpack.HeaderField
	rdl       time.Time     // read deadline
	notify    chan struct{} // capacity 1: data, end, reset or a new deadline
	recvWin   int32         // what the client may still send on the stream
	unacked   int32         // read since the last WINDOW_UPDATE
	declLen   int64         // content-length, -1 if none
	got       int64         // body bytes received

	// The transaction's side of the request (its goroutine only).
	pending  []byte // head, or chunk framing not yet read
	chunked  bool   // the body is chunk-encoded for the transaction
	connect  bool   // a tunnel: the end of the body is a half-close
	proto    string // the :protocol of an Extended CONNECT (RFC 8441)
	isHead   bool
	bodyDone bool // the end of the body was delivered
	timer    *time.Timer

	// The response side (the transaction's goroutine only): the head is
	// collected in head and parsed, then the body is sent as it comes.
	wstate int
	// abort, when set, is the code an unanswered stream is reset with
	// instead of an error response (see txn.h2Failed).
	abort   http2.ErrCode
	head    []byte  // response head being collected
	headBuf *[]byte // head's pooled storage
	resp    h1.Response
	left    int64 // bytes left of a body of known length
	werr    error // the response failed: the stream is reset
	chunk   chunkParser
	held    heldHead
}

// States of a stream's response.
const (
	respHead    = iota // collecting the head
	respFixed          // body of known length
	respChunked        // chunked body, decoded into DATA and trailers
	respRaw            // body up to the close, or a tunnel
	respDone           // complete; further bytes are dropped
)

// newH2s checks a request's header list (RFC 9113 section 8.3, 8.2.2)
// and prepares its stream; a malformed request is a stream error.
func newH2s(c *h2c, f *http2.MetaHeadersFrame) (*h2s, error) {
	id := f.StreamID
	malformed := http2.StreamError{StreamID: id, Code: http2.ErrCodeProtocol}
	var method, scheme, path, authority, protocol string
	for _, hf := range f.PseudoFields() {
		switch hf.Name {
		case ":method":
			method = hf.Value
		case ":scheme":
			scheme = hf.Value
		case ":path":
			path = hf.Value
		case ":authority":
			authority = hf.Value
		case ":protocol":
			protocol = hf.Value
		default:
			return nil, malformed
		}
	}
	s := &h2s{c: c, id: id, notify: make(chan struct{}, 1), recvWin: c.window, declLen: -1}
	if !validMethod(method) {
		return nil, malformed
	}
	switch {
	case protocol != "":
		// Extended CONNECT: a tunnel with a path.
		if !c.connect || method != "CONNECT" || scheme == "" || path == "" || authority == "" {
			return nil, malformed
		}
		s.connect, s.proto = true, protocol
	case method == "CONNECT":
		if scheme != "" || path != "" || authority == "" {
			return nil, malformed
		}
		s.connect = true
	default:
		if scheme == "" || path == "" {
			return nil, malformed
		}
	}
	if path != "" && !validTarget(path) || !validTarget(authority) {
		return nil, malformed
	}
	s.isHead = method == "HEAD"
	host := authority
	size := len(method) + len(scheme) + len(path) + 2*len(authority) + 64
	cookies := 0
	for _, hf := range f.RegularFields() {
		switch hf.Name {
		case "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade":
			return nil, malformed
		case "te":
			if hf.Value != "trailers" {
				return nil, malformed
			}
		case "content-length":
			n, err := strconv.ParseInt(hf.Value, 10, 64)
			if err != nil || n < 0 || s.declLen >= 0 && s.declLen != n {
				return nil, malformed
			}
			s.declLen = n
		case "host":
			if host == "" {
				host = hf.Value
			}
		case "cookie":
			cookies++
		}
		size += len(hf.Name) + len(hf.Value) + 4
	}
	if f.StreamEnded() {
		if s.declLen > 0 {
			return nil, malformed
		}
		s.remoteEnd = true
	}
	s.chunked = !s.remoteEnd && s.declLen < 0 && !s.connect
	if s.proto != "" && s.declLen < 0 {
		// The tunnel's bytes follow the HTTP/1 head as they do after an
		// Upgrade: no body framing.
		s.chunked = false
	}

	b := make([]byte, 0, size)
	switch {
	case s.proto != "":
		b = append(b, "GET "...)
		b = append(b, path...)
	case s.connect:
		b = append(append(append(b, method...), ' '), authority...)
	case authority != "" && (scheme == "http" || scheme == "https"):
		// The target in absolute form, as HAProxy builds it from the
		// pseudo-headers (its "normalized URI"): url, %r and %HU show
		// it; the server gets the origin form (originForm).
		b = append(append(b, method...), ' ')
		b = append(append(append(b, scheme...), "://"...), authority...)
		if path != "*" {
			b = append(b, path...)
		}
	default:
		b = append(append(append(b, method...), ' '), path...)
	}
	b = append(b, " HTTP/1.1\r\n"...)
	if host != "" {
		b = append(append(append(b, "host: "...), host...), "\r\n"...)
	}
	sawKey := false
	for _, hf := range f.RegularFields() {
		switch hf.Name {
		case "host":
			continue
		case "cookie":
			// Cookie crumbs join into one field for HTTP/1 (RFC 9113
			// section 8.2.3), where the first one was.
			if cookies == 0 {
				continue
			}
			b = append(b, "cookie: "...)
			sep := false
			for _, ck := range f.RegularFields() {
				if ck.Name == "cookie" {
					if sep {
						b = append(b, "; "...)
					}
					b = append(b, ck.Value...)
					sep = true
				}
			}
			b = append(b, "\r\n"...)
			cookies = 0
			continue
		case "sec-websocket-key":
			sawKey = true
		}
		b = append(append(append(append(b, hf.Name...), ": "...), hf.Value...), "\r\n"...)
	}
	if s.chunked {
		b = append(b, "transfer-encoding: chunked\r\n"...)
	}
	if s.proto != "" {
		b = append(append(append(b, "connection: upgrade\r\nupgrade: "...), s.proto...), "\r\n"...)
		if !sawKey && s.proto == "websocket" {
			// An HTTP/1 WebSocket server wants a key (RFC 6455 section
			// 4.1); HTTP/2 has none (RFC 8441 section 5).
			var k [16]byte
			rand.Read(k[:])
			b = append(b, "sec-websocket-key: "...)
			b = base64.StdEncoding.AppendEncode(b, k[:])
			b = append(b, "\r\n"...)
		}
	}
	s.pending = append(b, "\r\n"...)
	return s, nil
}

// validMethod reports whether m is a token.
func validMethod(m string) bool {
	if m == "" {
		return false
	}
	for i := 0; i < len(m); i++ {
		if !httpguts.IsTokenRune(rune(m[i])) {
			return false
		}
	}
	return true
}

// validTarget reports whether v can stand in an HTTP/1 request line.
func validTarget(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] <= ' ' || v[i] == 0x7f {
			return false
		}
	}
	return true
}

// signal wakes a Read waiting for the stream.
func (s *h2s) signal() {
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// failRead makes the request side fail with err. Called with c.mu held.
func (s *h2s) failRead(err error) {
	s.mu.Lock()
	if s.rerr == nil {
		s.rerr = err
	}
	s.mu.Unlock()
	s.signal()
}

// closeLocked takes s out of the stream table. Called with c.mu held.
func (s *h2s) closeLocked() {
	if !s.closed {
		s.closed = true
		delete(s.c.streams, s.id)
	}
}

// receive takes a DATA frame's payload (in the reader).
func (s *h2s) receive(data []byte, length int32, end bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remoteEnd {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeStreamClosed}
	}
	s.recvWin -= length
	if s.recvWin < 0 {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeFlowControl}
	}
	s.got += int64(len(data))
	if s.declLen >= 0 && (s.got > s.declLen || end && s.got != s.declLen) {
		// RFC 9113 section 8.1.1: the DATA frames must add up to the
		// content-length.
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeProtocol}
	}
	if s.rerr == nil {
		if s.roff == len(s.rbuf) {
			s.rbuf, s.roff = s.rbuf[:0], 0
		}
		s.rbuf = append(s.rbuf, data...)
	}
	// Padding is credited back with the next update.
	s.unacked += length - int32(len(data))
	if end {
		s.remoteEnd = true
	}
	s.signal()
	return nil
}

// receiveTrailers takes the HEADERS frame that ends a request body.
func (s *h2s) receiveTrailers(f *http2.MetaHeadersFrame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.remoteEnd {
		if s.localEnd.Load() {
			// Closed on both sides, only not yet out of the table
			// (RFC 9113 section 5.1).
			return http2.ConnectionError(http2.ErrCodeStreamClosed)
		}
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeStreamClosed}
	}
	if !f.StreamEnded() || len(f.PseudoFields()) > 0 || s.declLen >= 0 && s.got != s.declLen {
		return http2.StreamError{StreamID: s.id, Code: http2.ErrCodeProtocol}
	}
	s.trailers = f.RegularFields()
	s.remoteEnd = true
	s.signal()
	return nil
}

// Read returns the request head, then the body: as received for a
// content-length or tunnel stream, chunk-encoded otherwise, with the
// stream's trailers in the last chunk.
func (s *h2s) Read(p []byte) (int, error) {
	for {
		if len(s.pending) > 0 {
			n := copy(p, s.pending)
			s.pending = s.pending[n:]
			return n, nil
		}
		s.mu.Lock()
		if avail := len(s.rbuf) - s.roff; avail > 0 {
			n, taken := 0, 0
			data := s.rbuf[s.roff:]
			switch {
			case !s.chunked:
				n = copy(p, data)
				taken = n
			case len(p) >= 32:
				taken = min(avail, len(p)-12)
				h := strconv.AppendInt(p[:0], int64(taken), 16)
				h = append(h, '\r', '\n')
				n = len(h)
				n += copy(p[n:], data[:taken])
				p[n], p[n+1] = '\r', '\n'
				n += 2
			default:
				taken = avail
				s.pending = strconv.AppendInt(s.pending[:0], int64(taken), 16)
				s.pending = append(append(append(s.pending, '\r', '\n'), data...), '\r', '\n')
			}
			s.roff += taken
			s.unacked += int32(taken)
			var inc int32
			if s.unacked >= s.c.window/2 && !s.remoteEnd {
				inc = s.unacked
				s.unacked = 0
				s.recvWin += inc
			}
			s.mu.Unlock()
			if inc > 0 {
				s.sendUpdate(inc)
			}
			if n == 0 {
				continue
			}
			return n, nil
		}
		if s.remoteEnd && !s.bodyDone {
			s.bodyDone = true
			if s.chunked {
				b := append(s.pending[:0], "0\r\n"...)
				for _, f := range s.trailers {
					b = append(append(append(append(b, f.Name...), ": "...), f.Value...), "\r\n"...)
				}
				s.pending = append(b, "\r\n"...)
				s.mu.Unlock()
				continue
			}
		}
		if s.bodyDone && s.connect {
			s.mu.Unlock()
			return 0, io.EOF
		}
		if s.rerr != nil {
			err := s.rerr
			s.mu.Unlock()
			if s.bodyDone {
				return 0, io.EOF
			}
			return 0, err
		}
		dl := s.rdl
		s.mu.Unlock()
		if !dl.IsZero() && !time.Now().Before(dl) {
			return 0, os.ErrDeadlineExceeded
		}
		s.wait(dl)
	}
}

// wait blocks until the stream is signalled or the deadline passes.
func (s *h2s) wait(dl time.Time) {
	if dl.IsZero() {
		<-s.notify
		return
	}
	d := time.Until(dl)
	if s.timer == nil {
		s.timer = time.NewTimer(d)
	} else {
		s.timer.Reset(d)
	}
	select {
	case <-s.notify:
	case <-s.timer.C:
	}
	s.timer.Stop()
}

// sendUpdate gives the client inc more bytes of the stream's window.
func (s *h2s) sendUpdate(inc int32) {
	c := s.c
	c.lockW()
	if c.werr == nil {
		c.wfr.WriteWindowUpdate(s.id, uint32(inc))
	}
	c.unlockW(true)
}

// Write takes response bytes from the transaction. The txn writes when
// it flushes, so what a Write carries leaves at once (batched with the
// other streams' frames when they write at the same time).
func (s *h2s) Write(p []byte) (int, error) {
	if s.werr != nil {
		return 0, s.werr
	}
	var err error
	switch s.wstate {
	case respHead:
		err = s.writeHead(p)
	case respFixed:
		err = s.writeFixed(p)
	case respChunked:
		err = s.writeChunked(p)
	case respRaw:
		err = s.writeRaw(p)
	}
	if err != nil {
		s.werr = err
		return 0, err
	}
	return len(p), nil
}

// writeHead takes response bytes while the head is incomplete: a head
// that arrives whole in one Write (the usual case) is parsed in place,
// others are collected in a pooled buffer of the size the txn's own
// heads are bounded by. Interim heads are sent as they complete.
func (s *h2s) writeHead(p []byte) error {
	resp := &s.resp
	for {
		buf, more := p, []byte(nil)
		if len(s.head) > 0 {
			k := min(len(p), cap(s.head)-len(s.head))
			s.head = append(s.head, p[:k]...)
			buf, more = s.head, p[k:]
		}
		n := h1.HeadEnd(buf, 0)
		if n < 0 {
			if len(s.head) == 0 {
				if len(p) == 0 {
					return nil
				}
				if s.headBuf == nil {
					s.headBuf = getScratch(s.c.bufSize)
				}
				if len(p) > len(*s.headBuf) {
					return h1.ErrHeadTooLarge
				}
				s.head = append((*s.headBuf)[:0], p...)
				return nil
			}
			if len(more) > 0 || len(s.head) == cap(s.head) {
				return h1.ErrHeadTooLarge
			}
			return nil
		}
		if n > s.c.bufSize {
			return h1.ErrHeadTooLarge
		}
		if err := h1.ParseResponse(buf[:n], resp); err != nil {
			return err
		}
		rest := buf[n:]
		if resp.Status >= 200 || resp.Status == 101 {
			err := s.startBody(rest)
			if s.head != nil {
				s.head = s.head[:0]
			}
			if err == nil && len(more) > 0 {
				_, err = s.Write(more)
			}
			return err
		}
		if err := s.sendHead(resp.Status, resp.Headers, false, nil, true); err != nil {
			return err
		}
		if len(s.head) == 0 {
			p = rest
		} else {
			s.head = s.head[:copy(s.head, rest)]
			p = more
		}
		if len(p) == 0 && len(s.head) == 0 {
			return nil
		}
	}
}

// startBody sends the final head and rest, the start of the body.
func (s *h2s) startBody(rest []byte) error {
	status, chunked, length := s.resp.Status, s.resp.Chunked, s.resp.ContentLength
	fields := s.resp.Headers
	switch {
	case status == 101:
		if s.proto == "" {
			return errBadUpgrade
		}
		// The server accepted the Upgrade: the Extended CONNECT stream
		// is a tunnel (RFC 8441 section 5).
		s.wstate = respRaw
		fields = dropField(fields, "sec-websocket-accept")
		if err := s.sendHead(200, fields, false, nil, true); err != nil {
			return err
		}
		return s.writeData(rest, false)
	case s.isHead || status == 204 || status == 304:
		s.wstate = respDone
		return s.sendHead(status, fields, true, nil, true)
	case s.connect && s.proto == "" && status/100 == 2:
		// The tunnel is established: the client may speak first.
		s.wstate = respRaw
		if err := s.sendHead(status, fields, false, nil, true); err != nil {
			return err
		}
		return s.writeData(rest, false)
	case chunked:
		// The head waits for the first data: a body-less answer (gRPC's
		// trailers-only) is one HEADERS frame ending the stream.
		s.wstate = respChunked
		s.hold(status, fields)
		return s.writeChunked(rest)
	case length < 0:
		// A body up to the close: the head waits for it too.
		s.wstate = respRaw
		s.hold(status, fields)
		return s.writeRaw(rest)
	case length == 0:
		s.wstate = respDone
		return s.sendHead(status, fields, true, nil, true)
	}
	s.wstate = respFixed
	s.left = length
	if int64(len(rest)) > length {
		rest = rest[:length]
	}
	s.left -= int64(len(rest))
	end := s.left == 0
	if end {
		s.wstate = respDone
	}
	return s.sendHead(status, fields, end, rest, true)
}

var errBadUpgrade = errors.New("101 response to a request without an upgrade")

// dropField returns fields without name, in place.
func dropField(fields []h1.Header, name string) []h1.Header {
	out := fields[:0]
	for _, f := range fields {
		if !h1.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	return out
}

// sendHead sends a head (status > 0) or trailers, then data, the start of
// the body, in the same write when the windows allow it; end ends the
// stream after them.
func (s *h2s) sendHead(status int, fields []h1.Header, end bool, data []byte, flush bool) error {
	c := s.c
	k := 0
	if len(data) > 0 {
		var err error
		if k, err = c.reserve(s, len(data), false); err != nil {
			return err
		}
	}
	c.lockW()
	if c.werr != nil {
		c.unlockW(false)
		return errH2Write
	}
	c.encodeHead(status, fields)
	err := c.writeBlockLocked(s.id, end && len(data) == 0)
	if err == nil && k > 0 {
		err = c.writeDataLocked(s.id, data[:k], end && k == len(data))
	}
	if err == nil && end && k == len(data) {
		s.localEnd.Store(true)
	}
	c.unlockW(flush || k < len(data))
	if err != nil {
		return errH2Write
	}
	if k < len(data) {
		return s.writeData(data[k:], end)
	}
	return nil
}

// writeData sends p as DATA frames as the flow-control windows open,
// ending the stream after them when end is set.
func (s *h2s) writeData(p []byte, end bool) error {
	c := s.c
	for {
		k := 0
		if len(p) > 0 {
			var err error
			if k, err = c.reserve(s, len(p), false); err == nil && k == 0 {
				// Blocked: what is buffered must reach the client for
				// its window to open.
				c.lockW()
				c.unlockW(true)
				k, err = c.reserve(s, len(p), true)
			}
			if err != nil {
				return err
			}
		} else if !end {
			return nil
		}
		c.lockW()
		if c.werr != nil {
			c.unlockW(false)
			return errH2Write
		}
		err := c.writeDataLocked(s.id, p[:k], end && k == len(p))
		if err == nil && end && k == len(p) {
			s.localEnd.Store(true)
		}
		c.unlockW(true)
		if err != nil {
			return errH2Write
		}
		p = p[k:]
		if len(p) == 0 {
			return nil
		}
	}
}

// reserve takes up to n bytes of the send windows for s; block waits for
// them to open.
func (c *h2c) reserve(s *h2s, n int, block bool) (int, error) {
	if block {
		return c.waitSend(s, n)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dead != nil {
		return 0, c.dead
	}
	if s.closed {
		return 0, errStreamReset
	}
	w := min(c.sendWin, s.sendWin)
	if w <= 0 {
		return 0, nil
	}
	k := int(min(int64(n), w))
	c.sendWin -= int64(k)
	s.sendWin -= int64(k)
	return k, nil
}

// writeFixed sends p, as much as the body has left.
func (s *h2s) writeFixed(p []byte) error {
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	s.left -= int64(len(p))
	end := s.left == 0
	if end {
		s.wstate = respDone
	}
	if len(p) == 0 && !end {
		return nil
	}
	return s.writeData(p, end)
}

// writeChunked decodes a chunked body as it comes: the data goes as DATA
// frames, the trailer fields as a closing HEADERS frame.
func (s *h2s) writeChunked(p []byte) error {
	ch := &s.chunk
	for len(p) > 0 && s.wstate == respChunked {
		switch ch.state {
		case chunkBytes:
			k := int(min(int64(len(p)), ch.left))
			var err error
			if s.held.status != 0 {
				err = s.sendHeld(false, p[:k])
			} else {
				err = s.writeData(p[:k], false)
			}
			if err != nil {
				return err
			}
			p = p[k:]
			ch.left -= int64(k)
			if ch.left == 0 {
				ch.state = chunkDataEnd
			}
			continue
		}
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			if len(ch.line)+len(p) > 4096 {
				return h1.ErrHeadTooLarge
			}
			ch.line = append(ch.line, p...)
			return nil
		}
		line := p[:i]
		if len(ch.line) > 0 {
			ch.line = append(ch.line, line...)
			line = ch.line
		}
		p = p[i+1:]
		line = bytes.TrimSuffix(line, []byte{'\r'})
		var err error
		switch ch.state {
		case chunkSizeLine:
			err = ch.size(line)
		case chunkDataEnd:
			if len(line) != 0 {
				err = errBadChunk
			}
			ch.state = chunkSizeLine
		case chunkTrailer:
			if len(line) == 0 {
				err = s.endChunked()
				break
			}
			name, value, ok := bytes.Cut(line, []byte{':'})
			if !ok {
				err = errBadChunk
				break
			}
			ch.trailers = append(ch.trailers, h1.Header{Name: bytes.Clone(bytes.TrimSpace(name)),
				Value: bytes.Clone(bytes.TrimSpace(value))})
		}
		ch.line = ch.line[:0]
		if err != nil {
			return err
		}
	}
	return nil
}

var errBadChunk = errors.New("malformed chunked body")

// endChunked ends the stream after the last chunk: with the trailers, or
// an empty DATA frame.
func (s *h2s) endChunked() error {
	s.wstate = respDone
	if s.held.status != 0 {
		if len(s.chunk.trailers) == 0 {
			return s.sendHeld(true, nil)
		}
		if err := s.sendHeld(false, nil); err != nil {
			return err
		}
	}
	if len(s.chunk.trailers) > 0 {
		return s.sendHead(0, s.chunk.trailers, true, nil, true)
	}
	return s.writeData(nil, true)
}

// heldHead is a response head waiting for its body's first bytes.
type heldHead struct {
	status int
	fields []h1.Header
	buf    []byte
}

// hold keeps a copy of the head until the body starts or ends.
func (s *h2s) hold(status int, fields []h1.Header) {
	h := &s.held
	h.status = status
	h.buf = h.buf[:0]
	for _, f := range fields {
		h.buf = append(append(h.buf, f.Name...), f.Value...)
	}
	h.fields = h.fields[:0]
	off := 0
	for _, f := range fields {
		n := h.buf[off : off+len(f.Name) : off+len(f.Name)]
		off += len(f.Name)
		v := h.buf[off : off+len(f.Value) : off+len(f.Value)]
		off += len(f.Value)
		h.fields = append(h.fields, h1.Header{Name: n, Value: v})
	}
}

// sendHeld sends the held head with the body's first bytes.
func (s *h2s) sendHeld(end bool, data []byte) error {
	status := s.held.status
	s.held.status = 0
	return s.sendHead(status, s.held.fields, end, data, true)
}

// chunkParser follows a chunked body across Writes.
type chunkParser struct {
	state    int
	left     int64 // bytes left of the current chunk
	line     []byte
	trailers []h1.Header
}

const (
	chunkSizeLine = iota
	chunkBytes
	chunkDataEnd
	chunkTrailer
)

func (ch *chunkParser) size(line []byte) error {
	if i := bytes.IndexByte(line, ';'); i >= 0 {
		line = line[:i]
	}
	line = bytes.TrimSpace(line)
	if len(line) == 0 || len(line) > 15 {
		return errBadChunk
	}
	var n int64
	for _, b := range line {
		var d byte
		switch {
		case '0' <= b && b <= '9':
			d = b - '0'
		case 'a' <= b && b <= 'f':
			d = b - 'a' + 10
		case 'A' <= b && b <= 'F':
			d = b - 'A' + 10
		default:
			return errBadChunk
		}
		n = n<<4 | int64(d)
	}
	if n == 0 {
		ch.state = chunkTrailer
	} else {
		ch.state, ch.left = chunkBytes, n
	}
	return nil
}

// writeRaw sends the bytes of a body up to the close or of a tunnel.
func (s *h2s) writeRaw(p []byte) error {
	if s.held.status != 0 {
		if len(p) == 0 {
			return nil
		}
		return s.sendHeld(false, p)
	}
	return s.writeData(p, false)
}

// endRaw ends a body up to the close.
func (s *h2s) endRaw() {
	if s.wstate != respRaw || s.werr != nil {
		return
	}
	s.wstate = respDone
	if s.held.status != 0 {
		s.werr = s.sendHeld(true, nil)
	} else {
		s.werr = s.writeData(nil, true)
	}
}

// finish completes the stream after its transaction: a body up to the
// close ends, an incomplete response is reset so that the client does
// not take a truncated body for a whole one, and a request body the
// response did not wait for is refused with RST_STREAM(NO_ERROR) (RFC
// 9113 section 8.1).
func (s *h2s) finish() {
	if s.headBuf != nil {
		putScratch(s.headBuf)
		s.headBuf, s.head = nil, nil
	}
	s.endRaw()
	s.mu.Lock()
	remoteEnd := s.remoteEnd
	s.mu.Unlock()
	c := s.c
	c.mu.Lock()
	closed := s.closed
	c.mu.Unlock()
	switch {
	case closed:
	case s.abort != 0:
		c.closeStream(s, s.abort)
	case s.wstate != respDone || s.werr != nil:
		c.closeStream(s, http2.ErrCodeInternal)
	case !remoteEnd:
		c.closeStream(s, http2.ErrCodeNo)
	}
}

// Close ends the response: a body up to the close is complete.
func (s *h2s) Close() error {
	s.endRaw()
	return nil
}

// CloseWrite ends the response of a tunnel whose server side closed.
func (s *h2s) CloseWrite() error { return s.Close() }

func (s *h2s) LocalAddr() net.Addr  { return s.c.conn.LocalAddr() }
func (s *h2s) RemoteAddr() net.Addr { return s.c.conn.RemoteAddr() }

// SetReadDeadline wakes a blocked Read to look at the new deadline. Write
// deadlines are not applied per stream: the connection's write timeout
// bounds a blocked write or flow-control wait.
func (s *h2s) SetReadDeadline(t time.Time) error {
	s.mu.Lock()
	s.rdl = t
	s.mu.Unlock()
	s.signal()
	return nil
}

func (s *h2s) SetDeadline(t time.Time) error    { return s.SetReadDeadline(t) }
func (s *h2s) SetWriteDeadline(time.Time) error { return nil }
