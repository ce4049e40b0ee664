package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// balanceCase is one backend of TestBalance: its balance line and server
// weights, and a check over the servers' names answering a request.
type balanceCase struct {
	name    string
	balance string
	weights []int
	check   func(t *testing.T, p *lbtest.Proc, fe string, bs []*lbtest.Backend)
}

func TestBalance(t *testing.T) {
	t.Parallel()
	tests := []balanceCase{
		{name: "roundrobin", balance: "roundrobin", weights: []int{1, 1, 1}, check: checkCounts(30, 10, 10, 10)},
		{name: "roundrobin weights", balance: "roundrobin", weights: []int{3, 1}, check: checkCounts(40, 30, 10)},
		{name: "static-rr weights", balance: "static-rr", weights: []int{3, 1}, check: checkCounts(40, 30, 10)},
		{name: "first", balance: "first", weights: []int{1, 1, 1}, check: checkCounts(10, 10, 0, 0)},
		{name: "source", balance: "source", weights: []int{1, 1, 1}, check: checkSticky(nil)},
		{name: "uri", balance: "uri", weights: []int{1, 1, 1}, check: checkSticky(func(i int) (string, []string) {
			return fmt.Sprintf("/page%d", i), nil
		})},
		{name: "hdr", balance: "hdr(X-User)", weights: []int{1, 1, 1}, check: checkSticky(func(i int) (string, []string) {
			return "/", []string{fmt.Sprintf("X-User: user%d", i)}
		})},
		{name: "url_param", balance: "url_param userid", weights: []int{1, 1, 1}, check: checkSticky(func(i int) (string, []string) {
			return fmt.Sprintf("/p?a=1&userid=u%d", i), nil
		})},
		{name: "random", balance: "random", weights: []int{1, 1, 1}, check: checkAllUsed(100)},
		{name: "leastconn", balance: "leastconn", weights: []int{1, 1}, check: checkLeastConn},
	}
	var cfg strings.Builder
	cfg.WriteString(httpDefaults)
	vars := lbtest.Vars{}
	servers := map[string][]*lbtest.Backend{}
	for i, tc := range tests {
		fmt.Fprintf(&cfg, "\nfrontend fe%d\n    bind ${fe%d}\n    default_backend bk%d\n", i, i, i)
		fmt.Fprintf(&cfg, "backend bk%d\n    balance %s\n", i, tc.balance)
		for j, w := range tc.weights {
			b := lbtest.NewBackend(t, fmt.Sprintf("s%d", j+1))
			key := fmt.Sprintf("b%d_%d", i, j)
			vars[key] = b.Addr
			servers[tc.name] = append(servers[tc.name], b)
			fmt.Fprintf(&cfg, "    server s%d ${%s} weight %d\n", j+1, key, w)
		}
	}
	p := lbtest.Start(t, cfg.String(), vars)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.check(t, p, fmt.Sprintf("fe%d", i), servers[tc.name])
		})
	}
}

// get sends one request and returns the answering server's name.
func get(t *testing.T, url string, headers ...string) string {
	t.Helper()
	r := lbtest.Get(t, url, headers...)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: status %d body %q", url, r.Status, r.Body)
	}
	return r.Body
}

// checkCounts sends n requests and wants exactly these per-server counts.
func checkCounts(n int, want ...int) func(*testing.T, *lbtest.Proc, string, []*lbtest.Backend) {
	return func(t *testing.T, p *lbtest.Proc, fe string, bs []*lbtest.Backend) {
		got := map[string]int{}
		for range n {
			got[get(t, p.URL(fe, "/"))]++
		}
		for i, w := range want {
			if name := fmt.Sprintf("s%d", i+1); got[name] != w {
				t.Errorf("counts %v, want %v in server order", got, want)
				break
			}
		}
	}
}

// checkSticky checks that requests with the same key always reach the
// same server and, when keys vary (req non-nil), that they spread over
// more than one server.
func checkSticky(req func(i int) (string, []string)) func(*testing.T, *lbtest.Proc, string, []*lbtest.Backend) {
	return func(t *testing.T, p *lbtest.Proc, fe string, bs []*lbtest.Backend) {
		if req == nil {
			req = func(int) (string, []string) { return "/", nil }
		}
		used := map[string]bool{}
		for key := range 20 {
			path, hdrs := req(key)
			first := get(t, p.URL(fe, path), hdrs...)
			used[first] = true
			for range 3 {
				if got := get(t, p.URL(fe, path), hdrs...); got != first {
					t.Fatalf("key %d: served by %s then %s", key, first, got)
				}
			}
		}
		path0, _ := req(0)
		path1, _ := req(1)
		_, h0 := req(0)
		_, h1 := req(1)
		varies := path0 != path1 || strings.Join(h0, "") != strings.Join(h1, "")
		if varies && len(used) < 2 {
			t.Errorf("20 different keys all went to %v", used)
		}
	}
}

// checkAllUsed sends n requests and wants every server used.
func checkAllUsed(n int) func(*testing.T, *lbtest.Proc, string, []*lbtest.Backend) {
	return func(t *testing.T, p *lbtest.Proc, fe string, bs []*lbtest.Backend) {
		got := map[string]int{}
		for range n {
			got[get(t, p.URL(fe, "/"))]++
		}
		if len(got) != len(bs) {
			t.Errorf("counts %v: not every server was used", got)
		}
	}
}

// checkLeastConn holds requests open on both servers and checks that each
// new request goes to the server with fewer of them.
func checkLeastConn(t *testing.T, p *lbtest.Proc, fe string, bs []*lbtest.Backend) {
	for _, b := range bs {
		b.Hold()
	}
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	t.Cleanup(func() {
		for _, b := range bs {
			b.Release()
		}
	})
	const n = 4
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lbtest.DoErr(lbtest.NewClient(false), "GET", p.URL(fe, "/"))
		}()
		lbtest.WaitUntil(t, "request to be held", 10*time.Second, func() bool {
			return bs[0].InFlight()+bs[1].InFlight() == int64(i+1)
		})
		// After an even number of requests, both servers hold as many.
		if (i+1)%2 == 0 && bs[0].InFlight() != bs[1].InFlight() {
			t.Fatalf("after %d held requests: s1 has %d, s2 has %d", i+1, bs[0].InFlight(), bs[1].InFlight())
		}
	}
}

// TestPreferLastServer sends several requests on one keep-alive client
// connection: with option prefer-last-server they all reach the server
// of the first, where roundrobin alone alternates.
func TestPreferLastServer(t *testing.T) {
	t.Parallel()
	a, b := lbtest.NewBackend(t, "a"), lbtest.NewBackend(t, "b")
	p := lbtest.Start(t, httpDefaults+`
frontend prefer
    bind ${prefer}
    default_backend prefer
frontend plain
    bind ${plain}
    default_backend plain
backend prefer
    option prefer-last-server
    server a ${a}
    server b ${b}
backend plain
    server a ${a}
    server b ${b}
`, lbtest.Vars{"a": a.Addr, "b": b.Addr})
	tests := []struct {
		name string
		fe   string
		same bool
	}{
		{name: "prefer-last-server", fe: "prefer", same: true},
		{name: "roundrobin", fe: "plain", same: false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := lbtest.NewClient(true)
			defer c.CloseIdleConnections()
			seen := map[string]int{}
			for range 6 {
				r, err := lbtest.DoErr(c, "GET", p.URL(tc.fe, "/"))
				if err != nil {
					t.Fatal(err)
				}
				seen[r.Header.Get("X-Server")]++
			}
			if (len(seen) == 1) != tc.same {
				t.Errorf("servers used: %v", seen)
			}
		})
	}
}
