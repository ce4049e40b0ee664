package l7

import (
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/h1"
)

func TestFindAndRemoveCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, cookie string
		wantVal, wantRest    string
		wantOK               bool
	}{
		{name: "middle", header: "a=1; SRV=s1; b=2", cookie: "SRV", wantVal: "s1", wantRest: "a=1; b=2", wantOK: true},
		{name: "first", header: "SRV=s1; b=2", cookie: "SRV", wantVal: "s1", wantRest: "b=2", wantOK: true},
		{name: "last", header: "a=1;SRV=s1", cookie: "SRV", wantVal: "s1", wantRest: "a=1", wantOK: true},
		{name: "alone", header: "SRV=s1", cookie: "SRV", wantVal: "s1", wantRest: "", wantOK: true},
		{name: "blanks around", header: "a=1 ;  SRV = s1 ; b=2", cookie: "SRV", wantVal: "s1", wantRest: "a=1; b=2", wantOK: true},
		{name: "empty value", header: "SRV=; b=2", cookie: "SRV", wantVal: "", wantRest: "b=2", wantOK: true},
		{name: "name is a prefix of another", header: "SRVX=1; a=2", cookie: "SRV"},
		{name: "absent", header: "a=1; b=2", cookie: "SRV"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := []byte(tc.header)
			sp, ok := findCookie(h, tc.cookie)
			if ok != tc.wantOK {
				t.Fatalf("found = %v, want %v", ok, tc.wantOK)
			}
			if !ok {
				return
			}
			if got := string(h[sp.valStart:sp.valEnd]); got != tc.wantVal {
				t.Errorf("value = %q, want %q", got, tc.wantVal)
			}
			if got := string(removeCookie(nil, h, sp)); got != tc.wantRest {
				t.Errorf("removed = %q, want %q", got, tc.wantRest)
			}
		})
	}
}

func TestSetCookiePair(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, header, wantName, wantVal string
	}{
		{name: "with attributes", header: "JS=abc; path=/", wantName: "JS", wantVal: "abc"},
		{name: "bare", header: "JS=abc", wantName: "JS", wantVal: "abc"},
		{name: "blanks", header: " JS = abc ;path=/", wantName: "JS", wantVal: "abc"},
		{name: "no pair", header: "garbage", wantName: "", wantVal: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := []byte(tc.header)
			name, vs, ve := setCookiePair(h)
			if string(name) != tc.wantName || string(h[vs:ve]) != tc.wantVal {
				t.Errorf("setCookiePair = %q %q, want %q %q", name, h[vs:ve], tc.wantName, tc.wantVal)
			}
		})
	}
}

// TestAppendSetCookie compares with the bytes HAProxy 2.6 sends.
func TestAppendSetCookie(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ck   config.Cookie
		val  string
		want string
	}{
		{name: "plain", ck: config.Cookie{Name: "SRV"}, val: "c1", want: "SRV=c1; path=/"},
		{name: "every attribute", ck: config.Cookie{Name: "SRV", HTTPOnly: true, Secure: true,
			Domains: []string{".ex.com", ".foo.com"}, Attrs: []string{"SameSite=Lax"}}, val: "c1",
			want: "SRV=c1; path=/; domain=.ex.com; domain=.foo.com; HttpOnly; Secure; SameSite=Lax"},
		{name: "server without cookie", ck: config.Cookie{Name: "SRV"}, val: "",
			want: "SRV=; Expires=Thu, 01-Jan-1970 00:00:01 GMT; path=/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(appendSetCookie(nil, &tc.ck, tc.val, 0, 0)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestResponseCacheable(t *testing.T) {
	t.Parallel()
	hdr := func(kv ...string) *h1.Response {
		r := &h1.Response{}
		for i := 0; i < len(kv); i += 2 {
			r.Headers = append(r.Headers, h1.Header{Name: []byte(kv[i]), Value: []byte(kv[i+1])})
		}
		return r
	}
	tests := []struct {
		name   string
		status int
		resp   *h1.Response
		want   bool
	}{
		{name: "no cache headers", status: 200, resp: hdr(), want: false},
		{name: "max-age", status: 200, resp: hdr("Cache-Control", "max-age=60"), want: true},
		{name: "private", status: 200, resp: hdr("Cache-Control", "private, max-age=60"), want: false},
		{name: "expires", status: 200, resp: hdr("Expires", "Thu, 01 Jan 2099 00:00:00 GMT"), want: true},
		{name: "uncacheable status", status: 500, resp: hdr("Cache-Control", "public"), want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := responseCacheable(tc.status, tc.resp); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestCookieDates checks the date encoding against HAProxy's own test
// vectors for s30tob64 and b64tos30 (dev/base64 in HAProxy's tree).
func TestCookieDates(t *testing.T) {
	t.Parallel()
	if got := string(appendS30(nil, 393463510)); got != "Xc8bW" {
		t.Errorf("appendS30(393463510) = %q, want Xc8bW", got)
	}
	if got := b64ToS30([]byte("Xc8bV")); got != 393463509 {
		t.Errorf("b64ToS30(Xc8bV) = %d, want 393463509", got)
	}
	if got := b64ToS30([]byte("Xc8b!")); got != -1 {
		t.Errorf("b64ToS30 of a bad digit = %d, want -1", got)
	}
	last, first := cookieDates([]byte("Xc8bW|Xc8bV"))
	if last != 1573854040 || first != 1573854036 {
		t.Errorf("cookieDates = %d, %d, want 1573854040, 1573854036", last, first)
	}
	if last, first := cookieDates([]byte("Xc8")); last != 0 || first != 0 {
		t.Errorf("cookieDates of a short value = %d, %d, want 0, 0", last, first)
	}
	ck := config.Cookie{Name: "SRV", MaxIdle: time.Minute, MaxLife: time.Hour}
	if got := string(appendSetCookie(nil, &ck, "s1", 1573854037, 0)); got != "SRV=s1|Xc8bW|Xc8bW; path=/" {
		t.Errorf("new dated cookie = %q", got)
	}
	if got := string(appendSetCookie(nil, &ck, "s1", 1573854037, 1573854036)); got != "SRV=s1|Xc8bW|Xc8bV; path=/" {
		t.Errorf("refreshed dated cookie = %q", got)
	}
	ck.MaxLife = 0
	if got := string(appendSetCookie(nil, &ck, "s1", 1573854037, 1573854036)); got != "SRV=s1|Xc8bW; path=/" {
		t.Errorf("maxidle only = %q", got)
	}
}
