package rules

import (
	"bytes"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/stick"
)

// fakeTxn is a Txn over a parsed request and an optional response.
type fakeTxn struct {
	req         h1.Request
	res         *h1.Response
	path, query []byte
	scratch     []byte
	vars        Vars
	sc          [3]*stick.Entry
	silent      bool
	caps        []string // "req:0=value" per Capture call
}

func newFake(t *testing.T, head string) *fakeTxn {
	t.Helper()
	f := &fakeTxn{}
	if err := h1.ParseRequest([]byte(head), &f.req); err != nil {
		t.Fatal(err)
	}
	f.split()
	return f
}

func (f *fakeTxn) split() {
	u := f.req.URI
	f.path, f.query = u, nil
	if i := bytes.IndexByte(u, '?'); i >= 0 {
		f.path, f.query = u[:i], u[i+1:]
	}
}

func (f *fakeTxn) Src() netip.AddrPort { return netip.MustParseAddrPort("192.0.2.7:4000") }
func (f *fakeTxn) Dst() netip.AddrPort { return netip.MustParseAddrPort("192.0.2.1:80") }
func (f *fakeTxn) HTTP() bool          { return true }
func (f *fakeTxn) Method() []byte      { return f.req.Method }
func (f *fakeTxn) URI() []byte         { return f.req.URI }
func (f *fakeTxn) Path() []byte        { return f.path }
func (f *fakeTxn) Query() []byte       { return f.query }
func (f *fakeTxn) Version() []byte     { return []byte("1.1") }
func (f *fakeTxn) Headers(fn func(n, v []byte) bool) {
	for _, h := range f.req.Headers {
		if !fn(h.Name, h.Value) {
			return
		}
	}
}
func (f *fakeTxn) Req() *h1.Request                 { return &f.req }
func (f *fakeTxn) Res() *h1.Response                { return f.res }
func (f *fakeTxn) SetURI(u []byte)                  { f.req.URI = f.Own(u); f.split() }
func (f *fakeTxn) SetMethod(m []byte)               { f.req.Method = f.Own(m) }
func (f *fakeTxn) Scratch() *[]byte                 { return &f.scratch }
func (f *fakeTxn) Own(b []byte) []byte              { return append([]byte(nil), b...) }
func (f *fakeTxn) Vars() *Vars                      { return &f.vars }
func (f *fakeTxn) Var(n string) (acl.Value, bool)   { return f.vars.Get(n) }
func (f *fakeTxn) Tracked(i int) *stick.Entry       { return f.sc[i] }
func (f *fakeTxn) SetLogLevel(l int)                { f.silent = l < 0 }
func (f *fakeTxn) SetTimeout(string, time.Duration) {}
func (f *fakeTxn) Capture(res bool, id int, v []byte) {
	dir := "req"
	if res {
		dir = "res"
	}
	f.caps = append(f.caps, fmt.Sprintf("%s:%d=%s", dir, id, v))
}
func (f *fakeTxn) SetStatus(s int, r []byte) { f.res.Status, f.res.Reason = s, r }
func (f *fakeTxn) Track(i int, e *stick.Entry) bool {
	if f.sc[i] != nil {
		return false
	}
	f.sc[i] = e
	return true
}

func mustCompile(t *testing.T, d Dir, line string, env *Env) *Rule {
	t.Helper()
	w := strings.Fields(line)
	r, err := Compile(d, w[0], w[1:], nil, env)
	if err != nil {
		t.Fatalf("%s: %v", line, err)
	}
	return r
}

const head = "GET /a//b/./c/../d?z=1&a=2 HTTP/1.1\r\nHost: example.com\r\nX-Del: 1\r\nX-Del-Too: 2\r\nAccept: text/html, image/png\r\n\r\n"

func TestRequestEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules []string
		uri   string
		hdr   string // "name: value" lines of the result, sorted as sent
	}{
		{name: "set-header", rules: []string{"set-header X-A b"}, hdr: "x-a: b"},
		{name: "add-header twice", rules: []string{"add-header X-A 1", "add-header X-A 2"}, hdr: "x-a: 1|x-a: 2"},
		{name: "set-header format", rules: []string{"set-header X-Src %[src]"}, hdr: "x-src: 192.0.2.7"},
		{name: "set-header from header", rules: []string{"set-header X-H %[req.hdr(host),upper]"}, hdr: "x-h: EXAMPLE.COM"},
		{name: "del-header beg", rules: []string{"del-header x-del -m beg"}, hdr: ""},
		{name: "replace-header", rules: []string{`replace-header Host ^(.*)\.com$ \1.org`}, hdr: "host: example.org"},
		{name: "replace-value", rules: []string{`replace-value Accept ^image/(.*)$ img/\1`}, hdr: "accept: text/html, img/png"},
		{name: "set-path", rules: []string{"set-path /new"}, uri: "/new?z=1&a=2"},
		{name: "set-query", rules: []string{"set-query q=%[src]"}, uri: "/a//b/./c/../d?q=192.0.2.7"},
		{name: "set-uri", rules: []string{"set-uri /x"}, uri: "/x"},
		{name: "set-pathq", rules: []string{"set-pathq /p?x=1"}, uri: "/p?x=1"},
		{name: "replace-path", rules: []string{`replace-path ^/a(.*)$ /api\1`}, uri: "/api//b/./c/../d?z=1&a=2"},
		{name: "merge slashes", rules: []string{"normalize-uri path-merge-slashes"}, uri: "/a/b/./c/../d?z=1&a=2"},
		{name: "strip dot", rules: []string{"normalize-uri path-strip-dot"}, uri: "/a//b/c/../d?z=1&a=2"},
		{name: "strip dotdot", rules: []string{"normalize-uri path-strip-dot", "normalize-uri path-strip-dotdot"}, uri: "/a//b/d?z=1&a=2"},
		{name: "query sort", rules: []string{"normalize-uri query-sort-by-name"}, uri: "/a//b/./c/../d?a=2&z=1"},
		{name: "set-var then use", rules: []string{"set-var(txn.h) req.hdr(host)", "set-header X-V %[var(txn.h)]"}, hdr: "x-v: example.com"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, head)
			var set []*Rule
			for _, l := range tc.rules {
				set = append(set, mustCompile(t, Request, l, &Env{Format: testFormat}))
			}
			var o Outcome
			if v := Run(set, f, &o); v != Continue {
				t.Fatalf("verdict %d", v)
			}
			if tc.uri != "" {
				if diff := cmp.Diff(tc.uri, string(f.req.URI)); diff != "" {
					t.Error(diff)
				}
			}
			if tc.uri == "" {
				var got []string
				for _, h := range f.req.Headers {
					n := strings.ToLower(string(h.Name))
					if n == "accept" && !strings.Contains(tc.hdr, "accept") || n == "host" && !strings.Contains(tc.hdr, "host:") || strings.HasPrefix(n, "x-del") && tc.name != "del-header beg" {
						continue
					}
					got = append(got, n+": "+string(h.Value))
				}
				if diff := cmp.Diff(tc.hdr, strings.Join(got, "|")); diff != "" {
					t.Error(diff)
				}
			}
		})
	}
}

func TestResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dir     Dir
		rule    string
		verdict Verdict
		status  int
		resp    string // substring of the response; "" for the error page
	}{
		{name: "deny", dir: Request, rule: "deny", verdict: Respond, status: 403},
		{name: "deny 429", dir: Request, rule: "deny deny_status 429", verdict: Respond, status: 429},
		{name: "response deny", dir: Response, rule: "deny", verdict: Respond, status: 502},
		{name: "return", dir: Request, rule: "return status 200 content-type text/plain string hi hdr X-A b", verdict: Respond, status: 200,
			resp: "HTTP/1.1 200 OK\r\nx-a: b\r\ncontent-length: 2\r\ncontent-type: text/plain\r\n\r\nhi"},
		{name: "return lf-string", dir: Request, rule: "return content-type text/plain lf-string ip=%[src]", verdict: Respond, status: 200,
			resp: "content-length: 12\r\ncontent-type: text/plain\r\n\r\nip=192.0.2.7"},
		{name: "redirect prefix", dir: Request, rule: "redirect prefix https://x.org code 301", verdict: Respond, status: 301,
			resp: "HTTP/1.1 301 Moved Permanently\r\ncontent-length: 0\r\nlocation: https://x.org/a//b/./c/../d?z=1&a=2\r\n\r\n"},
		{name: "redirect scheme cookie", dir: Request, rule: "redirect scheme https drop-query set-cookie SEEN=1", verdict: Respond, status: 302,
			resp: "location: https://example.com/a//b/./c/../d\r\ncache-control: no-cache\r\nset-cookie: SEEN=1; path=/\r\n"},
		{name: "auth", dir: Request, rule: "auth realm Admin", verdict: Respond, status: 401, resp: `realm="Admin"`},
		{name: "tarpit", dir: Request, rule: "tarpit", verdict: Tarpit, status: 500},
		{name: "reject", dir: Request, rule: "reject", verdict: Close},
		{name: "allow", dir: Request, rule: "allow", verdict: Stop},
	}
	env := &Env{Format: testFormat, Challenge: func(realm string) []byte { return []byte(`www-authenticate: Basic realm="` + realm + `"`) }}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, head)
			f.res = &h1.Response{Status: 200}
			var o Outcome
			v := Run([]*Rule{mustCompile(t, tc.dir, tc.rule, env)}, f, &o)
			if v != tc.verdict || o.Status != tc.status {
				t.Fatalf("verdict %d status %d, want %d %d", v, o.Status, tc.verdict, tc.status)
			}
			if tc.resp != "" && !strings.Contains(string(o.Response), tc.resp) {
				t.Errorf("response %q lacks %q", o.Response, tc.resp)
			}
		})
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		dir  Dir
		line string
		want string
	}{
		{name: "unknown", dir: Request, line: "frob", want: "unknown action"},
		{name: "unsupported", dir: Request, line: "do-resolve(txn.ip,dns) hdr(host)", want: "not supported by hawser"},
		{name: "unknown service", dir: Request, line: "use-service lua.hello", want: "unknown service 'lua.hello'"},
		{name: "wrong set", dir: Response, line: "tarpit", want: "not valid in http-response"},
		{name: "bad scope", dir: Request, line: "set-var(foo.x) str(1)", want: "unknown scope"},
		{name: "missing paren", dir: Request, line: "set-var str(1)", want: "parentheses"},
		{name: "bad status", dir: Response, line: "set-status 42", want: "invalid status"},
		{name: "bad regex", dir: Request, line: "replace-path ( x", want: "invalid regex"},
		{name: "bad normalizer", dir: Request, line: "normalize-uri frob", want: "unknown normalizer"},
		{name: "bad sc", dir: Request, line: "sc-inc-gpc0(3)", want: "stick counter"},
		{name: "bad fetch in format", dir: Request, line: "set-header X %[nope]", want: "nope"},
		{name: "no table", dir: Request, line: "track-sc0 src", want: "no stick-table"},
		{name: "set-timeout neither time nor expression", dir: Request, line: "set-timeout server nosuchfetch", want: "nosuchfetch"},
		{name: "set-timeout unknown kind", dir: Request, line: "set-timeout queue 5s", want: "unknown timeout 'queue'"},
		{name: "wait-for-body without time", dir: Request, line: "wait-for-body 5s", want: "expects 'time <time>'"},
		{name: "wait-for-body bad size", dir: Request, line: "wait-for-body time 1s at-least 1x", want: "invalid size"},
		{name: "wait-for-body extra word", dir: Request, line: "wait-for-body time 1s at-most 1k", want: "expects 'time <time>'"},
		{name: "set-retries out of range", dir: Request, line: "set-retries 101", want: "out of range"},
		{name: "set-retries bad expression", dir: Request, line: "set-retries nope", want: "nope"},
		{name: "set-retries in http-response", dir: Response, line: "set-retries 1", want: "not valid in http-response"},
		{name: "disable-l7-retry takes no argument", dir: Request, line: "disable-l7-retry now", want: "unexpected argument"},
	}
	env := &Env{Proxy: "fe", Table: func(string) (*stick.Table, bool) { return nil, false }}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := strings.Fields(tc.line)
			_, err := Compile(tc.dir, w[0], w[1:], nil, env)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTrackAndGPC(t *testing.T) {
	t.Parallel()
	d, err := stick.ParseDecl(strings.Fields("type ip size 1k expire 1m store http_req_rate(10s),gpc0"))
	if err != nil {
		t.Fatal(err)
	}
	tbl := stick.New("fe", d)
	env := &Env{Proxy: "fe", Table: func(string) (*stick.Table, bool) { return tbl, true }}
	set := []*Rule{mustCompile(t, Request, "track-sc0 src", env), mustCompile(t, Request, "sc-inc-gpc0(0)", env)}
	for range 3 {
		f := newFake(t, head)
		var o Outcome
		Run(set, f, &o)
		f.sc[0].Release()
	}
	e := tbl.Get(stick.IPKey(netip.MustParseAddr("192.0.2.7")))
	if e == nil {
		t.Fatal("no entry")
	}
	gpc, _ := e.Counter(stick.GPC0)
	rate, _ := e.Rate(stick.HTTPReqRate)
	if gpc != 3 || rate != 3 {
		t.Errorf("gpc0 %d rate %d, want 3 3", gpc, rate)
	}
}

// testFormat compiles formats with only %[...] items, enough for tests.
func testFormat(s string) (Format, error) {
	if err := CheckFormat(s, nil); err != nil {
		return nil, err
	}
	return exprFormat(s), nil
}

type exprFormat string

func (e exprFormat) AppendTxn(dst []byte, t Txn) []byte {
	s := string(e)
	for {
		i := strings.Index(s, "%[")
		if i < 0 {
			return append(dst, s...)
		}
		dst = append(dst, s[:i]...)
		s = s[i+2:]
		end := exprEnd(s)
		x, _ := acl.CompileExpr(s[:end])
		dst, _ = x.AppendString(dst, t)
		s = s[end+1:]
	}
}

func TestCapture(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		dir     Dir
		rule    string
		env     Env
		want    []string
		wantErr string
	}{
		{name: "by id", dir: Request, rule: "capture req.hdr(host) id 1", env: Env{Captures: 2, ResCaptures: 0}, want: []string{"req:1=example.com"}},
		{name: "response by id", dir: Response, rule: "capture req.hdr(host) id 0", env: Env{Captures: 0, ResCaptures: 1}, want: []string{"res:0=example.com"}},
		{name: "id unchecked in backends", dir: Request, rule: "capture path id 7", env: Env{Captures: -1, ResCaptures: -1}, want: []string{"req:7=/a//b/./c/../d"}},
		{name: "missing sample captures nothing", dir: Request, rule: "capture req.hdr(x-none) id 0", env: Env{Captures: 1}},
		{name: "id out of range", dir: Request, rule: "capture path id 2", env: Env{Captures: 2}, wantErr: "no 'declare capture request' slot 2"},
		{name: "response slot out of range", dir: Response, rule: "capture path id 0", env: Env{Captures: 3}, wantErr: "no 'declare capture response' slot 0"},
		{name: "response needs id", dir: Response, rule: "capture path len 10", env: Env{Captures: -1, ResCaptures: -1}, wantErr: "'id <id>'"},
		{name: "len without frontend slot", dir: Request, rule: "capture path len 10", env: Env{Captures: 0}, wantErr: "needs a frontend"},
		{name: "bad length", dir: Request, rule: "capture path len x", env: Env{Captures: -1}, wantErr: "invalid len 'x'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := strings.Fields(tc.rule)
			r, err := Compile(tc.dir, w[0], w[1:], nil, &tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			f := newFake(t, head)
			var o Outcome
			Run([]*Rule{r}, f, &o)
			if diff := cmp.Diff(tc.want, f.caps); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{name: "bytes", in: "100", want: 100, ok: true},
		{name: "kilobytes", in: "16k", want: 16 << 10, ok: true},
		{name: "megabytes", in: "2M", want: 2 << 20, ok: true},
		{name: "gigabytes", in: "1g", want: 1 << 30, ok: true},
		{name: "unit only", in: "k", ok: false},
		{name: "negative", in: "-1", ok: false},
		{name: "bad unit", in: "1x", ok: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseSize(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
			}
		})
	}
}

func TestVarsCopy(t *testing.T) {
	t.Parallel()
	proc := NewProcVars()
	var vs Vars
	vs.Proc = proc
	vs.Set("sess.a", acl.Value{Type: acl.TypeStr, Bytes: []byte("one")})
	cp := vs.Copy()
	vs.Set("sess.a", acl.Value{Type: acl.TypeStr, Bytes: []byte("two")})
	cp.Set("proc.p", acl.Value{Type: acl.TypeInt, Int: 7})
	if v, ok := cp.Get("sess.a"); !ok || string(v.Bytes) != "one" {
		t.Errorf("copy's sess.a = %q, %v; want one", v.Bytes, ok)
	}
	if v, ok := vs.Get("proc.p"); !ok || v.Int != 7 {
		t.Errorf("proc.p through the original = %v, %v; want 7 shared", v.Int, ok)
	}
}
