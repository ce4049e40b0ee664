// Package h2up carries requests to servers over HTTP/2: cleartext with
// prior knowledge ("server … proto h2") or over a TLS connection that
// negotiated h2 by ALPN ("server … ssl alpn h2"). hawser dials the
// connections itself, hands them to golang.org/x/net/http2 and keeps them in
// a Pool, one multiplexed connection per server, shared by every client
// connection and request (more when the server's SETTINGS_MAX_CONCURRENT_STREAMS
// is reached).
//
// The API speaks in the terms the proxy holds a request in (method, target,
// authority, a lower-case header list, a body reader, trailers) and
// converts to and from net/http values internally, as x/net requires.
//
// Ownership: a Pool is safe for concurrent use; a Response belongs to the
// goroutine that got it from RoundTrip, which must Close it.
package h2up

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/h1"
)

// ErrTimeout is the cause of a stream reset because nothing moved in
// either direction for Request.Timeout ("timeout server").
var ErrTimeout = errors.New("h2up: server timeout")

// DialError wraps a failure to establish a connection to the server: the
// request never left, so the caller may retry or redispatch it as it would
// an HTTP/1 connect failure.
type DialError struct{ Err error }

func (e *DialError) Error() string { return "h2up: dial: " + e.Err.Error() }
func (e *DialError) Unwrap() error { return e.Err }

// Dialer opens a connection to a server that speaks HTTP/2 on it: a TCP
// connection for h2c, or a TLS connection whose handshake negotiated "h2".
type Dialer func(ctx context.Context) (net.Conn, error)

// Request is a request as the proxy holds it. The slices are only read
// during RoundTrip (converted to strings before it returns).
type Request struct {
	Method []byte
	// Target is the origin-form target: path and optional query.
	Target    []byte
	Authority []byte // :authority; the Host header otherwise
	Scheme    string // "http" or "https"
	// Headers are lower-case fields without hop-by-hop ones; a "host"
	// field is dropped (Authority carries it).
	Headers []h1.Header
	// Body is nil for no body. ContentLength is its length, or -1 when
	// unknown (the body then ends at io.EOF). If Body is also an
	// io.Closer, Close may be called from another goroutine to interrupt
	// a blocked Read when the stream ends early.
	Body          io.Reader
	ContentLength int64
	// Trailers, if not nil, is called once Body returned io.EOF; the
	// fields it returns are sent as HTTP/2 trailers.
	Trailers func() []h1.Header
	// Timeout is the inactivity timeout of the stream ("timeout
	// server"): the stream is reset with CANCEL when nothing moves in
	// either direction for that long. Zero means none.
	Timeout time.Duration
}

// Response is a server's response. Read reads its body; Trailer returns
// its trailers once Read has returned io.EOF. Close must be called: it
// resets the stream if the body was not read to its end.
type Response struct {
	Status int
	// Headers are the response fields, lower-case, sorted by name.
	Headers []h1.Header
	// ContentLength is the body length announced by the server, or -1.
	ContentLength int64
	// Reused is true when the stream went on a connection already open.
	Reused bool

	res   *http.Response
	rt    *roundTrip
	trail []h1.Header
}

// Pool keeps HTTP/2 connections to servers, keyed by the caller's server
// key (the same key as the HTTP/1 idle pool: backend, server and address).
type Pool struct {
	mu    sync.Mutex
	conns map[string]*entry // guarded by mu
}

// entry is the set of connections to one server.
type entry struct {
	tr      *http2.Transport
	ccs     []*http2.ClientConn // guarded by Pool.mu
	dialing chan struct{}       // closed when the dial under way ends; guarded by Pool.mu
}

// NewPool returns an empty pool.
func NewPool() *Pool {
	return &Pool{conns: make(map[string]*entry)}
}

// Close closes every connection in the pool, cutting streams in flight.
func (p *Pool) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, e := range p.conns {
		for _, cc := range e.ccs {
			cc.Close()
		}
		delete(p.conns, k)
	}
}

// Conns returns the number of open connections to the server key; tests
// and the stats use it.
func (p *Pool) Conns(key string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	if e := p.conns[key]; e != nil {
		for _, cc := range e.ccs {
			if st := cc.State(); !st.Closed && !st.Closing {
				n++
			}
		}
	}
	return n
}

// acquire returns a connection to key with a stream reserved on it,
// dialing one if none has room. idle is how long a connection may stay
// without streams before it closes.
func (p *Pool) acquire(ctx context.Context, key string, idle time.Duration, dial Dialer) (cc *http2.ClientConn, reused bool, err error) {
	reused = true
	for {
		p.mu.Lock()
		e := p.conns[key]
		if e == nil {
			e = &entry{tr: &http2.Transport{
				// The proxy forwards bodies as they are: no
				// "accept-encoding: gzip" of its own.
				DisableCompression: true,
				IdleConnTimeout:    idle,
			}}
			p.conns[key] = e
		}
		live := e.ccs[:0]
		var got *http2.ClientConn
		for _, cc := range e.ccs {
			// A connection that received GOAWAY (Closing) finishes
			// its streams on its own and is dropped from the pool:
			// the next request dials a new one.
			if st := cc.State(); st.Closed || st.Closing {
				continue
			}
			live = append(live, cc)
			if got == nil && cc.ReserveNewRequest() {
				got = cc
			}
		}
		clear(e.ccs[len(live):])
		e.ccs = live
		if got != nil {
			p.mu.Unlock()
			return got, reused, nil
		}
		if ch := e.dialing; ch != nil {
			// One dial per server at a time: the others wait for it
			// and take streams on the new connection.
			p.mu.Unlock()
			select {
			case <-ch:
				continue
			case <-ctx.Done():
				return nil, false, context.Cause(ctx)
			}
		}
		ch := make(chan struct{})
		e.dialing = ch
		tr := e.tr
		p.mu.Unlock()

		cc, err := newClientConn(ctx, tr, dial)

		p.mu.Lock()
		e.dialing = nil
		close(ch)
		if err == nil {
			e.ccs = append(e.ccs, cc)
		}
		p.mu.Unlock()
		if err != nil {
			return nil, false, err
		}
		// newClientConn reserved this request's stream.
		return cc, false, nil
	}
}

func newClientConn(ctx context.Context, tr *http2.Transport, dial Dialer) (*http2.ClientConn, error) {
	c, err := dial(ctx)
	if err != nil {
		return nil, &DialError{err}
	}
	cc, err := tr.NewClientConn(c)
	if err != nil {
		c.Close()
		return nil, &DialError{err}
	}
	// The stream of the request that dialed is reserved first, which
	// also keeps the idle timer from closing the connection meanwhile.
	cc.ReserveNewRequest()
	// Until the server's SETTINGS arrive, x/net assumes 100 concurrent
	// streams: a burst of requests would all reserve streams on this
	// connection and queue inside it instead of opening another. A PING
	// round trip (the server sends its SETTINGS first) settles the limit
	// before the connection is shared, and proves the server speaks h2.
	if err := cc.Ping(ctx); err != nil {
		cc.Close()
		return nil, &DialError{err}
	}
	return cc, nil
}

// maxTries bounds the attempts of a request refused by a connection that
// was going away (GOAWAY, REFUSED_STREAM) before it read any body byte.
const maxTries = 3

// RoundTrip sends req to the server key over a pooled connection (dialing
// with dial when none has room) and returns the response head. ctx ends the
// stream when it is done (the client went away): the stream is reset with
// CANCEL. idle is how long a connection without streams stays open.
func (p *Pool) RoundTrip(ctx context.Context, key string, idle time.Duration, dial Dialer, req *Request) (*Response, error) {
	rt := &roundTrip{timeout: req.Timeout}
	rt.ctx, rt.cancel = context.WithCancelCause(ctx)
	if req.Timeout > 0 {
		rt.timer = time.AfterFunc(req.Timeout, func() { rt.cancel(ErrTimeout) })
	}
	hreq, err := newHTTPRequest(rt.ctx, req)
	if err != nil {
		rt.end()
		return nil, err
	}
	if req.Body != nil && req.ContentLength != 0 {
		hreq.ContentLength = req.ContentLength
		if req.Trailers != nil {
			hreq.Trailer = http.Header{}
		}
	}
	var res *http.Response
	var reused bool
	for try := 1; ; try++ {
		if hreq.ContentLength != 0 {
			// A fresh wrapper per attempt: x/net closes the body of a
			// failed attempt.
			rt.body = &bodyReader{r: req.Body, rt: rt, trailers: req.Trailers, hreq: hreq}
			hreq.Body = rt.body
		}
		var cc *http2.ClientConn
		cc, reused, err = p.acquire(rt.ctx, key, idle, dial)
		if err != nil {
			err = rt.cause(err)
			rt.end()
			return nil, err
		}
		res, err = cc.RoundTrip(hreq)
		if err == nil {
			break
		}
		if try < maxTries && retryable(err) && (rt.body == nil || !rt.body.started()) {
			continue
		}
		err = rt.cause(err)
		rt.end()
		return nil, err
	}
	rt.touch()
	resp := &Response{Status: res.StatusCode, ContentLength: res.ContentLength, Reused: reused, res: res, rt: rt}
	resp.Headers = fromHTTP(res.Header, nil)
	return resp, nil
}

// retryable reports whether err says the server never processed the
// request: the connection was closing (GOAWAY) or the stream refused.
// x/net keeps these errors unexported; their texts are stable.
func retryable(err error) bool {
	var se http2.StreamError
	if errors.As(err, &se) {
		return se.Code == http2.ErrCodeRefusedStream
	}
	s := err.Error()
	return strings.Contains(s, "client conn not usable") || strings.Contains(s, "graceful shutdown GOAWAY")
}

// Read reads the response body.
func (r *Response) Read(b []byte) (int, error) {
	n, err := r.res.Body.Read(b)
	if n > 0 {
		r.rt.touch()
	}
	if err == io.EOF {
		r.trail = fromHTTP(r.res.Trailer, r.trail[:0])
		return n, io.EOF
	}
	if err != nil {
		err = r.rt.cause(err)
	}
	return n, err
}

// Trailer returns the response trailers, valid once Read returned io.EOF.
func (r *Response) Trailer() []h1.Header { return r.trail }

// Close ends the stream (RST_STREAM CANCEL if it is still open) and
// returns once the request body is no longer read.
func (r *Response) Close() error {
	r.res.Body.Close()
	r.rt.end()
	return nil
}

// roundTrip is the state one request's goroutines share.
type roundTrip struct {
	ctx     context.Context
	cancel  context.CancelCauseFunc
	timer   *time.Timer // nil without a timeout
	timeout time.Duration
	body    *bodyReader // nil without a body
}

// touch restarts the inactivity timer: something moved.
func (rt *roundTrip) touch() {
	if rt.timer != nil {
		rt.timer.Reset(rt.timeout)
	}
}

// cause replaces the error of a stream the timer or the caller ended by
// the reason it was ended.
func (rt *roundTrip) cause(err error) error {
	if c := context.Cause(rt.ctx); c != nil {
		return c
	}
	return err
}

// end stops the timer, cancels the stream if it is still open and waits
// until the request body is no longer read.
func (rt *roundTrip) end() {
	if rt.timer != nil {
		rt.timer.Stop()
	}
	rt.cancel(context.Canceled)
	if rt.body != nil {
		rt.body.stop()
	}
}

// bodyReader feeds the request body to x/net's writer goroutine. stop
// guarantees the caller that no Read is under way or will start, so that
// the caller may use the underlying reader again (or close it).
type bodyReader struct {
	r        io.Reader
	rt       *roundTrip
	trailers func() []h1.Header
	hreq     *http.Request

	mu      sync.Mutex
	reading bool          // a Read is under way; guarded by mu
	done    chan struct{} // closed when the Read under way returns, once stopped; guarded by mu
	stopped bool          // guarded by mu
	touched bool          // Read was called; guarded by mu
}

func (b *bodyReader) started() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.touched
}

func (b *bodyReader) Read(p []byte) (int, error) {
	b.mu.Lock()
	if b.stopped {
		b.mu.Unlock()
		return 0, io.ErrClosedPipe
	}
	b.reading, b.touched = true, true
	b.mu.Unlock()
	n, err := b.r.Read(p)
	if err == io.EOF && b.trailers != nil {
		// x/net reads Request.Trailer after the body's io.EOF.
		for _, h := range b.trailers() {
			b.hreq.Trailer.Add(string(h.Name), string(h.Value))
		}
	}
	b.mu.Lock()
	b.reading = false
	if b.done != nil {
		close(b.done)
		b.done = nil
	}
	b.mu.Unlock()
	if n > 0 {
		b.rt.touch()
	}
	return n, err
}

// Close is x/net's signal that it is done with the body.
func (b *bodyReader) Close() error {
	b.interrupt()
	return nil
}

// interrupt stops reading: later Reads fail, and a Read blocked in the
// underlying reader is interrupted through its Close, if it has one.
func (b *bodyReader) interrupt() (wait chan struct{}) {
	b.mu.Lock()
	first := !b.stopped
	b.stopped = true
	if b.reading {
		if b.done == nil {
			b.done = make(chan struct{})
		}
		wait = b.done
	}
	b.mu.Unlock()
	if wait != nil && first {
		if c, ok := b.r.(io.Closer); ok {
			c.Close()
		}
	}
	return wait
}

func (b *bodyReader) stop() {
	if wait := b.interrupt(); wait != nil {
		<-wait
	}
}

// newHTTPRequest converts req for x/net.
func newHTTPRequest(ctx context.Context, req *Request) (*http.Request, error) {
	u := &url.URL{Scheme: req.Scheme, Host: string(req.Authority)}
	target := req.Target
	if len(target) == 0 {
		target = []byte("/")
	}
	path, query, _ := bytes.Cut(target, []byte("?"))
	if len(path) == 0 {
		path = []byte("/")
	}
	u.RawQuery = string(query)
	u.ForceQuery = len(query) == 0 && bytes.IndexByte(target, '?') >= 0
	if bytes.HasPrefix(path, []byte("//")) || path[0] != '/' {
		// RequestURI would take an opaque "//x" for a scheme-relative
		// URL: keep it as a path.
		p, err := url.PathUnescape(string(path))
		if err != nil {
			return nil, err
		}
		u.Path, u.RawPath = p, string(path)
	} else {
		u.Opaque = string(path)
	}
	hdr := make(http.Header, len(req.Headers)+1)
	hasUA := false
	for _, h := range req.Headers {
		switch {
		case h1.EqualFold(h.Name, "host"), h1.EqualFold(h.Name, "connection"),
			h1.EqualFold(h.Name, "keep-alive"), h1.EqualFold(h.Name, "proxy-connection"),
			h1.EqualFold(h.Name, "transfer-encoding"), h1.EqualFold(h.Name, "upgrade"),
			h1.EqualFold(h.Name, "content-length"):
			continue
		case h1.EqualFold(h.Name, "te"):
			// HTTP/2 allows only "te: trailers" (RFC 9113 8.2.2).
			if !h1.EqualFold(h.Value, "trailers") {
				continue
			}
		case h1.EqualFold(h.Name, "user-agent"):
			hasUA = true
		}
		k := string(h.Name)
		hdr[k] = append(hdr[k], string(h.Value))
	}
	if !hasUA {
		// An empty user-agent keeps x/net from adding its own.
		hdr["user-agent"] = []string{""}
	}
	r := &http.Request{
		Method:        string(req.Method),
		URL:           u,
		Host:          string(req.Authority),
		Header:        hdr,
		Proto:         "HTTP/2.0",
		ProtoMajor:    2,
		ContentLength: 0,
	}
	return r.WithContext(ctx), nil
}

// fromHTTP appends the fields of h to dst with lower-case names, sorted by
// name so that the order does not depend on map iteration.
func fromHTTP(h http.Header, dst []h1.Header) []h1.Header {
	if len(h) == 0 {
		return dst
	}
	keys := make([]string, 0, len(h))
	size := 0
	for k := range h {
		keys = append(keys, k)
		size += len(k)
	}
	sort.Strings(keys)
	// One buffer for every lower-case name.
	names := make([]byte, 0, size)
	for _, k := range keys {
		start := len(names)
		for i := 0; i < len(k); i++ {
			c := k[i]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			names = append(names, c)
		}
		name := names[start:len(names):len(names)]
		for _, v := range h[k] {
			dst = append(dst, h1.Header{Name: name, Value: []byte(v)})
		}
	}
	return dst
}
