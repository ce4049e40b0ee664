package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
    http-request replace-uri ^(https?://[^/]*)?/old/(.*) /new/\2
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

// TestResponseActionsAndRedirectKeyword covers http-response header
// edits, redirect and return, and the "redirect" keyword, as a client
// sees them.
func TestResponseActionsAndRedirectKeyword(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    redirect prefix https://secure.example code 301 if { path_beg /login }
    redirect location /moved if { path /gone }
    http-response add-header X-Added a
    http-response add-header X-Added b
    http-response del-header X-Server if { path /hide }
    http-response replace-header X-Server ^(.*)$ srv-\1 if { path /rename }
    http-response set-header X-Seen %[res.hdr(x-server)]
    http-response redirect location /after code 303 if { path /res-redirect }
    http-response return status 410 content-type text/plain string bye if { path /res-return }
    default_backend app

backend app
    server app ${app}
`, vars)
	tests := []struct {
		name, path string
		status     int
		hdr        map[string]string
		body       string
	}{
		{name: "redirect prefix", path: "/login?x=1", status: 301, hdr: map[string]string{"Location": "https://secure.example/login?x=1"}},
		{name: "redirect location", path: "/gone", status: 302, hdr: map[string]string{"Location": "/moved"}},
		{name: "add and set from res.hdr", path: "/", status: 200, hdr: map[string]string{"X-Added": "a", "X-Seen": "app"}},
		{name: "del-header", path: "/hide", status: 200, hdr: map[string]string{"X-Server": "", "X-Seen": "-"}},
		{name: "replace-header", path: "/rename", status: 200, hdr: map[string]string{"X-Server": "srv-app"}},
		{name: "response redirect", path: "/res-redirect", status: 303, hdr: map[string]string{"Location": "/after"}},
		{name: "response return", path: "/res-return", status: 410, body: "bye"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := lbtest.Get(t, p.URL("fe", tc.path))
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d", r.Status, tc.status)
			}
			for k, want := range tc.hdr {
				if got := r.Header.Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if tc.body != "" && r.Body != tc.body {
				t.Errorf("body %q, want %q", r.Body, tc.body)
			}
			if tc.name == "add and set from res.hdr" && len(r.Header.Values("X-Added")) != 2 {
				t.Errorf("X-Added = %q, want two values", r.Header.Values("X-Added"))
			}
		})
	}
}

// TestForceIgnorePersistAndStoreResponse: ignore-persist makes hawser
// disregard the cookie, force-persist sends to a server in maintenance,
// and "stick store-response" learns the server from a response header.
func TestForceIgnorePersistAndStoreResponse(t *testing.T) {
	t.Parallel()
	_, vars := persistServers(t, 2)
	p := lbtest.Start(t, httpDefaults+`
frontend ck
    bind ${ck}
    default_backend ck

frontend st
    bind ${st}
    default_backend st

backend ck
    balance first
    cookie SRV insert indirect
    ignore-persist if { path_beg /static }
    force-persist if { req.hdr(x-force) -m found }
    server s1 ${s1} cookie s1
    server s2 ${s2} cookie s2 disabled

backend st
    balance roundrobin
    stick-table type string len 32 size 1k expire 1m
    stick store-response res.cook(JS)
    stick match req.cook(JS)
    server s1 ${s1}
    server s2 ${s2}
`, vars)
	tests := []struct {
		name, fe, path string
		headers        []string
		want           string
	}{
		{name: "cookie to a server in maintenance is not followed", fe: "ck", path: "/", headers: []string{"Cookie: SRV=s2"}, want: "s1"},
		{name: "force-persist follows it", fe: "ck", path: "/", headers: []string{"Cookie: SRV=s2", "X-Force: 1"}, want: "s2"},
		{name: "ignore-persist disregards the cookie", fe: "ck", path: "/static/x", headers: []string{"Cookie: SRV=s2", "X-Force: 1"}, want: "s1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := serverOf(lbtest.Get(t, p.URL(tc.fe, tc.path), tc.headers...)); got != tc.want {
				t.Errorf("server %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("store-response", func(t *testing.T) {
		t.Parallel()
		// The server that set the application cookie keeps its clients,
		// where roundrobin alone would alternate.
		first := serverOf(lbtest.Get(t, p.URL("st", "/setck")))
		for i := range 4 {
			if got := serverOf(lbtest.Get(t, p.URL("st", "/"), "Cookie: JS=abc")); got != first {
				t.Fatalf("request %d with the learnt cookie went to %q, want %q", i, got, first)
			}
		}
	})
}

// TestRequestRewriteActions: the request-line and header rewrites, with
// variables, predefined ACLs, matchers and converters, as the server
// sees the request.
func TestRequestRewriteActions(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    acl api path_reg ^/api/v[0-9]+/
    acl internal hdr_dom(host) -m dom internal.example
    http-request set-var-fmt(txn.tag) %[method]-%[path,field(2,/)]
    http-request set-var(txn.drop) str(x)
    http-request unset-var(txn.drop)
    http-request replace-header X-Forwarded-Host ^(.*)\.old$ \1.new
    http-request replace-value X-List ^b$ B
    http-request set-path /v2%[path] if api METH_GET HTTP
    http-request set-query a=%[url_param(a),upper] if { path_beg /q }
    http-request set-pathq /pq?z=1 if { path /setpathq }
    http-request set-uri /u/%[req.hdr(x-u),lower] if { req.hdr(x-u) -m len 3 }
    http-request replace-path ^/rp/(.*) /replaced/\1
    http-request set-header X-Tag %[var(txn.tag)]
    http-request set-header X-Drop %[var(txn.drop)]
    http-request set-header X-Internal %[bool(1)] if internal
    http-request set-header X-Conv %[str(hello),base64,b64dec,regsub(l+,L),concat(-,,!)]
    http-request set-header X-Net %[src,ipmask(8)]
    http-request set-var(txn.two) int(2)
    http-request set-header X-Sum %[int(40),add(txn.two)]/%[str(id),concat(=,txn.tag)]
    default_backend app

backend app
    server app ${app}
`, vars)
	tests := []struct {
		name, path string
		headers    []string
		uri        string
		check      map[string]string
	}{
		{name: "set-var-fmt and unset-var", path: "/a/b", uri: "/a/b", check: map[string]string{"X-Tag": "GET-a", "X-Drop": "-"}},
		{name: "replace-header", path: "/", headers: []string{"X-Forwarded-Host: shop.old"}, check: map[string]string{"X-Forwarded-Host": "shop.new"}},
		{name: "replace-value", path: "/", headers: []string{"X-List: a, b, c"}, check: map[string]string{"X-List": "a, B, c"}},
		{name: "set-path with predefined ACLs", path: "/api/v1/users?x=1", uri: "/v2/api/v1/users?x=1"},
		{name: "set-query", path: "/q?a=low&b=2", uri: "/q?a=LOW"},
		{name: "set-pathq", path: "/setpathq?old=1", uri: "/pq?z=1"},
		{name: "set-uri", path: "/anything", headers: []string{"X-U: ABC"}, uri: "/u/abc"},
		{name: "replace-path keeps the query", path: "/rp/x/y?k=v", uri: "/replaced/x/y?k=v"},
		{name: "dom matcher", path: "/", headers: []string{"Host: api.internal.example"}, check: map[string]string{"X-Internal": "1"}},
		{name: "converters", path: "/c/d", check: map[string]string{"X-Conv": "heLo-!", "X-Net": "127.0.0.0", "X-Sum": "42/id=GET-c"}},
	}
	for _, tc := range tests {
		// One at a time: each reads the backend's last request.
		r := lbtest.Get(t, p.URL("fe", tc.path), tc.headers...)
		if r.Status != 200 {
			t.Fatalf("%s: status %d", tc.name, r.Status)
		}
		req, _ := bs["app"].LastRequest()
		if tc.uri != "" && req.RequestURI != tc.uri {
			t.Errorf("%s: server saw %q, want %q", tc.name, req.RequestURI, tc.uri)
		}
		for k, want := range tc.check {
			if got := req.Header.Get(k); got != want {
				t.Errorf("%s: server saw %s %q, want %q", tc.name, k, got, want)
			}
		}
	}
}

// TestConnectionHeaderCannotUndoRules: a client listing a header in
// Connection (hop-by-hop) cannot remove one that a rule set, because
// hop-by-hop headers are stripped before the rules run.
func TestConnectionHeaderCannotUndoRules(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    http-request set-header X-Auth-User checked
    default_backend app

backend app
    server app ${app}
`, vars)
	got := lbtest.Raw(t, p.Addr("fe"), "GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Auth-User\r\nX-Auth-User: forged\r\n\r\n", 10*time.Second)
	if !strings.HasPrefix(got, "HTTP/1.1 200 ") {
		t.Fatalf("got %q", got)
	}
	req, _ := bs["app"].LastRequest()
	if v := req.Header.Values("X-Auth-User"); len(v) != 1 || v[0] != "checked" {
		t.Errorf("server saw X-Auth-User %q, want only the rule's value", v)
	}
}
