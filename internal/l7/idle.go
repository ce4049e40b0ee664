package l7

import (
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/sockio"
)

// A keep-alive connection spends most of its life waiting for its next
// request. Holding two 16 KiB buffers through that wait would make an idle
// connection cost some 30 KiB, where HAProxy, which allocates buffers only
// while data moves, needs about one. So a client connection waits without
// buffers: idleReader reads the first bytes of the next request straight
// from the socket into a pooled scratch buffer (taken only once the socket
// is readable), and hands them to the connection's bufio.Reader, taken
// from the pool after the wait, through idleConn's pending bytes. No byte
// is lost: everything read is served by idleConn.Read before the socket is
// read again, and a pipelined request already buffered never gets here.
type idleReader struct {
	rc   syscall.RawConn
	read func(fd uintptr) bool // r.readFD, bound once per connection
	size int
	buf  *[]byte // scratch holding the bytes read, nil while waiting
	n    int
	err  error
}

// init prepares r for c and reports whether it can be used: only on a
// bare TCP socket, because a wrapper may hold bytes of its own, which a
// direct read of the socket would skip.
func (r *idleReader) init(c net.Conn, size int) bool {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return false
	}
	r.rc, r.size = rc, size
	if r.read == nil {
		// A method value allocates: bind it once per pooled txn.
		r.read = r.readFD
	}
	return true
}

// readFD is the syscall.RawConn read callback: it reports false, so that
// the runtime parks the goroutine until the socket is readable, when there
// is nothing to read yet. The scratch buffer is taken only once a read is
// attempted and given back before parking.
func (r *idleReader) readFD(fd uintptr) bool {
	if r.buf == nil {
		r.buf = getScratch(r.size)
	}
	for {
		n, err := sockio.Read(fd, *r.buf)
		switch {
		case err == syscall.EINTR:
			continue
		case err == syscall.EAGAIN:
			putScratch(r.buf)
			r.buf = nil
			return false
		case err != 0:
			r.n, r.err = 0, sockio.Error("read", err)
		case n == 0:
			r.n, r.err = 0, io.EOF
		default:
			r.n, r.err = n, nil
		}
		return true
	}
}

// wait blocks until bytes arrive on c's socket, the peer closes, or c's
// read deadline passes, and leaves what it read in c's pending bytes.
// Deadlines follow idleConn's lazy rules. When park is set and comes
// before the read deadline, wait returns errPark once park passes.
func (r *idleReader) wait(c *idleConn, park time.Time) error {
	want := c.rWant
	parking := !park.IsZero() && (want.IsZero() || park.Before(want))
	if parking {
		want = park
	}
	c.rd.arm(c.Conn.SetReadDeadline, want)
	if c.isWoken() {
		// The engine's wake-up may have come before arm replaced it.
		return os.ErrDeadlineExceeded
	}
	for {
		r.err = nil
		err := r.rc.Read(r.read)
		if err == nil {
			err = r.err
		}
		if err == nil {
			c.setPending(r.buf, r.n)
			r.buf = nil
			return nil
		}
		if r.buf != nil {
			putScratch(r.buf)
			r.buf = nil
		}
		if c.rd.early(c.Conn.SetReadDeadline, err, want) && !c.isWoken() {
			continue
		}
		if parking && isTimeout(err) && !c.isWoken() {
			return errPark
		}
		return err
	}
}

var scratchPool sync.Pool // *[]byte

func getScratch(size int) *[]byte {
	if v := scratchPool.Get(); v != nil {
		b := v.(*[]byte)
		if len(*b) == size {
			return b
		}
	}
	b := make([]byte, size)
	return &b
}

func putScratch(b *[]byte) { scratchPool.Put(b) }
