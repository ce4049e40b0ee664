package acl

import (
	"strings"
	"testing"
)

func TestMatchMethods(t *testing.T) {
	t.Parallel()
	s := req("GET", "/images/png/logo/32x32.png", "Host: www1.dc-eu.example.com:80", "X-Num: 42", "X-Bin: Hello")
	runDefCases(t, []defCase{
		{name: "str", def: "path -m str /images/png/logo/32x32.png", s: s, want: true},
		{name: "beg", def: "path -m beg /images", s: s, want: true},
		{name: "end", def: "path -m end .png", s: s, want: true},
		{name: "sub", def: "path -m sub logo", s: s, want: true},
		{name: "reg", def: "path -m reg png$", s: s, want: true},
		{name: "len", def: "path -m len 26", s: s, want: true},
		{name: "len op", def: "path -m len gt 30", s: s, want: false},
		{name: "found", def: "hdr(x-num) -m found", s: s, want: true},
		{name: "found ignores patterns", def: "hdr(x-num) -m found nothing", s: s, want: true},
		{name: "bool on int", def: "hdr_val(x-num) -m bool", s: s, want: true},
		{name: "bool on zero", def: "int(0) -m bool", s: s, want: false},
		{name: "bool on string", def: "hdr(x-num) -m bool", s: s, want: true},
		{name: "bool on non-number string", def: "hdr(host) -m bool", s: s, want: false},
		{name: "int on string", def: "hdr(x-num) -m int 40:50", s: s, want: true},
		{name: "int on bool", def: "always_true -m int 1", s: s, want: true},
		{name: "bin", def: "hdr(x-bin) -m bin 48656c6c6f", s: s, want: true},
		{name: "bin upper hex", def: "hdr(x-bin) -m bin 48656C6C6F", s: s, want: true},
		{name: "bin miss", def: "hdr(x-bin) -m bin 48656c6c", s: s, want: false},
		{name: "str on ip", def: "src -m str 10.0.0.1", s: s, want: true},
		{name: "beg on int", def: "dst_port -m beg 8", s: s, want: true},
		{name: "ip on string", def: "hdr(x-none,1) -m ip 10.0.0.0/8", s: s, want: false},

		// dir and dom follow the examples of configuration.txt 7.1.3.
		{name: "dir /images", def: "path_dir /images", s: s, want: true},
		{name: "dir /images/png", def: "path_dir /images/png", s: s, want: true},
		{name: "dir images/png", def: "path_dir images/png", s: s, want: true},
		{name: "dir /png/logo", def: "path_dir /png/logo", s: s, want: true},
		{name: "dir logo/32x32.png", def: "path_dir logo/32x32.png", s: s, want: true},
		{name: "dir 32x32.png", def: "path_dir 32x32.png", s: s, want: true},
		// configuration.txt says "png" does not match, but HAProxy's
		// match_word() finds it between two slashes; hawser does as the
		// code does.
		{name: "dir png", def: "path_dir png", s: s, want: true},
		{name: "dir logo/32x32", def: "path_dir logo/32x32", s: s, want: false},
		{name: "dir 32x32", def: "path_dir 32x32", s: s, want: false},
		{name: "dir only slashes", def: "path_dir //", s: s, want: false},
		{name: "dom www1", def: "hdr_dom(host) www1", s: s, want: true},
		{name: "dom .www1", def: "hdr_dom(host) .www1", s: s, want: true},
		{name: "dom dc-eu.example", def: "hdr_dom(host) dc-eu.example", s: s, want: true},
		{name: "dom 80", def: "hdr_dom(host) 80", s: s, want: true},
		{name: "dom :www1:", def: "hdr_dom(host) :www1:", s: s, want: true},
		{name: "dom eu", def: "hdr_dom(host) eu", s: s, want: false},
		{name: "dom dc", def: "hdr_dom(host) dc", s: s, want: false},
		{name: "dom -i", def: "hdr_dom(host) -i EXAMPLE", s: s, want: true},
	})
}

func TestMatchInt(t *testing.T) {
	t.Parallel()
	s := tcp("10.0.0.1:1")
	runDefCases(t, []defCase{
		{name: "eq implicit", def: "int(5) 5", s: s, want: true},
		{name: "eq", def: "int(5) eq 5", s: s, want: true},
		{name: "ne", def: "int(5) ne 5", s: s, want: false},
		{name: "ne other", def: "int(5) ne 6", s: s, want: true},
		{name: "lt", def: "int(5) lt 5", s: s, want: false},
		{name: "lt true", def: "int(5) lt 6", s: s, want: true},
		{name: "le", def: "int(5) le 5", s: s, want: true},
		{name: "gt", def: "int(5) gt 5", s: s, want: false},
		{name: "gt true", def: "int(5) gt 4", s: s, want: true},
		{name: "ge", def: "int(5) ge 5", s: s, want: true},
		{name: "range", def: "int(5) 1:10", s: s, want: true},
		{name: "range out", def: "int(50) 1:10", s: s, want: false},
		{name: "open high", def: "int(50) 10:", s: s, want: true},
		{name: "open low", def: "int(5) :10", s: s, want: true},
		{name: "open low out", def: "int(11) :10", s: s, want: false},
		{name: "several values", def: "int(7) 1 3 7", s: s, want: true},
		{name: "operator applies to all values", def: "int(7) gt 10 6", s: s, want: true},
		{name: "operator change", def: "int(7) gt 10 eq 7", s: s, want: true},
		{name: "lt min", def: "int(5) lt -9223372036854775808", s: s, want: false},
		{name: "gt max", def: "int(5) gt 9223372036854775807", s: s, want: false},
	})
}

func TestMatchIP(t *testing.T) {
	t.Parallel()
	runDefCases(t, []defCase{
		{name: "v4 exact", def: "src 10.0.0.1", s: tcp("10.0.0.1:1"), want: true},
		{name: "v4 cidr", def: "src 192.168.0.0/16", s: tcp("192.168.3.4:1"), want: true},
		{name: "v4 netmask", def: "src 192.168.0.0/255.255.0.0", s: tcp("192.168.3.4:1"), want: true},
		{name: "v4 abbreviated", def: "src 127.1", s: tcp("127.0.0.1:1"), want: true},
		{name: "v4 abbreviated three parts", def: "src 192.168.1", s: tcp("192.168.0.1:1"), want: true},
		{name: "v4 abbreviated with mask", def: "src 10.12/8", s: tcp("10.200.0.1:1"), want: true},
		{name: "v4 several", def: "src 1.1.1.1 2.2.2.2", s: tcp("2.2.2.2:1"), want: true},
		{name: "v4 miss", def: "src 10.0.0.0/8", s: tcp("11.0.0.1:1"), want: false},
		{name: "v6 exact", def: "src 2001:db8::1", s: tcp("[2001:db8::1]:1"), want: true},
		{name: "v6 cidr", def: "src 2001:db8::/32", s: tcp("[2001:db8:1::5]:1"), want: true},
		{name: "v6 miss", def: "src 2001:db8::/32", s: tcp("[2001:db9::5]:1"), want: false},
		{name: "mapped source v4 pattern", def: "src 10.0.0.0/8", s: tcp("[::ffff:10.1.1.1]:1"), want: true},
		{name: "compat source v4 pattern", def: "src 10.0.0.0/8", s: tcp("[::10.1.1.1]:1"), want: true},
		{name: "6to4 source v4 pattern", def: "src 10.0.0.0/8", s: tcp("[2002:a01:101::1]:1"), want: true},
		{name: "plain v6 source v4 pattern", def: "src 10.0.0.0/8", s: tcp("[2001:db8::1]:1"), want: false},
		{name: "v4 source mapped v6 pattern", def: "src ::ffff:10.0.0.0/104", s: tcp("10.1.1.1:1"), want: true},
		{name: "v4 source mapped v6 pattern written v4", def: "src ::ffff:10.1.1.1", s: tcp("10.1.1.1:1"), want: true},
		{name: "v4 source v6 pattern", def: "src 2001:db8::/32", s: tcp("10.1.1.1:1"), want: false},
	})
}

func TestIgnoreCase(t *testing.T) {
	t.Parallel()
	s := req("GET", "/Admin/Index.HTML", "Host: WWW.Example.com")
	runDefCases(t, []defCase{
		{name: "str", def: "path -i /admin/index.html", s: s, want: true},
		{name: "str without -i", def: "path /admin/index.html", s: s, want: false},
		{name: "beg", def: "path_beg -i /ADMIN", s: s, want: true},
		{name: "end", def: "path_end -i .html", s: s, want: true},
		{name: "sub", def: "path_sub -i INDEX", s: s, want: true},
		{name: "reg", def: "path_reg -i ^/admin/", s: s, want: true},
		{name: "reg without -i", def: "path_reg ^/admin/", s: s, want: false},
		{name: "dir", def: "path_dir -i admin", s: s, want: true},
		{name: "dom", def: "hdr_dom(host) -i example", s: s, want: true},
		{name: "-i is a pattern after values", def: "path /x -i", s: req("GET", "-i"), want: true},
		{name: "double dash", def: "path -- -i", s: req("GET", "-i"), want: true},
	})
}

func TestPatternFiles(t *testing.T) {
	t.Parallel()
	runDefCases(t, []defCase{
		{name: "beg from file", def: "path_beg -f testdata/prefixes.lst", s: req("GET", "/v2/x"), want: true},
		{name: "leading blanks stripped", def: "path_beg -f testdata/prefixes.lst", s: req("GET", "/api"), want: true},
		{name: "comments skipped", def: "path_beg -f testdata/prefixes.lst", s: req("GET", "/never"), want: false},
		{name: "indented comment skipped", def: "path_beg -f testdata/prefixes.lst", s: req("GET", "#"), want: false},
		{name: "case-sensitive file", def: "path_beg -f testdata/prefixes.lst", s: req("GET", "/upper"), want: false},
		{name: "-i before file", def: "path_beg -i -f testdata/prefixes.lst", s: req("GET", "/UPPER"), want: true},
		{name: "-i after file applies to later values", def: "hdr(host) -f testdata/hosts.lst -i other.org", s: req("GET", "/", "Host: OTHER.org"), want: true},
		{name: "-i after file not to the file", def: "hdr(host) -f testdata/hosts.lst -i other.org", s: req("GET", "/", "Host: example.com"), want: false},
		{name: "file and values", def: "path_beg -f testdata/prefixes.lst /static", s: req("GET", "/static/a"), want: true},
		{name: "two files", def: "src -f testdata/nets.lst -f testdata/nets2.lst", s: tcp("172.16.9.9:1"), want: true},
		{name: "ip file v4", def: "src -f testdata/nets.lst", s: tcp("10.9.9.9:1"), want: true},
		{name: "ip file v6", def: "src -f testdata/nets.lst", s: tcp("[2001:db8::9]:1"), want: true},
		{name: "ip file miss", def: "src -f testdata/nets.lst", s: tcp("192.168.1.2:1"), want: false},
		{name: "-m before file", def: "hdr(host) -m end -f testdata/hosts.lst", s: req("GET", "/", "Host: www.EXAMPLE.com"), want: true},
		{name: "int file", def: "hdr_val(content-length) -f testdata/ints.lst", s: req("POST", "/", "Content-Length: 300"), want: true},
	})
}

func TestForcedMethod(t *testing.T) {
	t.Parallel()
	s := req("GET", "/api/v1", "Host: www.example.com")
	runDefCases(t, []defCase{
		{name: "overrides derivative", def: "hdr_dom(host) -m beg www.", s: s, want: true},
		{name: "equivalent forms beg", def: "hdr_beg(host) www.", s: s, want: true},
		{name: "equivalent forms hdr", def: "hdr(host) -m beg www.", s: s, want: true},
		{name: "path_beg as str", def: "path_beg -m str /api", s: s, want: false},
		{name: "-m after -i", def: "path -i -m beg /API", s: s, want: true},
	})
}

// TestCheckACLErrors covers the messages "hawser -c" prints for one "acl"
// line; they follow HAProxy's wording where HAProxy has one.
func TestCheckACLErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		def  string
		want string
	}{
		{name: "empty", def: "", want: "missing fetch method"},
		{name: "unknown fetch", def: "pathh /x", want: "unknown fetch method 'pathh' in ACL expression 'pathh'"},
		{name: "unknown fetch with args", def: "foo(1) 1", want: "unknown fetch method 'foo' in ACL expression 'foo(1)'"},
		{name: "unsupported ssl_fc_npn", def: "ssl_fc_npn", want: "fetch method 'ssl_fc_npn' is not supported by hawser"},
		{name: "unsupported res.ssl_hello_type", def: "res.ssl_hello_type -m found", want: "fetch method 'res.ssl_hello_type' is not supported by hawser"},
		{name: "unsupported req.rdp_cookie", def: "req.rdp_cookie -m found", want: "fetch method 'req.rdp_cookie' is not supported by hawser"},
		{name: "bad var scope", def: "var(foo.x) -m found", want: "unknown variable scope"},
		{name: "unsupported derivative", def: "res.hdr_ip(a) 10.0.0.1", want: "fetch method 'res.hdr_ip' is not supported by hawser"},
		{name: "missing argument", def: "req.fhdr -m found", want: "fetch method 'req.fhdr' : missing arguments (got 0/1), type 'string' expected in ACL expression 'req.fhdr'"},
		{name: "missing int argument", def: "int -m found", want: "missing arguments (got 0/1), type 'integer' expected"},
		{name: "too many arguments", def: "hdr(a,1,2) x", want: "fetch method 'hdr' : end of arguments expected at position 3, but got '2'"},
		{name: "args to no-arg fetch", def: "path(x) /", want: "end of arguments expected at position 1, but got 'x'"},
		{name: "bad int argument", def: "hdr(a,b) x", want: "failed to parse 'b' as type 'integer' at position 2"},
		{name: "missing paren", def: "hdr(host x", want: "expected ')'"},
		{name: "junk after args", def: "hdr(host)x y", want: "missing comma after fetch keyword"},
		{name: "bad urlp delimiter", def: "urlp(a,;;) x", want: "delimiter must be a single character"},
		{name: "unknown converter", def: "path,lowr /x", want: "unknown converter 'lowr' in ACL expression 'path,lowr'"},
		{name: "unsupported converter", def: "path,sha1 x", want: "converter 'sha1' is not supported by hawser"},
		{name: "missing map file", def: "path,map(f.map) x", want: "failed to open pattern file 'f.map'"},
		{name: "converter without name", def: "path, /x", want: "missing converter name"},
		{name: "converter args", def: "path,lower(1) /x", want: "invalid args in converter 'lower' : end of arguments expected"},
		{name: "unknown method", def: "path -m foo /x", want: "unknown matching method 'foo'"},
		{name: "two methods", def: "path -m beg -m end /x", want: "only one explicit matching method"},
		{name: "method after file", def: "path -f testdata/prefixes.lst -m beg", want: "'-m' must only be specified before patterns and files"},
		{name: "method incompatible", def: "src -m bin 00", want: "matching method 'bin' cannot be used with fetch keyword 'src'"},
		{name: "bin incompatible with int", def: "int(1) -m bin 00", want: "matching method 'bin' cannot be used"},
		{name: "ip incompatible with int", def: "dst_port -m ip 1.2.3.4", want: "matching method 'ip' cannot be used"},
		{name: "bad flag", def: "path -x /x", want: "'-x' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'"},
		{name: "negative int looks like flag", def: "int(1) -1", want: "'-1' is not a valid ACL option"},
		{name: "flag without argument", def: "path -f", want: "'-f' expects an argument"},
		{name: "map flag with len", def: "path -m len -M -f testdata/ints.lst", want: "'-M' cannot be used with matching method 'len'"},
		{name: "bad -u", def: "path -u abc /x", want: "the argument of -u must be an integer"},
		{name: "missing file", def: "path -f testdata/nope.lst", want: "failed to open pattern file 'testdata/nope.lst'"},
		{name: "bad pattern in file", def: "src -f testdata/badip.lst", want: "'not-an-ip' is not a valid IPv4 or IPv6 address at line 1 of file 'testdata/badip.lst'"},
		{name: "bad regex", def: "path_reg ^(/x", want: "regex '^(/x': error parsing regexp"},
		{name: "bad int", def: "int(1) abc", want: "'abc' is neither a number nor a supported operator"},
		{name: "bad range", def: "int(1) :", want: "':' is neither a number"},
		{name: "bad ip", def: "src 10.0.0.300", want: "'10.0.0.300' is not a valid IPv4 or IPv6 address"},
		{name: "host name refused", def: "src localhost", want: "'localhost' is not a valid IPv4 or IPv6 address"},
		{name: "bad v4 mask", def: "src 10.0.0.0/33", want: "is not a valid IPv4"},
		{name: "non-contiguous mask", def: "src 10.0.0.0/255.0.255.0", want: "is not a valid IPv4"},
		{name: "bad v6 mask", def: "src ::1/129", want: "is not a valid IPv4 or IPv6"},
		{name: "bad hex", def: "path -m bin 0g", want: "'0g' is not a valid hexadecimal binary string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := CheckACL(strings.Fields(tc.def))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("CheckACL(%q) = %v, want an error containing %q", tc.def, err, tc.want)
			}
		})
	}
}

func TestCheckACLValid(t *testing.T) {
	t.Parallel()
	for _, def := range []string{
		"path_beg /api",
		"hdr(host) -i example.com www.example.com",
		"src 10.0.0.0/8 ::1",
		"path_len gt 100",
		"req.hdr(x-forwarded-for,-1) -m ip 10.0.0.0/8",
		"path -m found",
		"path,lower -m sub admin",
		"urlp(id,;) -m int 1:",
		"path_beg -n -u 7 -- -x",
		"path",
	} {
		t.Run(def, func(t *testing.T) {
			t.Parallel()
			if err := CheckACL(strings.Fields(def)); err != nil {
				t.Errorf("CheckACL(%q) = %v", def, err)
			}
		})
	}
}
