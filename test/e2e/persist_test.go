package e2e

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// persistServer answers "<name>|<Cookie header>" and, for /setck, sets
// the application cookie JS, so tests see what the server received.
func persistServer(t *testing.T, name string) *httptest.Server {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/setck" {
			w.Header().Add("Set-Cookie", "JS=abc; path=/")
		}
		io.WriteString(w, name+"|"+r.Header.Get("Cookie"))
	}))
	t.Cleanup(s.Close)
	return s
}

// persistServers starts servers s1..sn and returns them with their
// addresses as config variables.
func persistServers(t *testing.T, n int) ([]*httptest.Server, lbtest.Vars) {
	vars := lbtest.Vars{}
	var ss []*httptest.Server
	for i := range n {
		s := persistServer(t, fmt.Sprintf("s%d", i+1))
		ss = append(ss, s)
		vars[fmt.Sprintf("s%d", i+1)] = strings.TrimPrefix(s.URL, "http://")
	}
	return ss, vars
}

// server returns the server name part of a persistServer body.
func serverOf(r lbtest.Response) string {
	name, _, _ := strings.Cut(r.Body, "|")
	return name
}

// cookieOf returns what the server received in its Cookie header.
func cookieOf(r lbtest.Response) string {
	_, ck, _ := strings.Cut(r.Body, "|")
	return ck
}

func TestCookieInsertPersistence(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		ss, vars := persistServers(t, 2)
		p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    balance roundrobin
    option redispatch
    retries 1
    cookie SRV insert indirect nocache httponly
    server s1 ${s1} cookie c1
    server s2 ${s2} cookie c2
`, vars)
		first := lbtest.GetProto(t, proto, p.URL("fe", "/"))
		set := first.Header.Get("Set-Cookie")
		srv := serverOf(first)
		want := "SRV=c" + srv[1:] + "; path=/; HttpOnly"
		if set != want {
			t.Fatalf("first response Set-Cookie = %q, want %q", set, want)
		}
		ck := "Cookie: a=1; SRV=c" + srv[1:] + "; b=2"
		for range 4 {
			r := lbtest.GetProto(t, proto, p.URL("fe", "/"), ck)
			if serverOf(r) != srv {
				t.Fatalf("with the cookie: served by %s, want %s", serverOf(r), srv)
			}
			if got := cookieOf(r); got != "a=1; b=2" {
				t.Errorf("server got Cookie %q, want the persistence cookie removed", got)
			}
			if h := r.Header.Get("Set-Cookie"); h != "" {
				t.Errorf("valid cookie: response sets %q, want no cookie", h)
			}
		}
		// The server goes away: the request is redispatched and the client
		// gets the other server's cookie.
		dead := ss[0]
		other := "s2"
		if srv == "s2" {
			dead, other = ss[1], "s1"
		}
		dead.Close()
		r := lbtest.GetProto(t, proto, p.URL("fe", "/"), ck)
		if serverOf(r) != other || r.Header.Get("Set-Cookie") != "SRV=c"+other[1:]+"; path=/; HttpOnly" {
			t.Errorf("after %s died: served by %q with Set-Cookie %q", srv, serverOf(r), r.Header.Get("Set-Cookie"))
		}
	})
}

func TestCookieInsertInvalidAndDown(t *testing.T) {
	t.Parallel()
	_, vars := persistServers(t, 2)
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    cookie SRV insert
    server s1 ${s1} cookie c1
    server s2 ${s2} cookie c2 disabled
`, vars)
	tests := []struct {
		name, cookie, wantSrv, wantSet string
	}{
		{name: "invalid cookie is passed and replaced", cookie: "SRV=zz", wantSrv: "s1", wantSet: "SRV=c1; path=/"},
		{name: "cookie of a server in maintenance", cookie: "SRV=c2", wantSrv: "s1", wantSet: "SRV=c1; path=/"},
		{name: "valid cookie", cookie: "SRV=c1", wantSrv: "s1", wantSet: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := lbtest.Get(t, p.URL("fe", "/"), "Cookie: "+tc.cookie)
			if serverOf(r) != tc.wantSrv || r.Header.Get("Set-Cookie") != tc.wantSet {
				t.Errorf("served by %q with Set-Cookie %q, want %q and %q", serverOf(r), r.Header.Get("Set-Cookie"), tc.wantSrv, tc.wantSet)
			}
			if cookieOf(r) != tc.cookie {
				t.Errorf("server got Cookie %q, want %q (no indirect)", cookieOf(r), tc.cookie)
			}
		})
	}
}

func TestCookiePrefixAndRewrite(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		_, vars := persistServers(t, 2)
		p := lbtest.Start(t, httpDefaults+`
frontend prefix
    bind ${prefix}
    default_backend prefix

frontend rewrite
    bind ${rewrite}
    default_backend rewrite

backend prefix
    cookie JS prefix
    server s1 ${s1} cookie c1
    server s2 ${s2} cookie c2

backend rewrite
    cookie JS rewrite
    server s1 ${s1} cookie c1
    server s2 ${s2} cookie c2
`, vars)
		r := lbtest.GetProto(t, proto, p.URL("prefix", "/setck"))
		srv := serverOf(r)
		if got, want := r.Header.Get("Set-Cookie"), "JS=c"+srv[1:]+"~abc; path=/"; got != want {
			t.Fatalf("prefix: Set-Cookie %q, want %q", got, want)
		}
		for range 3 {
			r := lbtest.GetProto(t, proto, p.URL("prefix", "/"), "Cookie: a=1; JS=c"+srv[1:]+"~abc; b=2")
			if serverOf(r) != srv || cookieOf(r) != "a=1; JS=abc; b=2" {
				t.Fatalf("prefix: served by %q with Cookie %q, want %s with the prefix stripped", serverOf(r), cookieOf(r), srv)
			}
		}
		r = lbtest.GetProto(t, proto, p.URL("rewrite", "/setck"))
		srv = serverOf(r)
		if got, want := r.Header.Get("Set-Cookie"), "JS=c"+srv[1:]+"; path=/"; got != want {
			t.Fatalf("rewrite: Set-Cookie %q, want %q", got, want)
		}
		for range 3 {
			r := lbtest.GetProto(t, proto, p.URL("rewrite", "/"), "Cookie: JS=c"+srv[1:])
			if serverOf(r) != srv {
				t.Fatalf("rewrite: served by %q, want %s", serverOf(r), srv)
			}
		}
	})
}

func TestStickTablePersistence(t *testing.T) {
	t.Parallel()
	_, vars := persistServers(t, 3)
	p := lbtest.Start(t, httpDefaults+`
frontend src
    bind ${src}
    default_backend src

frontend hdr
    bind ${hdr}
    default_backend hdr

frontend usesrv
    bind ${usesrv}
    default_backend usesrv

backend src
    balance roundrobin
    stick-table type ip size 1k expire 1m
    stick on src
    server s1 ${s1}
    server s2 ${s2}
    server s3 ${s3}

backend hdr
    balance roundrobin
    stick-table type string len 32 size 1k expire 1m
    stick match req.hdr(X-User)
    stick store-request req.hdr(X-User)
    server s1 ${s1}
    server s2 ${s2}
    server s3 ${s3}

backend usesrv
    balance roundrobin
    acl two path_beg /two
    use-server s2 if two
    use-server s3 if { path_beg /three }
    server s1 ${s1}
    server s2 ${s2}
    server s3 ${s3}
`, vars)
	t.Run("stick on src", func(t *testing.T) {
		t.Parallel()
		first := serverOf(lbtest.Get(t, p.URL("src", "/")))
		// Each lbtest.Get is a new connection: only the table keeps
		// the client on its server.
		for range 6 {
			if got := serverOf(lbtest.Get(t, p.URL("src", "/"))); got != first {
				t.Fatalf("served by %s, want %s every time", got, first)
			}
		}
	})
	t.Run("stick match and store-request on a header", func(t *testing.T) {
		t.Parallel()
		users := map[string]string{}
		for i := range 3 {
			u := fmt.Sprintf("X-User: u%d", i)
			users[u] = serverOf(lbtest.Get(t, p.URL("hdr", "/"), u))
		}
		if len(map[string]bool{users["X-User: u0"]: true, users["X-User: u1"]: true, users["X-User: u2"]: true}) != 3 {
			t.Fatalf("first requests not balanced: %v", users)
		}
		for range 2 {
			for u, srv := range users {
				if got := serverOf(lbtest.Get(t, p.URL("hdr", "/"), u)); got != srv {
					t.Fatalf("%s: served by %s, want %s", u, got, srv)
				}
			}
		}
	})
	t.Run("use-server", func(t *testing.T) {
		t.Parallel()
		for range 3 {
			if got := serverOf(lbtest.Get(t, p.URL("usesrv", "/two"))); got != "s2" {
				t.Fatalf("/two served by %s, want s2", got)
			}
			if got := serverOf(lbtest.Get(t, p.URL("usesrv", "/three"))); got != "s3" {
				t.Fatalf("/three served by %s, want s3", got)
			}
		}
	})
}
