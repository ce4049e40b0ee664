//go:build linux

package peerclose

import "golang.org/x/sys/unix"

// Supported is true where Gone can tell.
const Supported = true

// Gone reports whether the peer of socket fd shut down its side or reset
// the connection, without reading from it and without waiting.
func Gone(fd uintptr) bool {
	p := [1]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN | unix.POLLRDHUP}}
	for {
		n, err := unix.Poll(p[:], 0)
		if err == unix.EINTR {
			continue
		}
		return err == nil && n > 0 && p[0].Revents&(unix.POLLRDHUP|unix.POLLHUP|unix.POLLERR) != 0
	}
}
