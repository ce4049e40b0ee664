package e2e

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

const runtimeAPICfg = `
global
    stats socket ipv4@${cli} level admin
    stats socket ${usersock} mode 600 level user
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    default_backend app
backend app
    balance roundrobin
    server s1 ${s1}
    server s2 ${s2}
`

// cli sends one line of commands to the runtime API at addr and returns
// the whole answer.
func cli(t testing.TB, network, addr, cmd string) string {
	t.Helper()
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, cmd+"\n")
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// serverCounts sends n requests and counts the answering servers.
func serverCounts(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	counts := map[string]int{}
	for range n {
		r := lbtest.Get(t, url)
		counts[r.Body]++
	}
	return counts
}

func TestRuntimeAPI(t *testing.T) {
	t.Parallel()
	s1, s2 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2")
	sock := filepath.Join(t.TempDir(), "user.sock")
	p := lbtest.Start(t, runtimeAPICfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "usersock": sock})
	admin := p.Addr("cli")
	url := p.URL("fe", "/")

	if got := serverCounts(t, url, 10); got["s1"] != 5 || got["s2"] != 5 {
		t.Fatalf("before: %v", got)
	}
	if got := cli(t, "tcp", admin, "set server app/s1 state maint"); got != "\n" {
		t.Fatalf("set server: %q", got)
	}
	if got := serverCounts(t, url, 10); got["s2"] != 10 {
		t.Errorf("s1 in maint: %v", got)
	}
	stat := cli(t, "tcp", admin, "show stat app 4 -1")
	if !strings.Contains(stat, "\napp,s1,") || !strings.Contains(strings.Split(stat, "\n")[1], ",MAINT,") {
		t.Errorf("show stat:\n%s", stat)
	}

	// A reload keeps the runtime state.
	if !p.Reload(t) {
		t.Fatal("reload rejected")
	}
	if got := serverCounts(t, url, 10); got["s2"] != 10 {
		t.Errorf("after reload: %v", got)
	}

	cli(t, "tcp", admin, "set server app/s1 state drain")
	if got := serverCounts(t, url, 10); got["s2"] != 10 {
		t.Errorf("s1 draining: %v", got)
	}
	cli(t, "tcp", admin, "set server app/s1 state ready; set server app/s1 weight 3")
	if got := serverCounts(t, url, 40); got["s1"] != 30 || got["s2"] != 10 {
		t.Errorf("weights 3:1: %v", got)
	}
	if got := cli(t, "tcp", admin, "get weight app/s1"); got != "3 (initial 1)\n\n" {
		t.Errorf("get weight: %q", got)
	}

	// set server addr: s1's traffic goes to s2's address.
	host, port, _ := net.SplitHostPort(s2.Addr)
	want := fmt.Sprintf("no need to change the addr, port changed from '%s' to '%s' by 'stats socket command'\n\n", strings.Split(s1.Addr, ":")[1], port)
	if got := cli(t, "tcp", admin, "set server app/s1 addr "+host+" port "+port); got != want {
		t.Errorf("set addr: %q, want %q", got, want)
	}
	if got := serverCounts(t, url, 8); got["s2"] != 8 {
		t.Errorf("s1 moved to s2's address: %v", got)
	}
	if stat := cli(t, "tcp", admin, "show stat app 4 1"); !strings.Contains(stat, ","+s2.Addr+",") {
		t.Errorf("show stat addr:\n%s", stat)
	}
	host1, port1, _ := net.SplitHostPort(s1.Addr)
	cli(t, "tcp", admin, "set server app/s1 addr "+host1+" port "+port1)
	if got := serverCounts(t, url, 8); got["s1"] != 6 {
		t.Errorf("s1 back: %v", got)
	}

	// The user-level unix socket reads but may not change anything.
	if got := cli(t, "unix", sock, "set server app/s1 state maint"); got != "Permission denied\n\n" {
		t.Errorf("user socket: %q", got)
	}
	if got := cli(t, "unix", sock, "show backend"); got != "# name\napp\n\n" {
		t.Errorf("show backend: %q", got)
	}

	// hawser cli, non-interactive then interactive.
	out, err := exec.Command(lbtest.Binary(), "cli", "-S", "ipv4@"+admin, "show servers state app").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "1\n# be_id be_name srv_id") || !strings.Contains(string(out), " app 1 s1 127.0.0.1 2 0 3 1 ") {
		t.Errorf("hawser cli: %v\n%s", err, out)
	}
	cmd := exec.Command(lbtest.Binary(), "cli", "-S", sock)
	cmd.Stdin = strings.NewReader("show version\nget weight app/s2\n")
	out, err = cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "> ") || !strings.Contains(string(out), "1 (initial 1)\n") {
		t.Errorf("hawser cli interactive: %v\n%q", err, out)
	}
}

// TestRuntimeAPIJunk floods the runtime API with garbage from many clients
// while traffic flows: the data path never waits for it.
func TestRuntimeAPIJunk(t *testing.T) {
	t.Parallel()
	s1, s2 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2")
	sock := filepath.Join(t.TempDir(), "user.sock")
	p := lbtest.Start(t, runtimeAPICfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "usersock": sock})
	admin := p.Addr("cli")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range 200 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := net.Dial("tcp", admin)
			if err != nil {
				return
			}
			defer c.Close()
			junk := strings.Repeat(fmt.Sprintf("\x00\xff junk %d ;;\\", i), 50)
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
				if _, err := io.WriteString(c, junk); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						continue
					}
					return
				}
			}
		}()
	}
	for range 50 {
		if r := lbtest.Get(t, p.URL("fe", "/")); r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
	}
	close(stop)
	wg.Wait()
	// The API still answers once the flood is over.
	lbtest.WaitUntil(t, "the runtime API answers", 20*time.Second, func() bool {
		return cli(t, "unix", sock, "show backend") == "# name\napp\n\n"
	})
}

func TestRuntimeAPISessions(t *testing.T) {
	t.Parallel()
	s1, s2 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2")
	sock := filepath.Join(t.TempDir(), "user.sock")
	p := lbtest.Start(t, runtimeAPICfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "usersock": sock})
	admin := p.Addr("cli")

	c, err := net.Dial("tcp", p.Addr("fe"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Read(buf); err != nil {
		t.Fatal(err)
	}
	src := c.LocalAddr().String()
	var line string
	lbtest.WaitUntil(t, "show sess lists the connection", 10*time.Second, func() bool {
		for _, l := range strings.Split(cli(t, "tcp", admin, "show sess"), "\n") {
			if strings.Contains(l, " src="+src+" fe=fe ") {
				line = l
				return true
			}
		}
		return false
	})
	id, _, _ := strings.Cut(line, ":")
	if got := cli(t, "unix", sock, "shutdown session "+id); got != "Permission denied\n\n" {
		t.Errorf("user level: %q", got)
	}
	if got := cli(t, "tcp", admin, "shutdown session "+id); got != "\n" {
		t.Fatalf("shutdown session: %q", got)
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); err == nil {
		t.Errorf("connection still open, read %q", buf[:n])
	}
	// The session leaves the table once its goroutine has wound down, which
	// can be just after the client sees the close.
	lbtest.WaitUntil(t, "show sess drops the session", 10*time.Second, func() bool {
		return !strings.Contains(cli(t, "tcp", admin, "show sess"), id+":")
	})
	if got := cli(t, "tcp", admin, "shutdown session "+id); got != "No such session (use 'show sess').\n\n" {
		t.Errorf("second shutdown: %q", got)
	}
}

// TestRuntimeAPIAddrChecks: health checks follow "set server addr".
func TestRuntimeAPIAddrChecks(t *testing.T) {
	t.Parallel()
	s1 := lbtest.NewBackend(t, "s1")
	cfg := `
global
    stats socket ipv4@${cli} level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s1 ${s1} check inter 100ms fall 1 rise 1
`
	p := lbtest.Start(t, cfg, lbtest.Vars{"s1": s1.Addr})
	admin := p.Addr("cli")
	status := func() string {
		for _, l := range strings.Split(cli(t, "tcp", admin, "show stat app 4 -1"), "\n") {
			if f := strings.Split(l, ","); len(f) > 17 && f[1] == "s1" {
				return f[17]
			}
		}
		return ""
	}
	lbtest.WaitUntil(t, "s1 up", 10*time.Second, func() bool { return strings.HasPrefix(status(), "UP") })
	dead := lbtest.DeadAddr(t)
	host, port, _ := net.SplitHostPort(dead)
	cli(t, "tcp", admin, "set server app/s1 addr "+host+" port "+port)
	lbtest.WaitUntil(t, "s1 down at its new address", 10*time.Second, func() bool { return strings.HasPrefix(status(), "DOWN") })
	host, port, _ = net.SplitHostPort(s1.Addr)
	cli(t, "tcp", admin, "set server app/s1 addr "+host+" port "+port)
	lbtest.WaitUntil(t, "s1 up again", 10*time.Second, func() bool { return strings.HasPrefix(status(), "UP") })
	if r := lbtest.Get(t, p.URL("fe", "/")); r.Body != "s1" {
		t.Errorf("got %d %q", r.Status, r.Body)
	}

	// check-port moves only the checks.
	_, deadPort, _ := net.SplitHostPort(lbtest.DeadAddr(t))
	if got := cli(t, "tcp", admin, "set server app/s1 check-port "+deadPort); got != "\n" {
		t.Errorf("check-port: %q", got)
	}
	lbtest.WaitUntil(t, "s1 down on its check port", 10*time.Second, func() bool { return strings.HasPrefix(status(), "DOWN") })
	if ss := cli(t, "tcp", admin, "show servers state app"); !strings.Contains(ss, " "+deadPort+" - - 0\n") {
		t.Errorf("show servers state:\n%s", ss)
	}
	if got := cli(t, "tcp", admin, "set server app/s1 check-port x"); got != "provided port is not an integer\n\n" {
		t.Errorf("check-port x: %q", got)
	}
}

// TestRuntimeAPIDisableFrontend: a disabled frontend accepts nothing until
// it is enabled again; the waiting client is then served.
func TestRuntimeAPIDisableFrontend(t *testing.T) {
	t.Parallel()
	s1, s2 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2")
	sock := filepath.Join(t.TempDir(), "user.sock")
	p := lbtest.Start(t, runtimeAPICfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "usersock": sock})
	admin := p.Addr("cli")
	if got := cli(t, "tcp", admin, "disable frontend fe"); got != "\n" {
		t.Fatalf("disable: %q", got)
	}
	c, err := net.Dial("tcp", p.Addr("fe"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	buf := make([]byte, 4096)
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := c.Read(buf); err == nil {
		t.Fatalf("disabled frontend answered %q", buf[:n])
	}
	if stat := cli(t, "tcp", admin, "show stat fe 1 -1"); !strings.Contains(stat, ",PAUSED,") {
		t.Errorf("show stat:\n%s", stat)
	}
	cli(t, "tcp", admin, "enable frontend fe")
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if n, err := c.Read(buf); err != nil || !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 200") {
		t.Errorf("after enable: %v %q", err, buf[:n])
	}
}
