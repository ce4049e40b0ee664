package l7

import (
	"syscall"
	"unsafe"
)

// Reads and writes of a bare TCP socket go through syscall.RawConn with
// raw system calls rather than net.TCPConn's Read and Write. The socket
// is non-blocking, so a read or a write never waits in the kernel; the
// Go runtime's syscall bookkeeping (entersyscall, exitsyscall) buys
// nothing here and costs a lot with few Ps: every syscall entered while
// the scheduler's monitor thread (sysmon) sleeps wakes it, and a proxy at
// half load goes idle and busy thousands of times a second. With
// GOMAXPROCS=1 at 15,000 req/s that thread alone took 14% of hawser's
// CPU and 7,000 context switches a second, and a loopback write long
// enough for sysmon to notice handed the P to another thread. HAProxy's
// event loop makes the same calls as plain system calls.

// rawRead is read(2) on a non-blocking socket.
func rawRead(fd uintptr, p []byte) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, e := syscall.RawSyscall(syscall.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	if e != 0 {
		return 0, e
	}
	return int(n), 0
}

// rawSend is send(2) on a non-blocking socket; flags gets MSG_NOSIGNAL,
// so that a peer gone away is an EPIPE rather than a signal.
func rawSend(fd uintptr, p []byte, flags int) (int, syscall.Errno) {
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
