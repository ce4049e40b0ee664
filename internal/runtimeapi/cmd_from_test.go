package runtimeapi

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestAddServerFrom checks "add server … from": the new server starts
// from another server's settings or a backend's default-server, and its
// own keywords apply on top.
func TestAddServerFrom(t *testing.T) {
	t.Parallel()
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
    default-server maxconn 33
    server s1 127.0.0.1:1 weight 7 maxconn 5
backend other
    default-server weight 9
    server o1 127.0.0.1:1
`, lbtest.FreeAddr(t)))
	s := New(e, nil)
	run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
	steps := []struct{ in, want string }{
		{"add server app/a 127.0.0.2:80 from srv:s1\n", "New server registered.\n\n"},
		{"add server app/b 127.0.0.2:80 from srv:s1 weight 3\n", "New server registered.\n\n"},
		{"add server app/c 127.0.0.2:80 from be:other\n", "New server registered.\n\n"},
		{"add server app/d 127.0.0.2:80 from be:\n", "New server registered.\n\n"},
		{"add server app/e 127.0.0.2:80 from none\n", "New server registered.\n\n"},
		{"add server app/f 127.0.0.2:80\n", "New server registered.\n\n"},
		{"add server app/x 127.0.0.2:80 from\n", "from: missing value.\n\n"},
		{"add server app/x 127.0.0.2:80 from s1\n", "invalid 's1' value for 'from' keyword.\n\n"},
		{"add server app/x 127.0.0.2:80 from be:nope\n", "from: unknown backend instance 'nope'.\n\n"},
		{"add server app/x 127.0.0.2:80 from srv:nope\n", "from: No such server.\n\n"},
		{"add server app/x 127.0.0.2:80 from none from none\n", "'from' keyword can only be specified once.\n\n"},
	}
	for _, st := range steps {
		if got := run(st.in); got != st.want {
			t.Fatalf("%q: got %q, want %q", st.in, got, st.want)
		}
	}
	// weight and maxconn as configured: copied, overridden, from a
	// default-server, or HAProxy's defaults (1, none).
	want := map[string][2]int{"a": {7, 5}, "b": {3, 5}, "c": {9, 0}, "d": {1, 33}, "e": {1, 0}, "f": {1, 0}}
	for _, sc := range e.Active().Snap.Backend("app").Servers {
		w, ok := want[sc.Name]
		if !ok {
			continue
		}
		if sc.Weight != w[0] || sc.MaxConn != w[1] {
			t.Errorf("server %s: weight %d maxconn %d, want %d %d", sc.Name, sc.Weight, sc.MaxConn, w[0], w[1])
		}
	}
}

func TestAddServerHelp(t *testing.T) {
	t.Parallel()
	s := New(newEngine(t, testCfg), nil)
	got := exchange(t, s, LevelAdmin, "add server help\n")
	lines := strings.Split(strings.TrimSuffix(got, "\n\n"), "\n")
	if lines[0] != "List of keywords supported for dynamic server:" {
		t.Fatalf("first line %q", lines[0])
	}
	for _, want := range []string{"weight", "maxconn", "check", "track", "agent-check", "ssl"} {
		if !slices.Contains(lines[1:], want) {
			t.Errorf("%q is not listed", want)
		}
	}
	if slices.Contains(lines[1:], "redir") {
		t.Error("an unsupported keyword is listed")
	}
}
