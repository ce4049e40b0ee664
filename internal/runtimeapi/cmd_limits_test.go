package runtimeapi

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestSetLimitsAnswers(t *testing.T) {
	t.Parallel()
	s := New(newEngine(t, `
global
    maxconn 100
defaults
    mode http
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s1 127.0.0.1:1
`), nil)
	usage := "'set rate-limit' only supports :\n" +
		"   - 'connections global' to set the per-process maximum connection rate\n" +
		"   - 'sessions global' to set the per-process maximum session rate\n" +
		"   - 'ssl-sessions global' to set the per-process maximum SSL session rate\n" +
		"   - 'http-compression global' to set the per-process maximum compression speed in kB/s\n\n"
	tests := []struct{ name, in, want string }{
		{"maxconn no value", "set maxconn global\n", "Expects an integer value.\n\n"},
		{"maxconn above hard", "set maxconn global 1000\n", "Value out of range.\n\n"},
		{"maxconn operator", "operator; set maxconn global 5\n", "\nPermission denied\n\n"},
		{"rate usage", "set rate-limit\n", usage},
		{"rate without global", "set rate-limit connections\n", usage},
		{"rate unknown", "set rate-limit foo global 1\n", usage},
		{"rate no value", "set rate-limit sessions global\n", "Expects an integer value.\n\n"},
		{"rate ssl", "set rate-limit ssl-sessions global 5\n", "\n"},
		{"rate compression", "set rate-limit http-compression global 5\n", "'set rate-limit http-compression' is not supported by hawser.\n\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := exchange(t, s, LevelAdmin, tc.in); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestSetMaxConnGlobal lowers the global maxconn to 1 at run time: a
// second client waits until the first one leaves, and "show info"
// reports the new limit next to the configured one.
func TestSetMaxConnGlobal(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	t.Cleanup(srv.Close)
	fe := lbtest.FreeAddr(t)
	e := newProxy(t, fmt.Sprintf(`
global
    maxconn 100
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s
    default_backend app
backend app
    server s1 %s
`, fe, srv.Listener.Addr()))
	s := New(e, nil)
	run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
	if got := run("set maxconn global 1; set rate-limit connections global 1000\n"); got != "\n\n" {
		t.Fatalf("set: %q", got)
	}
	info := run("show info\n")
	for _, want := range []string{"\nMaxconn: 1\n", "\nHard_maxconn: 100\n", "\nConnRateLimit: 1000\n", "\nSessRateLimit: 0\n"} {
		if !strings.Contains(info, want) {
			t.Errorf("show info lacks %q", strings.TrimSpace(want))
		}
	}
	get := func(c net.Conn) {
		t.Helper()
		io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	a, err := net.Dial("tcp", fe)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	get(a)
	b, err := net.Dial("tcp", fe)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	io.WriteString(b, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	// b waits in the backlog: hawser holds one connection only.
	lbtest.WaitUntil(t, "a second try of the accept loop", 5*time.Second, func() bool { return e.CurConns() == 1 })
	b.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if n, _ := b.Read(make([]byte, 1)); n != 0 {
		t.Fatal("the second client was served above maxconn")
	}
	a.Close()
	b.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(b), nil)
	if err != nil {
		t.Fatalf("after the first client left: %v", err)
	}
	resp.Body.Close()
	// 0 restores the configured limit.
	if got := run("set maxconn global 0; show info\n"); !strings.Contains(got, "\nMaxconn: 100\n") {
		t.Errorf("after reset: %q", got)
	}
}
