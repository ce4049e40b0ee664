package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestHTTPActionsThroughProxy drives the http-request actions that edit
// the request line, the stick counters' array data and the loaded maps
// and ACL files through a real hawser, checking what the server sees.
func TestHTTPActionsThroughProxy(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	dir := t.TempDir()
	vars["map"] = filepath.Join(dir, "keys.map")
	vars["acl"] = filepath.Join(dir, "blocked.acl")
	for _, f := range []string{vars["map"], vars["acl"]} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    stick-table type ip size 1k expire 1m store gpc(2),gpt(2),http_req_cnt
    http-request track-sc2 src
    http-request sc-inc-gpc(1,2) if { path /inc }
    http-request sc-set-gpt(1,2) 42 if { path /gpt }
    http-request set-method PUT if { path /method }
    http-request replace-uri ^/old/(.*) /new/\1
    http-request set-map(${map}) %[req.hdr(x-key)] %[req.hdr(x-val)] if { path /setmap }
    http-request del-map(${map}) %[req.hdr(x-key)] if { path /delmap }
    http-request add-acl(${acl}) %[req.hdr(x-block)] if { path /block }
    http-request del-acl(${acl}) %[req.hdr(x-block)] if { path /unblock }
    http-request deny if { req.hdr(x-client) -f ${acl} }
    http-request set-header X-Mapped %[req.hdr(x-key),map(${map},none)]
    http-request set-header X-Counters %[sc_get_gpc(1,2)]/%[sc_get_gpt(1,2)]/%[sc2_http_req_cnt]
    default_backend app

backend app
    server app ${app}
`, vars)
	steps := []struct {
		name    string
		path    string
		headers []string
		status  int
		check   string // header the server must see, "Name: value"
		uri     string // request target the server must see
		method  string
	}{
		{name: "sc-inc-gpc", path: "/inc", status: 200, check: "X-Counters: 1/0/1"},
		{name: "sc-set-gpt", path: "/gpt", status: 200, check: "X-Counters: 1/42/2"},
		{name: "set-method", path: "/method", status: 200, method: "PUT"},
		{name: "replace-uri", path: "/old/x?q=1", status: 200, uri: "/new/x?q=1"},
		{name: "set-map", path: "/setmap", headers: []string{"X-Key: k1", "X-Val: v1"}, status: 200},
		{name: "map lookup", path: "/", headers: []string{"X-Key: k1"}, status: 200, check: "X-Mapped: v1"},
		{name: "del-map", path: "/delmap", headers: []string{"X-Key: k1"}, status: 200},
		{name: "map entry gone", path: "/", headers: []string{"X-Key: k1"}, status: 200, check: "X-Mapped: none"},
		{name: "add-acl", path: "/block", headers: []string{"X-Block: mallory"}, status: 200},
		{name: "acl pattern denies", path: "/", headers: []string{"X-Client: mallory"}, status: 403},
		{name: "del-acl", path: "/unblock", headers: []string{"X-Block: mallory"}, status: 200},
		{name: "acl pattern gone", path: "/", headers: []string{"X-Client: mallory"}, status: 200},
	}
	// In order: each step depends on the ones before.
	for _, st := range steps {
		r := lbtest.Get(t, p.URL("fe", st.path), st.headers...)
		if r.Status != st.status {
			t.Fatalf("%s: status %d, want %d", st.name, r.Status, st.status)
		}
		if st.status != 200 {
			continue
		}
		req, _ := bs["app"].LastRequest()
		if st.check != "" {
			name, want, _ := strings.Cut(st.check, ": ")
			if got := req.Header.Get(name); got != want {
				t.Errorf("%s: server saw %s %q, want %q", st.name, name, got, want)
			}
		}
		if st.uri != "" && req.RequestURI != st.uri {
			t.Errorf("%s: server saw target %q, want %q", st.name, req.RequestURI, st.uri)
		}
		if st.method != "" && req.Method != st.method {
			t.Errorf("%s: server saw method %q, want %q", st.name, req.Method, st.method)
		}
	}
}
