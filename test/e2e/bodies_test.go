package e2e

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestLargeBodies sends bodies larger than the buffers both ways on one
// keep-alive connection: hawser moves them between plain TCP sockets
// with splice(2) after the bytes it buffered with the head. Every byte
// must arrive in order, the connections stay usable after the body, and
// the log counts the bytes; the same with "nosplice", which copies.
func TestLargeBodies(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct{ name, global string }{
		{name: "spliced"},
		// "nosplice" copies every byte through hawser's buffers.
		{name: "nosplice", global: "nosplice"},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			largeBodies(t, mode.global)
		})
	}
}

func largeBodies(t *testing.T, global string) {
	_, vars := backends(t, "app")
	p := lbtest.Start(t, `
global
    log stdout format raw local0
    `+global+`

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    log-format "bodylog %ST %U %B %HU"
    default_backend app

backend app
    server app ${app}
`, vars)

	c := lbtest.DialConn(t, p.Addr("fe"))
	tests := []struct {
		name string
		size int
	}{
		{name: "just above the splice threshold", size: 16384 + 64<<10 + 1},
		{name: "several splice chunks", size: 3<<20 + 5},
		{name: "under the threshold", size: 20000},
	}
	for i, tc := range tests {
		body := make([]byte, tc.size)
		for j := range body {
			body[j] = "0123456789abcdefghijklmnopqrstuvwxyz"[(j*7+i)%36]
		}
		head := fmt.Sprintf("POST /echo?%d HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n", i, tc.size)
		r, got := c.RoundTrip(t, "POST", head+string(body))
		if r.StatusCode != 200 || got != string(body) {
			t.Fatalf("%s: got %d with %d bytes, want 200 echoing %d bytes (equal: %v)",
				tc.name, r.StatusCode, len(got), tc.size, bytes.Equal([]byte(got), body))
		}
		// The request's bytes are its head and body; the response's, at
		// least the body.
		p.WaitLog(t, fmt.Sprintf("bodylog 200 %d ", len(head)+tc.size), 5*time.Second)
		line := logLine(p.Log(), fmt.Sprintf("/echo?%d", i))
		var status, in, out int
		fmt.Sscanf(line, "bodylog %d %d %d", &status, &in, &out)
		if out < tc.size || out > tc.size+1000 {
			t.Errorf("%s: log line %q, want %%B about %d", tc.name, line, tc.size)
		}
	}
	if r, got := c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 200 || got != "app" {
		t.Errorf("after the bodies: %d %q", r.StatusCode, got)
	}
}

// logLine returns the last log line that contains substr.
func logLine(log, substr string) string {
	lines := strings.Split(log, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], substr) {
			return lines[i]
		}
	}
	return ""
}
