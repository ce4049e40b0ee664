package acl

import (
	"net/netip"
	"strings"
)

// fakeSample is a Sample built from a request line and headers. Its fields
// are computed up front so that benchmarks measure only the ACL engine.
type fakeSample struct {
	src, dst                 netip.AddrPort
	notHTTP                  bool
	method, uri, path, query []byte
	version                  []byte
	hdrs                     [][2][]byte
}

var _ Sample = (*fakeSample)(nil)

// req builds an HTTP/1.1 request from 10.0.0.1:40000 to 10.0.0.2:80.
// Headers are "Name: value" strings.
func req(method, uri string, hdrs ...string) *fakeSample {
	s := &fakeSample{
		src:     netip.MustParseAddrPort("10.0.0.1:40000"),
		dst:     netip.MustParseAddrPort("10.0.0.2:80"),
		method:  []byte(method),
		uri:     []byte(uri),
		version: []byte("1.1"),
	}
	path, query, hasQuery := strings.Cut(uri, "?")
	if i := strings.Index(path, "://"); i >= 0 {
		path = path[i+3:]
		if j := strings.IndexByte(path, '/'); j >= 0 {
			path = path[j:]
		} else {
			path = ""
		}
	}
	s.path = []byte(path)
	if hasQuery {
		s.query = []byte(query)
	}
	for _, h := range hdrs {
		name, val, _ := strings.Cut(h, ":")
		s.hdrs = append(s.hdrs, [2][]byte{[]byte(name), []byte(strings.TrimLeft(val, " "))})
	}
	return s
}

func (s *fakeSample) withSrc(addr string) *fakeSample {
	s.src = netip.MustParseAddrPort(addr)
	return s
}

func (s *fakeSample) withVersion(v string) *fakeSample {
	s.version = []byte(v)
	return s
}

// tcp is a connection with no HTTP request.
func tcp(src string) *fakeSample {
	return &fakeSample{
		notHTTP: true,
		src:     netip.MustParseAddrPort(src),
		dst:     netip.MustParseAddrPort("10.0.0.2:443"),
	}
}

func (s *fakeSample) Src() netip.AddrPort { return s.src }
func (s *fakeSample) Dst() netip.AddrPort { return s.dst }
func (s *fakeSample) HTTP() bool          { return !s.notHTTP }

func (s *fakeSample) Method() []byte  { return s.http(s.method) }
func (s *fakeSample) URI() []byte     { return s.http(s.uri) }
func (s *fakeSample) Path() []byte    { return s.http(s.path) }
func (s *fakeSample) Query() []byte   { return s.http(s.query) }
func (s *fakeSample) Version() []byte { return s.http(s.version) }

func (s *fakeSample) http(b []byte) []byte {
	if s.notHTTP {
		return nil
	}
	return b
}

func (s *fakeSample) Headers(fn func(name, value []byte) bool) {
	if s.notHTTP {
		return
	}
	for _, h := range s.hdrs {
		if !fn(h[0], h[1]) {
			return
		}
	}
}
