package resolver

import (
	"context"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/test/lbtest"
)

func testClient(d *lbtest.DNS) *Client {
	return New(&config.Resolvers{
		Name:           "dns",
		Nameservers:    []config.Nameserver{{Name: "ns1", Address: d.Addr}},
		ResolveRetries: 2, TimeoutRetry: 2 * time.Second, TimeoutResolve: 50 * time.Millisecond,
	})
}

func TestLookup(t *testing.T) {
	t.Parallel()
	d := lbtest.NewDNS(t)
	d.Set("app.test", "10.0.0.1", "2001:db8::1")
	c := testClient(d)
	tests := []struct {
		name, host string
		want       []string
		status     string
	}{
		{name: "both families", host: "app.test", want: []string{"10.0.0.1", "2001:db8::1"}},
		{name: "literal", host: "192.0.2.1", want: []string{"192.0.2.1"}},
		{name: "nx", host: "missing.test", status: StatusNX},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := c.Lookup(context.Background(), tc.host)
			if tc.status != "" {
				re, ok := err.(*Error)
				if !ok || re.Status != tc.status {
					t.Fatalf("err %v, want status %s", err, tc.status)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var s []string
			for _, a := range got {
				s = append(s, a.String())
			}
			if !slices.Equal(s, tc.want) {
				t.Errorf("got %v, want %v", s, tc.want)
			}
		})
	}
}

func TestChoose(t *testing.T) {
	t.Parallel()
	a := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, x := range s {
			out = append(out, netip.MustParseAddr(x))
		}
		return out
	}
	tests := []struct {
		name   string
		addrs  []netip.Addr
		cur    string
		used   []string
		prefer string
		nets   []string
		want   string
	}{
		{name: "ipv6 by default", addrs: a("10.0.0.1", "2001:db8::1"), want: "2001:db8::1"},
		{name: "prefer ipv4", addrs: a("2001:db8::1", "10.0.0.1"), prefer: "ipv4", want: "10.0.0.1"},
		{name: "keep current", addrs: a("10.0.0.1", "10.0.0.2"), cur: "10.0.0.2", prefer: "ipv4", want: "10.0.0.2"},
		{name: "resolve-net", addrs: a("10.0.0.1", "192.168.1.5"), prefer: "ipv4", nets: []string{"192.168.0.0/16"}, want: "192.168.1.5"},
		{name: "skip used", addrs: a("10.0.0.1", "10.0.0.2"), used: []string{"10.0.0.1"}, prefer: "ipv4", want: "10.0.0.2"},
		{name: "all used", addrs: a("10.0.0.1"), used: []string{"10.0.0.1"}, prefer: "ipv4", want: "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cur netip.Addr
			if tc.cur != "" {
				cur = netip.MustParseAddr(tc.cur)
			}
			used := map[netip.Addr]bool{}
			for _, u := range tc.used {
				used[netip.MustParseAddr(u)] = true
			}
			var nets []netip.Prefix
			for _, n := range tc.nets {
				nets = append(nets, netip.MustParsePrefix(n))
			}
			if got, _ := choose(tc.addrs, cur, used, tc.prefer, nets); got.String() != tc.want {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}

// TestWatch moves a server when its name's answer changes, and keeps the
// address while the name fails to resolve.
func TestWatch(t *testing.T) {
	t.Parallel()
	d := lbtest.NewDNS(t)
	d.Set("app.test", "10.0.0.1")
	reg := server.NewRegistry()
	st := reg.Get("be", "s1")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, testClient(d), []Target{{Base: "app.test:80", Host: "app.test", Port: "80", State: st, Prefer: "ipv4"}}, nil)
	}()
	addr := func() string {
		if tg := st.Target(); tg != nil {
			return tg.Addr
		}
		return ""
	}
	lbtest.WaitUntil(t, "first resolution", 10*time.Second, func() bool { return addr() == "10.0.0.1:80" })
	d.Set("app.test", "10.0.0.2")
	lbtest.WaitUntil(t, "new address", 10*time.Second, func() bool { return addr() == "10.0.0.2:80" })
	d.Set("app.test")
	n := d.Queries("app.test")
	lbtest.WaitUntil(t, "failed resolutions", 10*time.Second, func() bool { return d.Queries("app.test") > n+2 })
	if addr() != "10.0.0.2:80" {
		t.Errorf("address after NX: %s", addr())
	}
	cancel()
	<-done
}
