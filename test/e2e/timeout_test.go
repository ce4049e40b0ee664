package e2e

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestHTTPTimeouts(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "slow", "ka")
	hole, holeErr := lbtest.Blackhole(t)
	if holeErr != nil {
		hole = lbtest.DeadAddr(t)
	}
	vars["hole"] = hole
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 200ms
    timeout client 30s
    timeout server 300ms
    timeout http-request 300ms
    timeout http-keep-alive 300ms
    retries 0

frontend fe_slow
    bind ${fe_slow}
    default_backend slow
frontend fe_hole
    bind ${fe_hole}
    default_backend hole
frontend fe_ka
    bind ${fe_ka}
    default_backend ka

backend slow
    server slow ${slow}
backend hole
    server hole ${hole}
backend ka
    server ka ${ka}
`, vars)

	t.Run("timeout server is 504", func(t *testing.T) {
		t.Parallel()
		bs["slow"].Hold()
		r := lbtest.Get(t, p.URL("fe_slow", "/"))
		if r.Status != http.StatusGatewayTimeout || r.Body != body504 {
			t.Errorf("got %d %q, want 504 page", r.Status, r.Body)
		}
	})

	t.Run("timeout connect is 503", func(t *testing.T) {
		t.Parallel()
		if holeErr != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("cannot make a blackhole on loopback: %v", holeErr)
			}
			t.Skipf("cannot make a blackhole on loopback: %v", holeErr)
		}
		r := lbtest.Get(t, p.URL("fe_hole", "/"))
		if r.Status != http.StatusServiceUnavailable || r.Body != body503 {
			t.Errorf("got %d %q, want 503 page", r.Status, r.Body)
		}
	})

	t.Run("timeout http-request is 408", func(t *testing.T) {
		t.Parallel()
		got := lbtest.Raw(t, p.Addr("fe_slow"), "GET / HTTP/1.1\r\nHost: x\r\n", 10*time.Second)
		if !strings.HasPrefix(got, "HTTP/1.1 408 Request Time-out\r\n") || !strings.HasSuffix(got, body408) {
			t.Errorf("got %q, want 408 page", got)
		}
	})

	t.Run("idle keep-alive connection closes", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe_ka"))
		if r, body := c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 200 || body != "ka" {
			t.Fatalf("got %d %q", r.StatusCode, body)
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if n, err := c.R.ReadByte(); !errors.Is(err, io.EOF) {
			t.Errorf("idle connection: read %v, %v; want EOF", n, err)
		}
	})
}

func TestTCPTimeoutClient(t *testing.T) {
	t.Parallel()
	be := lbtest.NewTCPBackend(t, "echo")
	p := lbtest.Start(t, `
defaults
    mode tcp
    timeout connect 5s
    timeout client 300ms
    timeout server 30s

listen tcp
    bind ${fe}
    server echo ${echo}
`, lbtest.Vars{"echo": be.Addr})
	c := lbtest.Dial(t, p.Addr("fe"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(c)
	if line, err := br.ReadString('\n'); err != nil || line != "echo\n" {
		t.Fatalf("greeting: %q, %v", line, err)
	}
	// Idle client: hawser closes after timeout client. The backend may
	// still say goodbye on the way out.
	rest, err := io.ReadAll(br)
	if err != nil {
		t.Fatalf("read: %v (want close)", err)
	}
	if s := string(rest); s != "" && s != "bye echo\n" {
		t.Errorf("unexpected bytes %q", s)
	}
}
