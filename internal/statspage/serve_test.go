package statspage

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/server"
)

// running returns the generation of an engine running cfg, its frontend
// listening on a unix socket (${sock}) nobody connects to.
func running(t *testing.T, cfg string) *engine.Generation {
	t.Helper()
	cfg = strings.ReplaceAll(cfg, "${sock}", filepath.Join(t.TempDir(), "fe.sock"))
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(engine.Options{})
	t.Cleanup(e.Close)
	if err := e.Apply(snap); err != nil {
		t.Fatal(err)
	}
	return e.Active()
}

const pageCfg = `
global
    node gnode
    description global description
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend www
    bind ${sock}
    stats uri /st
    stats refresh 7s
    stats show-legends
    stats show-node
    stats show-desc
    stats admin if TRUE
    default_backend app
backend app
    server a1 127.0.0.1:1 weight 10
    server a2 127.0.0.1:2 disabled
    server b1 127.0.0.1:3 backup
backend other
    server o1 127.0.0.1:4
`

func serve(t *testing.T, gen *engine.Generation, fe string, method, uri, body string, admin bool) (string, int) {
	t.Helper()
	var page *engine.StatsPage
	for _, f := range gen.Frontends {
		if f.Cfg.Name == fe {
			page = f.Stats
		}
	}
	if page == nil {
		t.Fatalf("frontend %s has no stats page", fe)
	}
	resp, status := Serve(&Request{Gen: gen, Page: page, Version: "9.9", Method: []byte(method), URI: []byte(uri), Body: []byte(body), Admin: admin})
	return string(resp), status
}

func TestHTML(t *testing.T) {
	t.Parallel()
	gen := running(t, pageCfg)
	resp, status := serve(t, gen, "www", "GET", "/st", "", true)
	head, body, _ := strings.Cut(resp, "\r\n\r\n")
	if status != 200 || !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") ||
		!strings.Contains(head, "\r\ncache-control: no-cache\r\n") || !strings.Contains(head, "content-type: text/html") {
		t.Fatalf("head:\n%s", head)
	}
	rows := map[string]string{}
	for _, m := range regexp.MustCompile(`<tr class="([^"]+)" id="([^"]+)">`).FindAllStringSubmatch(body, -1) {
		rows[m[2]] = m[1]
	}
	want := map[string]string{
		"www/FRONTEND": "frontend", "app/a1": "active-nocheck", "app/a2": "maint", "app/b1": "backup-nocheck",
		"app/BACKEND": "backend", "other/o1": "active-nocheck", "other/BACKEND": "backend",
	}
	for id, cls := range want {
		if rows[id] != cls {
			t.Errorf("row %s: class %q, want %q", id, rows[id], cls)
		}
	}
	for _, s := range []string{"hawser 9.9", "on gnode", "global description", `class="legend"`, `name="action"`,
		`<input type="hidden" name="b" value="app">`, `href="/st;csv"`, `href="/st;json"`, `href="/st;norefresh"`, "2/3 servers up",
		`<noscript><meta http-equiv="refresh" content="7"></noscript>`, `* 1000, url = "/st";`} {
		if !strings.Contains(body, s) {
			t.Errorf("page lacks %q", s)
		}
	}
	if !regexp.MustCompile(`every = \s*7\s*\*`).MatchString(body) {
		t.Errorf("refresh script lacks the 7s delay")
	}
	// Without admin rights there is no form; ;up hides the server in
	// maintenance; ;norefresh drops the refresh header.
	resp, _ = serve(t, gen, "www", "GET", "/st;up;norefresh", "", false)
	if strings.Contains(resp, `name="action"`) || strings.Contains(resp, `id="app/a2"`) || strings.Contains(resp, `http-equiv="refresh"`) || strings.Contains(resp, "<script>") {
		t.Errorf(";up;norefresh without admin:\n%s", resp)
	}
	if resp, _ := serve(t, gen, "www", "HEAD", "/st", "", false); !strings.HasSuffix(resp, "\r\n\r\n") {
		t.Errorf("HEAD has a body:\n%s", resp)
	}
}

func TestHideVersionAndScope(t *testing.T) {
	t.Parallel()
	gen := running(t, strings.Replace(pageCfg, "stats show-legends", "stats hide-version\n    stats scope other", 1))
	resp, _ := serve(t, gen, "www", "GET", "/st", "", false)
	if strings.Contains(resp, "9.9") || strings.Contains(resp, `id="app/`) || !strings.Contains(resp, `id="other/o1"`) || strings.Contains(resp, `class="legend"`) {
		t.Errorf("hide-version, scope other:\n%s", resp)
	}
	resp, _ = serve(t, gen, "www", "GET", "/st;csv", "", false)
	if strings.Contains(resp, "\napp,") || !strings.Contains(resp, "\nother,o1,") {
		t.Errorf("scoped CSV:\n%s", resp)
	}
}

func TestAdminActions(t *testing.T) {
	t.Parallel()
	gen := running(t, strings.Replace(pageCfg, "server a1 127.0.0.1:1 weight 10", "server a1 127.0.0.1:1 weight 10 check inter 1h", 1))
	st := func(b, s string) *server.State {
		for _, sv := range gen.Backends[b].Pool.Servers() {
			if sv.Name == s {
				return sv.State
			}
		}
		t.Fatalf("no server %s/%s", b, s)
		return nil
	}
	tests := []struct {
		name, body, want string
		admin            bool
		check            func() bool
	}{
		{name: "drain", body: "s=a1&action=drain&b=app", want: "DONE", admin: true, check: func() bool { return st("app", "a1").Admin() == server.AdminDrain }},
		{name: "maint two", body: "s=o1&action=maint&b=other", want: "DONE", admin: true, check: func() bool { return st("other", "o1").Admin() == server.AdminMaint }},
		{name: "disable checks", body: "s=a1&action=dhlth&b=app", want: "DONE", admin: true, check: func() bool { return !st("app", "a1").ChecksEnabled() }},
		{name: "page shows checks off", body: "action=drain&b=app", want: "NONE", admin: true, check: func() bool {
			page, _ := serve(t, gen, "www", "GET", "/st", "", false)
			return strings.Contains(page, ">checks off")
		}},
		{name: "force down", body: "s=a1&action=hdown&b=app", want: "DONE", admin: true, check: func() bool { return !st("app", "a1").Up() }},
		{name: "checks on a server without", body: "s=b1&action=dhlth&b=app", want: "ERRP", admin: true, check: func() bool { return st("app", "b1").ChecksEnabled() }},
		{name: "unknown backend", body: "s=a1&action=drain&b=nosuch", want: "ERRP", admin: true, check: func() bool { return true }},
		{name: "no server", body: "action=drain&b=app", want: "NONE", admin: true, check: func() bool { return true }},
		{name: "agent actions without agent", body: "s=a1&action=dagent&b=app", want: "ERRP", admin: true, check: func() bool { return true }},
		{name: "kill sessions", body: "s=a1&s=b1&action=shutdown&b=app", want: "DONE", admin: true, check: func() bool { return true }},
		{name: "denied", body: "s=a2&action=ready&b=app", want: "DENY", admin: false, check: func() bool { return st("app", "a2").Admin() == server.AdminMaint }},
	}
	for _, tc := range tests {
		// Sequential: the cases act on the same servers.
		resp, status := serve(t, gen, "www", "POST", "/st;up", tc.body, tc.admin)
		if status != 303 || !strings.Contains(resp, "\r\nlocation: /st;up;st="+tc.want+"\r\n") {
			t.Errorf("%s: %d\n%s", tc.name, status, resp)
		}
		if !tc.check() {
			t.Errorf("%s: state not as expected", tc.name)
		}
	}
}

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		d    time.Duration
		h, u string
	}{
		{0, "0s", "0d 0h00m00s"},
		{59 * time.Second, "59s", "0d 0h00m59s"},
		{3*time.Minute + 2*time.Second, "3m02s", "0d 0h03m02s"},
		{2*time.Hour + 5*time.Minute, "2h05m", "0d 2h05m00s"},
		{50 * time.Hour, "2d2h", "2d 2h00m00s"},
	}
	for _, tc := range tests {
		if got := human(tc.d); got != tc.h {
			t.Errorf("human(%v) = %q, want %q", tc.d, got, tc.h)
		}
		if got := uptime(tc.d); got != tc.u {
			t.Errorf("uptime(%v) = %q, want %q", tc.d, got, tc.u)
		}
	}
	if o := parseOptions([]byte(";typed")); o.format != "typed" {
		t.Errorf("parseOptions(;typed): %+v", o)
	}
	o := parseOptions([]byte(";up;norefresh;csv;st=PART"))
	if !o.up || !o.noRefresh || o.format != "csv" || o.status != "PART" || o.suffix() != ";up;norefresh" {
		t.Errorf("parseOptions: %+v", o)
	}
}
