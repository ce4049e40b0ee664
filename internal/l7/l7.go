// Package l7 serves "mode http" frontends: it reads HTTP/1.1 requests from
// clients, applies the frontend's and backend's rules, picks a server,
// forwards the request over a pooled server connection and streams the
// response back.
//
// One goroutine serves one client connection from accept to close, doing
// every step in order; server connections are plain sockets with their own
// buffers, so a request costs no extra goroutine, channel or map (see
// package h1 for why the data path does not use net/http).
package l7

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/hawser-lb/hawser/internal/balance"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h2up"
)

// Handler serves mode http connections. It implements engine.Handler.
type Handler struct {
	// Version is the version the stats page shows; set it before
	// serving.
	Version string

	log   *slog.Logger
	pools sync.Map // buffer size → *connPool
	pid   int
	// h2 holds the HTTP/2 connections to "proto h2" servers, shared by
	// every client connection.
	h2 *h2up.Pool
	// parkOnce starts park0, the parker of idle connections (park.go).
	parkOnce sync.Once
	park0    *parker
}

var _ engine.Handler = (*Handler)(nil)

// NewHandler returns a handler.
func NewHandler(log *slog.Logger) *Handler {
	return &Handler{log: log, pid: os.Getpid(), h2: h2up.NewPool()}
}

// Close releases idle server connections.
func (h *Handler) Close() {
	// No parker starts after this; one already started stops and
	// resumes its connections, which find their sockets closed.
	h.parkOnce.Do(func() {})
	if h.park0 != nil {
		h.park0.close()
	}
	h.h2.Close()
	h.pools.Range(func(k, v any) bool {
		v.(*connPool).close()
		return true
	})
}

func (h *Handler) pool(bufSize int) *connPool {
	if p, ok := h.pools.Load(bufSize); ok {
		return p.(*connPool)
	}
	spare := newConnPool(bufSize)
	p, loaded := h.pools.LoadOrStore(bufSize, spare)
	if loaded {
		// Lost the race: another connection stored its pool first. Stop
		// the janitor of ours, which nobody will use (closing the winner's
		// instead made Close panic on a channel closed twice).
		close(spare.stop)
	}
	return p.(*connPool)
}

// ServeConn serves one client connection until it closes.
func (h *Handler) ServeConn(c net.Conn, s *engine.Session) {
	if s.H2 || negotiatedH2(c) {
		h.serveH2(c, s)
		return
	}
	h.serveTxn(c, s, false)
}

// serveTxn runs transactions on c: an HTTP/1 connection, or one HTTP/2
// stream (h2.go) presented as an HTTP/1.1 connection carrying one request.
func (h *Handler) serveTxn(c net.Conn, s *engine.Session, stream bool) {
	// A parked connection's session is detached (Handler.park).
	h.runTxn(h.newTxn(c, s, stream))
}

// newTxn prepares a txn to serve c.
func (h *Handler) newTxn(c net.Conn, s *engine.Session, stream bool) *txn {
	bufSize := s.Gen.Snap.Global.BufSize
	if bufSize <= 0 {
		bufSize = 16384
	}
	t := getTxn()
	t.h, t.sess, t.fe, t.conn = h, s, s.Frontend, c
	t.h2 = stream
	t.pool = h.pool(bufSize)
	t.cc = idleConn{Conn: c, wIdle: s.Frontend.Cfg.Timeouts.Client, waker: s}
	t.bufSize = bufSize
	t.canIdle = t.idle.init(c, bufSize)
	if t.more.init(c) {
		t.cc.more = &t.more
	}
	t.br = getReader(&t.cc, bufSize)
	t.bw = getWriter(&t.cc, bufSize)
	return t
}

// runTxn serves t's connection until it closes or is parked; it reports
// true when it was parked (t is then released, and the session detached
// from this goroutine).
func (h *Handler) runTxn(t *txn) (parked bool) {
	defer func() {
		if parked {
			return
		}
		if t.ab != nil {
			t.ab.close(t)
		}
		t.releaseServerConn(false)
		putReader(t.br)
		putWriter(t.bw)
		t.cc.dropPending()
		t.conn.Close()
		putTxn(t)
	}()
	t.serve()
	if t.parked && t.ab != nil {
		// A parked connection has no goroutine to own a watcher; the
		// next request starts another one if needed.
		t.ab.close(t)
		t.ab = nil
	}
	return t.parked && h.park(t)
}

// txnPool recycles per-connection state, so that a new connection does not
// regrow its header lists and scratch buffers.
var txnPool = sync.Pool{New: func() any { return new(txn) }}

func getTxn() *txn { return txnPool.Get().(*txn) }

// putTxn clears t for another connection, keeping the capacity of its
// slices (emptied, so that they pin no old buffer) and the idle reader's
// callback, which is bound to t.
func putTxn(t *txn) {
	clear(t.req.Headers[:cap(t.req.Headers)])
	clear(t.resp.Headers[:cap(t.resp.Headers)])
	reqH, respH := t.req.Headers[:0], t.resp.Headers[:0]
	headBuf, logBuf := t.headBuf[:0], t.logBuf[:0]
	read := t.idle.read
	t.endRequestRules()
	*t = txn{}
	t.req.Headers, t.resp.Headers = reqH, respH
	t.headBuf, t.logBuf = headBuf, logBuf
	t.idle.read = read
	txnPool.Put(t)
}

// dialProxy connects to srv and sends the PROXY header of "send-proxy"
// first when the server line asks for one.
func dialProxy(srv *balance.Server, s *engine.Session, timeout time.Duration) (net.Conn, error) {
	return dialProxyContext(context.Background(), srv, s, timeout)
}

// dialProxyContext is dialProxy ending early when ctx does (option
// abortonclose).
func dialProxyContext(ctx context.Context, srv *balance.Server, s *engine.Session, timeout time.Duration) (net.Conn, error) {
	addr, _ := srv.Target()
	target := addr
	if srv.Socks4 != "" {
		addr = srv.Socks4
	}
	var c net.Conn
	var err error
	if srv.Source != nil {
		c, err = balance.DialFrom(srv.Source, s.Src, addr, timeout)
	} else {
		c, err = dial(ctx, addr, timeout)
	}
	if err == nil && srv.Socks4 != "" {
		if err = balance.Socks4Connect(c, target, timeout); err != nil {
			c.Close()
		}
	}
	if err != nil || srv.SendProxy.Version == 0 {
		return c, err
	}
	c.SetWriteDeadline(time.Now().Add(timeout))
	if _, err := c.Write(srv.SendProxy.Append(nil, s.Src, s.Dst, s.TLS)); err != nil {
		c.Close()
		return nil, fmt.Errorf("PROXY header to server: %w", err)
	}
	c.SetWriteDeadline(time.Time{})
	return c, nil
}

// perClient reports whether srv's connections carry the client's
// identity (a PROXY header, or usesrc client/clientip) and so may only be
// reused for that client.
func perClient(srv *balance.Server) bool {
	return srv.SendProxy.Version != 0 || srv.Source != nil && (srv.Source.UseSrc == "client" || srv.Source.UseSrc == "clientip")
}

// proxyKey sets apart the pooled connections of one client when the
// server gets a PROXY header: the addresses it carries.
func proxyKey(s *engine.Session) string {
	return "\x00pp:" + s.Src.String() + ">" + s.Dst.String()
}

// dial connects to a server. An IP:port address, the usual case, skips
// the resolver, which costs a dozen allocations per connection even for a
// literal address.
func dial(ctx context.Context, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		c, err := d.DialTCP(ctx, "tcp", netip.AddrPort{}, ap)
		if err != nil {
			// A nil *TCPConn must not become a non-nil net.Conn.
			return nil, err
		}
		return c, nil
	}
	return d.DialContext(ctx, "tcp", addr)
}

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// deadline returns the absolute deadline for a timeout, zero for none.
func deadline(d time.Duration) time.Time {
	if d <= 0 {
		return time.Time{}
	}
	return time.Now().Add(d)
}

// firstNonZero returns the first positive duration.
func firstNonZero(ds ...time.Duration) time.Duration {
	for _, d := range ds {
		if d > 0 {
			return d
		}
	}
	return 0
}

// drain discards up to limit bytes of a request body we will not forward,
// so that the connection can be kept alive. It reports whether the whole
// body was consumed.
func drain(br *bufio.Reader, n int64, limit int64) bool {
	if n > limit {
		return false
	}
	_, err := io.CopyN(io.Discard, br, n)
	return err == nil
}

// sent is the number of bytes handed to the client so far, buffered or not.
func (t *txn) sent() int64 { return t.cc.written + int64(t.bw.Buffered()) }
