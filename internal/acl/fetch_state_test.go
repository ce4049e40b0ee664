package acl

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/stick"
)

// stateSample adds a response, a userlist, proxy state and stick tables
// to a fakeSample, as the data plane's transaction does.
type stateSample struct {
	*fakeSample
	status  int
	resHdrs [][2]string
	users   map[string]string   // user -> password, userlist "L"
	groups  map[string][]string // user -> groups
	tables  map[string]*stick.Table
}

var (
	_ Responder     = (*stateSample)(nil)
	_ Authenticator = (*stateSample)(nil)
	_ ProxyState    = (*stateSample)(nil)
	_ TableFinder   = (*stateSample)(nil)
)

func (s *stateSample) ResStatus() (int, bool) { return s.status, s.status != 0 }
func (s *stateSample) ResVersion() []byte     { return []byte("1.1") }
func (s *stateSample) ResHeaders(fn func(name, value []byte) bool) {
	for _, h := range s.resHdrs {
		if !fn([]byte(h[0]), []byte(h[1])) {
			return
		}
	}
}

func (s *stateSample) AuthUser(list string) (string, bool) {
	if list != "L" {
		return "", false
	}
	var authz []byte
	s.Headers(func(n, v []byte) bool {
		if strings.EqualFold(string(n), "authorization") {
			authz = v
			return false
		}
		return true
	})
	b64, ok := strings.CutPrefix(string(authz), "Basic ")
	if !ok {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", false
	}
	u, p, _ := strings.Cut(string(raw), ":")
	if pw, ok := s.users[u]; !ok || pw != p {
		return "", false
	}
	return u, true
}

func (s *stateSample) AuthGroups(_, user string) []string { return s.groups[user] }

func (s *stateSample) NbSrv(be string) (int, bool)  { return s.count(be, 2) }
func (s *stateSample) BeConn(be string) (int, bool) { return s.count(be, 5) }
func (s *stateSample) Queue(be string) (int, bool)  { return s.count(be, 1) }
func (s *stateSample) FeConn(fe string) (int, bool) { return s.count(fe, 7) }

// count answers for the proxies "" and "app" only.
func (s *stateSample) count(name string, n int) (int, bool) {
	if name == "" || name == "app" {
		return n, true
	}
	return 0, false
}

func (s *stateSample) SrvIsUp(be, srv string) (bool, bool) {
	if be != "" && be != "app" {
		return false, false
	}
	switch srv {
	case "up":
		return true, true
	case "down":
		return false, true
	}
	return false, false
}

func (s *stateSample) StickTable(name string) *stick.Table { return s.tables[name] }

func basic(user, pass string) string {
	return "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func newTable(t *testing.T, name, decl string) *stick.Table {
	t.Helper()
	d, err := stick.ParseDecl(strings.Fields(decl))
	if err != nil {
		t.Fatal(err)
	}
	return stick.New(name, d)
}

func TestStateFetches(t *testing.T) {
	t.Parallel()
	tbl := newTable(t, "fe", "type ip size 10 expire 1m store conn_cur,http_req_rate(10s),gpc0")
	e := tbl.Track(stick.IPKey(req("GET", "/").src.Addr()))
	e.Record(stick.EventHTTPReq, 3)
	e.Inc(stick.ConnCur, 2)
	e.Release()
	other := newTable(t, "other", "type ip size 5 store gpc0")
	tables := map[string]*stick.Table{"": tbl, "fe": tbl, "other": other}

	mk := func(hdrs ...string) *stateSample {
		return &stateSample{
			fakeSample: req("GET", "/", hdrs...),
			status:     404,
			resHdrs:    [][2]string{{"Set-Cookie", "sid=1; Path=/"}, {"X-A", "a, b"}, {"set-cookie", "lang=fr"}, {"Content-Length", "12"}},
			users:      map[string]string{"alice": "pw"},
			groups:     map[string][]string{"alice": {"admin", "ops"}},
			tables:     tables,
		}
	}
	alice := mk(basic("alice", "pw"))
	tests := []struct {
		name string
		expr string
		s    Sample
		want string
	}{
		{name: "status", expr: "status", s: alice, want: "404"},
		{name: "status before a response", expr: "status", s: &stateSample{fakeSample: req("GET", "/")}, want: none},
		{name: "status without Responder", expr: "status", s: req("GET", "/"), want: none},
		{name: "res.ver", expr: "res.ver", s: alice, want: "1.1"},
		{name: "res.hdr last value", expr: "res.hdr(x-a)", s: alice, want: "b"},
		{name: "res.fhdr whole line", expr: "res.fhdr(x-a)", s: alice, want: "a, b"},
		{name: "res.hdr_cnt", expr: "res.hdr_cnt(x-a)", s: alice, want: "2"},
		{name: "res.hdr_val", expr: "res.hdr_val(content-length)", s: alice, want: "12"},
		{name: "res.cook", expr: "res.cook(sid)", s: alice, want: "1"},
		{name: "res.cook ignores attributes", expr: "res.cook(Path)", s: alice, want: none},
		{name: "res.cook_cnt", expr: "res.cook_cnt", s: alice, want: "2"},
		{name: "http_auth ok", expr: "http_auth(L)", s: alice, want: "1"},
		{name: "http_auth wrong password", expr: "http_auth(L)", s: mk(basic("alice", "no")), want: "0"},
		{name: "http_auth other list", expr: "http_auth(M)", s: alice, want: "0"},
		{name: "http_auth_group names the user", expr: "http_auth_group(L)", s: alice, want: "alice"},
		{name: "http_auth_user", expr: "http_auth_user", s: mk(basic("bob", "x:y")), want: "bob"},
		{name: "http_auth_pass", expr: "http_auth_pass", s: mk(basic("bob", "x:y")), want: "x:y"},
		{name: "http_auth_type", expr: "http_auth_type", s: mk("Authorization: bearer abc"), want: "Bearer"},
		{name: "http_auth_user not basic", expr: "http_auth_user", s: mk("Authorization: Bearer abc"), want: none},
		{name: "nbsrv", expr: "nbsrv(app)", s: alice, want: "2"},
		{name: "nbsrv unknown", expr: "nbsrv(nope)", s: alice, want: none},
		{name: "be_conn", expr: "be_conn", s: alice, want: "5"},
		{name: "queue", expr: "queue(app)", s: alice, want: "1"},
		{name: "fe_conn", expr: "fe_conn", s: alice, want: "7"},
		{name: "srv_is_up", expr: "srv_is_up(app/up)", s: alice, want: "1"},
		{name: "srv_is_up down", expr: "srv_is_up(down)", s: alice, want: "0"},
		{name: "srv_is_up unknown", expr: "srv_is_up(app/x)", s: alice, want: none},
		{name: "table_cnt", expr: "table_cnt", s: alice, want: "1"},
		{name: "table_avl named", expr: "table_avl(fe)", s: alice, want: "9"},
		{name: "table_cnt unknown table", expr: "table_cnt(nope)", s: alice, want: none},
		{name: "src_http_req_rate", expr: "src_http_req_rate", s: alice, want: "3"},
		{name: "src_http_req_cnt not stored", expr: "src_http_req_cnt(fe)", s: alice, want: none},
		{name: "src_conn_cur", expr: "src_conn_cur", s: alice, want: "2"},
		{name: "src unknown address reads zero", expr: "src_get_gpc0", s: &stateSample{fakeSample: req("GET", "/").withSrc("10.9.9.9:1"), tables: tables}, want: "0"},
		{name: "src_get_gpc0 other table", expr: "src_get_gpc0(other)", s: alice, want: "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, err := CompileExpr(tc.expr)
			if err != nil {
				t.Fatal(err)
			}
			v, _, ok := x.Eval(tc.s, nil)
			got := none
			if ok {
				got = v.String()
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
			}
		})
	}
}

func TestStateFetchACLs(t *testing.T) {
	t.Parallel()
	s := &stateSample{
		fakeSample: req("GET", "/", basic("alice", "pw")),
		status:     503,
		users:      map[string]string{"alice": "pw"},
		groups:     map[string][]string{"alice": {"admin", "ops"}},
	}
	tests := []struct {
		name string
		def  string
		want bool
	}{
		{name: "group member", def: "http_auth_group(L) dev ops", want: true},
		{name: "group not member", def: "http_auth_group(L) dev", want: false},
		{name: "status range", def: "status 500:599", want: true},
		{name: "http_auth bool", def: "http_auth(L)", want: true},
		{name: "nbsrv below", def: "nbsrv(app) lt 1", want: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := matchDef(t, tc.def, s); got != tc.want {
				t.Errorf("%s: Match = %v, want %v", tc.def, got, tc.want)
			}
		})
	}
}

func TestSrcIncGPC0CreatesEntry(t *testing.T) {
	t.Parallel()
	tbl := newTable(t, "t", "type ip size 10 store gpc0")
	s := &stateSample{fakeSample: req("GET", "/"), tables: map[string]*stick.Table{"": tbl}}
	x, err := CompileExpr("src_inc_gpc0")
	if err != nil {
		t.Fatal(err)
	}
	for want := range []string{"1", "2"} {
		v, _, ok := x.Eval(s, nil)
		if !ok || v.String() != []string{"1", "2"}[want] {
			t.Fatalf("src_inc_gpc0 #%d = %v %v", want+1, v, ok)
		}
	}
	if tbl.Len() != 1 {
		t.Errorf("table holds %d entries, want 1", tbl.Len())
	}
}
