// Package sockio reads and writes non-blocking TCP sockets with raw
// system calls, bypassing the Go runtime's syscall bookkeeping.
//
// net.TCPConn's Read and Write enter the scheduler's syscall state
// (entersyscall, exitsyscall) around every call. The socket is
// non-blocking, so the call never waits in the kernel and that
// bookkeeping buys nothing, but it costs a lot with few Ps: every syscall
// entered while the scheduler's monitor thread (sysmon) sleeps wakes it,
// and a proxy below saturation goes idle and busy thousands of times a
// second. With GOMAXPROCS=1 at 15,000 req/s, that thread alone took 14%
// of hawser's CPU and 7,000 context switches a second, and loopback
// writes long enough for sysmon to notice handed the P to another
// thread. HAProxy's event loop makes the same calls as plain system
// calls. The calls here run inside syscall.RawConn callbacks, so the
// runtime's poller still parks the goroutine on EAGAIN and applies the
// connection's deadlines.
package sockio
