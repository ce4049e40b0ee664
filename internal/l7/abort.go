package l7

import (
	"context"
	"errors"
	"net"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/peerclose"
)

// abortWatch notices a client that closes its connection while its
// request waits: in the backend queue, for a server connection or for the
// response head. It serves "option abortonclose", with which HAProxy gives
// up such requests and logs CQ, CC or CH; without the option HAProxy (and
// hawser) carry on and only notice when writing the response.
//
// One goroutine per client connection, started on the first request of
// an abortonclose backend, watches the socket while armed. It never reads:
// it waits for the socket to be readable and asks the kernel whether the
// peer shut down or reset (POLLRDHUP, POLLHUP, POLLERR), so that bytes
// already sent (a pipelined request, a body) stay for the connection's
// goroutine. Arming and disarming cost two channel operations and two
// deadline changes, and no allocation.
type abortWatch struct {
	rc   syscall.RawConn
	sock net.Conn // the socket rc belongs to: its read deadline stops a watch
	// ctx is cancelled when the client is gone: it ends a wait in the
	// queue or a dial.
	ctx    context.Context
	cancel context.CancelFunc
	// server, when set, is the server connection the request waits on:
	// closing it ends a wait for the response head.
	server  atomic.Pointer[net.Conn]
	aborted atomic.Bool
	arm     chan struct{} // one token per watch, closed when the connection ends
	done    chan struct{} // one token per finished watch
	armed   bool          // owned by the connection's goroutine
	check   func(fd uintptr) bool
}

// watchAborts returns the connection's abort watcher when the request's
// backend has "option abortonclose" and the client connection is a socket
// it can watch (HTTP/1 over TCP, in clear or TLS); nil otherwise.
func (t *txn) watchAborts() *abortWatch {
	if t.be == nil || !t.be.Cfg.AbortOnClose || t.h2 {
		return nil
	}
	if t.ab != nil {
		return t.ab
	}
	sock, rc, ok := peerclose.RawConn(t.conn)
	if !ok {
		return nil
	}
	w := &abortWatch{rc: rc, sock: sock, arm: make(chan struct{}), done: make(chan struct{}, 1)}
	w.ctx, w.cancel = context.WithCancel(context.Background())
	w.check = w.peerGone
	go w.run()
	t.ab = w
	return w
}

// run watches the socket once per arm token, until the client is gone or
// the connection ends.
func (w *abortWatch) run() {
	for range w.arm {
		if !w.aborted.Load() {
			// Returns nil once the check saw the client gone, a timeout
			// when disarmed (or woken by the engine), another error when
			// the socket failed: that is the client gone too.
			if err := w.rc.Read(w.check); err != nil && !isTimeout(err) {
				w.gone()
			}
		}
		w.done <- struct{}{}
	}
}

// peerGone is the RawConn callback: true, ending the watch, once the
// client shut down or reset the connection; false waits for the next
// readiness event.
func (w *abortWatch) peerGone(fd uintptr) bool {
	if !peerclose.Gone(fd) {
		return false
	}
	w.gone()
	return true
}

// gone records the abort and interrupts what the request waits for.
func (w *abortWatch) gone() {
	w.aborted.Store(true)
	w.cancel()
	if c := w.server.Load(); c != nil {
		(*c).Close()
	}
}

// start arms the watcher; server, when not nil, is closed if the client
// goes. It reports false when the client is already known to be gone.
func (w *abortWatch) start(server *net.Conn) bool {
	w.server.Store(server)
	if w.aborted.Load() {
		return false
	}
	w.armed = true
	w.arm <- struct{}{}
	return true
}

// stop disarms the watcher and reports whether the client went away
// meanwhile. The connection's read deadline, moved to the past to end the
// watch, is put back to the one its lazy deadline armed (deadline.go).
func (w *abortWatch) stop(t *txn) (aborted bool) {
	if w.armed {
		w.armed = false
		w.sock.SetReadDeadline(aLongTimeAgo)
		<-w.done
		w.sock.SetReadDeadline(t.cc.rd.armed)
		if t.cc.isWoken() {
			// The engine moved the deadline to wake us up meanwhile.
			w.sock.SetReadDeadline(aLongTimeAgo)
		}
	}
	w.server.Store(nil)
	return w.aborted.Load()
}

// close ends the watcher's goroutine; the connection's goroutine calls it
// when the connection ends.
func (w *abortWatch) close(t *txn) {
	w.stop(t)
	close(w.arm)
	w.cancel()
}

// errClientAborted is a server connection given up because the client left.
var errClientAborted = errors.New("client aborted")

// clientAborted ends a request whose client left before the response
// began: no response, the connection closes, and the log says "C" with
// the phase (HAProxy's CQ, CC, CH).
func (t *txn) clientAborted(phase byte) {
	t.entry.TermState = [2]byte{tsClientAbort, phase}
	t.entry.Status = -1
	t.closeClient = true
}

// readResponseWatched is readResponse watched for the client leaving
// meanwhile (option abortonclose).
func (t *txn) readResponseWatched(sc *serverConn) (err error, aborted bool) {
	ab := t.watchAborts()
	if ab == nil || sc.br.Buffered() > 0 {
		return t.readResponse(sc), false
	}
	if !ab.start(&sc.c.Conn) {
		return nil, true
	}
	err = t.readResponse(sc)
	return err, ab.stop(t)
}

// aLongTimeAgo is a deadline in the past: it makes a pending read return.
var aLongTimeAgo = time.Unix(1, 0)
