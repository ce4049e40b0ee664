package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// goldenCfg runs under both HAProxy and hawser, with a runtime API socket.
const goldenCfg = `
global
    stats socket ${sock} mode 600 level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s1 ${s1}
    server s2 ${s2} weight 50
`

// TestRuntimeAPIGolden compares hawser's runtime API with Debian's
// HAProxy for the same configuration: headers, column counts, field names
// and error messages, which tools parse.
func TestRuntimeAPIGolden(t *testing.T) {
	t.Parallel()
	haproxy := lbtest.NeedTool(t, "haproxy")
	s1, s2 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2")

	// HAProxy, in the foreground, on its own addresses.
	dir := t.TempDir()
	hsock := filepath.Join(dir, "haproxy.sock")
	hcfg := strings.NewReplacer("${sock}", hsock, "${fe}", lbtest.FreeAddr(t), "${s1}", s1.Addr, "${s2}", s2.Addr).Replace(goldenCfg)
	cfgPath := filepath.Join(dir, "haproxy.cfg")
	if err := os.WriteFile(cfgPath, []byte(hcfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(haproxy, "-db", "-f", cfgPath)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lbtest.WaitUntil(t, "haproxy's socket", 20e9, func() bool {
		_, err := os.Stat(hsock)
		return err == nil
	})

	wsock := filepath.Join(t.TempDir(), "hawser.sock")
	lbtest.Start(t, goldenCfg, lbtest.Vars{"sock": wsock, "s1": s1.Addr, "s2": s2.Addr})
	lbtest.WaitUntil(t, "hawser's socket", 20e9, func() bool {
		_, err := os.Stat(wsock)
		return err == nil
	})
	ask := func(sock, c string) string { return cli(t, "unix", sock, c) }

	t.Run("show stat header and columns", func(t *testing.T) {
		h := strings.Split(ask(hsock, "show stat"), "\n")
		w := strings.Split(ask(wsock, "show stat"), "\n")
		// hawser stops at HAProxy 3.x's last static column; HAProxy 2.6
		// then lists its module columns (ssl_*, h2_*, h1_*). The shared
		// prefix must be identical.
		hcols, wcols := strings.Split(h[0], ","), strings.Split(w[0], ",")
		for i := 0; i < 100 && i < len(hcols); i++ {
			if hcols[i] != wcols[i] {
				t.Errorf("column %d: haproxy %q, hawser %q", i, hcols[i], wcols[i])
			}
		}
		for _, line := range w[1:] {
			if line != "" && strings.Count(line, ",") != len(wcols)-1 {
				t.Errorf("row with %d commas, header has %d columns: %q", strings.Count(line, ","), len(wcols), line)
			}
		}
		if !strings.HasPrefix(w[1], "fe,FRONTEND,") || !strings.HasPrefix(w[2], "app,s1,") || !strings.HasPrefix(w[4], "app,BACKEND,") {
			t.Errorf("row order:\n%s", strings.Join(w, "\n"))
		}
	})
	t.Run("show servers state", func(t *testing.T) {
		h := strings.Split(ask(hsock, "show servers state"), "\n")
		w := strings.Split(ask(wsock, "show servers state"), "\n")
		if h[0] != w[0] || h[1] != w[1] {
			t.Errorf("header: haproxy %q %q, hawser %q %q", h[0], h[1], w[0], w[1])
		}
		hf, wf := strings.Fields(h[2]), strings.Fields(w[2])
		if len(hf) != len(wf) {
			t.Fatalf("haproxy %q, hawser %q", h[2], w[2])
		}
		// Same server, same state: everything but the ids and the time
		// since the last change agrees.
		for i := range hf {
			if i == 0 || i == 9 {
				continue
			}
			if hf[i] != wf[i] {
				t.Errorf("field %d: haproxy %q, hawser %q", i, hf[i], wf[i])
			}
		}
	})
	t.Run("show info field names", func(t *testing.T) {
		names := func(s string) []string {
			var out []string
			for _, l := range strings.Split(s, "\n") {
				if name, _, ok := strings.Cut(l, ":"); ok && !strings.HasPrefix(l, "Release") {
					out = append(out, name)
				}
			}
			return out
		}
		h, w := names(ask(hsock, "show info")), names(ask(wsock, "show info"))
		// 2.6 misspells TotalSplicedBytesOut; hawser uses the fixed name
		// of later versions.
		for i := range h {
			if h[i] == "TotalSplicdedBytesOut" {
				h[i] = "TotalSplicedBytesOut"
			}
		}
		if strings.Join(h, ",") != strings.Join(w, ",") {
			t.Errorf("show info fields:\nhaproxy %q\nhawser  %q", h, w)
		}
	})
	t.Run("messages", func(t *testing.T) {
		for _, c := range []string{
			"set server app/s1 state foo",
			"set server app/zz state maint",
			"set server nope/zz state maint",
			"set server app",
			"set server app/s1",
			"set server app/s1 health foo",
			"get weight app/s2",
			"set weight app/s1 300",
			"enable health app/s1",
			"show servers state nope",
			"show stat nope 4 -1",
			"show backend",
			"set server app/s1 addr",
			"set server app/s1 addr foo",
			"set severity-output",
			"user; set server app/s1 state maint",
			"del server app/s1",
			"del server app/zz",
			"add server app/s1 127.0.0.1:1",
			"add server app/s9",
			"add server nope/s9 127.0.0.1:1",
			"enable agent app/s1",
			"disable agent app/s1",
			"set server app/s1 agent up",
			"set server app/s1 check-port 0",
			"set server app/s1 check-port foo",
			"set maxconn server app/s1",
			"set maxconn server app/zz 5",
			"set maxconn frontend nope 5",
			"set maxconn frontend fe",
			"disable frontend nope",
			"enable frontend fe",
			"show table nope",
			"clear table nope",
			"set table nope key 1",
			"show map",
			"show map nope",
			"get map nope x",
			"add map nope x y",
			"shutdown session",
			"shutdown session 0",
			"shutdown sessions server app/zz",
			"show ssl cert nope",
			"set ssl cert nope",
			"commit ssl cert",
			"abort ssl cert nope",
			"del ssl cert nope",
			"show ssl crt-list nope",
			"set rate-limit connections global",
			"set weight app/s1",
			"get weight app/zz",
			"clear counters foo",
			"enable server app/zz",
			"disable health nope/s1",
		} {
			if h, w := ask(hsock, c), ask(wsock, c); h != w {
				t.Errorf("%s:\nhaproxy %q\nhawser  %q", c, h, w)
			}
		}
	})
}
