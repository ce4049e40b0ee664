package balance

import (
	"context"
	"net/netip"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// req is a fake acl.Sample.
type req struct {
	src     netip.AddrPort
	noHTTP  bool
	uri     string
	headers [][2]string
}

func (r *req) Src() netip.AddrPort { return r.src }
func (r *req) Dst() netip.AddrPort { return netip.AddrPort{} }
func (r *req) HTTP() bool          { return !r.noHTTP }
func (r *req) Method() []byte      { return []byte("GET") }
func (r *req) URI() []byte         { return []byte(r.uri) }
func (r *req) Version() []byte     { return []byte("1.1") }

func (r *req) Path() []byte {
	p := pathOf([]byte(r.uri))
	for i, c := range p {
		if c == '?' {
			return p[:i]
		}
	}
	return p
}

func (r *req) Query() []byte {
	for i := 0; i < len(r.uri); i++ {
		if r.uri[i] == '?' {
			return []byte(r.uri[i+1:])
		}
	}
	return nil
}

func (r *req) Headers(fn func(name, value []byte) bool) {
	for _, h := range r.headers {
		if !fn([]byte(h[0]), []byte(h[1])) {
			return
		}
	}
}

// srv returns an up server of the given weight in backend "be".
func srv(name string, weight int, opts ...func(*Server)) *Server {
	sv := &Server{Name: name, Addr: name + ":80", State: server.NewState("be", name), Weight: weight}
	for _, o := range opts {
		o(sv)
	}
	return sv
}

func backup(sv *Server)           { sv.Backup = true }
func id(n int) func(*Server)      { return func(sv *Server) { sv.ID = n } }
func maxconn(n int) func(*Server) { return func(sv *Server) { sv.MaxConn = n } }
func maxqueue(n int) func(*Server) {
	return func(sv *Server) { sv.MaxQueue = n }
}

func newPool(t testing.TB, cfg config.Balance, opts Options, servers ...*Server) *Pool {
	t.Helper()
	p, err := New(cfg, servers, NewQueue(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pickReleased acquires and releases at once, returning the server name.
func pickReleased(t testing.TB, p *Pool, s *req) string {
	t.Helper()
	sv, err := p.Acquire(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	p.Release(sv)
	return sv.Name
}

// pickHeld acquires and keeps the slot.
func pickHeld(t testing.TB, p *Pool, s *req) string {
	t.Helper()
	sv, err := p.Acquire(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	return sv.Name
}

// counts picks n times (released at once) and counts servers.
func counts(t testing.TB, p *Pool, n int, s func(i int) *req) map[string]int {
	t.Helper()
	m := map[string]int{}
	for i := range n {
		m[pickReleased(t, p, s(i))]++
	}
	return m
}

func plain(int) *req { return &req{uri: "/"} }
