package l7

import (
	"io"
	"net"
	"syscall"

	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/sockio"
)

// moreWriter does a bare TCP socket's reads and writes with raw system
// calls (package sockio says why), and marks writes MSG_MORE while on is set.
//
// A body larger than the buffer leaves in buffer-sized writes. Sent one by
// one, each write becomes its own packet and wakes the reader once; on
// loopback, where a segment may carry 64 KiB, that is four wake-ups where
// one would do, and most of a large response's cost. HAProxy marks such
// writes MSG_MORE while more of the body is known to follow, so the kernel
// may hold a partial segment until the next write fills it. The last
// write of a body goes without the flag, which pushes everything out.
type moreWriter struct {
	rc   syscall.RawConn
	send func(fd uintptr) bool // m.sendFD, bound once per pooled owner
	recv func(fd uintptr) bool // m.recvFD, likewise
	on   bool                  // the next writes are followed by more
	// The state of the write in progress, and of the read: a full-duplex
	// exchange (a tunnel, a streamed request) reads and writes at once.
	p, rp   []byte
	n, rn   int
	err, re error
}

// init prepares m for c and reports whether it can be used: only on a
// bare TCP socket, because a wrapper (TLS, PROXY protocol) would be
// bypassed.
func (m *moreWriter) init(c net.Conn) bool {
	m.on = false
	tc, ok := c.(*net.TCPConn)
	if !ok {
		m.rc = nil
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		m.rc = nil
		return false
	}
	m.rc = rc
	if m.send == nil {
		// A method value allocates: bind it once per pooled owner.
		m.send = m.sendFD
		m.recv = m.recvFD
	}
	return true
}

// write sends b (with MSG_MORE when on), waiting for the socket to drain
// as needed under the connection's write deadline.
func (m *moreWriter) write(b []byte) (int, error) {
	m.p, m.n, m.err = b, 0, nil
	err := m.rc.Write(m.send)
	n := m.n
	if err == nil {
		err = m.err
	}
	m.p = nil
	return n, err
}

// read reads into b once bytes are there, under the connection's read
// deadline; io.EOF when the peer closed.
func (m *moreWriter) read(b []byte) (int, error) {
	m.rp, m.rn, m.re = b, 0, nil
	err := m.rc.Read(m.recv)
	n := m.rn
	if err == nil {
		err = m.re
	}
	m.rp = nil
	return n, err
}

// sendFD is the syscall.RawConn write callback: it reports false, so that
// the runtime parks the goroutine until the socket is writable, when the
// socket buffer is full.
func (m *moreWriter) sendFD(fd uintptr) bool {
	flags := 0
	if m.on {
		flags = syscall.MSG_MORE
	}
	for m.n < len(m.p) {
		k, errno := sockio.Send(fd, m.p[m.n:], flags)
		switch errno {
		case 0:
			m.n += k
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			m.err = sockio.Error("write", errno)
			return true
		}
	}
	return true
}

// recvFD is the syscall.RawConn read callback: it reports false, so that
// the runtime parks the goroutine until the socket is readable, when
// there is nothing to read yet.
func (m *moreWriter) recvFD(fd uintptr) bool {
	if len(m.rp) == 0 {
		return true
	}
	for {
		k, errno := sockio.Read(fd, m.rp)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return false
		case errno != 0:
			m.re = sockio.Error("read", errno)
		case k == 0:
			m.re = io.EOF
		default:
			m.rn = k
		}
		return true
	}
}

// copyFixedBody forwards a response body of n bytes from sc to the client.
// Most bodies fit in what sc already buffered and simply join the head in
// the client's buffer. A longer one is written straight from sc's buffer
// to the client socket, every write but the last marked MSG_MORE: no copy
// through the client's buffer, and the kernel packs the writes into full
// segments.
func (t *txn) copyFixedBody(sc *serverConn, n int64) error {
	if !t.noSplice() {
		if _, ok, err := spliceBody(&t.cc, &sc.c, t.bw, sc.br, n, &t.lr); ok {
			return err
		}
	}
	if t.cc.more == nil || n <= int64(sc.br.Buffered()) {
		_, err := h1.CopyFixed(t.bw, sc.br, n)
		return err
	}
	// The head waits for the body only when body bytes are at hand.
	t.cc.more.on = sc.br.Buffered() > 0
	defer func() { t.cc.more.on = false }()
	if err := t.bw.Flush(); err != nil {
		return err
	}
	var done int64
	for done < n {
		if sc.br.Buffered() == 0 {
			if _, err := sc.br.Peek(1); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		k := int64(sc.br.Buffered())
		if k > n-done {
			k = n - done
		}
		b, _ := sc.br.Peek(int(k))
		// A short read says the server is slower than the client: then
		// holding a partial segment back for the next write would only
		// delay it (up to the kernel's 200 ms probe timer).
		t.cc.more.on = done+k < n && k == int64(sc.br.Size())
		w, err := t.cc.Write(b)
		done += int64(w)
		sc.br.Discard(w)
		if err != nil {
			return err
		}
	}
	return nil
}
