package acl

import (
	"strings"
	"testing"
)

// matchDef compiles one ACL definition ("criterion flags values") and
// matches it against s.
func matchDef(t *testing.T, def string, s Sample) bool {
	t.Helper()
	c, err := Compile([]string{"x"}, false, Defs{"x": {strings.Fields(def)}})
	if err != nil {
		t.Fatal(err)
	}
	return c.Match(s)
}

type defCase struct {
	name string
	def  string
	s    *fakeSample
	want bool
}

func runDefCases(t *testing.T, tests []defCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := matchDef(t, tc.def, tc.s); got != tc.want {
				t.Errorf("%s: Match = %v, want %v", tc.def, got, tc.want)
			}
		})
	}
}

func TestFetchesPathAndURL(t *testing.T) {
	t.Parallel()
	get := func(uri string) *fakeSample { return req("GET", uri) }
	runDefCases(t, []defCase{
		{name: "path exact", def: "path /a/b", s: get("/a/b?x=1"), want: true},
		{name: "path excludes query", def: "path /a/b?x=1", s: get("/a/b?x=1"), want: false},
		{name: "path absolute form", def: "path /p", s: get("http://h.example/p"), want: true},
		{name: "path_beg", def: "path_beg /api /v2", s: get("/v2/x"), want: true},
		{name: "path_beg miss", def: "path_beg /api", s: get("/ap"), want: false},
		{name: "path_end", def: "path_end .css .js", s: get("/s/app.js"), want: true},
		{name: "path_sub", def: "path_sub admin", s: get("/x/admin/y"), want: true},
		{name: "path_reg", def: "path_reg ^/u/[0-9]+$", s: get("/u/42"), want: true},
		{name: "path_reg miss", def: "path_reg ^/u/[0-9]+$", s: get("/u/4x"), want: false},
		{name: "path_dir", def: "path_dir images/png", s: get("/images/png/logo.png"), want: true},
		{name: "path_dir partial word", def: "path_dir png", s: get("/images/pngs/logo"), want: false},
		{name: "path_dom", def: "path_dom example", s: get("/www.example.com/"), want: true},
		{name: "path_len", def: "path_len 4", s: get("/abc"), want: true},
		{name: "path_len range", def: "path_len 5:", s: get("/abc"), want: false},
		{name: "url exact", def: "url /a?b=1", s: get("/a?b=1"), want: true},
		{name: "url_beg", def: "url_beg http://", s: get("http://x/"), want: true},
		{name: "url_end", def: "url_end =1", s: get("/a?b=1"), want: true},
		{name: "url_sub", def: "url_sub b=1", s: get("/a?b=1"), want: true},
		{name: "url_reg", def: "url_reg ^/a\\?", s: get("/a?b"), want: true},
		{name: "query", def: "query a=1&b=2", s: get("/p?a=1&b=2"), want: true},
		{name: "query absent", def: "query -m found", s: get("/p"), want: false},
		{name: "query empty present", def: "query -m found", s: get("/p?"), want: true},
		{name: "base", def: "base example.com/p", s: req("GET", "/p?q", "Host: example.com"), want: true},
		{name: "base_beg", def: "base_beg example.com/", s: req("GET", "/p", "Host: example.com"), want: true},
		{name: "base no host", def: "base /p", s: get("/p"), want: true},
	})
}

func TestFetchesURLParam(t *testing.T) {
	t.Parallel()
	get := func(uri string) *fakeSample { return req("GET", uri) }
	runDefCases(t, []defCase{
		{name: "urlp", def: "urlp(id) 42", s: get("/p?x=1&id=42"), want: true},
		{name: "url_param", def: "url_param(id) 42", s: get("/p?id=42"), want: true},
		{name: "urlp later occurrence", def: "urlp(id) 2", s: get("/p?id=1&id=2"), want: true},
		{name: "urlp semicolon", def: "urlp(id) 7", s: get("/p?a=b;id=7"), want: true},
		{name: "urlp name case sensitive", def: "urlp(ID) 42", s: get("/p?id=42"), want: false},
		{name: "urlp name case insensitive", def: "url_param(ID,,i) 42", s: get("/p?id=42"), want: true},
		{name: "urlp no name any param", def: "urlp 2", s: get("/p?a=1&b=2"), want: true},
		{name: "urlp delimiter", def: "urlp(sid,;) abc", s: get("/p;sid=abc"), want: true},
		{name: "urlp missing", def: "urlp(id) -m found", s: get("/p?x=1"), want: false},
		{name: "urlp no query", def: "urlp(id) -m found", s: get("/p"), want: false},
		{name: "urlp_beg", def: "urlp_beg(id) 4", s: get("/p?id=42"), want: true},
		{name: "urlp_reg", def: "urlp_reg(id) ^[0-9]+$", s: get("/p?id=42"), want: true},
		{name: "urlp_len", def: "urlp_len(id) 2", s: get("/p?id=42"), want: true},
		{name: "urlp empty value", def: "urlp(flag) -m found", s: get("/p?flag"), want: true},
	})
}

func TestFetchesMethodAndVersion(t *testing.T) {
	t.Parallel()
	runDefCases(t, []defCase{
		{name: "method", def: "method GET POST", s: req("POST", "/"), want: true},
		{name: "method case sensitive", def: "method get", s: req("GET", "/"), want: false},
		{name: "method -i", def: "method -i get", s: req("GET", "/"), want: true},
		{name: "method other", def: "method PURGE", s: req("PURGE", "/"), want: true},
		{name: "req.ver", def: "req.ver 2.0", s: req("GET", "/").withVersion("2.0"), want: true},
		{name: "req_ver", def: "req_ver 1.1", s: req("GET", "/"), want: true},
	})
}

func TestFetchesHeaders(t *testing.T) {
	t.Parallel()
	xff := req("GET", "/", "X-Forwarded-For: 1.1.1.1, 2.2.2.2", "x-forwarded-for: 3.3.3.3")
	ua := req("GET", "/", "User-Agent: Mozilla/5.0 (X11, Linux)")
	runDefCases(t, []defCase{
		{name: "hdr", def: "hdr(host) example.com", s: req("GET", "/", "Host: example.com"), want: true},
		{name: "hdr name case-insensitive", def: "hdr(HOST) example.com", s: req("GET", "/", "host: example.com"), want: true},
		{name: "hdr value case-sensitive", def: "hdr(host) example.com", s: req("GET", "/", "Host: Example.com"), want: false},
		{name: "hdr -i", def: "hdr(host) -i example.com", s: req("GET", "/", "Host: Example.COM"), want: true},
		{name: "req.hdr", def: "req.hdr(host) a", s: req("GET", "/", "Host: a"), want: true},
		{name: "hdr any occurrence first", def: "hdr(x-forwarded-for) 1.1.1.1", s: xff, want: true},
		{name: "hdr any occurrence split", def: "hdr(x-forwarded-for) 2.2.2.2", s: xff, want: true},
		{name: "hdr any occurrence later line", def: "hdr(x-forwarded-for) 3.3.3.3", s: xff, want: true},
		{name: "hdr occ 1", def: "hdr(x-forwarded-for,1) 1.1.1.1", s: xff, want: true},
		{name: "hdr occ 1 not 2", def: "hdr(x-forwarded-for,1) 2.2.2.2", s: xff, want: false},
		{name: "hdr occ 2", def: "hdr(x-forwarded-for,2) 2.2.2.2", s: xff, want: true},
		{name: "hdr occ -1", def: "hdr(x-forwarded-for,-1) 3.3.3.3", s: xff, want: true},
		{name: "hdr occ -1 not first", def: "hdr(x-forwarded-for,-1) 1.1.1.1", s: xff, want: false},
		{name: "hdr occ -3", def: "hdr(x-forwarded-for,-3) 1.1.1.1", s: xff, want: true},
		{name: "hdr occ beyond", def: "hdr(x-forwarded-for,-4) -m found", s: xff, want: false},
		{name: "hdr as ip", def: "hdr(x-forwarded-for) -m ip 2.2.0.0/16", s: xff, want: true},
		{name: "hdr quoted comma", def: "hdr(x) \"a,b\"", s: req("GET", "/", "X: \"a,b\", c"), want: true},
		{name: "hdr no name any header", def: "hdr 2.2.2.2", s: xff, want: true},
		{name: "hdr missing", def: "hdr(x-none) -m found", s: xff, want: false},
		{name: "hdr empty value found", def: "hdr(x-empty) -m found", s: req("GET", "/", "X-Empty:"), want: true},
		{name: "req.fhdr keeps commas", def: "req.fhdr(user-agent) -m sub X11,", s: ua, want: true},
		{name: "hdr splits commas", def: "hdr(user-agent) -m sub X11,", s: ua, want: false},
		{name: "hdr_beg", def: "hdr_beg(host) -i www.", s: req("GET", "/", "Host: WWW.example.com"), want: true},
		{name: "hdr_end", def: "hdr_end(host) .example.com", s: req("GET", "/", "Host: a.example.com"), want: true},
		{name: "hdr_dom", def: "hdr_dom(host) example.com", s: req("GET", "/", "Host: www.example.com:8080"), want: true},
		{name: "hdr_dom partial label", def: "hdr_dom(host) ample.com", s: req("GET", "/", "Host: www.example.com"), want: false},
		{name: "hdr_sub", def: "hdr_sub(user-agent) Mozilla", s: ua, want: true},
		{name: "hdr_reg", def: "hdr_reg(host) ^[a-z]+\\.example\\.com$", s: req("GET", "/", "Host: api.example.com"), want: true},
		{name: "hdr_dir", def: "hdr_dir(referer) blog", s: req("GET", "/", "Referer: http://x/blog/post"), want: true},
		{name: "hdr_len", def: "hdr_len(host) 11", s: req("GET", "/", "Host: example.com"), want: true},
		{name: "hdr_cnt", def: "hdr_cnt(x-forwarded-for) 3", s: xff, want: true},
		{name: "req.hdr_cnt zero", def: "req.hdr_cnt(host) eq 0", s: xff, want: true},
		{name: "req.fhdr_cnt", def: "req.fhdr_cnt(x-forwarded-for) 2", s: xff, want: true},
		{name: "hdr_cnt all headers", def: "hdr_cnt 3", s: xff, want: true},
		{name: "hdr_val", def: "hdr_val(content-length) gt 100", s: req("POST", "/", "Content-Length: 101"), want: true},
		{name: "hdr_val le", def: "req.hdr_val(content-length) le 100", s: req("POST", "/", "Content-Length: 101"), want: false},
		{name: "hdr_val not a number", def: "hdr_val(x) 0", s: req("POST", "/", "X: abc"), want: true},
		{name: "header fetch in tcp", def: "hdr(host) -m found", s: tcp("10.0.0.1:1"), want: false},
		{name: "url_ip", def: "url_ip 192.168.0.0/24", s: req("GET", "http://192.168.0.9:8080/x"), want: true},
		{name: "url_ip ipv6", def: "url_ip 2001:db8::/32", s: req("GET", "http://[2001:db8::1]/x"), want: true},
		{name: "url_ip name", def: "url_ip -m found", s: req("GET", "http://example.com/x"), want: false},
		{name: "url_ip origin form", def: "url_ip -m found", s: req("GET", "/x"), want: false},
		{name: "url_port", def: "url_port 8080", s: req("GET", "http://10.0.0.1:8080/x"), want: true},
		{name: "url_port default", def: "url_port 80", s: req("GET", "http://10.0.0.1/x"), want: true},
	})
}

func TestFetchesL4AndInternal(t *testing.T) {
	t.Parallel()
	runDefCases(t, []defCase{
		{name: "src", def: "src 10.0.0.0/8", s: tcp("10.1.2.3:1"), want: true},
		{name: "src miss", def: "src 10.0.0.0/8", s: tcp("11.1.2.3:1"), want: false},
		{name: "src_port", def: "src_port 1024:", s: tcp("10.1.2.3:40000"), want: true},
		{name: "dst", def: "dst 10.0.0.2", s: tcp("10.1.2.3:1"), want: true},
		{name: "dst_port", def: "dst_port 443", s: tcp("10.1.2.3:1"), want: true},
		{name: "always_true", def: "always_true", s: tcp("10.1.2.3:1"), want: true},
		{name: "always_false", def: "always_false", s: tcp("10.1.2.3:1"), want: false},
		{name: "int", def: "int(5) 5", s: tcp("10.1.2.3:1"), want: true},
		{name: "int negative", def: "int(-5) lt 0", s: tcp("10.1.2.3:1"), want: true},
		{name: "str", def: "str(abc) abc", s: tcp("10.1.2.3:1"), want: true},
		{name: "str quoted", def: "str(\"a,b\") a,b", s: tcp("10.1.2.3:1"), want: true},
		{name: "int no pattern never matches", def: "int(5)", s: tcp("10.1.2.3:1"), want: false},
		{name: "string no pattern never matches", def: "str(a)", s: tcp("10.1.2.3:1"), want: false},
	})
}

func TestConverters(t *testing.T) {
	t.Parallel()
	s := req("GET", "/Admin/Panel", "Host: Example.COM")
	runDefCases(t, []defCase{
		{name: "lower", def: "path,lower /admin/panel", s: s, want: true},
		{name: "upper", def: "hdr(host),upper EXAMPLE.COM", s: s, want: true},
		{name: "chain", def: "path,upper,lower /admin/panel", s: s, want: true},
		{name: "converter drops derivative method", def: "path_beg,lower /admin/panel", s: s, want: true},
		{name: "converter drops derivative method miss", def: "path_beg,lower /admin", s: s, want: false},
		{name: "converter with -m", def: "path,lower -m beg /admin", s: s, want: true},
		{name: "converter on int", def: "int(42),lower 42", s: s, want: true},
		{name: "converter does not modify request", def: "path,lower /x", s: s, want: false},
	})
	t.Cleanup(func() {
		// Runs after the parallel subtests above.
		if string(s.path) != "/Admin/Panel" {
			t.Errorf("request path changed to %q", s.path)
		}
	})
}
