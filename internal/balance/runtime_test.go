package balance

import (
	"context"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// TestRuntimeOverrides: weights and maxconn set at run time in the
// server's live state apply at the next pick, without a new Pool.
func TestRuntimeOverrides(t *testing.T) {
	t.Parallel()
	a := &Server{Name: "a", Addr: "a:1", Key: "b/a@a:1", State: server.NewState("b", "a"), Weight: 1}
	b := &Server{Name: "b", Addr: "b:1", Key: "b/b@b:1", State: server.NewState("b", "b"), Weight: 1}
	p, err := New(config.Balance{Algorithm: "roundrobin"}, []*Server{a, b}, NewQueue(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	pick := func() *Server {
		sv, err := p.Acquire(context.Background(), &req{})
		if err != nil {
			t.Fatal(err)
		}
		p.Release(sv)
		return sv
	}
	a.State.SetUserWeight(3)
	counts := map[string]int{}
	for range 40 {
		counts[pick().Name]++
	}
	if counts["a"] != 30 || counts["b"] != 10 {
		t.Errorf("weights 3:1: %v", counts)
	}
	b.State.SetUserWeight(0)
	for range 4 {
		if sv := pick(); sv != a {
			t.Fatalf("picked %s with weight 0", sv.Name)
		}
	}

	a.State.SetUserMaxConn(1)
	sv, err := p.Acquire(context.Background(), &req{})
	if err != nil || sv != a {
		t.Fatalf("first: %v %v", sv, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if sv2, err := p.Acquire(ctx, &req{}); err == nil {
		t.Errorf("second acquire beyond maxconn 1 got %s", sv2.Name)
	}
	p.Release(sv)

	a.State.SetTarget(&server.Target{Base: "a:1", Addr: "c:2", Key: "b/a@c:2"})
	if addr, key := a.Target(); addr != "c:2" || key != "b/a@c:2" {
		t.Errorf("target %s %s", addr, key)
	}
	a.Addr = "d:1" // a reload moved the server: the runtime address no longer applies
	if addr, _ := a.Target(); addr != "d:1" {
		t.Errorf("target after config move %s", addr)
	}
}
