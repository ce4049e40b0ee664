package runtimeapi

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestTrack checks "track": a tracking server follows the up/down state
// of the server it tracks, across backends and along chains, including a
// server added at run time with "add server ... track".
func TestTrack(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(srv.Close)
	addr := srv.Listener.Addr().String()
	e := newProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s
    default_backend app
backend app
    server s1 %s check inter 1h
    server s2 %s track s1
    server s3 %s track other/o1
backend other
    server o1 %s track app/s1
    server o2 %s
`, lbtest.FreeAddr(t), addr, addr, addr, addr, addr))
	s := New(e, nil)
	run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
	reg := e.Registry()
	up := func() string {
		var b strings.Builder
		for _, k := range []string{"app/s1", "app/s2", "app/s3", "other/o1", "app/s4"} {
			bn, sn, _ := strings.Cut(k, "/")
			if st := reg.Get(bn, sn); st.Up() {
				b.WriteString(k + " ")
			}
		}
		return strings.TrimSpace(b.String())
	}
	steps := []struct{ in, want, up string }{
		{"", "", "app/s1 app/s2 app/s3 other/o1 app/s4"},
		// app/s4 does not exist yet: its state is a fresh one, up.
		{"set server app/s1 health down\n", "\n", "app/s4"},
		{"set server app/s1 health up\n", "\n", "app/s1 app/s2 app/s3 other/o1 app/s4"},
		{"add server app/s4 " + addr + " track s2\n", "New server registered.\n\n", "app/s1 app/s2 app/s3 other/o1 app/s4"},
		{"set server app/s1 health down\n", "\n", ""},
		{"add server app/s5 " + addr + " track other/o2\n", "unable to use other/o2 for tracking as it does not have any check nor agent enabled.\n\n", ""},
		{"add server app/s5 " + addr + " track nope/x\n", "unable to find required proxy 'nope' for tracking.\n\n", ""},
		{"add server app/s5 " + addr + " track s9\n", "unable to find required server 's9' for tracking.\n\n", ""},
		{"add server app/s5 " + addr + " check track s1\n", "unable to enable checks and tracking at the same time.\n\n", ""},
		{"set server app/s1 health up\n", "\n", "app/s1 app/s2 app/s3 other/o1 app/s4"},
	}
	for _, st := range steps {
		if st.in != "" {
			if got := run(st.in); got != st.want {
				t.Fatalf("%q: got %q, want %q", st.in, got, st.want)
			}
		}
		if got := up(); got != st.up {
			t.Fatalf("after %q: up %q, want %q", st.in, got, st.up)
		}
	}
}

func TestTrackConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, servers, want string }{
		{"unknown backend", "server a 127.0.0.1:1 track nope/x", "unable to find required proxy 'nope' for tracking"},
		{"unknown server", "server a 127.0.0.1:1 track x", "unable to find required server 'x' for tracking"},
		{"no check", "server a 127.0.0.1:1\n    server b 127.0.0.1:1 track a", "unable to use app/a for tracking as it does not have any check nor agent enabled"},
		{"check too", "server a 127.0.0.1:1 check\n    server b 127.0.0.1:1 check track a", "unable to enable checks and tracking at the same time"},
		{"loop", "server a 127.0.0.1:1 track b\n    server b 127.0.0.1:1 track a", "belongs to a tracking chain looping back to app/a"},
		{"agent is enough", "server a 127.0.0.1:1 agent-check agent-port 1\n    server b 127.0.0.1:1 track a", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := "backend app\n    " + tc.servers + "\n"
			f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			_, err = config.Load([]*cfgfile.File{f})
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
