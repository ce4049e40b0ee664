package l7

import (
	"net"
	"os"
	"time"
)

// idleConn applies HAProxy's timeouts to a connection: when rIdle (wIdle)
// is set, every Read (Write) must complete within that much time of its
// start, so a long body that keeps moving never times out while a silent
// peer does; otherwise rWant, when set, is an absolute read deadline (the
// wait for a request head). It also counts the bytes written, for %B in
// logs.
//
// Deadlines are armed lazily. Moving a socket deadline costs a runtime
// timer update under a lock, and the keep-alive path would otherwise move
// five of them per request. A deadline that fires earlier than needed is
// harmless: the failed call sees that its own deadline is still ahead,
// re-arms and carries on. So a deadline is only set when none is armed or
// the armed one is later than wanted; in steady keep-alive traffic the
// wanted deadlines only move forward and the socket is re-armed about once
// per timeout period.
type idleConn struct {
	net.Conn
	rIdle, wIdle time.Duration
	// rWant is the absolute read deadline used when rIdle is zero.
	rWant   time.Time
	rd, wd  lazyDeadline
	written int64
	// waker, when set, reports that the engine moved the read deadline to
	// wake this connection up (engine.Session.Woken): such a timeout is
	// real even though our own deadline is still ahead. An interface
	// rather than a method value, which would cost an allocation per
	// connection.
	waker interface{ Woken() bool }
	// pending holds bytes an idleReader read while the connection had no
	// bufio.Reader; Read serves them before reading the socket again.
	pending    []byte
	pendingBuf *[]byte // the scratch buffer pending points into
	// more, set on a bare TCP socket, reads and writes it with raw
	// system calls, and sends writes with MSG_MORE while on (more.go).
	more *moreWriter
}

// setPending makes the first n bytes of b the next bytes Read returns; b
// goes back to the scratch pool once they are consumed.
func (c *idleConn) setPending(b *[]byte, n int) {
	c.pendingBuf, c.pending = b, (*b)[:n]
}

// readPending serves pending bytes into b.
func (c *idleConn) readPending(b []byte) int {
	n := copy(b, c.pending)
	c.pending = c.pending[n:]
	if len(c.pending) == 0 {
		c.dropPending()
	}
	return n
}

// dropPending returns the scratch buffer to its pool.
func (c *idleConn) dropPending() {
	if c.pendingBuf != nil {
		putScratch(c.pendingBuf)
	}
	c.pendingBuf, c.pending = nil, nil
}

func (c *idleConn) Read(b []byte) (int, error) {
	if len(c.pending) > 0 {
		return c.readPending(b), nil
	}
	want := c.rWant
	if c.rIdle > 0 {
		want = time.Now().Add(c.rIdle)
	}
	c.rd.arm(c.Conn.SetReadDeadline, want)
	if c.isWoken() {
		// The engine's wake-up may have come before arm replaced it.
		return 0, os.ErrDeadlineExceeded
	}
	for {
		n, err := c.recv(b)
		if err == nil || !c.rd.early(c.Conn.SetReadDeadline, err, want) || c.isWoken() {
			return n, err
		}
	}
}

func (c *idleConn) Write(b []byte) (int, error) {
	var want time.Time
	if c.wIdle > 0 {
		want = time.Now().Add(c.wIdle)
	}
	c.wd.arm(c.Conn.SetWriteDeadline, want)
	n := 0
	for {
		k, err := c.send(b[n:])
		n += k
		if err == nil || !c.wd.early(c.Conn.SetWriteDeadline, err, want) {
			c.written += int64(n)
			return n, err
		}
		if k > 0 {
			// Progress is activity: the peer is slow, not silent.
			want = time.Now().Add(c.wIdle)
		}
	}
}

// send writes b to the socket, with raw system calls on a bare TCP
// socket (MSG_MORE while c.more is on).
func (c *idleConn) send(b []byte) (int, error) {
	if c.more != nil {
		return c.more.write(b)
	}
	return c.Conn.Write(b)
}

// recv reads from the socket, with raw system calls on a bare TCP socket.
func (c *idleConn) recv(b []byte) (int, error) {
	if c.more != nil {
		return c.more.read(b)
	}
	return c.Conn.Read(b)
}

// setReadDeadline sets the absolute read deadline applied while rIdle is
// zero; zero means none.
func (c *idleConn) setReadDeadline(t time.Time) { c.rWant = t }

func (c *idleConn) isWoken() bool { return c.waker != nil && c.waker.Woken() }

// lazyDeadline remembers the deadline armed on one direction of a socket.
type lazyDeadline struct {
	armed time.Time // zero: none
}

// arm makes sure the socket's deadline fires no later than want (zero:
// never), touching the socket only when the armed deadline is later than
// want or missing.
func (d *lazyDeadline) arm(set func(time.Time) error, want time.Time) {
	if want.IsZero() {
		if !d.armed.IsZero() {
			d.armed = time.Time{}
			set(d.armed)
		}
		return
	}
	if d.armed.IsZero() || d.armed.After(want) {
		d.armed = want
		set(want)
	}
}

// early reports whether err is the expiry of a deadline armed earlier than
// want, which has not passed yet; it then re-arms want so that the call can
// be retried.
func (d *lazyDeadline) early(set func(time.Time) error, err error, want time.Time) bool {
	if want.IsZero() || !isTimeout(err) || !time.Now().Before(want) {
		return false
	}
	d.armed = want
	set(want)
	return true
}
