//go:build linux

package sockio

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"
)

// Read is read(2) on a non-blocking socket.
func Read(fd uintptr, p []byte) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// Send is send(2) on a non-blocking socket; flags gets MSG_NOSIGNAL, so
// that a peer gone away is an EPIPE rather than a signal.
func Send(fd uintptr, p []byte, flags int) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, e := syscall.RawSyscall6(syscall.SYS_SENDTO, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)),
		uintptr(flags|syscall.MSG_NOSIGNAL), 0, 0)
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// Error is a failed socket call's error as net.TCPConn reports it: a
// net.Error, which callers read as the peer failing.
func Error(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
}

// Conn is a TCP connection whose Read and Write use raw system calls;
// everything else (deadlines, addresses, CloseWrite, SyscallConn) is the
// TCPConn's. Reads and writes may run at once, in two goroutines, as on
// any net.Conn.
type Conn struct {
	*net.TCPConn
	rc syscall.RawConn
	// read and write are c.readFD and c.writeFD, bound once: a method
	// value allocates.
	read, write func(fd uintptr) bool
	rp, wp      []byte
	rn, wn      int
	rerr, werr  error
}

// Wrap returns c as a *Conn when it is a bare *net.TCPConn, and c itself
// otherwise (a wrapper may hold bytes of its own).
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	sc := &Conn{TCPConn: tc, rc: rc}
	sc.read, sc.write = sc.readFD, sc.writeFD
	return sc
}

// Read reads into b once bytes are there, under the read deadline.
func (c *Conn) Read(b []byte) (int, error) {
	c.rp, c.rn, c.rerr = b, 0, nil
	err := c.rc.Read(c.read)
	n := c.rn
	if err == nil {
		err = c.rerr
	}
	c.rp = nil
	return n, err
}

// Write writes all of b, waiting for the socket to drain as needed under
// the write deadline.
func (c *Conn) Write(b []byte) (int, error) {
	c.wp, c.wn, c.werr = b, 0, nil
	err := c.rc.Write(c.write)
	n := c.wn
	if err == nil {
		err = c.werr
	}
	c.wp = nil
	return n, err
}

func (c *Conn) readFD(fd uintptr) bool {
	if len(c.rp) == 0 {
		return true
	}
	for {
		n, errno := Read(fd, c.rp)
		switch {
		case errno == syscall.EINTR:
			continue
		case errno == syscall.EAGAIN:
			return false
		case errno != 0:
			c.rerr = Error("read", errno)
		case n == 0:
			c.rerr = io.EOF
		default:
			c.rn = n
		}
		return true
	}
}

func (c *Conn) writeFD(fd uintptr) bool {
	for c.wn < len(c.wp) {
		n, errno := Send(fd, c.wp[c.wn:], 0)
		switch errno {
		case 0:
			c.wn += n
		case syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werr = Error("write", errno)
			return true
		}
	}
	return true
}
