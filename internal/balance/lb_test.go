package balance

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

func TestRoundRobinOrder(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		algo    string
		servers []*Server
		want    string // names of the first picks
	}{
		{"equal weights", "roundrobin", []*Server{srv("a", 1), srv("b", 1), srv("c", 1)}, "abcabc"},
		{"weights 3 and 1 interleave", "roundrobin", []*Server{srv("a", 3), srv("b", 1)}, "aabaaaba"},
		{"weights reduced by gcd", "roundrobin", []*Server{srv("a", 20), srv("b", 10)}, "abaaba"},
		{"static-rr", "static-rr", []*Server{srv("a", 2), srv("b", 1)}, "abaaba"},
		{"weight 0 never picked", "roundrobin", []*Server{srv("a", 1), srv("z", 0), srv("b", 1)}, "ababab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, config.Balance{Algorithm: tc.algo}, Options{}, tc.servers...)
			var got strings.Builder
			for range len(tc.want) {
				got.WriteString(pickReleased(t, p, &req{}))
			}
			if got.String() != tc.want {
				t.Errorf("got %s, want %s", got.String(), tc.want)
			}
		})
	}
}

func TestWeightedProportions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		algo string
		n    int
		want map[string]int
	}{
		{"roundrobin", "roundrobin", 600, map[string]int{"a": 100, "b": 200, "c": 300}},
		{"static-rr", "static-rr", 600, map[string]int{"a": 100, "b": 200, "c": 300}},
		// Idle servers: leastconn compares (cur+1)/weight, as HAProxy does,
		// so one request at a time always goes to the heaviest server.
		{"leastconn idle picks heaviest", "leastconn", 600, map[string]int{"c": 600}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, config.Balance{Algorithm: tc.algo}, Options{}, srv("a", 1), srv("b", 2), srv("c", 3))
			if diff := cmp.Diff(tc.want, counts(t, p, tc.n, plain)); diff != "" {
				t.Errorf("counts (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLeastConn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		servers []*Server
		held    []string // picks kept open first, in order
		want    map[string]int
	}{
		{"fills evenly", []*Server{srv("a", 1), srv("b", 1)}, nil, map[string]int{"a": 3, "b": 3}},
		{"weights scale load", []*Server{srv("a", 1), srv("b", 2)}, nil, map[string]int{"a": 2, "b": 4}},
		{"busy server skipped", []*Server{srv("a", 1), srv("b", 1)}, []string{"a", "b", "a"}, map[string]int{"a": 3, "b": 3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, config.Balance{Algorithm: "leastconn"}, Options{}, tc.servers...)
			got := map[string]int{}
			for range 6 {
				got[pickHeld(t, p, &req{})]++
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("held connections (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFirst(t *testing.T) {
	t.Parallel()
	// Declared out of id order: "first" follows ids, not positions.
	p := newPool(t, config.Balance{Algorithm: "first"}, Options{},
		srv("c", 1, id(3), maxconn(2)), srv("a", 1, id(1), maxconn(2)), srv("b", 1, id(2), maxconn(2)))
	var got []string
	for range 5 {
		got = append(got, pickHeld(t, p, &req{}))
	}
	if diff := cmp.Diff([]string{"a", "a", "b", "b", "c"}, got); diff != "" {
		t.Errorf("picks (-want +got):\n%s", diff)
	}
}

func TestRandomWeighted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		draws int
	}{
		{"one draw", 1},
		{"default two draws", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, config.Balance{Algorithm: "random", RandomDraws: tc.draws}, Options{}, srv("a", 1), srv("b", 3))
			got := counts(t, p, 4000, plain)
			// Idle servers tie on load, so draws keep weight proportions:
			// 1000 and 3000 expected; the bounds are many sigmas wide.
			if got["a"] < 700 || got["a"] > 1300 || got["a"]+got["b"] != 4000 {
				t.Errorf("counts %v, want about a=1000 b=3000", got)
			}
		})
	}
}

func TestRandomPrefersLessLoaded(t *testing.T) {
	t.Parallel()
	// With one server full, every pick must land on the other one.
	p := newPool(t, config.Balance{Algorithm: "random"}, Options{}, srv("a", 1, maxconn(1)), srv("b", 1))
	for pickHeld(t, p, &req{}) != "a" {
	}
	for range 50 {
		if got := pickReleased(t, p, &req{}); got != "b" {
			t.Fatalf("got %s, want b", got)
		}
	}
}

func TestSourceHash(t *testing.T) {
	t.Parallel()
	for _, ht := range []string{"map-based", "consistent"} {
		t.Run(ht, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, config.Balance{Algorithm: "source", HashType: ht}, Options{}, srv("a", 1), srv("b", 1), srv("c", 1))
			seen := map[string]int{}
			for i := range 300 {
				ip := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, byte(i / 256), byte(i)}), 1234)
				first := pickReleased(t, p, &req{src: ip})
				for range 3 {
					ip2 := netip.AddrPortFrom(ip.Addr(), uint16(5000+i)) // port does not matter
					if got := pickReleased(t, p, &req{src: ip2}); got != first {
						t.Fatalf("%v: got %s then %s", ip, first, got)
					}
				}
				seen[first]++
			}
			if len(seen) != 3 {
				t.Errorf("clients spread over %v, want all three servers", seen)
			}
		})
	}
}

func TestSourceWithoutAddressFallsBack(t *testing.T) {
	t.Parallel()
	p := newPool(t, config.Balance{Algorithm: "source"}, Options{}, srv("a", 1), srv("b", 1))
	got := counts(t, p, 10, func(int) *req { return &req{} })
	if diff := cmp.Diff(map[string]int{"a": 5, "b": 5}, got); diff != "" {
		t.Errorf("round robin fallback (-want +got):\n%s", diff)
	}
}

func TestURIPart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		uri  string
		cfg  config.Balance
		want string
	}{
		{"query cut", "/a/b?x=1", config.Balance{}, "/a/b"},
		{"whole", "/a/b?x=1", config.Balance{URIWhole: true}, "/a/b?x=1"},
		{"len", "/abcdef", config.Balance{URILen: 3}, "/ab"},
		{"depth 1", "/a/b/c", config.Balance{URIDepth: 1}, "/a"},
		{"depth 2", "/a/b/c", config.Balance{URIDepth: 2}, "/a/b"},
		{"depth deeper than path", "/a/b", config.Balance{URIDepth: 5}, "/a/b"},
		{"len before depth", "/aaaa/b/c", config.Balance{URILen: 3, URIDepth: 2}, "/aa"},
		{"absolute form kept", "http://h/a?q", config.Balance{}, "http://h/a"},
		{"absolute form depth counts its slashes", "http://h/a/b", config.Balance{URIDepth: 1}, "http:/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(uriPart([]byte(tc.uri), tc.cfg)); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPathOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, uri, want string
	}{
		{"origin form", "/a?b", "/a?b"},
		{"absolute form", "https://example.com/a/b?c", "/a/b?c"},
		{"absolute without path", "http://example.com", ""},
		{"absolute with query only", "http://example.com?x", "?x"},
		{"asterisk", "*", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(pathOf([]byte(tc.uri))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestURIHash(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		cfg    config.Balance
		a, b   string // URIs that must map to the same server
		differ bool   // whether other URIs must spread over servers
	}{
		{"query ignored", config.Balance{Algorithm: "uri"}, "/x/y?1", "/x/y?2", true},
		{"depth", config.Balance{Algorithm: "uri", URIDepth: 1}, "/x/y", "/x/z", true},
		{"path-only matches h2 and h1", config.Balance{Algorithm: "uri", URIPathOnly: true}, "http://h/p", "/p", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, tc.cfg, Options{}, srv("a", 1), srv("b", 1), srv("c", 1))
			if a, b := pickReleased(t, p, &req{uri: tc.a}), pickReleased(t, p, &req{uri: tc.b}); a != b {
				t.Errorf("%s -> %s but %s -> %s", tc.a, a, tc.b, b)
			}
			seen := counts(t, p, 200, func(i int) *req { return &req{uri: fmt.Sprintf("/k%d/", i)} })
			if len(seen) != 3 {
				t.Errorf("URIs spread over %v, want all three servers", seen)
			}
		})
	}
}

func TestURLParam(t *testing.T) {
	t.Parallel()
	cfg := config.Balance{Algorithm: "url_param", Param: "user"}
	tests := []struct {
		name     string
		uris     []string
		wantSame bool // all URIs on one server
		want     map[string]int
	}{
		{"same value same server", []string{"/?user=42", "/x?a=1&user=42", "/y?user=42&b=2", "/?user=42"}, true, nil},
		{"absent: round robin", []string{"/", "/?u=1", "/?username=1", "/?xuser=1"}, false, map[string]int{"a": 2, "b": 2}},
		{"empty value: round robin", []string{"/?user=", "/?user=&x=1", "/?user=", "/?user="}, false, map[string]int{"a": 2, "b": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, cfg, Options{}, srv("a", 1), srv("b", 1))
			got := counts(t, p, len(tc.uris), func(i int) *req { return &req{uri: tc.uris[i]} })
			if tc.wantSame {
				if len(got) != 1 {
					t.Errorf("got %v, want one server", got)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestHdr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      config.Balance
		headers  [][][2]string
		wantSame bool
		want     map[string]int
	}{
		{"same value, name case-insensitive", config.Balance{Algorithm: "hdr", Param: "X-User"},
			[][][2]string{{{"x-user", "bob"}}, {{"X-USER", "bob"}}, {{"Other", "1"}, {"x-user", "bob, alice"}}}, true, nil},
		{"absent: round robin", config.Balance{Algorithm: "hdr", Param: "X-User"},
			[][][2]string{nil, {{"Other", "1"}}, {{"x-user", ""}}, nil}, false, map[string]int{"a": 2, "b": 2}},
		{"use_domain_only", config.Balance{Algorithm: "hdr", Param: "Host", HdrUseDomainOnly: true},
			[][][2]string{{{"Host", "www.example.com"}}, {{"Host", "api.example.org"}}, {{"Host", "example.net:8080"}}}, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := newPool(t, tc.cfg, Options{}, srv("a", 1), srv("b", 1))
			got := counts(t, p, len(tc.headers), func(i int) *req { return &req{uri: "/", headers: tc.headers[i]} })
			if tc.wantSame {
				if len(got) != 1 {
					t.Errorf("got %v, want one server", got)
				}
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestMainDomain(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"three labels", "haproxy.1wt.eu", "1wt"},
		{"two labels", "example.com", "example"},
		{"with port", "www.example.com:8080", "example"},
		{"no dot", "localhost", "localhost"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := string(mainDomain([]byte(tc.in))); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestConsistentStability checks the point of consistent hashing: when a
// server goes down, only its keys move; the others keep their server, and
// they come back when it returns.
func TestConsistentStability(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  config.Balance
	}{
		{"default function", config.Balance{Algorithm: "uri", HashType: "consistent"}},
		{"crc32", config.Balance{Algorithm: "uri", HashType: "consistent", HashFunc: "crc32"}},
		{"wt6 avalanche", config.Balance{Algorithm: "uri", HashType: "consistent", HashFunc: "wt6", Avalanche: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			servers := []*Server{srv("a", 1), srv("b", 2), srv("c", 1), srv("d", 1), srv("e", 1)}
			p := newPool(t, tc.cfg, Options{}, servers...)
			uri := func(i int) *req { return &req{uri: fmt.Sprintf("/obj/%d", i)} }
			const n = 1000
			before := make([]string, n)
			for i := range n {
				before[i] = pickReleased(t, p, uri(i))
			}
			servers[1].State.SetUp(false) // b
			moved := 0
			for i := range n {
				got := pickReleased(t, p, uri(i))
				switch {
				case got == "b":
					t.Fatalf("key %d went to the down server", i)
				case before[i] == "b":
					moved++
				case got != before[i]:
					t.Fatalf("key %d moved from %s to %s though %s is up", i, before[i], got, before[i])
				}
			}
			if moved == 0 {
				t.Error("no key was on b")
			}
			servers[1].State.SetUp(true)
			for i := range n {
				if got := pickReleased(t, p, uri(i)); got != before[i] {
					t.Fatalf("key %d: got %s after b came back, want %s", i, got, before[i])
				}
			}
		})
	}
}

func TestBackups(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		allBackups bool
		down       []int // indexes of servers set down
		want       map[string]int
	}{
		{"actives only while up", false, nil, map[string]int{"a1": 3, "a2": 3}},
		{"one active left", false, []int{0}, map[string]int{"a2": 6}},
		{"first backup by id", false, []int{0, 1}, map[string]int{"b1": 6}},
		{"next backup when first is down", false, []int{0, 1, 3}, map[string]int{"b2": 6}},
		{"all backups", true, []int{0, 1}, map[string]int{"b1": 2, "b2": 2, "b3": 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// b1 is declared last but has the lowest backup id.
			servers := []*Server{
				srv("a1", 1, id(1)), srv("a2", 1, id(2)),
				srv("b2", 1, id(20), backup), srv("b1", 1, id(10), backup), srv("b3", 1, id(30), backup),
			}
			p := newPool(t, config.Balance{Algorithm: "roundrobin"}, Options{AllBackups: tc.allBackups}, servers...)
			for _, i := range tc.down {
				servers[i].State.SetUp(false)
			}
			if diff := cmp.Diff(tc.want, counts(t, p, 6, plain)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnusableServersSkipped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		algo  string
		apply func(st *server.State)
	}{
		{"down roundrobin", "roundrobin", func(st *server.State) { st.SetUp(false) }},
		{"maint leastconn", "leastconn", func(st *server.State) { st.SetAdmin(server.AdminMaint) }},
		{"drain first", "first", func(st *server.State) { st.SetAdmin(server.AdminDrain) }},
		{"down random", "random", func(st *server.State) { st.SetUp(false) }},
		{"down source", "source", func(st *server.State) { st.SetUp(false) }},
		{"down uri consistent", "uri", func(st *server.State) { st.SetUp(false) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := config.Balance{Algorithm: tc.algo}
			if strings.Contains(tc.name, "consistent") {
				cfg.HashType = "consistent"
			}
			servers := []*Server{srv("a", 1), srv("b", 1), srv("c", 1)}
			p := newPool(t, cfg, Options{}, servers...)
			counts(t, p, 10, plain) // builds the table while all are up
			tc.apply(servers[0].State)
			got := counts(t, p, 60, func(i int) *req {
				return &req{uri: fmt.Sprintf("/%d", i), src: netip.AddrPortFrom(netip.AddrFrom4([4]byte{1, 2, 3, byte(i)}), 1)}
			})
			// "first" keeps using b; the others spread over b and c.
			if got["a"] != 0 || got["b"] == 0 || (tc.algo != "first" && got["c"] == 0) {
				t.Errorf("got %v, want b and c only", got)
			}
			for _, sv := range servers[1:] {
				tc.apply(sv.State)
			}
			if _, err := p.Acquire(context.Background(), &req{uri: "/"}); !errors.Is(err, ErrNoServer) {
				t.Errorf("all unusable: got %v, want ErrNoServer", err)
			}
		})
	}
}

func TestAcquireExcept(t *testing.T) {
	t.Parallel()
	algos := []string{"roundrobin", "static-rr", "leastconn", "first", "random", "source", "uri", "hdr"}
	for _, algo := range algos {
		for _, ht := range []string{"map-based", "consistent"} {
			t.Run(algo+"/"+ht, func(t *testing.T) {
				t.Parallel()
				servers := []*Server{srv("a", 1), srv("b", 1), srv("c", 1)}
				p := newPool(t, config.Balance{Algorithm: algo, Param: "X", HashType: ht}, Options{}, servers...)
				s := &req{uri: "/k", src: netip.MustParseAddrPort("192.0.2.1:1"), headers: [][2]string{{"X", "v"}}}
				for range 20 {
					first := pickReleased(t, p, s)
					var avoid *Server
					for _, sv := range servers {
						if sv.Name == first {
							avoid = sv
						}
					}
					sv, err := p.AcquireExcept(context.Background(), s, avoid)
					if err != nil {
						t.Fatal(err)
					}
					p.Release(sv)
					if sv == avoid {
						t.Fatalf("got the avoided server %s", sv.Name)
					}
				}
				// Only the avoided server left: it is used rather than failing.
				servers[1].State.SetUp(false)
				servers[2].State.SetUp(false)
				sv, err := p.AcquireExcept(context.Background(), s, servers[0])
				if err != nil || sv != servers[0] {
					t.Fatalf("got %v, %v; want a", sv, err)
				}
				p.Release(sv)
			})
		}
	}
}

func TestNewErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     config.Balance
		servers []*Server
		want    string
	}{
		{"unknown algorithm", config.Balance{Algorithm: "fastest"}, nil, `unknown balance algorithm "fastest"`},
		{"url_param without name", config.Balance{Algorithm: "url_param"}, nil, "missing parameter name"},
		{"hdr without name", config.Balance{Algorithm: "hdr"}, nil, "missing header name"},
		{"bad hash type", config.Balance{Algorithm: "source", HashType: "ring"}, nil, `unknown hash-type "ring"`},
		{"bad hash function", config.Balance{Algorithm: "uri", HashFunc: "md5"}, nil, `unknown hash function "md5"`},
		{"bad draws", config.Balance{Algorithm: "random", RandomDraws: -1}, nil, "draws must be 1 or more"},
		{"weight too high", config.Balance{Algorithm: "roundrobin"}, []*Server{srv("a", 257)}, "weight 257 out of range"},
		{"duplicate id", config.Balance{Algorithm: "roundrobin"}, []*Server{srv("a", 1, id(2)), srv("b", 1)}, "id 2 already used"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tc.cfg, tc.servers, NewQueue(), Options{})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestDefaultAlgorithmIsRandom(t *testing.T) {
	t.Parallel()
	p := newPool(t, config.Balance{}, Options{}, srv("a", 1))
	if _, ok := p.algo.(random); !ok {
		t.Errorf("got %T, want random", p.algo)
	}
}

func TestWeightChangeFollowsGroup(t *testing.T) {
	t.Parallel()
	// Proportions stay exact when a server leaves and comes back: the
	// schedule is rebuilt for the new group rather than skipping turns.
	servers := []*Server{srv("a", 1), srv("b", 2), srv("c", 3)}
	p := newPool(t, config.Balance{Algorithm: "roundrobin"}, Options{}, servers...)
	servers[2].State.SetAdmin(server.AdminMaint)
	if diff := cmp.Diff(map[string]int{"a": 10, "b": 20}, counts(t, p, 30, plain)); diff != "" {
		t.Errorf("c in maint (-want +got):\n%s", diff)
	}
	servers[2].State.SetAdmin(server.AdminReady)
	if diff := cmp.Diff(map[string]int{"a": 10, "b": 20, "c": 30}, counts(t, p, 60, plain)); diff != "" {
		t.Errorf("c back (-want +got):\n%s", diff)
	}
}
