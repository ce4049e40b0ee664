package l7

import (
	"bufio"
	"io"
	"net"
	"os"
	"time"
)

// A large body of known length between two bare TCP sockets moves with
// splice(2): net.TCPConn.ReadFrom, given an io.LimitedReader over another
// TCPConn, passes the bytes through a kernel pipe, so they never enter
// the process and a 1 MiB body costs a few system calls instead of one
// read and one write per buffer. Only the bytes still to come from the
// socket are spliced; what the proxy already buffered (with the head) is
// written first, so the stream stays in order. Rules are no obstacle:
// they only see what was buffered before forwarding began. A body filter
// (compression, a cache, bandwidth limits: all refused by the config
// today) will have to keep its transactions off this path, since spliced
// bytes never pass through hawser's buffers.
const (
	// spliceMin is the smallest remainder worth a splice: below it the
	// buffered copy costs less than the pipe's extra system calls.
	spliceMin = 64 << 10
	// spliceChunk bounds the bytes moved under one pair of deadlines.
	// The deadlines are armed afresh before each chunk, so "timeout
	// server" and "timeout client" stay inactivity timeouts for a peer
	// that moves at least this much per timeout period.
	spliceChunk = 256 << 10
)

// noSplice reports whether the global "nosplice" turns splicing off.
func (t *txn) noSplice() bool {
	return t.sess != nil && t.sess.Gen.Snap.Global.NoSplice
}

// spliceConn returns c's TCP socket when bytes can be spliced to or from
// it: a bare TCP connection with nothing read ahead of the caller's
// buffer.
func spliceConn(c *idleConn) *net.TCPConn {
	if len(c.pending) > 0 {
		return nil
	}
	tc, _ := c.Conn.(*net.TCPConn)
	return tc
}

// spliceBody moves n body bytes from src's socket to dst's, after the
// bytes already in buffered (which are the body's first bytes; written
// to dst through w, which is dst's buffered writer, and flushed). It
// reports false, having done nothing, when the sockets are not bare TCP
// or the body is too short to be worth it; otherwise it returns the
// number of bytes moved, buffered ones included, and the first error.
func spliceBody(dst, src *idleConn, w *bufio.Writer, br *bufio.Reader, n int64, lr *io.LimitedReader) (done int64, ok bool, err error) {
	if n-int64(br.Buffered()) < spliceMin {
		return 0, false, nil
	}
	dtc, stc := spliceConn(dst), spliceConn(src)
	if dtc == nil || stc == nil {
		return 0, false, nil
	}
	if dst.more != nil {
		// The head and the buffered bytes wait for the spliced ones to
		// fill their segment.
		dst.more.on = true
		defer func() { dst.more.on = false }()
	}
	k := br.Buffered()
	b, _ := br.Peek(k)
	w.Write(b)
	br.Discard(k)
	if err := w.Flush(); err != nil {
		return int64(k), true, err
	}
	done = int64(k)
	lr.R = stc
	defer func() { lr.R = nil }()
	for done < n {
		now := time.Now()
		setDeadline(&src.rd, src.Conn.SetReadDeadline, now, src.rIdle)
		setDeadline(&dst.wd, dst.Conn.SetWriteDeadline, now, dst.wIdle)
		if src.isWoken() || dst.isWoken() {
			// The engine wants the connection closed (soft stop);
			// the deadlines just armed replaced its wake-up.
			return done, true, os.ErrDeadlineExceeded
		}
		lr.N = min(n-done, spliceChunk)
		m, err := dtc.ReadFrom(lr)
		done += m
		dst.written += m
		if err != nil {
			return done, true, err
		}
		if m == 0 {
			return done, true, io.ErrUnexpectedEOF
		}
	}
	return done, true, nil
}

// setDeadline arms a socket deadline idle from now (none without idle)
// and records it as armed, so that the lazy arming of idleConn stays
// right about what the socket holds.
func setDeadline(d *lazyDeadline, set func(time.Time) error, now time.Time, idle time.Duration) {
	var want time.Time
	if idle > 0 {
		want = now.Add(idle)
	}
	if want == d.armed {
		return
	}
	d.armed = want
	set(want)
}
