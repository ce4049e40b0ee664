// Package peerclose notices a client that closes or resets its connection
// while nobody reads it, without reading what it already sent: the
// kernel's POLLRDHUP, HUP and ERR flags tell a shutdown or a reset from
// pending bytes. It serves "option abortonclose" (HAProxy's CQ, CC and
// CH termination states).
package peerclose

import (
	"context"
	"crypto/tls"
	"net"
	"syscall"
	"time"
)

// RawConn returns the socket under c (through TLS) and its RawConn, or
// false when c is not a socket that can be watched.
func RawConn(c net.Conn) (net.Conn, syscall.RawConn, bool) {
	if !Supported {
		return nil, nil, false
	}
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil, nil, false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return nil, nil, false
	}
	return c, rc, true
}

// Watch is a one-shot watch of a connection: from Start to Stop, its
// context is cancelled as soon as the peer closes or resets. Nobody else
// may read the connection meanwhile.
type Watch struct {
	sock   net.Conn
	rc     syscall.RawConn
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	gone   bool // written by the watching goroutine before done closes
	// stopped is set by the first Stop; the owner's goroutine only.
	stopped bool
}

// Start watches c; nil when c cannot be watched.
func Start(c net.Conn) *Watch {
	sock, rc, ok := RawConn(c)
	if !ok {
		return nil
	}
	w := &Watch{sock: sock, rc: rc, done: make(chan struct{})}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	go w.run()
	return w
}

func (w *Watch) run() {
	defer close(w.done)
	err := w.rc.Read(func(fd uintptr) bool {
		if !Gone(fd) {
			return false
		}
		w.gone = true
		return true
	})
	if err != nil && !isTimeout(err) {
		w.gone = true
	}
	if w.gone {
		w.cancel()
	}
}

// Context is cancelled when the peer goes away.
func (w *Watch) Context() context.Context { return w.ctx }

// Stop ends the watch and reports whether the peer went away. It leaves
// no read deadline on the connection. Calling it again does nothing more.
func (w *Watch) Stop() bool {
	if w.stopped {
		return w.gone
	}
	w.stopped = true
	w.sock.SetReadDeadline(time.Unix(1, 0))
	<-w.done
	w.sock.SetReadDeadline(time.Time{})
	w.cancel()
	return w.gone
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
