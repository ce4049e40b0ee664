package e2e

import (
	"bytes"
	"context"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

var screenshots = flag.Bool("screenshots", false, "write the stats page screenshots to docs/ (stats-page.png, stats-page-phone.png)")

// The stats page as a browser renders it: headless Chromium loads the
// page of a real hawser whose servers are up, down, in maintenance,
// draining and backup, and the rendered DOM has one row per server with
// the colour class of its state. Screenshots at a wide-screen and a phone
// width land in a temporary directory, or in docs/ with -screenshots.
func TestStatsPageChromium(t *testing.T) {
	t.Parallel()
	chromium := lbtest.NeedTool(t, "chromium")
	_, vars := backends(t, "web1", "web2", "spare", "api1")
	vars["dead"] = lbtest.DeadAddr(t)
	p := lbtest.Start(t, lbtest.ClearOnly+`
global
    maxconn 2000

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

frontend www
    bind ${fe}
    description Public web entry point
    stats enable
    stats uri /stats
    stats show-legends
    stats show-node edge-1
    stats refresh 1s
    stats admin if TRUE
    default_backend app

backend app
    server web1 ${web1} check inter 100ms
    server web2 ${web2}
    server web3 ${dead} disabled
    server web4 ${dead} check inter 100ms fall 1
    server spare ${spare} backup

backend api
    server api1 ${api1} check inter 100ms
    server api2 ${dead}
`, vars)
	csv := func() string { return lbtest.Get(t, p.URL("fe", "/stats;csv")).Body }
	lbtest.WaitUntil(t, "web4 DOWN and web1 UP", 10*time.Second, func() bool {
		c := csv()
		return strings.Contains(c, "\napp,web4,") && regexp.MustCompile(`\napp,web4,([^,]*,){15}DOWN,`).MatchString(c) &&
			regexp.MustCompile(`\napp,web1,([^,]*,){15}UP,`).MatchString(c)
	})
	for range 4 {
		lbtest.Get(t, p.URL("fe", "/"))
	}
	if r := postForm(t, lbtest.H1, p.URL("fe", "/stats"), url.Values{"s": {"api2"}, "action": {"drain"}, "b": {"api"}}, "", ""); r.Header.Get("Location") != "/stats;st=DONE" {
		t.Fatalf("drain api2: %q", r.Header.Get("Location"))
	}

	run := func(args ...string) []byte {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
			"--user-data-dir=" + t.TempDir(), "--no-first-run", "--disable-extensions"}
		cmd := exec.CommandContext(ctx, chromium, append(base, args...)...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("chromium %v: %v\n%s", args, err, stderr.String())
		}
		return stdout.Bytes()
	}
	dom := string(run("--dump-dom", p.URL("fe", "/stats;st=DONE")))
	rows := map[string]string{}
	for _, m := range regexp.MustCompile(`<tr class="([^"]+)" id="([^"]+)">`).FindAllStringSubmatch(dom, -1) {
		rows[m[2]] = m[1]
	}
	want := map[string]string{
		"www/FRONTEND": "frontend",
		"app/web1":     "active-up",
		"app/web2":     "active-nocheck",
		"app/web3":     "maint",
		"app/web4":     "down",
		"app/spare":    "backup-nocheck",
		"app/BACKEND":  "backend",
		"api/api1":     "active-up",
		"api/api2":     "drain",
		"api/BACKEND":  "backend",
	}
	for id, class := range want {
		if rows[id] != class {
			t.Errorf("row %s: class %q, want %q", id, rows[id], class)
		}
	}
	for _, s := range []string{"Action processed successfully.", "edge-1", "Public web entry point", "MAINT (maintenance)", `name="action"`} {
		if !strings.Contains(dom, s) {
			t.Errorf("rendered page lacks %q", s)
		}
	}
	if t.Failed() {
		t.Fatalf("rendered DOM:\n%s", dom)
	}

	// "stats refresh": the page's script reloads the tables in place;
	// the reloaded ones no longer carry the result of the action.
	dom = string(run("--virtual-time-budget=4000", "--dump-dom", p.URL("fe", "/stats;st=DONE")))
	if strings.Contains(dom, "Action processed successfully.") || !strings.Contains(dom, `id="api/api2"`) {
		t.Fatalf("after the in-place refresh:\n%s", dom)
	}

	dir := t.TempDir()
	if *screenshots {
		dir = filepath.Join("..", "..", "docs")
	}
	for _, shot := range []struct{ file, size string }{
		{"stats-page.png", "1600,1000"},
		{"stats-page-phone.png", "390,844"},
	} {
		path, _ := filepath.Abs(filepath.Join(dir, shot.file))
		run("--window-size="+shot.size, "--screenshot="+path, p.URL("fe", "/stats;norefresh"))
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
			t.Fatalf("screenshot %s: %v", shot.file, err)
		}
	}
}
