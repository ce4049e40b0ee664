package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// errorPage writes a complete HTTP response to a file for errorfile.
func errorPage(t *testing.T, status int, reason, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), fmt.Sprintf("%d.http", status))
	resp := fmt.Sprintf("HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, reason, len(body), body)
	if err := os.WriteFile(p, []byte(resp), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// Error pages imported from an http-errors section with errorfiles
// replace the proxy's own, "monitor fail" turns the monitor-uri answer
// into that 503 page, and errorloc303 answers a redirect instead of a
// page.
func TestErrorfilesAndMonitorFail(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "app")
		vars["p503"] = errorPage(t, 503, "Service Unavailable", "site is down\n")
		vars["p403"] = errorPage(t, 403, "Forbidden", "go away\n")
		p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

http-errors site
    errorfile 503 ${p503}
    errorfile 403 ${p403}

frontend fe
    bind ${fe}
    errorfiles site
    monitor-uri /monitor
    acl maint req.hdr(x-maint) -m found
    monitor fail if maint
    http-request deny if { path /deny }
    default_backend app

frontend redir
    bind ${redir}
    errorfiles site 503
    errorloc303 403 /denied.html
    http-request deny if { path /deny }
    default_backend app

backend app
    server s1 ${app}
`, vars)
		tests := []struct {
			name     string
			url      string
			headers  []string
			status   int
			body     string
			location string
		}{
			{name: "monitor up", url: p.URL("fe", "/monitor"), status: 200, body: "<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n"},
			{name: "monitor fail", url: p.URL("fe", "/monitor"), headers: []string{"X-Maint: 1"}, status: 503, body: "site is down\n"},
			{name: "imported 403 page", url: p.URL("fe", "/deny"), status: 403, body: "go away\n"},
			{name: "errorloc303 redirect", url: p.URL("redir", "/deny"), status: 303, location: "/denied.html"},
			{name: "proxied", url: p.URL("redir", "/x"), status: 200, body: "app"},
		}
		for _, tc := range tests {
			r := lbtest.GetProto(t, proto, tc.url, tc.headers...)
			if r.Status != tc.status || (tc.body != "" && r.Body != tc.body) {
				t.Errorf("%s: %d %q, want %d %q", tc.name, r.Status, r.Body, tc.status, tc.body)
			}
			if loc := r.Header.Get("Location"); loc != tc.location {
				t.Errorf("%s: Location %q, want %q", tc.name, loc, tc.location)
			}
		}
		if n := bs["app"].Requests.Load(); n != 1 {
			t.Errorf("server saw %d requests, want only the proxied one", n)
		}
	})
}

// TestErrorfilePrecedence checks what HAProxy 2.6 does (verified against
// it): errorfile and errorfiles lines apply in declaration order, the
// last one for a status wins, and a frontend's page is used when the
// backend has none for that status.
func TestErrorfilePrecedence(t *testing.T) {
	t.Parallel()
	vars := lbtest.Vars{
		"pa": errorPage(t, 503, "Service Unavailable", "A"),
		"pb": errorPage(t, 503, "Service Unavailable", "B"),
	}
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s

http-errors grp
    errorfile 503 ${pb}

frontend group_last
    bind ${group_last}
    errorfile 503 ${pa}
    errorfiles grp
    default_backend down

frontend file_last
    bind ${file_last}
    errorfiles grp
    errorfile 503 ${pa}
    default_backend down

backend down
    server s1 127.0.0.1:9 disabled
`, vars)
	tests := []struct{ name, fe, want string }{
		{name: "errorfiles after errorfile", fe: "group_last", want: "B"},
		{name: "errorfile after errorfiles", fe: "file_last", want: "A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := lbtest.Get(t, p.URL(tc.fe, "/"))
			if r.Status != 503 || r.Body != tc.want {
				t.Errorf("got %d %q, want 503 %q", r.Status, r.Body, tc.want)
			}
		})
	}
}
