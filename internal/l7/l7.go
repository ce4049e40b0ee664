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
	"errors"
	"io"
	"log/slog"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/engine"
)

// Handler serves mode http connections. It implements engine.Handler.
type Handler struct {
	log   *slog.Logger
	pools sync.Map // buffer size → *connPool
	pid   int
}

var _ engine.Handler = (*Handler)(nil)

// NewHandler returns a handler.
func NewHandler(log *slog.Logger) *Handler {
	return &Handler{log: log, pid: os.Getpid()}
}

// Close releases idle server connections.
func (h *Handler) Close() {
	h.pools.Range(func(k, v any) bool {
		v.(*connPool).close()
		return true
	})
}

func (h *Handler) pool(bufSize int) *connPool {
	if p, ok := h.pools.Load(bufSize); ok {
		return p.(*connPool)
	}
	p, loaded := h.pools.LoadOrStore(bufSize, newConnPool(bufSize))
	if loaded {
		// Lost the race: stop the spare pool's janitor.
		close(p.(*connPool).stop)
	}
	p, _ = h.pools.Load(bufSize)
	return p.(*connPool)
}

// ServeConn serves one client connection until it closes.
func (h *Handler) ServeConn(c net.Conn, s *engine.Session) {
	bufSize := s.Gen.Snap.Global.BufSize
	if bufSize <= 0 {
		bufSize = 16384
	}
	t := &txn{
		h:    h,
		sess: s,
		fe:   s.Frontend,
		conn: c,
		pool: h.pool(bufSize),
	}
	t.cc = idleConn{Conn: c, wIdle: s.Frontend.Cfg.Timeouts.Client, waker: s}
	t.bufSize = bufSize
	t.canIdle = t.idle.init(c, bufSize)
	t.br = getReader(&t.cc, bufSize)
	t.bw = getWriter(&t.cc, bufSize)
	defer func() {
		t.releaseServerConn(false)
		putReader(t.br)
		putWriter(t.bw)
		t.cc.dropPending()
		c.Close()
	}()
	t.serve()
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
