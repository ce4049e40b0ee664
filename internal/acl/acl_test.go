package acl

import (
	"strings"
	"testing"
)

// benchConds are the conditions of BenchmarkMatch and TestMatchNoAlloc,
// with a request each matches.
var benchConds = []struct {
	name string
	cond string
	s    *fakeSample
}{
	{name: "path_beg", cond: "{ path_beg /api }", s: req("GET", "/api/v1/users?id=3", "Host: example.com", "Accept: */*")},
	{name: "hdr_host_icase", cond: "{ hdr(host) -i example.com }", s: req("GET", "/", "User-Agent: bench", "Accept: */*", "Host: Example.COM")},
	{name: "hdr_occurrence", cond: "{ hdr(x-forwarded-for,-1) -m ip 10.0.0.0/8 }", s: req("GET", "/", "X-Forwarded-For: 1.1.1.1, 10.0.0.7")},
	{name: "path_reg", cond: "{ path_reg ^/api/v[0-9]+/ }", s: req("GET", "/api/v1/users")},
	{name: "lower", cond: "{ path,lower -m beg /api }", s: req("GET", "/API/v1")},
	{name: "src_or_method", cond: "!{ src 192.168.0.0/16 } METH_GET || HTTP_1.0", s: req("GET", "/")},
	{name: "urlp", cond: "{ urlp(id) -m int gt 2 }", s: req("GET", "/p?a=1&id=3")},
}

func compileBench(tb testing.TB, cond string) *Cond {
	tb.Helper()
	c, err := Compile(strings.Fields(cond), false, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func BenchmarkMatch(b *testing.B) {
	for _, bc := range benchConds {
		b.Run(bc.name, func(b *testing.B) {
			c := compileBench(b, bc.cond)
			b.ReportAllocs()
			for b.Loop() {
				if !c.Match(bc.s) {
					b.Fatal("no match")
				}
			}
		})
	}
}

// TestMatchNoAlloc guards the promise that matching does not allocate.
// It counts allocations, not time, so it is stable.
func TestMatchNoAlloc(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items under the race detector")
	}
	for _, bc := range benchConds {
		c := compileBench(t, bc.cond)
		if !c.Match(bc.s) {
			t.Fatalf("%s: no match", bc.name)
		}
		if n := testing.AllocsPerRun(100, func() { c.Match(bc.s) }); n != 0 {
			t.Errorf("%s: %v allocations per Match", bc.name, n)
		}
	}
}

// FuzzCompile checks that no condition text makes Compile or Match panic.
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		"is_api", "!is_api || METH_GET", "{ path_beg /api } or { hdr(host) -i a.b }",
		"{ hdr(x,-2) -m ip 10.0.0.0/8 ::1 }", "{ urlp(a,;,i) -m len gt 3 }",
		"{ path,lower,upper -m dom x }", "{ int(3) lt 4 ne 5 1:2 }", "{ str(\"a,\\)b\") -m reg (?i)A }",
		"{ src 10.12/8 127.1 ::ffff:1.2.3.4/120 }", "{ hdr_dir(referer) /a/ }", "{ path -m bin 00ff }",
		"{", "}", "!", "{ }", "{ hdr( }", "{ path -m }",
	} {
		f.Add(seed)
	}
	d := defs("is_api path_beg /api", "is_api hdr_sub(host) api")
	samples := []*fakeSample{
		req("GET", "/api/x?a=1;b=2", "Host: api.example.com", "X: 10.0.0.1, \"q,\\\"\" , ,", "Referer: /a/b"),
		req("POST", "*"),
		tcp("[2002:a00:1::1]:9"),
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Compile(strings.Fields(text), false, d)
		if err != nil {
			return
		}
		for _, s := range samples {
			c.Match(s)
		}
	})
}
