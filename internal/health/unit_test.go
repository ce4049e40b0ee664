package health

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

func TestNextHealth(t *testing.T) {
	t.Parallel()
	// rise 2, fall 3: health 0..4, up from 2.
	tests := []struct {
		name   string
		health int
		passed bool
		want   int
	}{
		{name: "success from down goes up halfway", health: 0, passed: true, want: 1},
		{name: "success reaching rise jumps to fully up", health: 1, passed: true, want: 4},
		{name: "success from initial state is fully up", health: 2, passed: true, want: 4},
		{name: "success stays fully up", health: 4, passed: true, want: 4},
		{name: "failure from fully up starts going down", health: 4, passed: false, want: 3},
		{name: "failure at rise drops to down", health: 2, passed: false, want: 0},
		{name: "failure while going up drops to down", health: 1, passed: false, want: 0},
		{name: "failure stays down", health: 0, passed: false, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := nextHealth(tc.health, 2, 3, tc.passed); got != tc.want {
				t.Errorf("nextHealth(%d, %v) = %d, want %d", tc.health, tc.passed, got, tc.want)
			}
		})
	}
}

func TestInitHealth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   server.CheckState
		want int
	}{
		{name: "first check starts at rise", in: server.CheckState{}, want: 2},
		{name: "reload keeps the counter", in: server.CheckState{Configured: true, Health: 1}, want: 1},
		{name: "reload clamps to a smaller fall", in: server.CheckState{Configured: true, Health: 9}, want: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := tc.in
			initHealth(&cs, 2, 3)
			if cs.Health != tc.want || !cs.Configured {
				t.Errorf("got %+v, want health %d and configured", cs, tc.want)
			}
		})
	}
}

func TestInterval(t *testing.T) {
	t.Parallel()
	c := newCheck(newServer("s1", func(s *config.Server) { s.FastInter, s.DownInter = time.Second, 5*time.Second }), nil)
	tests := []struct {
		name   string
		health int
		up     bool
		want   time.Duration
	}{
		{name: "fully up uses inter", health: 4, up: true, want: 2 * time.Second},
		{name: "going down uses fastinter", health: 3, up: true, want: time.Second},
		{name: "unchecked uses fastinter", health: 2, up: true, want: time.Second},
		{name: "fully down uses downinter", health: 0, up: false, want: 5 * time.Second},
		{name: "going up uses fastinter", health: 1, up: false, want: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := c.interval(tc.health, tc.up); got != tc.want {
				t.Errorf("interval(%d, %v) = %v, want %v", tc.health, tc.up, got, tc.want)
			}
		})
	}
}

func TestBuildRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		hc   config.HTTPCheck
		want string
	}{
		{name: "defaults", want: "OPTIONS / HTTP/1.0\r\nConnection: close\r\n\r\n"},
		{
			name: "send with host, headers and body",
			hc: config.HTTPCheck{Method: "POST", URI: "/health", Version: "HTTP/1.1", Host: "app.local",
				Headers: [][2]string{{"X-Check", "1"}}, Body: "ping"},
			want: "POST /health HTTP/1.1\r\nHost: app.local\r\nX-Check: 1\r\nContent-Length: 4\r\nConnection: close\r\n\r\nping",
		},
		{
			name: "configured headers win",
			hc:   config.HTTPCheck{Method: "GET", Host: "a", Headers: [][2]string{{"host", "b"}, {"connection", "keep-alive"}}},
			want: "GET / HTTP/1.0\r\nhost: b\r\nconnection: keep-alive\r\n\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, string(buildRequest(&tc.hc))); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompileExpectErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		expect config.HTTPExpect
	}{
		{name: "bad code", expect: config.HTTPExpect{Kind: "status", Value: "2xx"}},
		{name: "reversed range", expect: config.HTTPExpect{Kind: "status", Value: "399-200"}},
		{name: "bad regex", expect: config.HTTPExpect{Kind: "rstring", Value: "("}},
		{name: "unsupported kind", expect: config.HTTPExpect{Kind: "hdr", Value: "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := compileExpect(&config.HTTPCheck{Expect: &tc.expect}); err == nil {
				t.Error("compileExpect succeeded, want an error")
			}
		})
	}
}

func TestTransitionMessage(t *testing.T) {
	t.Parallel()
	active := newServer("s1")
	backup := newServer("b1", func(s *config.Server) { s.Backup = true })
	downState := server.NewState("app", "s2")
	downState.SetUp(false)
	tests := []struct {
		name  string
		srv   *config.Server
		res   result
		up    bool
		peers []Peer
		want  string
	}{
		{
			name:  "http up with code",
			srv:   active,
			res:   result{status: StatusL7OK, code: 200, dur: 1500 * time.Microsecond},
			up:    true,
			peers: []Peer{{nil, active}, {nil, newServer("s3")}},
			want:  "Server app/s1 is UP, reason: Layer7 check passed, code: 200, check duration: 1ms. 2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",
		},
		{
			name:  "http down with escaped info",
			srv:   active,
			res:   result{status: StatusL7STS, code: 500, desc: "Bad \"thing\"\n", dur: 12 * time.Millisecond},
			peers: []Peer{{downState, newServer("s2")}, {nil, newServer("w0", func(s *config.Server) { s.Weight = 0 })}},
			want:  `Server app/s1 is DOWN, reason: Layer7 wrong status, code: 500, info: "Bad \x22thing\x22\n", check duration: 12ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`,
		},
		{
			name: "backup server timeout has no code",
			srv:  backup,
			res:  result{status: StatusL7TOUT, code: 0, dur: 2 * time.Second},
			want: "Backup Server app/b1 is DOWN, reason: Layer7 timeout, check duration: 2000ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCheck(tc.srv, nil)
			if diff := cmp.Diff(tc.want, transitionMessage(&c, tc.res, tc.up, tc.peers)); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSnapshotPeers(t *testing.T) {
	t.Parallel()
	s1, s2 := newServer("s1"), newServer("s2", func(s *config.Server) { s.Disabled = true })
	snap := &config.Snapshot{Backends: []*config.Backend{{Proxy: config.Proxy{Name: "app"}, Servers: []*config.Server{s1, s2}}}}
	reg := server.NewRegistry()
	st := reg.Get("app", "s1")
	peers := SnapshotPeers(snap, reg)
	want := []Peer{{st, s1}, {nil, s2}}
	if diff := cmp.Diff(want, peers("app"), cmp.Comparer(func(a, b *server.State) bool { return a == b })); diff != "" {
		t.Errorf("peers (-want +got):\n%s", diff)
	}
	if got := peers("nope"); got != nil {
		t.Errorf("unknown backend: %v, want nil", got)
	}
	if a, b := countUsable(peers("app")); a != 1 || b != 0 {
		t.Errorf("countUsable = %d, %d; want 1, 0", a, b)
	}
}
