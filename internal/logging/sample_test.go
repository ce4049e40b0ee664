package logging

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// fakeReq is an acl.Sample for one HTTP request.
type fakeReq struct {
	path string
	hdrs [][2]string
}

func (r *fakeReq) Src() netip.AddrPort { return netip.MustParseAddrPort("192.0.2.7:5555") }
func (r *fakeReq) Dst() netip.AddrPort { return netip.MustParseAddrPort("192.0.2.1:80") }
func (r *fakeReq) HTTP() bool          { return true }
func (r *fakeReq) Method() []byte      { return []byte("GET") }
func (r *fakeReq) URI() []byte         { return []byte(r.path) }
func (r *fakeReq) Path() []byte        { return []byte(r.path) }
func (r *fakeReq) Query() []byte       { return nil }
func (r *fakeReq) Version() []byte     { return []byte("1.1") }

func (r *fakeReq) Headers(fn func(name, value []byte) bool) {
	for _, h := range r.hdrs {
		if !fn([]byte(h[0]), []byte(h[1])) {
			return
		}
	}
}

func TestAppendSample(t *testing.T) {
	t.Parallel()
	mapFile := filepath.Join(t.TempDir(), "hosts.map")
	if err := os.WriteFile(mapFile, []byte("www.example.com web\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := &fakeReq{path: "/a", hdrs: [][2]string{{"Host", "WWW.Example.com"}, {"X-Q", `say "hi"]`}}}
	tests := []struct {
		name   string
		format string
		want   string
	}{
		{name: "fetch", format: "%[src] %[path]", want: "192.0.2.7 /a"},
		{name: "converters", format: "host=%[req.hdr(host),lower]", want: "host=www.example.com"},
		{name: "map", format: "%[req.hdr(host),lower,map(" + mapFile + ",none)]", want: "web"},
		{name: "integer", format: "%[src_port,add(1)]", want: "5556"},
		{name: "missing value", format: "%[req.hdr(none)] x", want: "- x"},
		{name: "quoted", format: "%{+Q}[req.hdr(host)]", want: `"WWW.Example.com"`},
		{name: "quoted missing", format: "%{+Q}[req.hdr(none)]", want: `""`},
		{name: "escaped", format: "%{+E}[req.hdr(x-q)]", want: `say \"hi\"\]`},
		{name: "bracket in argument", format: "%[path,regsub([a],b)]!", want: "/b!"},
		{name: "mixed with aliases", format: "%ci %[method] %ST", want: "10.0.1.2 GET 200"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFormat(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(f.AppendSample(nil, httpEntry(), r)); got != tc.want {
				t.Errorf("AppendSample(%q) = %q, want %q", tc.format, got, tc.want)
			}
		})
	}
}

// TestAppendWithoutSample checks that Append still works and logs "-"
// for expressions.
func TestAppendWithoutSample(t *testing.T) {
	t.Parallel()
	f, err := ParseFormat("%ci %[src] %{+Q}[path]")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(f.Append(nil, httpEntry())); got != `10.0.1.2 - ""` {
		t.Errorf("Append = %q", got)
	}
}

func BenchmarkAppendSample(b *testing.B) {
	f, err := ParseFormat("%ci [%tr] %[req.hdr(host),lower] %{+Q}[path] %ST")
	if err != nil {
		b.Fatal(err)
	}
	r := &fakeReq{path: "/index.html", hdrs: [][2]string{{"Host", "WWW.Example.com"}}}
	e := httpEntry()
	buf := make([]byte, 0, 512)
	b.ReportAllocs()
	for b.Loop() {
		buf = f.AppendSample(buf[:0], e, r)
	}
}
