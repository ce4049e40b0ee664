package e2e

import (
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// exitWait bounds how long hawser may take to exit after a stop signal.
const exitWait = 15 * time.Second

func TestCheckMode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cfg   string
		code  int
		wants []string
	}{
		{
			name: "valid",
			cfg:  httpDefaults + "\nfrontend fe\n    bind 127.0.0.1:1\n    default_backend app\nbackend app\n    server s1 127.0.0.1:2\n",
			code: 0, wants: []string{"Configuration file is valid"},
		},
		{
			name: "several errors at once",
			cfg: `defaults
    mode http

frontend fe
    bind 127.0.0.1:1
    bogus_keyword 1
    default_backend nope

backend app
    balance notanalgo
    server s1 127.0.0.1:80 chek
`,
			code: 1,
			wants: []string{
				"[ALERT] FILE:6 : ",
				"[ALERT] FILE:7 : ",
				"[ALERT] FILE:10 : ",
				"[ALERT] FILE:11 : ",
			},
		},
		{
			// Found when the engine compiles, after the config loaded:
			// still every one, each with its line.
			name: "several compile errors",
			cfg: `defaults
    mode http

frontend fe
    bind 127.0.0.1:1
    log stdout format raw local0
    log-format "%[src,nosuchconv]"
    default_backend app

backend app
    use-server s9 if TRUE
    server s1 127.0.0.1:2
`,
			code: 1,
			wants: []string{
				`[ALERT] FILE:11 : backend "app": use-server: no such server "s9"`,
				`[ALERT] FILE:4 : frontend "fe": log-format`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, out := lbtest.Check(t, tc.cfg)
			if code != tc.code {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.code, out)
			}
			for _, w := range tc.wants {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

func TestReloadAppliesChanges(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "old", "new")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app
backend app
    server old ${old}
`, vars)
	if got := get(t, p.URL("fe", "/")); got != "old" {
		t.Fatalf("before reload: %q", got)
	}
	oldAddr := p.Addr("fe")
	kept := lbtest.DialConn(t, oldAddr)
	if r, body := kept.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 200 || body != "old" {
		t.Fatalf("keep-alive before reload: %d %q", r.StatusCode, body)
	}

	applied := p.ReloadWith(t, httpDefaults+`
frontend fe
    bind ${fe2}
    default_backend app
backend app
    server new ${new}
`, nil)
	if !applied {
		t.Fatalf("reload rejected:\n%s", p.Log())
	}
	for range 4 {
		if got := get(t, p.URL("fe2", "/")); got != "new" {
			t.Fatalf("after reload: served by %q, want the added server", got)
		}
	}
	// The idle keep-alive connection of the old configuration is closed,
	// so that its client reconnects to the new one.
	readEOF(t, kept)
	lbtest.WaitUntil(t, "old bind to close", 10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", oldAddr, time.Second)
		if err == nil {
			c.Close()
		}
		return err != nil
	})
}

func TestReloadRejectsBadConfig(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	cfg := httpDefaults + `
frontend fe
    bind ${fe}
    default_backend app
backend app
    server app ${app}
`
	p := lbtest.Start(t, cfg, vars)
	if p.ReloadWith(t, cfg+"\n    no_such_keyword here\n", nil) {
		t.Fatal("a broken config was applied")
	}
	if !strings.Contains(p.Log(), "[ALERT]") {
		t.Errorf("no alert logged:\n%s", p.Log())
	}
	if got := get(t, p.URL("fe", "/")); got != "app" {
		t.Errorf("after rejected reload: %q", got)
	}
}

func TestReloadUnderLoad(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "a", "b", "c")
	cfgs := []string{
		httpDefaults + `
frontend fe
    bind ${fe}
    default_backend app
backend app
    server a ${a}
    server b ${b}
`,
		httpDefaults + `
frontend fe
    bind ${fe}
    default_backend app
backend app
    balance leastconn
    server b ${b}
    server c ${c} weight 2
`,
	}
	p := lbtest.Start(t, cfgs[0], vars)

	const (
		clients   = 4
		perClient = 500
		reloads   = 20
	)
	var done atomic.Int64
	var failed atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Half the clients keep connections alive across reloads.
			c := lbtest.NewClient(i%2 == 0)
			for range perClient {
				r, err := lbtest.DoErr(c, http.MethodGet, p.URL("fe", "/"))
				if err != nil || r.Status != http.StatusOK {
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("status %d err %v body %q", r.Status, err, r.Body))
				}
				done.Add(1)
			}
		}()
	}
	for i := range reloads {
		// Spread the reloads over the run.
		lbtest.WaitUntil(t, "requests to progress", 60*time.Second, func() bool {
			return done.Load() >= int64(i*clients*perClient/(reloads+1))
		})
		if !p.ReloadWith(t, cfgs[(i+1)%2], nil) {
			t.Fatalf("reload %d rejected:\n%s", i, p.Log())
		}
	}
	wg.Wait()
	if n := failed.Load(); n > 0 {
		t.Errorf("%d of %d requests failed across %d reloads; first: %v", n, clients*perClient, reloads, firstErr.Load())
	}
}

func TestSoftStopFinishesInFlight(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "slow")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app
backend app
    server slow ${slow}
`, vars)
	b := bs["slow"]
	b.Hold()
	var wg sync.WaitGroup
	defer wg.Wait()
	ch := fire(p.URL("fe", "/"), &wg)
	b.WaitEntered(t, 1, 10*time.Second)
	p.SoftStop(t)
	p.WaitLog(t, "soft stop", 10*time.Second)
	if p.Exited() {
		t.Fatal("exited with a request in flight")
	}
	b.Release()
	if r := recv(t, ch); r.Status != http.StatusOK || r.Body != "slow" {
		t.Errorf("in-flight request: %d %q", r.Status, r.Body)
	}
	if code := p.Wait(t, exitWait); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

func TestSIGTERMExits(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app
backend app
    server app ${app}
`, vars)
	p.Signal(t, syscall.SIGTERM)
	if code := p.Wait(t, exitWait); code != 0 {
		t.Errorf("exit code %d, want 0", code)
	}
}

// A keep-alive connection open across a reload is not closed: its next
// request is served by the new configuration.
func TestReloadMovesKeepAliveConnections(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "old", "new")
	cfg := func(server string) string {
		return httpDefaults + `
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s ${` + server + `}
`
	}
	p := lbtest.Start(t, cfg("old"), vars)
	kept := lbtest.DialConn(t, p.Addr("fe"))
	if r, body := kept.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 200 || body != "old" {
		t.Fatalf("before reload: %d %q", r.StatusCode, body)
	}
	if !p.ReloadWith(t, cfg("new"), vars) {
		t.Fatalf("reload rejected:\n%s", p.Log())
	}
	for i := range 3 {
		r, body := kept.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		if r.StatusCode != 200 || body != "new" {
			t.Fatalf("request %d after reload on the same connection: %d %q, want the new server", i, r.StatusCode, body)
		}
	}
}
