package acl

import (
	"strings"
	"testing"
)

// defs builds Defs from "name criterion values..." lines.
func defs(lines ...string) Defs {
	d := Defs{}
	for _, l := range lines {
		w := strings.Fields(l)
		d[w[0]] = append(d[w[0]], w[1:])
	}
	return d
}

func TestCondGrammar(t *testing.T) {
	t.Parallel()
	d := defs(
		"is_api path_beg /api",
		"is_admin path_beg /admin",
		"is_get method GET",
		"host_a hdr(host) a.example",
		"host_a hdr(host) a2.example", // same name: ORs with the line above
		"never always_false",
	)
	tests := []struct {
		name   string
		cond   string
		unless bool
		s      *fakeSample
		want   bool
	}{
		{name: "single", cond: "is_api", s: req("GET", "/api/x"), want: true},
		{name: "single miss", cond: "is_api", s: req("GET", "/web"), want: false},
		{name: "and both", cond: "is_api is_get", s: req("GET", "/api"), want: true},
		{name: "and one", cond: "is_api is_get", s: req("POST", "/api"), want: false},
		{name: "or pipes", cond: "is_api || is_admin", s: req("GET", "/admin"), want: true},
		{name: "or word", cond: "is_api or is_admin", s: req("GET", "/admin"), want: true},
		{name: "or word upper", cond: "is_api OR is_admin", s: req("GET", "/admin"), want: true},
		{name: "or none", cond: "is_api or is_admin", s: req("GET", "/x"), want: false},
		{name: "and binds tighter: first suite", cond: "is_get is_api || is_admin", s: req("GET", "/api"), want: true},
		{name: "and binds tighter: second suite", cond: "is_get is_api || is_admin", s: req("POST", "/admin"), want: true},
		{name: "and binds tighter: neither", cond: "is_get is_api || is_admin", s: req("POST", "/api"), want: false},
		{name: "negation", cond: "!is_api", s: req("GET", "/web"), want: true},
		{name: "negation false", cond: "!is_api", s: req("GET", "/api"), want: false},
		{name: "separate bang", cond: "! is_api", s: req("GET", "/web"), want: true},
		{name: "double bang", cond: "!!is_api", s: req("GET", "/api"), want: true},
		{name: "negation per term", cond: "is_get !is_api", s: req("GET", "/web"), want: true},
		{name: "negation reset by or", cond: "! || is_api", s: req("GET", "/api"), want: true},
		{name: "anonymous", cond: "{ path_beg /api }", s: req("GET", "/api/v1"), want: true},
		{name: "anonymous negated", cond: "!{ path_beg /api }", s: req("GET", "/api/v1"), want: false},
		{name: "anonymous and named", cond: "is_get { hdr(host) -i example.com }", s: req("GET", "/", "Host: EXAMPLE.com"), want: true},
		{name: "anonymous or anonymous", cond: "{ path /a } || { path /b }", s: req("GET", "/b"), want: true},
		{name: "same name ORs first", cond: "host_a", s: req("GET", "/", "Host: a.example"), want: true},
		{name: "same name ORs second", cond: "host_a", s: req("GET", "/", "Host: a2.example"), want: true},
		{name: "same name ORs neither", cond: "host_a", s: req("GET", "/", "Host: b.example"), want: false},
		{name: "named used twice", cond: "is_api || !is_api", s: req("GET", "/x"), want: true},
		{name: "unless", cond: "is_api", unless: true, s: req("GET", "/api"), want: false},
		{name: "unless miss", cond: "is_api", unless: true, s: req("GET", "/x"), want: true},
		{name: "empty condition", cond: "", s: req("GET", "/"), want: false},
		{name: "empty condition unless", cond: "", unless: true, s: req("GET", "/"), want: true},
		{name: "trailing or", cond: "is_api ||", s: req("GET", "/api"), want: true},
		{name: "user ACL overrides predefined", cond: "TRUE", s: req("GET", "/"), want: true},
		{name: "not fetched negated", cond: "!{ hdr(x-missing) foo }", s: req("GET", "/"), want: true},
		{name: "http fetch in tcp", cond: "is_api", s: tcp("10.0.0.1:1"), want: false},
		{name: "http fetch in tcp negated", cond: "!is_api", s: tcp("10.0.0.1:1"), want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compile(strings.Fields(tc.cond), tc.unless, d)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Match(tc.s); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNilCondMatches(t *testing.T) {
	t.Parallel()
	var c *Cond
	if !c.Match(req("GET", "/")) {
		t.Error("nil Cond did not match")
	}
}

func TestUserACLOverridesPredefined(t *testing.T) {
	t.Parallel()
	c, err := Compile([]string{"TRUE"}, false, defs("TRUE always_false"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Match(req("GET", "/")) {
		t.Error("predefined TRUE used instead of the user's ACL")
	}
}

func TestPredefined(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		acl  string
		s    *fakeSample
		want bool
	}{
		{name: "TRUE", acl: "TRUE", s: tcp("10.0.0.1:1"), want: true},
		{name: "FALSE", acl: "FALSE", s: req("GET", "/"), want: false},
		{name: "HTTP", acl: "HTTP", s: req("GET", "/"), want: true},
		{name: "HTTP on tcp", acl: "HTTP", s: tcp("10.0.0.1:1"), want: false},
		{name: "HTTP_1.0", acl: "HTTP_1.0", s: req("GET", "/").withVersion("1.0"), want: true},
		{name: "HTTP_1.0 miss", acl: "HTTP_1.0", s: req("GET", "/"), want: false},
		{name: "HTTP_1.1", acl: "HTTP_1.1", s: req("GET", "/"), want: true},
		{name: "HTTP_2.0", acl: "HTTP_2.0", s: req("GET", "/").withVersion("2.0"), want: true},
		{name: "HTTP_CONTENT", acl: "HTTP_CONTENT", s: req("POST", "/", "Content-Length: 12"), want: true},
		{name: "HTTP_CONTENT zero", acl: "HTTP_CONTENT", s: req("POST", "/", "Content-Length: 0"), want: false},
		{name: "HTTP_CONTENT absent", acl: "HTTP_CONTENT", s: req("POST", "/"), want: false},
		{name: "HTTP_URL_ABS", acl: "HTTP_URL_ABS", s: req("GET", "http://example.com/x"), want: true},
		{name: "HTTP_URL_ABS relative", acl: "HTTP_URL_ABS", s: req("GET", "/x"), want: false},
		{name: "HTTP_URL_SLASH", acl: "HTTP_URL_SLASH", s: req("GET", "/x"), want: true},
		{name: "HTTP_URL_SLASH star", acl: "HTTP_URL_SLASH", s: req("OPTIONS", "*"), want: false},
		{name: "HTTP_URL_STAR", acl: "HTTP_URL_STAR", s: req("OPTIONS", "*"), want: true},
		{name: "LOCALHOST v4", acl: "LOCALHOST", s: tcp("127.0.0.5:1"), want: true},
		{name: "LOCALHOST v6", acl: "LOCALHOST", s: tcp("[::1]:1"), want: true},
		{name: "LOCALHOST mapped", acl: "LOCALHOST", s: tcp("[::ffff:127.0.0.1]:1"), want: true},
		{name: "LOCALHOST remote", acl: "LOCALHOST", s: tcp("10.0.0.1:1"), want: false},
		{name: "METH_CONNECT", acl: "METH_CONNECT", s: req("CONNECT", "a:443"), want: true},
		{name: "METH_DELETE", acl: "METH_DELETE", s: req("DELETE", "/"), want: true},
		{name: "METH_GET get", acl: "METH_GET", s: req("GET", "/"), want: true},
		{name: "METH_GET head", acl: "METH_GET", s: req("HEAD", "/"), want: true},
		{name: "METH_GET post", acl: "METH_GET", s: req("POST", "/"), want: false},
		{name: "METH_GET lower case", acl: "METH_GET", s: req("get", "/"), want: false},
		{name: "METH_HEAD", acl: "METH_HEAD", s: req("HEAD", "/"), want: true},
		{name: "METH_OPTIONS", acl: "METH_OPTIONS", s: req("OPTIONS", "/"), want: true},
		{name: "METH_POST", acl: "METH_POST", s: req("POST", "/"), want: true},
		{name: "METH_PUT", acl: "METH_PUT", s: req("PUT", "/"), want: true},
		{name: "METH_TRACE", acl: "METH_TRACE", s: req("TRACE", "/"), want: true},
		{name: "REQ_CONTENT", acl: "REQ_CONTENT", s: req("POST", "/", "Content-Length: 5"), want: false},
		{name: "WAIT_END", acl: "WAIT_END", s: req("GET", "/"), want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compile([]string{tc.acl}, false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Match(tc.s); got != tc.want {
				t.Errorf("Match = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	d := defs("bad pathh /x", "ok path /x")
	tests := []struct {
		name string
		cond string
		want string
	}{
		{name: "no such ACL", cond: "is_api", want: "no such ACL : 'is_api'"},
		{name: "no such ACL after good", cond: "ok || nope", want: "no such ACL : 'nope'"},
		{name: "predefined is case sensitive", cond: "true", want: "no such ACL : 'true'"},
		{name: "missing brace", cond: "{ path_beg /api", want: "missing '}'"},
		{name: "stray brace", cond: "ok }", want: "unexpected '}'"},
		{name: "empty anonymous", cond: "{ }", want: "missing fetch method"},
		{name: "bad named definition", cond: "bad", want: "acl 'bad': unknown fetch method 'pathh' in ACL expression 'pathh'"},
		{name: "bad anonymous", cond: "{ pathh /x }", want: "unknown fetch method 'pathh' in ACL expression 'pathh'"},
		{name: "unsupported predefined", cond: "RDP_COOKIE", want: "fetch method 'req.rdp_cookie_cnt' is not supported by hawser"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(strings.Fields(tc.cond), false, d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
