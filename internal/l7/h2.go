package l7

// HTTP/2 client connections: h2c with prior knowledge ("bind … proto h2"),
// h2c detected by its connection preface on any cleartext HTTP bind (as
// HAProxy's h1 mux upgrades on "PRI * HTTP/2.0"), and h2 over TLS when ALPN
// chose "h2".
//
// golang.org/x/net/http2 does the framing, HPACK, flow control, SETTINGS
// and the abuse protections (rapid reset, CONTINUATION floods, control
// frame floods). Each stream then runs the same transaction as an HTTP/1
// request (txn) over a streamConn, which presents the stream as an
// HTTP/1.1 connection carrying one request: the request is written as an
// HTTP/1.1 head (":authority" becomes "host", names lower case) followed by
// its body, chunked when the client gave no content-length; the HTTP/1
// response the transaction writes back is parsed and emitted as HTTP/2
// (connection-specific fields dropped, chunked trailers as HTTP/2
// trailers). Rules, routing, balancing, persistence, error pages and logs
// are thus the HTTP/1 code, and the HTTP/1 keep-alive path pays nothing
// for HTTP/2 beyond a flag test.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h1"
)

// HAProxy's defaults for tune.h2.*.
const (
	defaultH2MaxStreams = 100
	defaultH2Window     = 65535
)

// h2Preface is the client connection preface (RFC 9113 section 3.4).
const h2Preface = http2.ClientPreface

// negotiatedH2 reports whether c is a TLS connection whose handshake chose
// HTTP/2 by ALPN.
func negotiatedH2(c net.Conn) bool {
	tc, ok := c.(*tls.Conn)
	return ok && tc.ConnectionState().NegotiatedProtocol == http2.NextProtoTLS
}

// h2Settings derives x/net's server settings from the global tune.h2.*
// and tune.bufsize values.
func h2Settings(g *config.Global) (streams uint32, window int32) {
	n := firstPositive(g.H2.FeMaxConcurrentStreams, g.H2.MaxConcurrentStreams, defaultH2MaxStreams)
	w := firstPositive(g.H2.FeInitialWindowSize, g.H2.InitialWindowSize, defaultH2Window)
	return uint32(n), int32(min(w, 1<<31-1))
}

func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}

// h2conn is one HTTP/2 client connection; x/net runs each stream's
// ServeHTTP in its own goroutine.
type h2conn struct {
	h    *Handler
	conn net.Conn
	// mu guards sess.Gen and sess.Frontend, which a stream may move to a
	// newer generation (Rebind) while other streams copy them.
	mu      sync.Mutex
	sess    *engine.Session
	bufSize int
	hs      *http.Server
	streams atomic.Int64 // streams in flight
	goAway  sync.Once
}

// serveH2 serves an HTTP/2 connection until it closes. c has not had its
// preface read.
func (h *Handler) serveH2(c net.Conn, s *engine.Session) {
	g := &s.Gen.Snap.Global
	bufSize := g.BufSize
	if bufSize <= 0 {
		bufSize = 16384
	}
	streams, window := h2Settings(g)
	to := &s.Frontend.Cfg.Timeouts
	hc := &h2conn{h: h, conn: c, sess: s, bufSize: bufSize}
	// The header list a stream may carry is bounded like an HTTP/1 head:
	// it must fit the buffer the transaction parses it in.
	hc.hs = &http.Server{MaxHeaderBytes: bufSize, ErrorLog: log.New(io.Discard, "", 0)}
	h2s := &http2.Server{
		MaxConcurrentStreams:         streams,
		MaxUploadBufferPerStream:     window,
		MaxUploadBufferPerConnection: max(window, 1<<20),
		// HAProxy's frame size (tune.h2.max-frame-size, 16384): x/net's
		// default of 1 MiB would let a single DATA frame exceed the
		// default stream window.
		MaxReadFrameSize: 16384,
		// "timeout http-keep-alive" bounds a connection without streams,
		// falling back to "timeout client" as for HTTP/1.
		IdleTimeout: firstNonZero(to.HTTPKeepAlive, to.Client),
	}
	// ConfigureServer ties h2s to hs, so that hs.Shutdown sends GOAWAY on
	// the connection (soft stop) and lets its streams finish.
	if err := http2.ConfigureServer(hc.hs, h2s); err != nil {
		h.log.Error("http2 setup failed", "err", err)
		return
	}
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-done:
		case <-s.Gen.Engine.Stopped():
			hc.shutdown()
		}
	}()
	// An HTTP/2 connection is idle for the engine (which may close it on
	// a soft stop or when a reload drops its socket) only between streams.
	s.Idle.Store(true)
	var xc net.Conn = c
	if _, isTLS := c.(*tls.Conn); !isTLS {
		// (x/net reads the TLS state from a *tls.Conn: not wrapped.)
		xc = &lingerConn{Conn: c}
	}
	h2s.ServeConn(xc, &http2.ServeConnOpts{BaseConfig: hc.hs, Handler: hc})
	s.Idle.Store(false)
}

// lingerConn closes by half-closing and reading what the client still
// sends for a moment: closing a socket with unread bytes (after a GOAWAY
// for a protocol error) resets the connection and destroys the GOAWAY in
// flight.
type lingerConn struct {
	net.Conn
	once sync.Once
}

func (c *lingerConn) Close() error {
	c.once.Do(func() {
		var under net.Conn = c.Conn
		if pc, ok := under.(*prefaceConn); ok {
			under = pc.Conn
		}
		if cw, ok := under.(interface{ CloseWrite() error }); ok && cw.CloseWrite() == nil {
			under.SetReadDeadline(time.Now().Add(time.Second))
			io.CopyN(io.Discard, under, 1<<20)
		}
	})
	return c.Conn.Close()
}

// shutdown sends GOAWAY: streams in flight finish, new ones are refused.
func (hc *h2conn) shutdown() {
	hc.goAway.Do(func() { go hc.hs.Shutdown(context.Background()) })
}

// streamSession returns a session for a new stream, on the newest
// generation that still serves the socket.
func (hc *h2conn) streamSession(c net.Conn) *engine.Session {
	hc.mu.Lock()
	defer hc.mu.Unlock()
	s := hc.sess
	if s.Gen.Retired() && !s.Gen.Engine.Rebind(s) {
		// The new configuration no longer serves this socket: finish on
		// the old one and tell the client to go away.
		hc.shutdown()
	}
	return s.Stream(c)
}

// ServeHTTP serves one stream.
func (hc *h2conn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if hc.streams.Add(1) == 1 {
		hc.sess.Idle.Store(false)
	}
	defer func() {
		if hc.streams.Add(-1) == 0 {
			hc.sess.Idle.Store(true)
		}
	}()
	sc := newStreamConn(hc, w, r)
	ss := hc.streamSession(sc)
	if ss.Gen.Engine.Stopping() {
		hc.shutdown()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			if v := recover(); v != nil {
				hc.h.log.Error("panic serving http2 stream", "frontend", ss.Frontend.Cfg.Name, "panic", v)
			}
			sc.Close()
			ss.EndStream(hc.sess)
		}()
		hc.h.serveTxn(sc, ss, true)
	}()
	err := sc.relay()
	// Unblocks the transaction if it is still writing, then waits for it:
	// w must not be used once ServeHTTP returns.
	sc.pr.CloseWithError(errStreamDone)
	<-done
	if err != nil {
		// The response could not be completed: reset the stream so that
		// the client does not take a truncated body for a whole one.
		panic(http.ErrAbortHandler)
	}
}

var errStreamDone = errors.New("http2 stream done")

// streamConn presents one HTTP/2 stream to a txn as an HTTP/1.1
// connection: Read returns the request as an HTTP/1.1 message, Write
// takes the HTTP/1.1 response, which relay turns into HTTP/2.
//
// Read honours read deadlines the way a socket does (a timeout leaves the
// data for the next Read, which idleConn's lazy deadlines rely on), so the
// request body is read from x/net by a goroutine of its own. After the
// body, Read blocks like an open socket until the stream is reset or a
// deadline passes: the end of a request body is not a client leaving.
type streamConn struct {
	hc *h2conn
	w  http.ResponseWriter
	r  *http.Request
	// Request side, read by one goroutine at a time (the txn's, or x/net's
	// for a body sent to an HTTP/2 server).
	pending []byte // head, then chunk framing and data, not yet read
	chunked bool
	eof     bool
	connect bool           // a CONNECT tunnel: the end of the body is a half-close
	body    chan bodyPiece // from readBody; nil until the body is first read
	free    chan []byte    // buffers readBody may fill again
	mu      sync.Mutex     // guards rdl and wake
	rdl     time.Time      // read deadline
	wake    chan struct{}  // closed when rdl changes
	// Response side: the txn writes into pw, relay reads pr.
	pr        *io.PipeReader
	pw        *io.PipeWriter
	closeOnce sync.Once
}

// bodyPiece is one read of the request body.
type bodyPiece struct {
	b   []byte
	err error
}

func newStreamConn(hc *h2conn, w http.ResponseWriter, r *http.Request) *streamConn {
	c := &streamConn{hc: hc, w: w, r: r}
	c.pr, c.pw = io.Pipe()
	connect := r.Method == http.MethodConnect
	c.connect = connect
	c.chunked = !connect && r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody
	c.pending = requestHead(r, c.chunked, connect)
	return c
}

// connSpecific are the fields HTTP/2 forbids (RFC 9113 section 8.2.2);
// HAProxy drops them when converting an HTTP/1 message.
var connSpecific = []string{"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"}

// requestHead writes r's head as HTTP/1.1: the request line with the
// origin-form target, "host" from ":authority" first, then the fields in
// a stable order (x/net hands them over as a map) with lower-case names.
func requestHead(r *http.Request, chunked, connect bool) []byte {
	b := make([]byte, 0, 512)
	uri := r.RequestURI
	if connect || uri == "" {
		uri = r.Host
	}
	b = append(b, r.Method...)
	b = append(b, ' ')
	b = append(b, uri...)
	b = append(b, " HTTP/1.1\r\n"...)
	if r.Host != "" {
		b = append(b, "host: "...)
		b = append(b, r.Host...)
		b = append(b, "\r\n"...)
	}
	names := make([]string, 0, len(r.Header))
	for k := range r.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		lk := strings.ToLower(k)
		if lk == "host" || slices.Contains(connSpecific, lk) {
			continue
		}
		for _, v := range r.Header[k] {
			b = append(b, lk...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "\r\n"...)
		}
	}
	if chunked {
		b = append(b, "transfer-encoding: chunked\r\n"...)
	}
	return append(b, "\r\n"...)
}

// Read returns the request head, then the body: as received for a
// content-length or CONNECT stream, chunk-encoded otherwise, with the
// stream's trailers in the last chunk.
func (c *streamConn) Read(p []byte) (int, error) {
	for len(c.pending) == 0 {
		piece, err := c.next()
		if err != nil {
			return 0, err
		}
		c.encode(piece)
	}
	n := copy(p, c.pending)
	c.pending = c.pending[n:]
	return n, nil
}

// encode makes a piece of the body the bytes Read returns next.
func (c *streamConn) encode(piece bodyPiece) {
	out := c.pending[:0]
	if !c.chunked {
		out = append(out, piece.b...)
	} else if len(piece.b) > 0 {
		out = strconv.AppendInt(out, int64(len(piece.b)), 16)
		out = append(out, "\r\n"...)
		out = append(out, piece.b...)
		out = append(out, "\r\n"...)
	}
	if piece.err != nil {
		c.eof = true
		if c.chunked {
			out = append(out, "0\r\n"...)
			for k, vs := range c.r.Trailer {
				for _, v := range vs {
					out = append(out, strings.ToLower(k)...)
					out = append(out, ": "...)
					out = append(out, v...)
					out = append(out, "\r\n"...)
				}
			}
			out = append(out, "\r\n"...)
		}
	}
	if piece.b != nil {
		c.free <- piece.b[:cap(piece.b)]
	}
	c.pending = out
}

// next waits for the next piece of the body, the read deadline or the
// stream's end.
func (c *streamConn) next() (bodyPiece, error) {
	if c.body == nil && !c.eof {
		if c.r.Body == nil || c.r.Body == http.NoBody {
			c.eof = true
		} else {
			c.body = make(chan bodyPiece)
			c.free = make(chan []byte, 2)
			c.free <- make([]byte, 16<<10)
			c.free <- make([]byte, 16<<10)
			go c.readBody()
		}
	}
	body := c.body
	if c.eof {
		if c.connect {
			return bodyPiece{}, io.EOF
		}
		body = nil
	}
	for {
		c.mu.Lock()
		dl, wake := c.rdl, c.wake
		if wake == nil {
			c.wake = make(chan struct{})
			wake = c.wake
		}
		c.mu.Unlock()
		var timeout <-chan time.Time
		var tm *time.Timer
		if !dl.IsZero() {
			d := time.Until(dl)
			if d <= 0 {
				return bodyPiece{}, os.ErrDeadlineExceeded
			}
			tm = time.NewTimer(d)
			timeout = tm.C
		}
		piece, err, again := c.wait(body, timeout, wake)
		if tm != nil {
			tm.Stop()
		}
		if !again {
			return piece, err
		}
	}
}

func (c *streamConn) wait(body chan bodyPiece, timeout <-chan time.Time, wake chan struct{}) (_ bodyPiece, _ error, again bool) {
	select {
	case piece := <-body:
		if piece.err != nil && piece.err != io.EOF {
			// The stream was reset or the connection lost.
			return bodyPiece{}, piece.err, false
		}
		return piece, nil, false
	case <-timeout:
		return bodyPiece{}, os.ErrDeadlineExceeded, false
	case <-wake:
		return bodyPiece{}, nil, true
	case <-c.r.Context().Done():
		return bodyPiece{}, io.EOF, false
	}
}

// readBody reads the request body from x/net into the free buffers.
func (c *streamConn) readBody() {
	done := c.r.Context().Done()
	for {
		var buf []byte
		select {
		case buf = <-c.free:
		case <-done:
			return
		}
		n, err := c.r.Body.Read(buf)
		select {
		case c.body <- bodyPiece{b: buf[:n], err: err}:
		case <-done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Write takes response bytes from the transaction.
func (c *streamConn) Write(p []byte) (int, error) { return c.pw.Write(p) }

// Close ends the response.
func (c *streamConn) Close() error {
	c.closeOnce.Do(func() { c.pw.Close() })
	return nil
}

// CloseWrite ends the response of a tunnel (CONNECT) whose server side
// closed.
func (c *streamConn) CloseWrite() error { return c.Close() }

func (c *streamConn) LocalAddr() net.Addr  { return c.hc.conn.LocalAddr() }
func (c *streamConn) RemoteAddr() net.Addr { return c.hc.conn.RemoteAddr() }

// SetReadDeadline wakes a blocked Read to look at the new deadline. Write
// deadlines are not applied: the response goes through a pipe to relay,
// which x/net's flow control paces.
func (c *streamConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	c.rdl = t
	if c.wake != nil {
		close(c.wake)
		c.wake = nil
	}
	c.mu.Unlock()
	return nil
}

func (c *streamConn) SetDeadline(t time.Time) error    { return c.SetReadDeadline(t) }
func (c *streamConn) SetWriteDeadline(time.Time) error { return nil }

// relay reads the HTTP/1.1 response the transaction writes and sends it
// on the stream. It returns an error when the response is cut short.
func (c *streamConn) relay() error {
	fr := &flushReader{r: c.pr, w: c.w}
	br := getReader(fr, c.hc.bufSize)
	defer putReader(br)
	var resp h1.Response
	hdr := c.w.Header()
	var headLen int
	for {
		n, err := readHead(br)
		if err != nil {
			return err
		}
		head, _ := br.Peek(n)
		if err := h1.ParseResponse(head, &resp); err != nil {
			return err
		}
		headLen = n
		if resp.Status >= 200 || resp.Status == 101 {
			break
		}
		// Interim responses: x/net answers "Expect: 100-continue" itself
		// when the body is first read; others (103) are relayed.
		if resp.Status != 100 {
			copyFields(hdr, &resp)
			c.w.WriteHeader(resp.Status)
			clear(hdr)
		}
		br.Discard(n)
	}
	copyFields(hdr, &resp)
	// x/net would add a date and sniff a content-type: a proxy forwards
	// what the server sent.
	if _, ok := hdr["Date"]; !ok {
		hdr["Date"] = nil
	}
	if _, ok := hdr["Content-Type"]; !ok {
		hdr["Content-Type"] = nil
	}
	status, chunked, length := resp.Status, resp.Chunked, resp.ContentLength
	br.Discard(headLen)
	c.w.WriteHeader(status)
	fw := &flushWriter{w: c.w, br: br, fr: fr, left: -1}
	if length >= 0 && !chunked {
		fw.left = length
	}
	// A head announcing a body goes out before the relay waits for that
	// body, so that a slow body does not hold the status back. (A chunked
	// head waits for its first data: gRPC's trailers-only answers stay
	// one HEADERS frame.)
	fr.dirty = length > 0
	var err error
	switch {
	case c.r.Method == http.MethodHead || status == 204 || status == 304:
	case c.r.Method == http.MethodConnect && status/100 == 2:
		// The tunnel is established: the client may speak first.
		if fl, ok := c.w.(http.Flusher); ok {
			fl.Flush()
		}
		_, err = io.Copy(fw, br)
	case chunked:
		_, err = h1.DecodeChunked(fw, br, func(name, value []byte) {
			k := http.TrailerPrefix + http.CanonicalHeaderKey(string(name))
			hdr[k] = append(hdr[k], string(value))
		})
	case length >= 0:
		_, err = h1.CopyFixed(fw, br, length)
		// The end of the handler sends the last DATA frame with
		// END_STREAM: no flush of its own, so that x/net writes the
		// frames of many streams with one syscall.
		fr.dirty = false
	default:
		_, err = io.Copy(fw, br)
	}
	if err != nil {
		return err
	}
	io.Copy(io.Discard, br)
	return nil
}

// readHead waits for a complete head in br and returns its length.
func readHead(br *bufio.Reader) (int, error) {
	scanned := 0
	for {
		buf, _ := br.Peek(br.Buffered())
		if end := h1.HeadEnd(buf, scanned-3); end >= 0 {
			return end, nil
		}
		scanned = len(buf)
		if len(buf) >= br.Size() {
			return 0, h1.ErrHeadTooLarge
		}
		if _, err := br.Peek(len(buf) + 1); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return 0, err
		}
	}
}

// copyFields sets hdr from resp's fields, without the connection-specific
// ones.
func copyFields(hdr http.Header, resp *h1.Response) {
	for _, f := range resp.Headers {
		if isConnSpecific(f.Name) {
			continue
		}
		k := http.CanonicalHeaderKey(string(f.Name))
		hdr[k] = append(hdr[k], string(f.Value))
	}
}

func isConnSpecific(name []byte) bool {
	for _, n := range connSpecific {
		if h1.EqualFold(name, n) {
			return true
		}
	}
	return false
}

// flushReader flushes the stream before a read of the transaction's
// output when body bytes were written since the last flush: what was
// relayed goes out before the relay waits for more. flushWriter alone
// misses a chunk whose CRLF is still buffered when its data is written,
// which held a full duplex (gRPC ping-pong) stream's small messages back.
// Nothing is flushed before body bytes, so that a head without a body
// (gRPC's trailers-only answers) still leaves as one HEADERS frame.
type flushReader struct {
	r     io.Reader
	w     http.ResponseWriter
	dirty bool // body bytes written and not flushed
}

func (f *flushReader) Read(p []byte) (int, error) {
	if f.dirty {
		f.dirty = false
		if fl, ok := f.w.(http.Flusher); ok {
			fl.Flush()
		}
	}
	return f.r.Read(p)
}

// flushWriter writes to the stream and flushes once the transaction has
// nothing more buffered, so that streamed responses are not held back. A
// body of known length is not flushed once complete: the handler's end
// sends it with END_STREAM, and x/net flushes when its write queue is
// empty, which batches the small responses of many streams.
type flushWriter struct {
	w    http.ResponseWriter
	br   *bufio.Reader
	fr   *flushReader
	left int64 // bytes left of a body of known length, or -1
}

func (f *flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.fr.dirty = f.fr.dirty || n > 0
	if f.left >= 0 {
		f.left -= int64(n)
		if f.left <= 0 {
			f.fr.dirty = false
			return n, err
		}
	}
	if err == nil && f.br.Buffered() == 0 {
		f.fr.dirty = false
		if fl, ok := f.w.(http.Flusher); ok {
			fl.Flush()
		}
	}
	return n, err
}

// prefaceConn replays the bytes read while detecting the HTTP/2 preface
// before reading the connection again.
type prefaceConn struct {
	net.Conn
	pre []byte
}

func (c *prefaceConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// h2PrefaceAhead reports whether the client opened the connection with
// the HTTP/2 preface. It reads only while what arrived is a prefix of the
// preface, so an HTTP/1 request is never waited on.
func (t *txn) h2PrefaceAhead() bool {
	for {
		buf, _ := t.br.Peek(t.br.Buffered())
		n := min(len(buf), len(h2Preface))
		if !bytes.Equal(buf[:n], []byte(h2Preface[:n])) {
			return false
		}
		if n == len(h2Preface) {
			return true
		}
		if _, err := t.br.Peek(len(buf) + 1); err != nil {
			return false
		}
	}
}

// upgradeH2 serves the connection as HTTP/2 after its preface was seen
// where an HTTP/1 request was expected.
func (t *txn) upgradeH2() {
	buf, _ := t.br.Peek(t.br.Buffered())
	pre := bytes.Clone(buf)
	t.br.Discard(len(buf))
	t.conn.SetDeadline(time.Time{})
	t.h.serveH2(&prefaceConn{Conn: t.conn, pre: pre}, t.sess)
	t.closeClient = true
}
