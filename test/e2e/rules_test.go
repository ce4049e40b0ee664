package e2e

import (
	"net/http"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestHTTPRequestRules(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    option forwardfor
    http-request return status 200 content-type text/plain string "pong" if { path /ping }
    http-request deny if { path_beg /admin }
    http-request deny deny_status 429 if { path_beg /limited }
    http-request redirect location /new code 301 if { path /old }
    http-request redirect prefix /v2 drop-query if { path_beg /v1 }
    http-request redirect prefix /keep if { path_beg /kq }
    http-request redirect scheme https code 308 if { path_beg /secure }
    http-request set-header X-Set set-value
    http-request add-header X-Added one
    http-request add-header X-Added two
    http-request del-header X-Secret
    default_backend app

backend app
    server app ${app}
`, vars)

	tests := []struct {
		name     string
		path     string
		headers  []string
		status   int
		body     string
		location string
	}{
		{name: "return", path: "/ping", status: 200, body: "pong"},
		{name: "deny", path: "/admin/x", status: 403, body: body403},
		{name: "deny_status", path: "/limited", status: 429},
		{name: "redirect location", path: "/old", status: 301, location: "/new"},
		{name: "redirect prefix drop-query", path: "/v1/items?id=3", status: 302, location: "/v2/v1/items"},
		{name: "redirect prefix keeps query", path: "/kq/a?b=c", status: 302, location: "/keep/kq/a?b=c"},
		{name: "redirect scheme", path: "/secure/x?y=1", headers: []string{"Host: shop.example"}, status: 308,
			location: "https://shop.example/secure/x?y=1"},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := lbtest.GetProto(t, proto, p.URL("fe", tc.path), tc.headers...)
				if r.Status != tc.status {
					t.Errorf("status %d, want %d (body %q)", r.Status, tc.status, r.Body)
				}
				if tc.body != "" && r.Body != tc.body {
					t.Errorf("body %q, want %q", r.Body, tc.body)
				}
				if got := r.Header.Get("Location"); got != tc.location {
					t.Errorf("location %q, want %q", got, tc.location)
				}
			})
		}
	}

	t.Run("headers reach the server", func(t *testing.T) {
		t.Parallel()
		r := lbtest.Get(t, p.URL("fe", "/hdrs"), "X-Set: client-value", "X-Secret: s3cret", "X-Added: zero")
		if r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		req, _ := bs["app"].LastRequest()
		checks := []struct{ name, got, want string }{
			{"X-Set", req.Header.Get("X-Set"), "set-value"},
			{"X-Secret", req.Header.Get("X-Secret"), ""},
			{"X-Forwarded-For", req.Header.Get("X-Forwarded-For"), "127.0.0.1"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
			}
		}
		if got := req.Header.Values("X-Added"); len(got) != 3 || got[0] != "zero" || got[1] != "one" || got[2] != "two" {
			t.Errorf("X-Added = %q, want [zero one two]", got)
		}
		if got := len(req.Header.Values("X-Set")); got != 1 {
			t.Errorf("%d X-Set headers, want 1", got)
		}
	})
}
