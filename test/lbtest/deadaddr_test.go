package lbtest

import (
	"errors"
	"net"
	"syscall"
	"testing"
)

// A dead address refuses connections and cannot be taken by a listener
// while the test runs.
func TestDeadAddr(t *testing.T) {
	t.Parallel()
	addr := DeadAddr(t)
	if _, err := net.Dial("tcp", addr); !errors.Is(err, syscall.ECONNREFUSED) {
		t.Fatalf("dial %s: %v, want connection refused", addr, err)
	}
	if l, err := net.Listen("tcp", addr); err == nil {
		l.Close()
		t.Fatalf("a listener took %s", addr)
	}
}
