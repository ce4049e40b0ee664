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
