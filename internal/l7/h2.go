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
	// The transaction runs in x/net's handler goroutine and writes its
	// response through sc straight to w.
	func() {
		defer func() {
			if v := recover(); v != nil {
				hc.h.log.Error("panic serving http2 stream", "frontend", ss.Frontend.Cfg.Name, "panic", v)
				sc.werr = errStreamDone
			}
			sc.Close()
			ss.EndStream(hc.sess)
		}()
		hc.h.serveTxn(sc, ss, true)
	}()
	err := sc.finish()
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
	// Response side, written by the txn (the handler goroutine): the
	// head is collected in head and parsed, then a body of known length
	// goes straight to w. Other bodies (chunked, CONNECT, up to the close)
	// go through the pipe to relayBody, in a goroutine of its own.
	wstate  int
	head    []byte  // response head being collected
	headBuf *[]byte // head's pooled storage
	resp    h1.Response
	left    int64 // bytes left of a body of known length
	werr    error // the response failed: the stream is reset
	pr      *io.PipeReader
	pw      *io.PipeWriter
	relayed chan error // relayBody's result
	closed  bool
}

// States of a stream's response.
const (
	respHead  = iota // collecting the head
	respFixed        // body of known length, written through
	respRelay        // body through the pipe to relayBody
	respDone         // complete; further bytes are dropped
)

// bodyPiece is one read of the request body.
type bodyPiece struct {
	b   []byte
	err error
}

func newStreamConn(hc *h2conn, w http.ResponseWriter, r *http.Request) *streamConn {
	c := &streamConn{hc: hc, w: w, r: r}
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
	var arr [16]string
	names := arr[:0]
	for k := range r.Header {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if strings.EqualFold(k, "host") || isConnSpecificName(k) {
			continue
		}
		for _, v := range r.Header[k] {
			b = appendLower(b, k)
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

func isConnSpecificName(k string) bool {
	for _, n := range connSpecific {
		if strings.EqualFold(k, n) {
			return true
		}
	}
	return false
}

// appendLower appends s in lower case (field names are ASCII).
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
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

// Write takes response bytes from the transaction. The txn writes when
// it flushes, so each Write that leaves the body incomplete is flushed.
func (c *streamConn) Write(p []byte) (int, error) {
	if c.werr != nil {
		return 0, c.werr
	}
	switch c.wstate {
	case respRelay:
		return c.pw.Write(p)
	case respFixed:
		if err := c.writeFixed(p); err != nil {
			return 0, err
		}
		return len(p), nil
	case respDone:
		return len(p), nil
	}
	if err := c.writeHead(p); err != nil {
		c.werr = err
		return 0, err
	}
	return len(p), nil
}

// writeHead takes response bytes while the head is incomplete: a head
// that arrives whole in one Write (the usual case) is parsed in place,
// others are collected in a pooled buffer of the size the txn's own
// heads are bounded by. Interim heads are emitted as they complete.
func (c *streamConn) writeHead(p []byte) error {
	hdr := c.w.Header()
	resp := &c.resp
	for {
		buf, more := p, []byte(nil)
		if len(c.head) > 0 {
			k := min(len(p), cap(c.head)-len(c.head))
			c.head = append(c.head, p[:k]...)
			buf, more = c.head, p[k:]
		}
		n := h1.HeadEnd(buf, 0)
		if n < 0 {
			if len(c.head) == 0 {
				if len(p) == 0 {
					return nil
				}
				if c.headBuf == nil {
					c.headBuf = getScratch(c.hc.bufSize)
				}
				if len(p) > len(*c.headBuf) {
					return h1.ErrHeadTooLarge
				}
				c.head = append((*c.headBuf)[:0], p...)
				return nil
			}
			if len(more) > 0 || len(c.head) == cap(c.head) {
				return h1.ErrHeadTooLarge
			}
			return nil
		}
		if n > c.hc.bufSize {
			return h1.ErrHeadTooLarge
		}
		if err := h1.ParseResponse(buf[:n], resp); err != nil {
			return err
		}
		rest := buf[n:]
		if resp.Status >= 200 || resp.Status == 101 {
			copyFields(hdr, resp)
			err := c.startBody(rest)
			if c.head != nil {
				c.head = c.head[:0]
			}
			if err == nil && len(more) > 0 {
				_, err = c.Write(more)
			}
			return err
		}
		// Interim responses: x/net answers "Expect: 100-continue" itself
		// when the body is first read; others (103) are relayed.
		if resp.Status != 100 {
			copyFields(hdr, resp)
			c.w.WriteHeader(resp.Status)
			clear(hdr)
		}
		if len(c.head) == 0 {
			p = rest
		} else {
			c.head = c.head[:copy(c.head, rest)]
			p = more
		}
		if len(p) == 0 && len(c.head) == 0 {
			return nil
		}
	}
}

// startBody sends the final head and rest, the start of the body.
func (c *streamConn) startBody(rest []byte) error {
	hdr := c.w.Header()
	// x/net would add a date and sniff a content-type: a proxy forwards
	// what the server sent.
	if _, ok := hdr["Date"]; !ok {
		hdr["Date"] = nil
	}
	if _, ok := hdr["Content-Type"]; !ok {
		hdr["Content-Type"] = nil
	}
	status, chunked, length := c.resp.Status, c.resp.Chunked, c.resp.ContentLength
	c.w.WriteHeader(status)
	switch {
	case c.r.Method == http.MethodHead || status == 204 || status == 304:
		c.wstate = respDone
		return nil
	case c.r.Method == http.MethodConnect && status/100 == 2, chunked, length < 0:
		// Streamed bodies keep the relay of a byte stream, with its
		// flushing rules.
		c.pr, c.pw = io.Pipe()
		c.relayed = make(chan error, 1)
		c.wstate = respRelay
		go func() {
			err := c.relayBody(c.pr, status, chunked, length)
			c.pr.CloseWithError(errStreamDone)
			c.relayed <- err
		}()
		// (rest may be the txn's buffer: the pipe's Write returns once
		// it is consumed.)
		_, err := c.pw.Write(rest)
		return err
	}
	c.wstate = respFixed
	c.left = length
	if c.left == 0 {
		c.wstate = respDone
		return nil
	}
	if len(rest) == 0 {
		// A head announcing a body goes out before the body, so that a
		// slow body does not hold the status back.
		return c.flush()
	}
	return c.writeFixed(rest)
}

// writeFixed writes p, as much as the body has left, and flushes unless
// the body is then complete: the handler's end sends the last DATA frame
// with END_STREAM, and x/net flushes when its write queue drains, so that
// the small responses of many streams share a write.
func (c *streamConn) writeFixed(p []byte) error {
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	if len(p) == 0 {
		return nil
	}
	n, err := c.w.Write(p)
	c.left -= int64(n)
	if err != nil {
		c.werr = err
		return err
	}
	if c.left == 0 {
		c.wstate = respDone
		return nil
	}
	return c.flush()
}

func (c *streamConn) flush() error {
	if fl, ok := c.w.(interface{ FlushError() error }); ok {
		if err := fl.FlushError(); err != nil {
			c.werr = err
			return err
		}
	} else if fl, ok := c.w.(http.Flusher); ok {
		fl.Flush()
	}
	return nil
}

// Close ends the response.
func (c *streamConn) Close() error {
	if !c.closed {
		c.closed = true
		if c.pw != nil {
			c.pw.Close()
		}
	}
	return nil
}

// finish waits for the relay of a streamed body and reports whether the
// response was complete. w must not be used once ServeHTTP returns.
func (c *streamConn) finish() error {
	err := c.werr
	switch c.wstate {
	case respHead:
		err = io.ErrUnexpectedEOF
	case respFixed:
		if err == nil {
			err = io.ErrUnexpectedEOF
		}
	case respRelay:
		if rerr := <-c.relayed; err == nil {
			err = rerr
		}
	}
	if c.headBuf != nil {
		putScratch(c.headBuf)
		c.headBuf, c.head = nil, nil
	}
	return err
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

// relayBody relays a streamed response body (chunked, a CONNECT tunnel,
// or up to the close) that the transaction writes into the pipe, from src.
func (c *streamConn) relayBody(src io.Reader, status int, chunked bool, length int64) error {
	fr := &flushReader{r: src, w: c.w}
	br := getReader(fr, c.hc.bufSize)
	defer putReader(br)
	hdr := c.w.Header()
	fw := flushWriter{w: c.w, br: br, fr: fr}
	var err error
	switch {
	case c.r.Method == http.MethodConnect && status/100 == 2:
		// The tunnel is established: the client may speak first.
		if fl, ok := c.w.(http.Flusher); ok {
			fl.Flush()
		}
		_, err = io.Copy(fw, br)
	case chunked:
		// The head waits for the first data: gRPC's trailers-only
		// answers stay one HEADERS frame.
		_, err = h1.DecodeChunked(fw, br, func(name, value []byte) {
			k := http.TrailerPrefix + http.CanonicalHeaderKey(string(name))
			hdr[k] = append(hdr[k], string(value))
		})
	default:
		_, err = io.Copy(fw, br)
	}
	if err != nil {
		return err
	}
	io.Copy(io.Discard, br)
	return nil
}

// copyFields sets hdr from resp's fields, without the connection-specific
// ones. The values share one string and one backing []string (each
// capped, so that a repeated name's append copies): two allocations per
// head rather than three per field.
func copyFields(hdr http.Header, resp *h1.Response) {
	size, n := 0, 0
	for _, f := range resp.Headers {
		if !isConnSpecific(f.Name) {
			size += len(f.Value)
			n++
		}
	}
	if n == 0 {
		return
	}
	// (A Builder rather than a stack buffer: x/net's handler goroutines
	// start on small stacks, and growing them costs more than this.)
	var sb strings.Builder
	sb.Grow(size)
	for _, f := range resp.Headers {
		if !isConnSpecific(f.Name) {
			sb.Write(f.Value)
		}
	}
	str := sb.String()
	vals := make([]string, n)
	off, i := 0, 0
	for _, f := range resp.Headers {
		if isConnSpecific(f.Name) {
			continue
		}
		vals[i] = str[off : off+len(f.Value)]
		off += len(f.Value)
		k := canonicalKey(f.Name)
		if old, ok := hdr[k]; ok {
			hdr[k] = append(old, vals[i])
		} else {
			hdr[k] = vals[i : i+1 : i+1]
		}
		i++
	}
}

// commonKeys are the canonical forms of field names servers commonly
// send, looked up without an allocation.
var commonKeys = func() map[string]string {
	m := map[string]string{}
	for _, k := range []string{"Accept-Ranges", "Age", "Alt-Svc", "Cache-Control", "Content-Encoding",
		"Content-Language", "Content-Length", "Content-Security-Policy", "Content-Type", "Date", "Etag",
		"Expires", "Last-Modified", "Link", "Location", "Server", "Set-Cookie", "Strict-Transport-Security",
		"Vary", "Via", "X-Content-Type-Options", "X-Frame-Options", "Grpc-Status", "Grpc-Message",
		"Access-Control-Allow-Origin", "Content-Disposition", "Retry-After", "Www-Authenticate"} {
		m[strings.ToLower(k)] = k
		m[k] = k
	}
	return m
}()

// canonicalKey is http.CanonicalHeaderKey(string(name)), without an
// allocation for the common names.
func canonicalKey(name []byte) string {
	if k, ok := commonKeys[string(name)]; ok {
		return k
	}
	return http.CanonicalHeaderKey(string(name))
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
// nothing more buffered, so that streamed responses are not held back.
type flushWriter struct {
	w  http.ResponseWriter
	br *bufio.Reader
	fr *flushReader
}

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	f.fr.dirty = f.fr.dirty || n > 0
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
