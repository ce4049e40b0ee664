package acl

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/maps"
)

// evalCase is one CompileExpr + Eval check; want "<none>" means no value.
type evalCase struct {
	name string
	expr string
	s    *fakeSample
	want string
	typ  Type // checked when not zero
}

const none = "<none>"

func runEvalCases(t *testing.T, reg *maps.Registry, tests []evalCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			x, err := CompileExprMaps(tc.expr, reg)
			if err != nil {
				t.Fatal(err)
			}
			s := tc.s
			if s == nil {
				s = req("GET", "/")
			}
			v, _, ok := x.Eval(s, nil)
			got := none
			if ok {
				got = v.String()
			}
			if got != tc.want {
				t.Errorf("%s = %q, want %q", tc.expr, got, tc.want)
			}
			if ok && tc.typ != 0 && v.Type != tc.typ {
				t.Errorf("%s: type %v, want %v", tc.expr, v.Type, tc.typ)
			}
		})
	}
}

func TestEvalFetches(t *testing.T) {
	t.Setenv("HAWSER_TEST_ENV", "from-env")
	hdrs := req("GET", "/p?a=1&b=2&a=3", "Host: Example.com", "X-F: 1, 2", "X-F: 3",
		"Cookie: sid=abc; lang=fr", "cookie: sid=def", "Content-Length: 12")
	runEvalCases(t, nil, []evalCase{
		{name: "src", expr: "src", s: hdrs, want: "10.0.0.1", typ: TypeIP},
		{name: "dst_port", expr: "dst_port", s: hdrs, want: "80", typ: TypeInt},
		{name: "path", expr: "path", s: hdrs, want: "/p"},
		{name: "base", expr: "base", s: hdrs, want: "Example.com/p"},
		{name: "hdr last occurrence", expr: "req.hdr(x-f)", s: hdrs, want: "3"},
		{name: "hdr alias", expr: "hdr(x-f,1)", s: hdrs, want: "1"},
		{name: "hdr negative", expr: "req.hdr(x-f,-2)", s: hdrs, want: "2"},
		{name: "fhdr last line", expr: "req.fhdr(x-f)", s: hdrs, want: "3"},
		{name: "hdr missing", expr: "req.hdr(nope)", s: hdrs, want: none},
		{name: "hdr_cnt", expr: "req.hdr_cnt(x-f)", s: hdrs, want: "3"},
		{name: "hdr_val", expr: "req.hdr_val(content-length)", s: hdrs, want: "12", typ: TypeInt},
		{name: "urlp first", expr: "urlp(a)", s: hdrs, want: "1"},
		{name: "cook last", expr: "req.cook(sid)", s: hdrs, want: "def"},
		{name: "cook alias", expr: "cook(lang)", s: hdrs, want: "fr"},
		{name: "cook missing", expr: "cook(x)", s: hdrs, want: none},
		{name: "cook_cnt", expr: "req.cook_cnt(sid)", s: hdrs, want: "2"},
		{name: "cook_cnt all", expr: "cook_cnt", s: hdrs, want: "3"},
		{name: "cook_val", expr: "cook_val(n)", s: req("GET", "/", "Cookie: n=42"), want: "42"},
		{name: "cook_names", expr: "req.cook_names", s: hdrs, want: "sid,lang,sid"},
		{name: "hdr_names", expr: "req.hdr_names(;)", s: req("GET", "/", "Host: a", "X-Y: b"), want: "host;x-y"},
		{name: "hdrs", expr: "req.hdrs", s: req("GET", "/", "Host: a", "X-Y: b"), want: "host: a\r\nx-y: b\r\n\r\n"},
		{name: "str", expr: "str(hello)", want: "hello", typ: TypeStr},
		{name: "int", expr: "int(-7)", want: "-7", typ: TypeInt},
		{name: "bool", expr: "bool(true)", want: "1", typ: TypeBool},
		{name: "bool false", expr: "bool(0)", want: "0", typ: TypeBool},
		{name: "always_true", expr: "always_true", want: "1", typ: TypeBool},
		{name: "env", expr: "env(HAWSER_TEST_ENV)", want: "from-env"},
		{name: "env unset", expr: "env(HAWSER_TEST_UNSET_VAR)", want: none},
		{name: "rand range", expr: "rand(1)", want: "0"},
		{name: "http fetch on tcp", expr: "path", s: tcp("10.0.0.1:1"), want: none},
		{name: "src on tcp", expr: "src", s: tcp("[2001:db8::1]:1"), want: "2001:db8::1"},
	})
}

func TestEvalConverters(t *testing.T) {
	t.Parallel()
	runEvalCases(t, nil, []evalCase{
		{name: "lower", expr: "str(AbC),lower", want: "abc"},
		{name: "upper", expr: "str(AbC),upper", want: "ABC"},
		// The field and word examples of configuration.txt.
		{name: "field 4 empty", expr: "str(f1_f2_f3__f5),field(4,_)", want: ""},
		{name: "field 5", expr: "str(f1_f2_f3__f5),field(5,_)", want: "f5"},
		{name: "field 2 all", expr: "str(f1_f2_f3__f5),field(2,_,0)", want: "f2_f3__f5"},
		{name: "field 2 count 2", expr: "str(f1_f2_f3__f5),field(2,_,2)", want: "f2_f3"},
		{name: "field -2 count 3", expr: "str(f1_f2_f3__f5),field(-2,_,3)", want: "f2_f3_"},
		{name: "field -3 all", expr: "str(f1_f2_f3__f5),field(-3,_,0)", want: "f1_f2_f3"},
		{name: "field past end", expr: "str(a_b),field(7,_)", want: ""},
		{name: "field delimiter set", expr: "str(a.b:c),field(3,.:)", want: "c"},
		{name: "word 4", expr: "str(f1_f2_f3__f5),word(4,_)", want: "f5"},
		{name: "word 2 all", expr: "str(f1_f2_f3__f5),word(2,_,0)", want: "f2_f3__f5"},
		{name: "word 3 count 2", expr: "str(f1_f2_f3__f5),word(3,_,2)", want: "f3__f5"},
		{name: "word -2 count 3", expr: "str(f1_f2_f3__f5),word(-2,_,3)", want: "f1_f2_f3"},
		{name: "word -3 all", expr: "str(f1_f2_f3__f5),word(-3,_,0)", want: "f1_f2"},
		{name: "regsub first", expr: `str(aXbXc),regsub(X,-)`, want: "a-bXc"},
		{name: "regsub global", expr: `str(aXbXc),regsub(X,-,g)`, want: "a-b-c"},
		{name: "regsub icase", expr: `str(axbXc),regsub(x,-,gi)`, want: "a-b-c"},
		{name: "regsub backref", expr: `str(/a/b),regsub("^/([a-z])/(.*)","/\2/\1")`, want: "/b/a"},
		{name: "regsub dollar", expr: `str(ab),regsub(a,$)`, want: "$b"},
		{name: "regsub no match", expr: `str(ab),regsub(z,y,g)`, want: "ab"},
		{name: "concat", expr: "str(mid),concat(<,,>)", want: "mid<>"},
		{name: "base64", expr: "str(hello),base64", want: "aGVsbG8="},
		{name: "b64dec", expr: "str(aGVsbG8=),b64dec", want: "hello", typ: TypeBin},
		{name: "b64dec bad", expr: "str(!!),b64dec", want: none},
		{name: "hex", expr: "str(Az),hex", want: "417A"},
		{name: "length", expr: "str(hello),length", want: "5", typ: TypeInt},
		{name: "bytes", expr: "str(hello),bytes(1,3)", want: "ell"},
		{name: "bytes rest", expr: "str(hello),bytes(2)", want: "llo"},
		{name: "bytes past end", expr: "str(hello),bytes(9)", want: ""},
		{name: "url_dec", expr: "str(/a%20b?x=1+2),url_dec", want: "/a b?x=1 2"},
		{name: "url_dec path plus", expr: "str(/a+b),url_dec", want: "/a+b"},
		{name: "url_dec in_form", expr: "str(a+b),url_dec(1)", want: "a b"},
		{name: "url_dec bad", expr: "str(%zz),url_dec", want: none},
		{name: "json", expr: `str('a"b/c'),json`, want: `a\"b\/c`},
		{name: "json utf8", expr: "str(é),json(utf8)", want: `\u00e9`},
		{name: "json ascii bytes", expr: "str(é),json", want: `\u00c3\u00a9`},
		{name: "ltrim", expr: "str(xxaxx),ltrim(x)", want: "axx"},
		{name: "rtrim", expr: "str(xxaxx),rtrim(x)", want: "xxa"},
		{name: "add", expr: "int(5),add(3)", want: "8"},
		{name: "add saturates", expr: "int(9223372036854775807),add(1)", want: "9223372036854775807"},
		{name: "sub", expr: "int(5),sub(8)", want: "-3"},
		{name: "mul", expr: "int(5),mul(-3)", want: "-15"},
		{name: "div", expr: "int(7),div(2)", want: "3"},
		{name: "div by zero", expr: "int(7),div(0)", want: "9223372036854775807"},
		{name: "mod", expr: "int(7),mod(4)", want: "3"},
		{name: "mod by zero", expr: "int(7),mod(0)", want: "0"},
		{name: "and", expr: "int(6),and(3)", want: "2"},
		{name: "or", expr: "int(6),or(3)", want: "7"},
		{name: "xor", expr: "int(6),xor(3)", want: "5"},
		{name: "neg", expr: "int(6),neg", want: "-6"},
		{name: "not", expr: "int(0),not", want: "1", typ: TypeBool},
		{name: "bool", expr: "int(-4),bool", want: "1", typ: TypeBool},
		{name: "odd", expr: "int(3),odd", want: "1"},
		{name: "even", expr: "int(3),even", want: "0"},
		{name: "string to int", expr: "str(40),add(2)", want: "42"},
		{name: "not a number", expr: "str(abc),add(2)", want: none},
		{name: "sdbm", expr: "str(hello),sdbm", want: "684824882"},
		{name: "djb2", expr: "str(hello),djb2", want: "261238937"},
		{name: "wt6", expr: "str(hello),wt6", want: "3538347703"},
		{name: "crc32", expr: "str(hello),crc32", want: "907060870"},
		// XXH3 64-bit reference vectors (xxHash's, and HAProxy 2.6 for the seed), as
		// signed integers like HAProxy's xxh3.
		{name: "xxh3", expr: "str(abc),xxh3", want: "8696274497037089104"},
		{name: "xxh3 seed", expr: "str(abc),xxh3(42)", want: "-2863288879874843453"},
		{name: "xxh3 negative", expr: "str(a),xxh3", want: "-1817709641818812897"},
		{name: "djb2 avalanche", expr: "str(hello),djb2(1)", want: "1119739105"},
		{name: "ipmask", expr: "src,ipmask(24)", want: "10.0.0.0", typ: TypeIP},
		{name: "ipmask dotted", expr: "src,ipmask(255.255.0.0)", want: "10.0.0.0"},
		{name: "ipmask v6", expr: "src,ipmask(24,32)", s: tcp("[2001:db8:1::1]:1"), want: "2001:db8::"},
		{name: "ipmask v6 without mask", expr: "src,ipmask(24)", s: tcp("[2001:db8:1::1]:1"), want: none},
		{name: "chain", expr: "req.hdr(host),lower,field(1,:)", s: req("GET", "/", "Host: WWW.Example.com:8080"), want: "www.example.com"},
	})
}

func TestCompileExprErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, expr, want string }{
		{name: "unknown fetch", expr: "nope", want: "unknown fetch method 'nope'"},
		{name: "acl keyword", expr: "path_beg", want: "unknown fetch method 'path_beg'"},
		{name: "unsupported fetch", expr: "req.rdp_cookie", want: "not supported by hawser"},
		{name: "unknown converter", expr: "path,nope", want: "unknown converter 'nope'"},
		{name: "unsupported converter", expr: "path,xxh64", want: "converter 'xxh64' is not supported by hawser"},
		{name: "field index 0", expr: "path,field(0,/)", want: "index must not be 0"},
		{name: "field missing delimiter", expr: "path,field(1)", want: "missing arguments"},
		{name: "regsub bad regex", expr: "path,regsub((,x)", want: "invalid regex"},
		{name: "regsub bad flag", expr: "path,regsub(a,b,x)", want: "invalid regex flag"},
		{name: "bool bad", expr: "bool(yes)", want: "bool() expects"},
		{name: "concat bad variable", expr: "path,concat(a,nosuchscope.x,b)", want: "invalid variable name"},
		{name: "add not a number", expr: "int(1),add(x)", want: "failed to parse 'x'"},
		{name: "ipmask bad", expr: "src,ipmask(40)", want: "invalid IPv4 mask"},
		{name: "json bad code", expr: "path,json(ebcdic)", want: "unexpected input code type"},
		{name: "bad cast", expr: "str(a),b64dec,add(1)", want: "converter 'add' cannot be applied"},
		{name: "missing map", expr: "path,map(/nonexistent/x.map)", want: "failed to open pattern file"},
		{name: "trailing junk", expr: "path)", want: "missing comma after fetch keyword"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileExpr(tc.expr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CompileExpr(%q) = %v, want an error containing %q", tc.expr, err, tc.want)
			}
		})
	}
}

func writeMap(t testing.TB, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEvalMaps(t *testing.T) {
	t.Parallel()
	hosts := writeMap(t, "hosts.map", "# host to backend\nwww.example.com  web\napi.example.com  api\n.example.org org\n")
	paths := writeMap(t, "paths.map", "/api api\n/api/v2 api2\n/static static\n")
	nets := writeMap(t, "nets.map", "10.0.0.0/8 10\n10.1.0.0/16 101\n192.168.1.1 1\n2001:db8::/32 6\n")
	ints := writeMap(t, "ints.map", "80 http\n443 https\n1000:2000 high\n")
	addrs := writeMap(t, "addrs.map", "a 192.0.2.1\nb 2001:db8::7\n")
	regs := writeMap(t, "regs.map", `^/u/[0-9]+$ user`+"\n"+`\.php$ php`+"\n")
	h := func(host string) *fakeSample { return req("GET", "/", "Host: "+host) }
	p := func(path string) *fakeSample { return req("GET", path) }
	runEvalCases(t, maps.NewRegistry(), []evalCase{
		{name: "map", expr: "req.hdr(host),lower,map(" + hosts + ")", s: h("WWW.example.com"), want: "web"},
		{name: "map_str default", expr: "req.hdr(host),map_str(" + hosts + ",fallback)", s: h("other"), want: "fallback"},
		{name: "map miss", expr: "req.hdr(host),map(" + hosts + ")", s: h("other"), want: none},
		{name: "map_end", expr: "req.hdr(host),map_end(" + hosts + ")", s: h("www.example.org"), want: "org"},
		{name: "map_dom", expr: "req.hdr(host),map_dom(" + hosts + ")", s: h("a.b.example.org"), want: "org"},
		{name: "map_sub", expr: "req.hdr(host),map_sub(" + hosts + ")", s: h("x.api.example.com.y"), want: "api"},
		{name: "map_beg longest", expr: "path,map_beg(" + paths + ")", s: p("/api/v2/x"), want: "api2"},
		{name: "map_beg", expr: "path,map_beg(" + paths + ")", s: p("/api/v1"), want: "api"},
		{name: "map_dir", expr: "path,map_dir(" + paths + ")", s: p("/x/static/y.css"), want: "static"},
		{name: "map_reg", expr: "path,map_reg(" + regs + ")", s: p("/u/12"), want: "user"},
		{name: "map_reg second", expr: "path,map_reg(" + regs + ")", s: p("/index.php"), want: "php"},
		{name: "map_ip longest", expr: "src,map_ip(" + nets + ")", s: tcp("10.1.2.3:1"), want: "101"},
		{name: "map_ip host", expr: "src,map_ip(" + nets + ")", s: tcp("192.168.1.1:1"), want: "1"},
		{name: "map_ip v6", expr: "src,map_ip(" + nets + ",none)", s: tcp("[2001:db8::5]:1"), want: "6"},
		{name: "map_ip default", expr: "src,map_ip(" + nets + ",none)", s: tcp("172.16.0.1:1"), want: "none"},
		{name: "map_ip_int", expr: "src,map_ip_int(" + nets + ")", s: tcp("10.9.9.9:1"), want: "10", typ: TypeInt},
		{name: "map_ip from string", expr: "req.hdr(x-ip),map_ip(" + nets + ")", s: req("GET", "/", "X-IP: 10.1.0.9"), want: "101"},
		{name: "map_int", expr: "dst_port,map_int(" + ints + ")", s: req("GET", "/"), want: "http"},
		{name: "map_int range", expr: "int(1500),map_int(" + ints + ")", want: "high"},
		{name: "map_str_ip", expr: "str(b),map_str_ip(" + addrs + ")", want: "2001:db8::7", typ: TypeIP},
		{name: "map_str_int default", expr: "str(x),map_str_int(" + nets + ",7)", want: "7", typ: TypeInt},
	})
}

func TestMapErrors(t *testing.T) {
	t.Parallel()
	badIP := writeMap(t, "bad.map", "10.0.0.1 a\nnot-an-ip b\n")
	words := writeMap(t, "words.map", "a one\n")
	tests := []struct{ name, expr, want string }{
		{name: "bad ip key", expr: "src,map_ip(" + badIP + ")", want: "at line 2"},
		{name: "value not int", expr: "str(a),map_str_int(" + words + ")", want: "'one' is not a valid integer value at line 1"},
		{name: "default not int", expr: "str(a),map_str(" + words + "),length,map_int_int(" + words + ",x)", want: "is not a valid"},
		{name: "default not ip", expr: "str(a),map_str_ip(" + badIP + ",nope)", want: "is not a valid ip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := CompileExpr(tc.expr)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("CompileExpr(%q) = %v, want an error containing %q", tc.expr, err, tc.want)
			}
		})
	}
}

// TestMapSharedAndEdited checks that two expressions naming one file share
// it through the registry, so a runtime edit is seen by both.
func TestMapSharedAndEdited(t *testing.T) {
	t.Parallel()
	reg := maps.NewRegistry()
	f := writeMap(t, "h.map", "a 1\n")
	x1, err1 := CompileExprMaps("str(b),map("+f+",none)", reg)
	x2, err2 := CompileExprMaps("str(b),map_str_int("+f+",0)", reg)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if err := reg.Get(f).Add("b", "2"); err != nil {
		t.Fatal(err)
	}
	s := req("GET", "/")
	if v, _, _ := x1.Eval(s, nil); v.String() != "2" {
		t.Errorf("x1 = %s after add", v)
	}
	if v, _, _ := x2.Eval(s, nil); v.Int != 2 {
		t.Errorf("x2 = %v after add", v)
	}
}

func TestAppendString(t *testing.T) {
	t.Parallel()
	x, err := CompileExpr("src_port,add(1)")
	if err != nil {
		t.Fatal(err)
	}
	got, ok := x.AppendString([]byte("port="), req("GET", "/"))
	if !ok || string(got) != "port=40001" {
		t.Errorf("AppendString = %q, %v", got, ok)
	}
	x, _ = CompileExpr("req.hdr(none)")
	got, ok = x.AppendString([]byte("h="), req("GET", "/"))
	if ok || string(got) != "h=" {
		t.Errorf("AppendString without value = %q, %v", got, ok)
	}
}

func TestEvalNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	s := req("GET", "/api/v1?id=3", "Host: WWW.Example.com:8080")
	for _, expr := range []string{"req.hdr(host),lower,field(1,:)", "path,length,add(3)", "src,ipmask(16)", "urlp(id),mul(2)"} {
		x, err := CompileExpr(expr)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 0, 256)
		if n := testing.AllocsPerRun(100, func() { x.Eval(s, buf[:0]) }); n != 0 {
			t.Errorf("%s: %v allocations per Eval", expr, n)
		}
	}
}

func BenchmarkEval(b *testing.B) {
	hosts := writeMap(b, "hosts.map", "www.example.com web\n")
	s := req("GET", "/api/v1?id=3", "Host: WWW.Example.com:8080", "Accept: */*")
	for _, expr := range []string{
		"path", "req.hdr(host),lower,field(1,:)", "req.hdr(host),lower,field(1,:),map(" + hosts + ",default)",
		"src,ipmask(16)", "path,regsub(^/api/,/,g)",
	} {
		b.Run(expr, func(b *testing.B) {
			x, err := CompileExpr(expr)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 256)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, ok := x.Eval(s, buf[:0]); !ok {
					b.Fatal("no value")
				}
			}
		})
	}
}

// FuzzCompileExpr checks that no expression text makes CompileExpr or
// Eval panic.
func FuzzCompileExpr(f *testing.F) {
	for _, seed := range []string{
		"req.hdr(host),lower,map_str(/nonexistent,default)", "str(f1_f2),field(-2,_,3)", "str(a),word(1,_,0)",
		`str(x),regsub("a(b)",\1,gi)`, "int(3),div(0),neg,bool", "src,ipmask(255.0.0.0,64)",
		"str(%41),url_dec,json(utf8s),base64,b64dec,hex", "cook(a),bytes(1,2)", "req.hdrs,length", "str(",
		"str(a),concat(,,", "rand(10),sdbm(1)", "base,crc32", "path,ltrim(/),rtrim(/)",
	} {
		f.Add(seed)
	}
	s := req("GET", "/a%20b?x=1", "Host: h", "Cookie: a=1; b", "X: 1,2")
	f.Fuzz(func(t *testing.T, text string) {
		x, err := CompileExpr(text)
		if err != nil {
			return
		}
		x.Eval(s, nil)
		x.Eval(tcp("[::1]:1"), nil)
	})
}

// TestACLFiles checks "-f" files served by the map registry, "-M" map
// files used as pattern lists, and that a runtime edit of a shared file
// reaches the ACL.
func TestACLFiles(t *testing.T) {
	t.Parallel()
	nets := writeMap(t, "nets.lst", "10.0.0.0/8\n# comment\n192.168.1.1\n2001:db8::/32\n")
	hosts := writeMap(t, "hosts.map", "www.example.com web\napi.example.com api\n")
	reg := maps.NewRegistry()
	compile := func(def string) *Cond {
		c, err := CompileMaps([]string{"x"}, false, Defs{"x": {strings.Fields(def)}}, reg)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name string
		def  string
		s    *fakeSample
		want bool
	}{
		{name: "ip file", def: "src -f " + nets, s: tcp("10.2.3.4:1"), want: true},
		{name: "ip file host", def: "src -f " + nets, s: tcp("192.168.1.1:1"), want: true},
		{name: "ip file miss", def: "src -f " + nets, s: tcp("192.168.1.2:1"), want: false},
		{name: "ip file v6", def: "src -f " + nets, s: tcp("[2001:db8::9]:1"), want: true},
		{name: "map as patterns", def: "req.hdr(host) -M -f " + hosts, s: req("GET", "/", "Host: api.example.com"), want: true},
		{name: "map as patterns icase", def: "req.hdr(host) -i -M -f " + hosts, s: req("GET", "/", "Host: API.example.com"), want: true},
		{name: "map as patterns miss", def: "req.hdr(host) -M -f " + hosts, s: req("GET", "/", "Host: web"), want: false},
		{name: "map_end as patterns", def: "req.hdr(host) -m end -M -f " + hosts, s: req("GET", "/", "Host: x.www.example.com"), want: true},
		{name: "inline str set", def: "path /a /b /c", s: req("GET", "/b"), want: true},
		{name: "inline str icase", def: "path -i /A /B", s: req("GET", "/b"), want: true},
		{name: "inline beg longest", def: "path_beg /x /api", s: req("GET", "/api/v1"), want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := compile(tc.def).Match(tc.s); got != tc.want {
				t.Errorf("%s: Match = %v, want %v", tc.def, got, tc.want)
			}
		})
	}
	t.Run("runtime add", func(t *testing.T) {
		t.Parallel()
		f := writeMap(t, "blocked.lst", "10.0.0.1\n")
		c := compile("src -f " + f)
		s := tcp("172.16.0.9:1")
		if c.Match(s) {
			t.Fatal("matched before add")
		}
		if err := reg.Get(f).Add("172.16.0.0/12", ""); err != nil {
			t.Fatal(err)
		}
		if !c.Match(s) {
			t.Fatal("add not seen by the ACL")
		}
	})
}

func BenchmarkMatchIPFile100k(b *testing.B) {
	var sb strings.Builder
	for i := range 100_000 {
		sb.WriteString(ipv4(int64(0x0a000000 + i*256)).String())
		sb.WriteString("/24\n")
	}
	f := writeMap(b, "nets.lst", sb.String())
	c, err := Compile([]string{"x"}, false, Defs{"x": {{"src", "-f", f}}})
	if err != nil {
		b.Fatal(err)
	}
	s := tcp("10.1.2.3:1")
	b.ReportAllocs()
	for b.Loop() {
		if !c.Match(s) {
			b.Fatal("no match")
		}
	}
}
