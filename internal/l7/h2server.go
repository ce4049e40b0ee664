package l7

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/h2up"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/server"
)

// The server side of a request to a server with "proto h2": instead of an
// HTTP/1 exchange on a serverConn, the request becomes one stream on a
// multiplexed HTTP/2 connection shared by every client connection
// (package h2up). The steps keep the HTTP/1 path's shape:
//
//	forwardH2  connect/retry loop (a failed dial is a connect failure)
//	exchangeH2 request conversion, body feed, wait for the response head
//	relayH2    response rules, persistence, then the body to the client
//	           (chunked when the length is unknown, trailers as chunked
//	           trailer fields, as HAProxy's H1 mux does)

// h2Purge is how long an HTTP/2 server connection without streams stays
// open: HAProxy's pool-purge-delay default.
const h2Purge = 5 * time.Second

// h2Wake interrupts a read of the client's request body blocked in the
// x/net goroutine: the lazily armed deadlines of idleConn retry a timeout
// that fires before their own deadline unless the waker says otherwise.
type h2Wake struct {
	sess    interface{ Woken() bool }
	aborted atomic.Bool
}

func (w *h2Wake) Woken() bool {
	return w.aborted.Load() || (w.sess != nil && w.sess.Woken())
}

// h2Body feeds the client's request body to the stream. It runs in x/net's
// goroutine while the connection's goroutine waits for the response head;
// h2up guarantees that no Read is under way once the response is closed.
type h2Body struct {
	t       *txn
	left    int64 // bytes left of a fixed-length body
	chunked bool
	// pr is the decoded chunked body, set by the first Read: the decoder
	// starts only once the stream is open, so that a request whose
	// connection failed has consumed nothing and can be retried. Close
	// and endH2Body read it from other goroutines.
	pr     atomic.Pointer[io.PipeReader]
	chunkc chan struct{} // closed when the chunked decoder goroutine ends
	// trailers are the chunked body's trailer fields, written by the
	// decoder goroutine before it closes the pipe.
	trailers []h1.Header
	n        int64       // bytes read; read by the txn after the stream ends
	eof      atomic.Bool // the whole body was read
}

func (b *h2Body) Read(p []byte) (int, error) {
	if b.chunked {
		pr := b.pr.Load()
		if pr == nil {
			pr = b.startDecoder()
		}
		n, err := pr.Read(p)
		b.n += int64(n)
		if err == io.EOF {
			b.eof.Store(true)
		}
		return n, err
	}
	if b.left == 0 {
		b.eof.Store(true)
		return 0, io.EOF
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.t.br.Read(p)
	b.left -= int64(n)
	b.n += int64(n)
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	if b.left == 0 && err == nil {
		b.eof.Store(true)
		err = io.EOF
	}
	return n, err
}

// startDecoder starts the goroutine that decodes the chunked body from
// the client; its trailer fields become HTTP/2 trailers (collected before
// the pipe's EOF, read by h2up after it).
func (b *h2Body) startDecoder() *io.PipeReader {
	pr, pw := io.Pipe()
	b.chunkc = make(chan struct{})
	b.pr.Store(pr)
	go func() {
		defer close(b.chunkc)
		_, err := h1.DecodeChunked(pw, b.t.br, func(name, value []byte) {
			b.trailers = append(b.trailers, h1.Header{
				Name: append([]byte(nil), name...), Value: append([]byte(nil), value...)})
		})
		pw.CloseWithError(err)
	}()
	return pr
}

// Close interrupts a Read blocked on the client socket (h2up calls it
// from another goroutine when the stream ends before the body does).
func (b *h2Body) Close() error {
	b.t.h2w.aborted.Store(true)
	b.t.conn.SetReadDeadline(time.Now())
	if pr := b.pr.Load(); pr != nil {
		pr.CloseWithError(io.ErrClosedPipe)
	}
	return nil
}

// h2Dialer returns the pool key of t.srv's HTTP/2 connections and how to
// open one: h2c with prior knowledge over TCP, or TLS ("ssl") offering h2
// by ALPN. Connections are shared between requests with the same SNI.
func (t *txn) h2Dialer() (string, h2up.Dialer) {
	srv, sess := t.srv, t.sess
	_, key := srv.Target()
	timeout := firstNonZero(t.be.Cfg.Timeouts.Connect, 5*time.Second)
	if perClient(srv) {
		key += proxyKey(sess)
	}
	tc := t.srv.TLS
	if tc == nil {
		return key, func(ctx context.Context) (net.Conn, error) {
			return dialProxy(srv, sess, timeout)
		}
	}
	var sni string
	if t.srv.SNI != nil {
		sni = t.serverName()
		key += "\x00" + sni
	}
	return key, func(ctx context.Context) (net.Conn, error) {
		c, err := dialProxy(srv, sess, timeout)
		if err != nil {
			return nil, err
		}
		conf := tc.Config().Clone()
		if sni != "" {
			conf.ServerName = sni
		}
		// "proto h2" speaks HTTP/2 whatever the alpn line says; gRPC
		// servers refuse a TLS connection that did not negotiate h2.
		conf.NextProtos = []string{"h2"}
		conn := tls.Client(c, conf)
		hctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		if err := conn.HandshakeContext(hctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake with server: %w", err)
		}
		return conn, nil
	}
}

// watchClient returns the context of a body-less request's stream: it
// ends when the HTTP/1 client closes its connection while the response is
// awaited or relayed, and the stream is then reset, as HAProxy aborts the
// server side of a request whose client left. A goroutine waits for a
// byte from the client meanwhile (a pipelined request is left in t.br);
// stop ends the watch and returns whether the client left.
//
// A request with a body is not watched: its body reader owns the client
// socket until the body ends, and sees the client leave itself.
func (t *txn) watchClient() (ctx context.Context, stop func() (gone bool)) {
	ctx, cancel := context.WithCancel(context.Background())
	// No deadline of the request head applies while waiting: timeout
	// server bounds the wait.
	t.cc.setReadDeadline(time.Time{})
	t.h2w.sess = t.cc.waker
	t.h2w.aborted.Store(false)
	t.cc.waker = &t.h2w
	done := make(chan struct{})
	go func() {
		defer close(done)
		if _, err := t.br.Peek(1); err != nil && !isTimeout(err) {
			cancel()
		}
	}()
	return ctx, func() bool {
		t.h2w.aborted.Store(true)
		t.conn.SetReadDeadline(time.Now())
		<-done
		t.cc.waker = t.h2w.sess
		t.h2w.sess = nil
		gone := ctx.Err() != nil
		cancel()
		return gone
	}
}

// exchangeH2 sends the request to t.srv, an HTTP/2 server, as a stream
// and relays the response. It returns an *h2up.DialError when the request
// did not leave: forward retries it as a connect failure; and errRetry
// when retry-on sends a bodyless request again (retryH2).
func (t *txn) exchangeH2() error {
	scheme := "http"
	if t.srv.TLS != nil {
		scheme = "https"
	}
	req := h2up.Request{
		Method:    t.req.Method,
		Target:    t.req.URI,
		Authority: t.req.Get("host"),
		Scheme:    scheme,
		Headers:   t.req.Headers,
		Timeout:   t.serverTimeout(),
	}
	if len(req.Target) == 0 || req.Target[0] != '/' {
		// Absolute form: the path and query; the authority is the URI's
		// (RFC 9112 3.2.2).
		req.Target = t.path
		if t.query != nil {
			req.Target = append(append(append([]byte(nil), t.path...), '?'), t.query...)
		}
	}
	hasBody := t.hasReqBody()
	if hasBody {
		// The server answers "Expect: 100-continue" on its own stream
		// only; the proxy lets the client send at once.
		t.sendContinue()
	}
	t.req.Del("expect")
	t.br.Discard(t.headLen)
	t.headLen = 0
	var body *h2Body
	if hasBody {
		body = &h2Body{t: t, left: t.req.ContentLength, chunked: t.req.Chunked}
		req.Body, req.ContentLength = body, t.req.ContentLength
		if t.req.Chunked {
			req.ContentLength = -1
			req.Trailers = func() []h1.Header { return body.trailers }
		}
		// The body is read under "timeout client", an inactivity
		// timeout, as on the HTTP/1 path; h2w lets the stream's end
		// interrupt a blocked read.
		t.cc.rIdle = t.clientTimeout()
		t.cc.setReadDeadline(time.Time{})
		t.h2w.sess = t.cc.waker
		t.h2w.aborted.Store(false)
		t.cc.waker = &t.h2w
	} else {
		t.bodyDone = true
	}
	rStart := t.stamp()
	key, dialer := t.h2Dialer()
	idle := h2Purge
	if d := t.serverTimeout(); d > 0 && d < idle {
		idle = d
	}
	ctx := context.Background()
	stopWatch := func() bool { return false }
	if body == nil {
		ctx, stopWatch = t.watchClient()
	}
	resp, err := t.h.h2.RoundTrip(ctx, key, idle, dialer, &req)
	t.entry.Tc = 0
	if err != nil {
		if stopWatch() {
			err = errClientGone
		}
		t.endH2Body(body)
		var de *h2up.DialError
		if errors.As(err, &de) && (body == nil || body.n == 0) {
			t.connected(false)
			if t.srv.Observe {
				t.srv.State.ReportError(server.Layer4)
			}
			return err
		}
		if body == nil && err != errClientGone && t.retryH2(err, 0) {
			return errRetry
		}
		t.h2Failed(err, body)
		return nil
	}
	t.entry.Tr = t.since(rStart)
	if body == nil && t.be.Cfg.RetryOn.Status(resp.Status) && t.retryH2(nil, resp.Status) {
		// retry-on <status>: the response is dropped with its stream. A
		// client gone meanwhile shows at the next attempt.
		stopWatch()
		resp.Close()
		return errRetry
	}
	t.connected(resp.Reused)
	t.persistConnected()
	t.relayH2(resp, body)
	resp.Close()
	if stopWatch() {
		// The client left during the relay: its connection is done.
		t.closeClient = true
	}
	t.endH2Body(body)
	return nil
}

// errClientGone is a stream reset because its client left.
var errClientGone = errors.New("client closed the connection")

// endH2Body takes the client connection back from the stream: once the
// stream is closed, no read of the body is under way.
func (t *txn) endH2Body(b *h2Body) {
	if b == nil {
		return
	}
	if pr := b.pr.Load(); pr != nil {
		pr.CloseWithError(io.ErrClosedPipe)
		if !b.eof.Load() {
			// The decoder may still be blocked on the client.
			t.h2w.aborted.Store(true)
			t.conn.SetReadDeadline(time.Now())
		}
		<-b.chunkc
	}
	t.cc.waker = t.h2w.sess
	t.h2w.sess = nil
	t.cc.rIdle = 0
	t.entry.BytesIn += b.n
	t.bodyDone = b.eof.Load()
	if !t.bodyDone {
		// The client's connection cannot be resynchronised.
		t.closeClient = true
	}
}

// h2Failed answers a stream that ended before its response head.
func (t *txn) h2Failed(err error, body *h2Body) {
	t.closeClient = t.closeClient || !t.bodyDone
	if t.srv.Observe && err != errClientGone {
		t.srv.State.ReportError(server.Layer7)
	}
	var se http2.StreamError
	cs, h2client := t.conn.(*h2s)
	switch {
	case err == errClientGone:
		// Nobody to answer: the log says "CH".
		t.entry.TermState = [2]byte{tsClientAbort, phHeaders}
		t.entry.Status = -1
		t.closeClient = true
	case h2client && t.h2 && errors.As(err, &se) && se.Code == http2.ErrCodeCancel:
		// The server cancelled the stream before answering, as a gRPC
		// server does when the call's deadline passed: an HTTP/2 client's
		// stream is cancelled the same way, which tells it what a 502
		// would hide (gRPC reads it as DEADLINE_EXCEEDED once its own
		// deadline is over).
		cs.abort = http2.ErrCodeCancel
		t.entry.TermState = [2]byte{tsServerAbort, phHeaders}
		t.entry.Status = -1
		t.closeClient = true
	case errors.Is(err, h2up.ErrTimeout):
		t.entry.TermState = [2]byte{tsServerTmo, phHeaders}
		t.localError(504)
	default:
		t.entry.TermState = [2]byte{tsServerAbort, phHeaders}
		t.localError(502)
	}
}

// relayH2 relays the response of an HTTP/2 server to the HTTP/1 client.
func (t *txn) relayH2(r *h2up.Response, body *h2Body) {
	resp := &t.resp
	resp.Status = r.Status
	resp.Reason = append(resp.Reason[:0], http.StatusText(r.Status)...)
	resp.Minor = 1
	resp.Chunked = false
	resp.ContentLength = r.ContentLength
	resp.Headers = append(resp.Headers[:0], r.Headers...)
	if body != nil {
		t.bodyDone = body.eof.Load()
	}
	t.entry.Status = r.Status
	status := r.Status
	if t.srv.Observe {
		if status >= 500 && status != 501 && status != 505 {
			t.srv.State.ReportError(server.Layer7)
		} else {
			t.srv.State.ReportSuccess()
		}
	}
	t.captureResponse()
	if t.hasResponseRules() {
		var o rules.Outcome
		if v := t.runResponseRules(&o); v != rules.Continue {
			r.Close()
			t.replaceResponse(v, &o)
			return
		}
		status = resp.Status
		t.entry.Status = status
	}
	if t.be.Persist != nil {
		t.persistResponse()
	}
	noBody := h1.EqualFold(t.req.Method, "HEAD") || status == 204 || status == 304
	chunked := false
	if !noBody && resp.ContentLength < 0 {
		if t.req.Minor == 1 {
			chunked = true
		} else {
			// An HTTP/1.0 client learns where the body ends only from
			// the close.
			t.closeClient = true
		}
	}
	if (body != nil && !body.eof.Load()) || t.draining() {
		// A request body still on its way cannot be skipped to reach
		// the next request: the client connection closes after this one.
		t.closeClient = true
	}
	t.writeResponseHead(true, chunked)
	if chunked {
		// A streamed response's head goes at once: a gRPC or other full
		// duplex client may wait for it before it sends more.
		if err := t.bw.Flush(); err != nil {
			t.closeClient = true
			t.entry.TermState = [2]byte{tsClientAbort, phData}
			return
		}
	}
	var err error
	if !noBody {
		err = t.copyH2Body(r, chunked)
	}
	if err != nil {
		t.closeClient = true
		t.entry.TermState = [2]byte{tsServerAbort, phData}
		switch {
		case err == errClientWrite, errors.Is(err, context.Canceled):
			t.entry.TermState = [2]byte{tsClientAbort, phData}
		case errors.Is(err, h2up.ErrTimeout):
			t.entry.TermState = [2]byte{tsServerTmo, phData}
		}
		t.bw.Flush()
		return
	}
	if t.br.Buffered() == 0 || t.closeClient {
		if err := t.bw.Flush(); err != nil {
			t.closeClient = true
			t.entry.TermState = [2]byte{tsClientAbort, phData}
		}
	}
}

// errClientWrite marks a failed write to the client while relaying.
var errClientWrite = errors.New("client write failed")

// copyH2Body streams the response body to the client, flushing as the
// server's DATA frames come (gRPC streams messages), and writes the
// trailers as chunked trailer fields.
func (t *txn) copyH2Body(r *h2up.Response, chunked bool) error {
	buf := getScratch(t.bufSize)
	defer putScratch(buf)
	b := *buf
	for {
		n, err := r.Read(b)
		if n > 0 {
			if chunked {
				writeChunkHead(t.bw, n)
			}
			t.bw.Write(b[:n])
			if chunked {
				t.bw.WriteString("\r\n")
			}
			if ferr := t.bw.Flush(); ferr != nil {
				return errClientWrite
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
	}
	if chunked {
		t.bw.WriteString("0\r\n")
		for _, h := range r.Trailer() {
			h1.WriteHeader(t.bw, h.Name, h.Value)
		}
		t.bw.WriteString("\r\n")
	}
	return nil
}

func writeChunkHead(w *bufio.Writer, n int) {
	var hdr [20]byte
	h := strconv.AppendInt(hdr[:0], int64(n), 16)
	w.Write(append(h, '\r', '\n'))
}
