package e2e

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// readEOF reads from c until the peer closes and fails if it does not.
func readEOF(t *testing.T, c *lbtest.Conn) {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	rest, err := io.ReadAll(c.R)
	if err != nil || len(rest) > 0 {
		t.Errorf("want close, got %q, %v", rest, err)
	}
}

func TestConnectionModes(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "ka", "sclose", "close")
	p := lbtest.Start(t, httpDefaults+`
frontend fe_ka
    bind ${fe_ka}
    default_backend ka
frontend fe_sclose
    bind ${fe_sclose}
    default_backend sclose
frontend fe_close
    bind ${fe_close}
    option httpclose
    default_backend close

backend ka
    server ka ${ka}
backend sclose
    option http-server-close
    server sclose ${sclose}
backend close
    server close ${close}
`, vars)
	const n = 10
	const req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"

	t.Run("keep-alive reuses one server connection", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe_ka"))
		for i := range n {
			r, body := c.RoundTrip(t, "GET", req)
			if r.StatusCode != 200 || body != "ka" || r.Close {
				t.Fatalf("request %d: %d %q close=%v", i, r.StatusCode, body, r.Close)
			}
		}
		if got := bs["ka"].Conns.Load(); got != 1 {
			t.Errorf("backend accepted %d connections for %d requests, want 1", got, n)
		}
		if got := bs["ka"].Requests.Load(); got != n {
			t.Errorf("backend saw %d requests, want %d", got, n)
		}
	})

	t.Run("http-server-close", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe_sclose"))
		for i := range n {
			r, body := c.RoundTrip(t, "GET", req)
			if r.StatusCode != 200 || body != "sclose" || r.Close {
				t.Fatalf("request %d: %d %q close=%v", i, r.StatusCode, body, r.Close)
			}
			if last, _ := bs["sclose"].LastRequest(); !last.Close {
				t.Errorf("request %d: server side was not told connection: close", i)
			}
		}
		if got := bs["sclose"].Conns.Load(); got != n {
			t.Errorf("backend accepted %d connections for %d requests, want %d", got, n, n)
		}
	})

	t.Run("httpclose", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe_close"))
		r, body := c.RoundTrip(t, "GET", req)
		if r.StatusCode != 200 || body != "close" {
			t.Fatalf("got %d %q", r.StatusCode, body)
		}
		if !r.Close {
			t.Errorf("response lacks connection: close")
		}
		if last, _ := bs["close"].LastRequest(); !last.Close {
			t.Errorf("server side was not told connection: close")
		}
		readEOF(t, c)
	})
}

func TestWebSocketUpgrade(t *testing.T) {
	t.Parallel()
	addr, heads := lbtest.NewUpgradeBackend(t)
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend ws

backend ws
    timeout tunnel 300ms
    server ws ${ws}
`, lbtest.Vars{"ws": addr})
	c := lbtest.DialConn(t, p.Addr("fe"))
	r, _ := c.RoundTrip(t, "GET", "GET /chat HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
	if r.StatusCode != http.StatusSwitchingProtocols || !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		t.Fatalf("got %d upgrade=%q, want 101 websocket", r.StatusCode, r.Header.Get("Upgrade"))
	}
	select {
	case h := <-heads:
		if !strings.Contains(h, "Sec-Websocket-Key: dGhlIHNhbXBsZSBub25jZQ==") || !strings.Contains(h, "Upgrade: websocket") {
			t.Errorf("server got head %q", h)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server saw no request")
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if line, err := c.R.ReadString('\n'); err != nil || line != lbtest.UpgradeGreeting {
		t.Fatalf("server to client: %q, %v", line, err)
	}
	for _, msg := range []string{"ping 1\n", "ping 2\n"} {
		io.WriteString(c, msg)
		if line, err := c.R.ReadString('\n'); err != nil || line != msg {
			t.Fatalf("echo: %q, %v; want %q", line, err, msg)
		}
	}
	// Idle past timeout tunnel: hawser closes the tunnel.
	readEOF(t, c)
}

func TestModeTCP(t *testing.T) {
	t.Parallel()
	a, b := lbtest.NewTCPBackend(t, "a"), lbtest.NewTCPBackend(t, "b")
	p := lbtest.Start(t, `
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    default_backend echo

backend echo
    balance roundrobin
    server a ${a}
    server b ${b}
`, lbtest.Vars{"a": a.Addr, "b": b.Addr})

	// Start's readiness probe was a connection too, relayed to a server:
	// wait for it so that it does not interleave with the test's.
	lbtest.WaitUntil(t, "the probe connection to reach a server", 10*time.Second, func() bool {
		return a.Conns.Load()+b.Conns.Load() == 1
	})
	seen := map[string]int{}
	for i := range 4 {
		c := lbtest.Dial(t, p.Addr("fe"))
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		greet, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("conn %d greeting: %v", i, err)
		}
		name := strings.TrimSuffix(greet, "\n")
		seen[name]++
		payload := strings.Repeat("x", 100000) + "\n"
		go io.WriteString(c, payload)
		if got, err := br.ReadString('\n'); err != nil || got != payload {
			t.Fatalf("conn %d echo: %d bytes, %v", i, len(got), err)
		}
		// Half-close: the server still answers after our FIN.
		if err := c.CloseWrite(); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(br)
		if err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("conn %d: %v", i, err)
		}
		if string(rest) != "bye "+name+"\n" {
			t.Errorf("conn %d after half-close: %q", i, rest)
		}
	}
	if seen["a"] != 2 || seen["b"] != 2 {
		t.Errorf("connections per server %v, want 2 and 2", seen)
	}
}
