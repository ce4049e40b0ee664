package e2e

import (
	"net/http"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestRouting(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "api", "host", "post", "either", "negated", "def")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    acl is_api path_beg /api
    acl host_b hdr(host) -i b.example
    acl is_post method POST
    use_backend bk_api if is_api
    use_backend bk_host if host_b
    use_backend bk_post if is_post
    use_backend bk_either if { path_beg /x } || { path_beg /y }
    use_backend bk_negated if !{ path_beg /keep } { hdr(x-route) neg }
    default_backend bk_def

frontend nobackend
    bind ${nobe}
    use_backend bk_api if { path_beg /api }

backend bk_api
    server s ${api}
backend bk_host
    server s ${host}
backend bk_post
    server s ${post}
backend bk_either
    server s ${either}
backend bk_negated
    server s ${negated}
backend bk_def
    server s ${def}
`, vars)

	tests := []struct {
		name    string
		method  string
		path    string
		headers []string
		want    string
	}{
		{name: "path_beg", method: "GET", path: "/api/v1", want: "api"},
		{name: "path_beg wins over host", method: "GET", path: "/api", headers: []string{"Host: b.example"}, want: "api"},
		{name: "hdr host case-insensitive", method: "GET", path: "/", headers: []string{"Host: B.Example"}, want: "host"},
		{name: "method", method: "POST", path: "/form", want: "post"},
		{name: "or first", method: "GET", path: "/x1", want: "either"},
		{name: "or second", method: "GET", path: "/y1", want: "either"},
		{name: "negation and header", method: "GET", path: "/other", headers: []string{"X-Route: neg"}, want: "negated"},
		{name: "negation blocks", method: "GET", path: "/keep", headers: []string{"X-Route: neg"}, want: "def"},
		{name: "default", method: "GET", path: "/", want: "def"},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := lbtest.DoProto(t, proto, tc.method, p.URL("fe", tc.path), tc.headers...)
				if r.Status != http.StatusOK || r.Body != tc.want {
					t.Errorf("got %d %q, want 200 %q", r.Status, r.Body, tc.want)
				}
			})
		}
	}

	t.Run("no backend is 503", func(t *testing.T) {
		t.Parallel()
		r := lbtest.Get(t, p.URL("nobe", "/nothing"))
		if r.Status != http.StatusServiceUnavailable || r.Body != body503 {
			t.Errorf("got %d %q, want 503 with HAProxy's page", r.Status, r.Body)
		}
		if r.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("cache-control = %q, want no-cache", r.Header.Get("Cache-Control"))
		}
	})
}
