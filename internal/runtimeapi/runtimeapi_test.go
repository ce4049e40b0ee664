package runtimeapi

import (
	"io"
	"net"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/test/lbtest"
)

const testCfg = `
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s1 127.0.0.1:1
    server s2 127.0.0.1:2 weight 50
backend other
    server o1 127.0.0.1:3
`

// newEngine returns an engine running cfg.
func newEngine(t testing.TB, cfg string) *engine.Engine {
	t.Helper()
	cfg = strings.ReplaceAll(cfg, "${fe}", lbtest.FreeAddr(t))
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	e := engine.New(engine.Options{})
	if err := e.Apply(snap); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// exchange sends input (then closes its write side) on a fresh session
// at level and returns everything the server wrote until it closed the
// connection.
func exchange(t testing.TB, s *Server, level Level, input string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go s.Serve(ln, level, 0)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, input)
	c.(*net.TCPConn).CloseWrite()
	out, _ := io.ReadAll(c)
	return string(out)
}

func TestProtocol(t *testing.T) {
	t.Parallel()
	s := New(newEngine(t, testCfg), nil)
	tests := []struct {
		name, level, in, want string
	}{
		{"one command", "user", "show backend\n", "# name\napp\nother\n\n"},
		{"two commands", "user", "show backend;show backend\n", "# name\napp\nother\n\n# name\napp\nother\n\n"},
		{"no newline", "user", "show backend", "# name\napp\nother\n\n"},
		{"prompt", "user", "prompt\nshow backend\nquit\n", "> # name\napp\nother\n\n> "},
		{"prompt toggles off", "user", "prompt\nprompt\nshow backend\n", "> "},
		{"severity", "user", "set severity-output number;set severity-output foo\n", "\n[3]: one of 'none', 'number', 'string' is a required argument\n\n"},
		{"severity string", "user", "set severity-output string;set severity-output foo\n", "\n[err]: one of 'none', 'number', 'string' is a required argument\n\n"},
		{"escaped semicolon", "user", "show\\;backend\n", "Unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			lv, _ := ParseLevel(tc.level)
			got := exchange(t, s, lv, tc.in)
			if strings.HasSuffix(tc.want, "\n") || tc.want == "" || strings.HasSuffix(tc.want, "> ") {
				if got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			} else if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want prefix %q", got, tc.want)
			}
		})
	}
}

func TestHelpAndUnknown(t *testing.T) {
	t.Parallel()
	s := New(newEngine(t, testCfg), nil)
	help := exchange(t, s, LevelUser, "help\n")
	if !strings.HasPrefix(help, "The following commands are valid at this level:\n") ||
		!strings.Contains(help, "  show backend                            : list backends in the current running config\n") ||
		!strings.HasSuffix(help, "  help [<command>]                        : list matching or all commands\n  prompt                                  : toggle interactive mode with prompt\n  quit                                    : disconnect\n\n") {
		t.Errorf("help:\n%s", help)
	}
	unk := exchange(t, s, LevelUser, "show backends\n")
	if !strings.HasPrefix(unk, "Unknown command, but maybe one of the following ones is a better match:\n") ||
		!strings.Contains(unk, "  show backend ") {
		t.Errorf("unknown:\n%s", unk)
	}
}

func TestSplitCommands(t *testing.T) {
	t.Parallel()
	got := splitCommands(`set map a b\;c ;  show  info;;x\ y`)
	want := [][]string{{"set", "map", "a", "b;c"}, {"show", "info"}, nil, {"x y"}}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Errorf("%d: got %q, want %q", i, got[i], want[i])
		}
	}
}

func FuzzSplitCommands(f *testing.F) {
	for _, s := range []string{"show stat", `a\;b;c`, "x <<", `\`, "\t;\\ "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		for _, words := range splitCommands(line) {
			for _, w := range words {
				if w == "" {
					t.Fatalf("empty word from %q", line)
				}
			}
		}
	})
}

func TestCommands(t *testing.T) {
	t.Parallel()
	e := newEngine(t, testCfg)
	s := New(e, nil)
	tests := []struct {
		name, in, want string
	}{
		{"get weight", "get weight app/s2\n", "50 (initial 50)\n\n"},
		{"get weight no server", "get weight app/zz\n", "No such server.\n\n"},
		{"get weight no backend", "get weight nob/zz\n", "No such backend.\n\n"},
		{"get weight syntax", "get weight app\n", "Require 'backend/server'.\n\n"},
		{"set weight too high", "set weight app/s1 300\n", "Absolute weight can only be between 0 and 256 inclusive.\n\n"},
		{"set state bad", "set server app/s1 state foo\n", "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n"},
		{"set health bad", "set server app/s1 health foo\n", "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n\n"},
		{"enable health unchecked", "enable health app/s1\n", "Health check was not configured on this server, cannot enable.\n\n"},
		{"servers state unknown", "show servers state nope\n", "Can't find backend.\n\n"},
		{"show stat no proxy", "show stat nope 4 -1\n", "No such proxy.\n\n"},
		{"show version", "show version\n", "dev\n\n"},
		{"show errors", "show errors\n", "Total events captured on ["},
		{"show backend", "show backend\n", "# name\napp\nother\n\n"},
		{"servers state header", "show servers state other\n", serversStateHeader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := exchange(t, s, LevelAdmin, tc.in)
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestServerState(t *testing.T) {
	t.Parallel()
	e := newEngine(t, testCfg)
	s := New(e, nil)
	st, _ := e.Registry().Lookup("app", "s1")
	if got := exchange(t, s, LevelAdmin, "set server app/s1 state drain\n"); got != "\n" {
		t.Fatalf("got %q", got)
	}
	if st.Admin() != 1 {
		t.Errorf("admin %d, want drain", st.Admin())
	}
	exchange(t, s, LevelAdmin, "disable server app/s1;set server app/s2 weight 25%\n")
	if st.Admin() != 2 {
		t.Errorf("admin %d, want maint", st.Admin())
	}
	if got := exchange(t, s, LevelAdmin, "get weight app/s2\n"); got != "12 (initial 50)\n\n" {
		t.Errorf("get weight: %q", got)
	}
	stat := exchange(t, s, LevelUser, "show stat app 4 -1\n")
	lines := strings.Split(stat, "\n")
	if len(lines) != 5 || lines[3] != "" || !strings.HasPrefix(lines[1], "app,s1,") || !strings.Contains(lines[1], ",MAINT,") || !strings.HasPrefix(lines[2], "app,s2,") {
		t.Errorf("show stat:\n%s", stat)
	}
	ss := exchange(t, s, LevelUser, "show servers state app\n")
	lines = strings.Split(ss, "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[2], "2 app 1 s1 127.0.0.1 0 1 1 1 ") || !strings.HasPrefix(lines[3], "2 app 2 s2 127.0.0.1 2 0 12 50 ") {
		t.Errorf("show servers state:\n%s", ss)
	}
	if f := strings.Fields(lines[2]); len(f) != 25 {
		t.Errorf("%d fields in %q", len(f), lines[2])
	}
	if got := exchange(t, s, LevelOperator, "set server app/s1 state ready\n"); got != "Permission denied\n\n" {
		t.Errorf("operator: %q", got)
	}
	if got := exchange(t, s, LevelAdmin, "set maxconn server app/s2 x;set maxconn server app/s2 7\n"); got != "maxconn string empty or preceded by garbage\n\n\n" {
		t.Errorf("set maxconn: %q", got)
	}
	if stat := exchange(t, s, LevelUser, "show stat app 4 2\n"); !strings.HasPrefix(strings.Split(stat, "\n")[1], "app,s2,0,0,0,0,7,") {
		t.Errorf("slim after set maxconn:\n%s", stat)
	}
	exchange(t, s, LevelAdmin, "enable server app/s1\n")
	if st.Admin() != 0 {
		t.Errorf("admin %d, want ready", st.Admin())
	}
}

func TestShowInfo(t *testing.T) {
	t.Parallel()
	s := New(newEngine(t, testCfg), nil)
	info := exchange(t, s, LevelUser, "show info\n")
	if !strings.HasPrefix(info, "Name: hawser\nVersion: dev\nRelease_date: ") || !strings.Contains(info, "\nUptime: 0d 0h00m") || !strings.Contains(info, "\nDroppedLogs: ") {
		t.Errorf("show info:\n%s", info)
	}
	typed := exchange(t, s, LevelUser, "show info typed\n")
	if !strings.HasPrefix(typed, "0.Name.1:POS:str:hawser\n1.Version.1:POS:str:dev\n") {
		t.Errorf("typed:\n%s", typed)
	}
	js := exchange(t, s, LevelUser, "show info json\n")
	if !strings.HasPrefix(js, `[{"field":{"pos":0,"name":"Name"},"processNum":1,"tags":{"origin":"Product","nature":"Output","scope":"Service"},"value":{"type":"str","value":"hawser"}},`) {
		t.Errorf("json:\n%s", js)
	}
}

func TestClearCounters(t *testing.T) {
	t.Parallel()
	e := newEngine(t, testCfg)
	s := New(e, nil)
	st, _ := e.Registry().Lookup("app", "s1")
	st.Counters.Requests.Add(5)
	st.Counters.QMax.Store(3)
	if got := exchange(t, s, LevelOperator, "clear counters all\n"); got != "Permission denied\n\n" {
		t.Errorf("operator: %q", got)
	}
	exchange(t, s, LevelOperator, "clear counters\n")
	if st.Counters.QMax.Load() != 0 || st.Counters.Requests.Load() != 5 {
		t.Errorf("clear counters: qmax %d, req_tot %d", st.Counters.QMax.Load(), st.Counters.Requests.Load())
	}
	exchange(t, s, LevelAdmin, "clear counters all\n")
	if st.Counters.Requests.Load() != 0 {
		t.Errorf("clear counters all: req_tot %d", st.Counters.Requests.Load())
	}
	if got := exchange(t, s, LevelAdmin, "set rate-limit http-compression global 1\n"); got != "'set rate-limit http-compression' is not supported by hawser.\n\n" {
		t.Errorf("set rate-limit http-compression: %q", got)
	}
}

func FuzzSession(f *testing.F) {
	e := newEngine(f, testCfg)
	s := New(e, nil)
	for _, in := range []string{"show stat\n", "prompt\nhelp\nquit\n", "set server app/s1 weight 10%;get weight app/s1\n", "x <<\na\n\n", "show info typed;show servers state app\n"} {
		f.Add(in)
	}
	f.Fuzz(func(t *testing.T, in string) {
		// Only read-only commands: the engine is shared by every input.
		if strings.Contains(in, "set") || strings.Contains(in, "able") || strings.Contains(in, "shutdown") || strings.Contains(in, "clear") {
			return
		}
		exchange(t, s, LevelUser, in)
	})
}

func TestFrontendCommands(t *testing.T) {
	t.Parallel()
	e := newEngine(t, testCfg)
	s := New(e, nil)
	tests := []struct{ in, want string }{
		{"disable frontend\n", "A frontend name is expected.\n\n"},
		{"disable frontend nope\n", "No such frontend.\n\n"},
		{"disable frontend fe\n", "\n"},
		{"disable frontend fe\n", "All sockets are already disabled.\n\n"},
		{"show stat fe 1 -1\n", ",PAUSED,"},
		{"enable frontend fe\n", "\n"},
		{"enable frontend fe\n", "All sockets are already enabled.\n\n"},
		{"set maxconn frontend fe\n", "Integer value expected.\n\n"},
		{"set maxconn frontend fe 42\n", "\n"},
		{"show stat fe 1 -1\n", "\nfe,FRONTEND,,,0,0,42,"},
	}
	for _, tc := range tests { // in order: each step depends on the last
		got := exchange(t, s, LevelAdmin, tc.in)
		if got != tc.want && !strings.Contains(got, tc.want) {
			t.Errorf("%q: got %q, want %q", tc.in, got, tc.want)
		}
	}
}
