package e2e

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestAbuseBlockRecipe is the gpc0 abuse recipe: count the 4xx answers a
// client gets and deny it once it has had too many.
func TestAbuseBlockRecipe(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app", "gone")
	bs["gone"].SetStatus(404)
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    stick-table type ip size 100k expire 30s store gpc0,conn_cnt,conn_cur
    http-request track-sc0 src
    http-request deny if { src_get_gpc0 gt 2 }
    http-response sc-inc-gpc0(0) if { status 400:499 }
    http-response set-header X-Conn-Cnt %[sc0_conn_cnt]
    use_backend gone if { path_beg /gone }
    default_backend app

backend app
    server app ${app}

backend gone
    server gone ${gone}
`, vars)
	paths := []string{"/", "/gone", "/gone", "/", "/gone", "/", "/gone"}
	want := []int{200, 404, 404, 200, 404, 403, 403}
	var got []int
	var conns []string
	for _, path := range paths {
		r := lbtest.Get(t, p.URL("fe", path))
		got = append(got, r.Status)
		conns = append(conns, r.Header.Get("X-Conn-Cnt"))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	// track-sc in http-request counts each stream as a connection.
	if conns[4] != "5" {
		t.Errorf("sc0_conn_cnt on the fifth request = %q, want 5 (all: %v)", conns[4], conns)
	}
}

// TestAuthUserlist checks http-request auth with http_auth and
// http_auth_group against a userlist with a clear-text password and a
// SHA-512 crypt hash (openssl passwd -6).
func TestAuthUserlist(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
userlist users
    group admin
    user alice insecure-password wonder groups admin
    user bob password $6$abcdefgh$Z7KfoKnKTSZrzo5VZ0YubGLQOj9ov6sHo9TmE3zIU/LHKhpE30zCnZ0mcIXYf9r9rQ4DYaXoxAFSPFlcWdxjB.

frontend fe
    bind ${fe}
    http-request auth realm hawser unless { http_auth(users) }
    http-request deny if { path_beg /admin } !{ http_auth_group(users) admin }
    http-request set-header X-User %[http_auth_user]
    default_backend app

backend app
    server app ${app}
`, vars)
	cred := func(u, pw string) string {
		return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+pw))
	}
	tests := []struct {
		name   string
		path   string
		hdrs   []string
		status int
	}{
		{name: "no credentials", path: "/", status: 401},
		{name: "clear-text password", path: "/", hdrs: []string{cred("alice", "wonder")}, status: 200},
		{name: "wrong password", path: "/", hdrs: []string{cred("alice", "nope")}, status: 401},
		{name: "sha512 crypt", path: "/", hdrs: []string{cred("bob", "s3cret")}, status: 200},
		{name: "sha512 crypt wrong", path: "/", hdrs: []string{cred("bob", "secret")}, status: 401},
		{name: "group member", path: "/admin", hdrs: []string{cred("alice", "wonder")}, status: 200},
		{name: "not in group", path: "/admin", hdrs: []string{cred("bob", "s3cret")}, status: 403},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := lbtest.GetProto(t, proto, p.URL("fe", tc.path), tc.hdrs...)
				if r.Status != tc.status {
					t.Errorf("status %d, want %d", r.Status, tc.status)
				}
			})
		}
	}
}

// TestMapRouting routes by a map from Host to backend name, HAProxy's
// usual "use_backend %[req.hdr(host),lower,map(file,default)]"; a name
// that is no backend falls to default_backend.
func TestMapRouting(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app", "api", "www")
	dir := t.TempDir()
	mapFile := filepath.Join(dir, "hosts.map")
	if err := os.WriteFile(mapFile, []byte("# host backend\napi.example.com api\nwww.example.com www\nbad.example.com nosuch\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	vars["map"] = mapFile
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    use_backend %[req.hdr(host),lower,map(${map},app)] if { req.hdr(host) -m found }
    default_backend www

backend app
    server app ${app}

backend api
    server api ${api}

backend www
    server www ${www}
`, vars)
	tests := []struct {
		name string
		host string
		want string
	}{
		{name: "mapped", host: "API.example.com", want: "api"},
		{name: "other mapped", host: "www.example.com", want: "www"},
		{name: "map default", host: "unknown.example.com", want: "app"},
		{name: "unknown backend falls to default_backend", host: "bad.example.com", want: "www"},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := lbtest.GetProto(t, proto, p.URL("fe", "/"), "Host: "+tc.host)
				if got := r.Header.Get("X-Server"); r.Status != 200 || got != tc.want {
					t.Errorf("status %d from %q, want 200 from %q", r.Status, got, tc.want)
				}
			})
		}
	}
}

// TestNormalizeURIAndFormatHeader checks normalize-uri before routing
// and %[...] with converters in set-header, as the server sees them.
func TestNormalizeURIAndFormatHeader(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    http-request normalize-uri path-merge-slashes
    http-request normalize-uri path-strip-dotdot
    http-request normalize-uri percent-to-uppercase
    http-request set-header X-Path %[path,upper]
    http-request set-header X-Src-Len %[src,length]
    default_backend app

backend app
    server app ${app}
`, vars)
	r := lbtest.Get(t, p.URL("fe", "/a//b/../c%2f"))
	if r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	got, _ := bs["app"].LastRequest()
	if got.URL.RawPath != "/a/c%2F" && got.URL.Path != "/a/c/" {
		t.Errorf("server saw path %q (raw %q), want /a/c%%2F", got.URL.Path, got.URL.RawPath)
	}
	if h := got.Header.Get("X-Path"); h != "/A/C%2F" {
		t.Errorf("X-Path = %q, want /A/C%%2F", h)
	}
	if h := got.Header.Get("X-Src-Len"); h != "9" {
		t.Errorf("X-Src-Len = %q, want 9 (len of 127.0.0.1)", h)
	}
}
