package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// cookieDate encodes a Unix date as HAProxy writes it in a persistence
// cookie: in 4-second units, as five base64 digits.
func cookieDate(t time.Time) string {
	const tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	v := (t.Unix() + 3) >> 2
	var b [5]byte
	for i := range b {
		b[i] = tab[(v>>(24-6*i))&0x3f]
	}
	return string(b[:])
}

// TestCookieMaxIdleMaxLife: with maxidle and maxlife an inserted cookie
// carries its dates; a cookie idle or old beyond them is ignored (the
// request is balanced again and gets a new cookie), a valid one keeps the
// client on its server and has its last-seen date refreshed.
func TestCookieMaxIdleMaxLife(t *testing.T) {
	t.Parallel()
	_, vars := persistServers(t, 2)
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    balance first
    cookie SRV insert indirect maxidle 30m maxlife 2h
    server s1 ${s1} cookie s1
    server s2 ${s2} cookie s2
`, vars)
	now := time.Now()
	tests := []struct {
		name, cookie string
		server       string
		setCookie    string // prefix of the Set-Cookie value; "" for none
		first        string // the first-seen date the new cookie keeps
	}{
		{name: "no cookie", server: "s1", setCookie: "SRV=s1|"},
		{name: "fresh cookie", cookie: "SRV=s2|" + cookieDate(now.Add(time.Minute)) + "|" + cookieDate(now.Add(-time.Hour)), server: "s2"},
		{name: "seen a minute ago is refreshed", cookie: "SRV=s2|" + cookieDate(now.Add(-time.Minute)) + "|" + cookieDate(now.Add(-time.Hour)),
			server: "s2", setCookie: "SRV=s2|", first: cookieDate(now.Add(-time.Hour))},
		{name: "idle too long", cookie: "SRV=s2|" + cookieDate(now.Add(-time.Hour)) + "|" + cookieDate(now.Add(-time.Hour)), server: "s1", setCookie: "SRV=s1|"},
		{name: "too old", cookie: "SRV=s2|" + cookieDate(now) + "|" + cookieDate(now.Add(-3*time.Hour)), server: "s1", setCookie: "SRV=s1|"},
		{name: "undated cookie gets dates", cookie: "SRV=s2", server: "s2", setCookie: "SRV=s2|"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hdrs []string
			if tc.cookie != "" {
				hdrs = append(hdrs, "Cookie: "+tc.cookie)
			}
			r := lbtest.Get(t, p.URL("fe", "/"), hdrs...)
			if got := serverOf(r); got != tc.server {
				t.Errorf("server %q, want %q", got, tc.server)
			}
			if got := cookieOf(r); strings.Contains(got, "SRV=") {
				t.Errorf("server saw %q: indirect must remove the cookie", got)
			}
			sc := r.Header.Get("Set-Cookie")
			switch {
			case tc.setCookie == "" && sc != "":
				t.Errorf("Set-Cookie %q, want none", sc)
			case tc.setCookie != "" && !strings.HasPrefix(sc, tc.setCookie):
				t.Errorf("Set-Cookie %q, want it to start with %q", sc, tc.setCookie)
			}
			if tc.setCookie != "" {
				// SRV=sN|<last>|<first>; path=/
				val, _, _ := strings.Cut(sc, ";")
				if parts := strings.Split(val, "|"); len(parts) != 3 || len(parts[1]) != 5 || len(parts[2]) != 5 {
					t.Errorf("Set-Cookie %q, want a server id and two dates", sc)
				} else if tc.first != "" && parts[2] != tc.first {
					t.Errorf("Set-Cookie %q: first-seen date changed, want %s", sc, tc.first)
				}
			}
		})
	}
}

// TestDynamicCookie: "cookie ... dynamic" gives servers without a cookie
// value the one HAProxy computes from dynamic-cookie-key and the address
// (inherited here from defaults), and that value routes back to them.
func TestDynamicCookie(t *testing.T) {
	t.Parallel()
	_, vars := persistServers(t, 2)
	p := lbtest.Start(t, httpDefaults+`
    dynamic-cookie-key s3cr3t

frontend fe
    bind ${fe}
    default_backend app

backend app
    balance first
    cookie SRV insert indirect dynamic
    server s1 ${s1}
    server s2 ${s2}
`, vars)
	ck1, ck2 := engine.DynamicCookie("s3cr3t", vars["s1"]), engine.DynamicCookie("s3cr3t", vars["s2"])
	r := lbtest.Get(t, p.URL("fe", "/"))
	if got, want := r.Header.Get("Set-Cookie"), "SRV="+ck1+"; path=/"; serverOf(r) != "s1" || got != want {
		t.Errorf("first request: server %s, Set-Cookie %q, want s1 and %q", serverOf(r), got, want)
	}
	r = lbtest.Get(t, p.URL("fe", "/"), "Cookie: SRV="+ck2)
	if serverOf(r) != "s2" || r.Header.Get("Set-Cookie") != "" {
		t.Errorf("with s2's cookie: server %s, Set-Cookie %q, want s2 and none", serverOf(r), r.Header.Get("Set-Cookie"))
	}
}
