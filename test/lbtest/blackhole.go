package lbtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// Blackhole returns a loopback address where TCP connects hang: a socket
// listening with a backlog of 0 that never accepts, its accept queue
// filled by the harness's own connections. Once the queue is full the
// kernel drops further SYNs, so a connect times out instead of being
// refused. It returns an error if the kernel completes connects anyway.
func Blackhole(t testing.TB) (string, error) {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		return "", err
	}
	f := os.NewFile(uintptr(fd), "blackhole")
	t.Cleanup(func() { f.Close() })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return "", err
	}
	if err := syscall.Listen(fd, 0); err != nil {
		return "", err
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		return "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", sa.(*syscall.SockaddrInet4).Port)
	// Fill the accept queue until a connect no longer completes.
	for range 16 {
		c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				return addr, nil
			}
			return "", err
		}
		t.Cleanup(func() { c.Close() })
	}
	return "", errors.New("connects to a full backlog still complete")
}
