//go:build linux

package l7_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/l4"
	"github.com/hawser-lb/hawser/internal/l7"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// parkProxy runs a proxy in process in front of a backend that answers
// with the request path.
type parkProxy struct {
	eng  *engine.Engine
	h    *l7.Handler
	addr string
	be   string
}

func snapshot(t *testing.T, cfg string) *config.Snapshot {
	t.Helper()
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	snap := loaded.Clone()
	// Every frontend binds a free port: the listener pool keeps a socket
	// across reloads by its address as configured.
	for _, fe := range snap.Frontends {
		for _, b := range fe.Binds {
			b.Address = "127.0.0.1:0"
		}
	}
	return snap
}

func parkConfig(be, extra string) string {
	return fmt.Sprintf(`defaults
  mode http
  timeout client 30s
  timeout server 30s
  timeout connect 5s
%s
frontend fe
  bind 127.0.0.1:1
  default_backend be
backend be
  server s1 %s
`, extra, be)
}

func startParkProxy(t *testing.T, extra string) *parkProxy {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	p := &parkProxy{be: strings.TrimPrefix(srv.URL, "http://")}
	snap := snapshot(t, parkConfig(p.be, extra))
	log := slog.New(slog.DiscardHandler)
	p.h = l7.NewHandler(log)
	p.eng = engine.New(engine.Options{HTTP: p.h, TCP: l4.NewHandler(), Log: log})
	if err := p.eng.Apply(snap); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.eng.Close()
		p.h.Close()
	})
	p.addr = p.eng.ListenerAddr(snap.Frontends[0].Binds[0]).String()
	return p
}

type client struct {
	c  net.Conn
	br *bufio.Reader
}

func (p *parkProxy) dial(t *testing.T) *client {
	t.Helper()
	c, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return &client{c: c, br: bufio.NewReader(c)}
}

func (c *client) send(t *testing.T, paths ...string) {
	t.Helper()
	var b strings.Builder
	for _, p := range paths {
		fmt.Fprintf(&b, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", p)
	}
	if _, err := io.WriteString(c.c, b.String()); err != nil {
		t.Fatal(err)
	}
}

// expect reads one response per path and checks its body and, when hdr is
// set, that it carries that header.
func (c *client) expect(t *testing.T, hdr string, paths ...string) {
	t.Helper()
	for _, p := range paths {
		resp, err := http.ReadResponse(c.br, nil)
		if err != nil {
			t.Fatalf("response to %s: %v", p, err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != p {
			t.Fatalf("response to %s: body %q", p, body)
		}
		if hdr != "" && resp.Header.Get(hdr) == "" {
			t.Fatalf("response to %s: no %s header", p, hdr)
		}
	}
}

// expectClosed waits for the proxy to close the connection.
func (c *client) expectClosed(t *testing.T) {
	t.Helper()
	if b, err := c.br.ReadByte(); err != io.EOF {
		t.Fatalf("read %q, %v; want EOF", b, err)
	}
}

func waitParked(t *testing.T, p *parkProxy, n int) {
	t.Helper()
	lbtest.WaitUntil(t, fmt.Sprintf("%d parked connections", n), 10*time.Second, func() bool { return p.h.Parked() == n })
}

// TestParkedConnections checks that keep-alive connections parked without
// a goroutine between requests (parkAfter is 20ms in these tests) are
// served again, time out, and follow soft stops and reloads.
func TestParkedConnections(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		extra string
		run   func(t *testing.T, p *parkProxy)
	}{
		{
			name: "many clients pause between requests",
			run: func(t *testing.T, p *parkProxy) {
				cs := make([]*client, 20)
				for i := range cs {
					cs[i] = p.dial(t)
				}
				for round := range 3 {
					for i, c := range cs {
						c.send(t, fmt.Sprintf("/c%d/r%d", i, round))
					}
					for i, c := range cs {
						c.expect(t, "", fmt.Sprintf("/c%d/r%d", i, round))
					}
					waitParked(t, p, len(cs))
				}
				if got := p.eng.CurConns(); got != int64(len(cs)) {
					t.Errorf("CurConns = %d, want %d", got, len(cs))
				}
			},
		},
		{
			name: "new connection parks before its first request",
			run: func(t *testing.T, p *parkProxy) {
				c := p.dial(t)
				waitParked(t, p, 1)
				c.send(t, "/first")
				c.expect(t, "", "/first")
				waitParked(t, p, 1)
				c.send(t, "/second")
				c.expect(t, "", "/second")
			},
		},
		{
			name:  "timeout http-request answers 408 to a parked new connection",
			extra: "  timeout http-request 300ms",
			run: func(t *testing.T, p *parkProxy) {
				c := p.dial(t)
				waitParked(t, p, 1)
				resp, err := http.ReadResponse(c.br, nil)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusRequestTimeout {
					t.Fatalf("status %d, want 408", resp.StatusCode)
				}
				lbtest.WaitUntil(t, "the session to end", 10*time.Second, func() bool { return p.eng.CurConns() == 0 })
			},
		},
		{
			name: "pipelined requests",
			run: func(t *testing.T, p *parkProxy) {
				c := p.dial(t)
				c.send(t, "/a", "/b")
				c.expect(t, "", "/a", "/b")
				waitParked(t, p, 1)
				c.send(t, "/c", "/d", "/e")
				c.expect(t, "", "/c", "/d", "/e")
			},
		},
		{
			name: "client closes while parked",
			run: func(t *testing.T, p *parkProxy) {
				c := p.dial(t)
				c.send(t, "/a")
				c.expect(t, "", "/a")
				waitParked(t, p, 1)
				c.c.Close()
				waitParked(t, p, 0)
				lbtest.WaitUntil(t, "the session to end", 10*time.Second, func() bool { return p.eng.CurConns() == 0 })
			},
		},
		{
			name:  "keep-alive timeout closes a parked connection",
			extra: "  timeout http-keep-alive 300ms",
			run: func(t *testing.T, p *parkProxy) {
				c := p.dial(t)
				c.send(t, "/a")
				c.expect(t, "", "/a")
				waitParked(t, p, 1)
				c.expectClosed(t)
				lbtest.WaitUntil(t, "the session to end", 10*time.Second, func() bool { return p.eng.CurConns() == 0 })
			},
		},
		{
			name: "soft stop closes parked connections",
			run: func(t *testing.T, p *parkProxy) {
				c1, c2 := p.dial(t), p.dial(t)
				for _, c := range []*client{c1, c2} {
					c.send(t, "/a")
					c.expect(t, "", "/a")
				}
				waitParked(t, p, 2)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if err := p.eng.SoftStop(ctx); err != nil {
					t.Fatalf("SoftStop: %v", err)
				}
				c1.expectClosed(t)
				c2.expectClosed(t)
			},
		},
		{
			name: "reload moves parked connections to the new configuration",
			run: func(t *testing.T, p *parkProxy) {
				c := p.dial(t)
				c.send(t, "/a")
				c.expect(t, "", "/a")
				waitParked(t, p, 1)
				snap := snapshot(t, parkConfig(p.be, "")+"  http-response set-header X-Gen two\n")
				if err := p.eng.Apply(snap); err != nil {
					t.Fatal(err)
				}
				c.send(t, "/b")
				c.expect(t, "X-Gen", "/b")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.run(t, startParkProxy(t, tt.extra))
		})
	}
}
