package e2e

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// upgradeCfg has an HTTP frontend (with a /slow route to a backend the
// test can hold), a TCP listener, and a stats socket; ${expose} is
// "expose-fd listeners" or empty.
const upgradeCfg = `
global
    stats socket ${sock} level admin ${expose}
    stats socket ipv4@${cli} level admin
    hard-stop-after ${hard_stop}
defaults
    timeout client 10s
    timeout server 10s
    timeout connect 2s
frontend fe
    mode http
    bind ${fe}
    use_backend slow if { path_beg /slow }
    default_backend app
backend app
    mode http
    server s1 ${s1}
backend slow
    mode http
    server s2 ${s2}
listen tcp
    mode tcp
    bind ${tcp}
    server t1 ${t1}
log-forward lf
    bind ${lf_tcp}
    dgram-bind ${lf_udp}
    log stderr local0
`

type upgradeEnv struct {
	p    *lbtest.Proc
	sock string
	app  *lbtest.Backend
	slow *lbtest.Backend
}

func startUpgradable(t *testing.T, expose bool) *upgradeEnv {
	t.Helper()
	return startUpgradableStop(t, expose, "30s")
}

// startUpgradableStop is startUpgradable with a hard-stop-after.
func startUpgradableStop(t *testing.T, expose bool, hardStop string) *upgradeEnv {
	t.Helper()
	e := &upgradeEnv{
		sock: filepath.Join(t.TempDir(), "hawser.sock"),
		app:  lbtest.NewBackend(t, "s1"),
		slow: lbtest.NewBackend(t, "s2"),
	}
	tcp := lbtest.NewTCPBackend(t, "t1")
	vars := lbtest.Vars{"sock": e.sock, "s1": e.app.Addr, "s2": e.slow.Addr, "t1": tcp.Addr, "expose": "", "lf_udp": lbtest.FreeAddr(t), "hard_stop": hardStop}
	if expose {
		vars["expose"] = "expose-fd listeners"
	}
	e.p = lbtest.Start(t, upgradeCfg, vars)
	waitSocket(t, e.sock)
	return e
}

// waitSocket waits until the runtime API answers on a unix socket: Start
// returns once the binds accept, which they do (the kernel queues) before
// the stats socket opens.
func waitSocket(t *testing.T, sock string) {
	t.Helper()
	lbtest.WaitUntil(t, "the stats socket", 20*time.Second, func() bool {
		return cliTry("unix", sock, "show info") != ""
	})
}

// slowRequest sends GET /slow on its own connection; the backend holds
// it until released. The result arrives on the channel.
func (e *upgradeEnv) slowRequest(t *testing.T) <-chan error {
	t.Helper()
	e.slow.Hold()
	res := make(chan error, 1)
	go func() {
		r, err := lbtest.DoErr(lbtest.NewClient(false), http.MethodGet, e.p.URL("fe", "/slow"))
		if err == nil && (r.Status != 200 || r.Body != "s2") {
			err = fmt.Errorf("status %d body %q", r.Status, r.Body)
		}
		res <- err
	}()
	e.slow.WaitEntered(t, 1, 10*time.Second)
	return res
}

// load runs HTTP requests on keep-alive connections, HTTP requests each
// on a new connection, and TCP sessions through the TCP listener, until
// stop is called; it counts successes and keeps the failures.
type load struct {
	ok   atomic.Int64
	mu   sync.Mutex
	errs []string
	stop chan struct{}
	wg   sync.WaitGroup
}

func startLoad(e *upgradeEnv) *load {
	l := &load{stop: make(chan struct{})}
	run := func(name string, once func() error) {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				if err := once(); err != nil {
					l.mu.Lock()
					l.errs = append(l.errs, name+": "+err.Error())
					l.mu.Unlock()
					continue
				}
				l.ok.Add(1)
			}
		}()
	}
	httpOnce := func(c *http.Client) func() error {
		return func() error {
			r, err := lbtest.DoErr(c, http.MethodGet, e.p.URL("fe", "/"))
			if err != nil {
				return err
			}
			if r.Status != 200 || r.Body != "s1" {
				return fmt.Errorf("status %d body %q", r.Status, r.Body)
			}
			return nil
		}
	}
	tcpAddr := e.p.Addr("tcp")
	tcpOnce := func() error {
		c, err := net.DialTimeout("tcp", tcpAddr, 5*time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, "ping\n"); err != nil {
			return err
		}
		c.(*net.TCPConn).CloseWrite()
		out, err := io.ReadAll(bufio.NewReader(c))
		if err != nil {
			return err
		}
		if string(out) != "t1\nping\nbye t1\n" {
			return fmt.Errorf("tcp session got %q", out)
		}
		return nil
	}
	for i := range 2 {
		run("keep-alive "+strconv.Itoa(i), httpOnce(lbtest.NewClient(true)))
		run("new connection "+strconv.Itoa(i), httpOnce(lbtest.NewClient(false)))
		run("tcp "+strconv.Itoa(i), tcpOnce)
	}
	return l
}

// waitMore waits until n more exchanges succeeded.
func (l *load) waitMore(t *testing.T, n int64) {
	t.Helper()
	target := l.ok.Load() + n
	lbtest.WaitUntil(t, fmt.Sprintf("%d more successful requests", n), 30*time.Second, func() bool {
		return l.ok.Load() >= target
	})
}

func (l *load) end(t *testing.T) {
	t.Helper()
	close(l.stop)
	l.wg.Wait()
	if len(l.errs) > 0 {
		t.Errorf("%d of %d exchanges failed during the upgrade; first: %v", len(l.errs), int64(len(l.errs))+l.ok.Load(), l.errs[:min(5, len(l.errs))])
	}
}

// The seamless binary upgrade as operators script it: a new process takes
// the listening sockets with -x and tells the old one to finish with -sf.
// Under a load of keep-alive and new HTTP connections and TCP sessions,
// nothing is refused and nothing fails; the old process finishes its
// in-flight request, then exits.
func TestUpgradeUnderLoad(t *testing.T) {
	t.Parallel()
	e := startUpgradable(t, true)
	slow := e.slowRequest(t)
	l := startLoad(e)
	l.waitMore(t, 200)

	nw := e.p.StartNext(t, "-x", e.sock, "-sf", strconv.Itoa(e.p.Pid()))
	e.p.WaitLog(t, "soft stop", 30*time.Second)
	nw.WaitLog(t, "listening sockets received", 5*time.Second)
	// The old process no longer accepts: these go to the new one.
	l.waitMore(t, 200)
	if e.p.Exited() {
		t.Fatalf("old process exited with a request in flight; output:\n%s", e.p.Log())
	}
	e.slow.Release()
	if err := <-slow; err != nil {
		t.Errorf("in-flight request through the old process: %v", err)
	}
	if code := e.p.Wait(t, exitWait); code != 0 {
		t.Errorf("old process exit code %d; output:\n%s", code, e.p.Log())
	}
	l.waitMore(t, 200)
	l.end(t)
	if nw.Exited() {
		t.Fatalf("new process exited; output:\n%s", nw.Log())
	}
	// The new process serves the runtime API on the same path and TCP
	// port (and could open the log-forward sockets the old one held).
	for _, sk := range [][2]string{{"unix", e.sock}, {"tcp", e.p.Addr("cli")}} {
		if out := cli(t, sk[0], sk[1], "show info"); !strings.Contains(out, "Pid: "+strconv.Itoa(nw.Pid())) {
			t.Errorf("show info on the %s stats socket after the upgrade:\n%s", sk[0], out)
		}
	}
}

// -x against a stats socket without "expose-fd listeners" fails with a
// message that says what is missing; the running process is untouched.
func TestUpgradeWithoutExposeFD(t *testing.T) {
	t.Parallel()
	e := startUpgradable(t, false)
	nw := e.p.StartNext(t, "-x", e.sock, "-sf", strconv.Itoa(e.p.Pid()))
	if code := nw.Wait(t, exitWait); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if log := nw.Log(); !strings.Contains(log, "cannot get the listening sockets") || !strings.Contains(log, `"expose-fd listeners"`) {
		t.Errorf("output does not explain the failure:\n%s", log)
	}
	if e.p.Exited() {
		t.Fatal("old process stopped")
	}
	if r := lbtest.Get(t, e.p.URL("fe", "/")); r.Status != 200 {
		t.Errorf("old process answers %d", r.Status)
	}
}

// -st terminates the old process at once, even with a request in flight.
func TestUpgradeTerminate(t *testing.T) {
	t.Parallel()
	e := startUpgradable(t, true)
	slow := e.slowRequest(t)
	nw := e.p.StartNext(t, "-x", e.sock, "-st", strconv.Itoa(e.p.Pid()))
	e.p.Wait(t, exitWait)
	if err := <-slow; err == nil {
		t.Error("request in flight through the terminated process succeeded")
	}
	e.slow.Release()
	if r := lbtest.Get(t, e.p.URL("fe", "/")); r.Status != 200 || r.Body != "s1" {
		t.Errorf("after -st: %d %q", r.Status, r.Body)
	}
	if nw.Exited() {
		t.Fatalf("new process exited; output:\n%s", nw.Log())
	}
}

const upgradeStateCfg = `
global
    stats socket ${sock} level admin expose-fd listeners
    server-state-base ${base}
    server-state-file state
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
    load-server-state-from-file global
frontend fe
    bind ${fe}
    default_backend app
backend app
    balance roundrobin
    server s1 ${s1}
    server s2 ${s2}
    server s3 ${s3}
`

// The operator's upgrade with a server state file: runtime changes (a
// server in maintenance, a weight, a new port) are saved with "show
// servers state" before the upgrade, and the new process starts with
// them.
func TestUpgradeKeepsServerState(t *testing.T) {
	t.Parallel()
	s1, s2, s3, s4 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2"), lbtest.NewBackend(t, "s3"), lbtest.NewBackend(t, "s4")
	sock, base := filepath.Join(t.TempDir(), "hawser.sock"), t.TempDir()
	old := lbtest.Start(t, upgradeStateCfg, lbtest.Vars{"sock": sock, "base": base, "s1": s1.Addr, "s2": s2.Addr, "s3": s3.Addr})
	waitSocket(t, sock)
	for _, cmd := range []string{
		"set server app/s1 state maint",
		"set server app/s2 weight 5",
		"set server app/s3 addr 127.0.0.1 port " + port(s4.Addr),
	} {
		cli(t, "unix", sock, cmd)
	}
	state := cli(t, "unix", sock, "show servers state")
	if err := os.WriteFile(filepath.Join(base, "state"), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	nw := old.StartNext(t, "-x", sock, "-sf", strconv.Itoa(old.Pid()))
	if code := old.Wait(t, exitWait); code != 0 {
		t.Fatalf("old process exit code %d", code)
	}
	if got := serverCounts(t, old.URL("fe", "/"), 12); got["s1"] != 0 || got["s2"] != 10 || got["s4"] != 2 {
		t.Errorf("traffic after the upgrade: %v, want s2:10 s4:2 (s3 moved to s4's port)", got)
	}
	out := cli(t, "unix", sock, "show servers state app")
	for _, want := range []string{" s1 127.0.0.1 0 1 1 1 ", " s2 127.0.0.1 2 0 5 1 ", " " + port(s4.Addr) + " "} {
		if !strings.Contains(out, want) {
			t.Errorf("show servers state after the upgrade lacks %q:\n%s", want, out)
		}
	}
	if nw.Exited() {
		t.Fatalf("new process exited; output:\n%s", nw.Log())
	}
}

// hard-stop-after bounds how long the old process drains: a request held
// by its server is cut, and the old process exits.
func TestUpgradeHardStopAfter(t *testing.T) {
	t.Parallel()
	e := startUpgradableStop(t, true, "500ms")
	slow := e.slowRequest(t)
	defer e.slow.Release()
	nw := e.p.StartNext(t, "-x", e.sock, "-sf", strconv.Itoa(e.p.Pid()))
	if code := e.p.Wait(t, exitWait); code != 0 {
		t.Errorf("old process exit code %d", code)
	}
	if err := <-slow; err == nil {
		t.Error("request held past hard-stop-after succeeded")
	}
	e.p.WaitLog(t, "hard-stop-after reached", time.Second)
	if r := lbtest.Get(t, e.p.URL("fe", "/")); r.Status != 200 || r.Body != "s1" {
		t.Errorf("after the upgrade: %d %q", r.Status, r.Body)
	}
	if nw.Exited() {
		t.Fatalf("new process exited; output:\n%s", nw.Log())
	}
}

// With --api, the new process opens the Data Plane API on the address the
// old one still listens on, and the API answers once the old one is gone.
func TestUpgradeWithDataPlaneAPI(t *testing.T) {
	t.Parallel()
	s1 := lbtest.NewBackend(t, "s1")
	sock := filepath.Join(t.TempDir(), "hawser.sock")
	cfg := `
global
    stats socket ${sock} level admin expose-fd listeners
userlist controller
    user admin insecure-password secret
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s1 ${s1}
`
	old := lbtest.StartArgs(t, cfg, lbtest.Vars{"sock": sock, "s1": s1.Addr}, "--api", "${api}")
	waitSocket(t, sock)
	nw := old.StartNext(t, "--api", old.Addr("api"), "-x", sock, "-sf", strconv.Itoa(old.Pid()))
	if code := old.Wait(t, exitWait); code != 0 {
		t.Errorf("old process exit code %d", code)
	}
	if nw.Exited() {
		t.Fatalf("new process exited; output:\n%s", nw.Log())
	}
	req, err := http.NewRequest(http.MethodGet, "http://"+old.Addr("api")+"/v3/services/haproxy/configuration/backends", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", "secret")
	resp, err := lbtest.NewH1Client(false).Do(req)
	if err != nil {
		t.Fatalf("Data Plane API after the upgrade: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"app"`) {
		t.Errorf("Data Plane API after the upgrade: %d %s", resp.StatusCode, body)
	}
}

// cliTry is cli without failing the test: the socket file is replaced
// while a new worker starts.
func cliTry(network, addr, cmd string) string {
	c, err := net.DialTimeout(network, addr, 5*time.Second)
	if err != nil {
		return ""
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, cmd+"\n")
	out, _ := io.ReadAll(c)
	return string(out)
}

// workerPid is the pid "show info" reports: the worker serving the stats
// socket.
func workerPid(sock string) int {
	for _, l := range strings.Split(cliTry("unix", sock, "show info"), "\n") {
		if v, ok := strings.CutPrefix(l, "Pid: "); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

func processGone(pid int) bool { return syscall.Kill(pid, 0) == syscall.ESRCH }

// Master-worker mode: SIGUSR2 to the master starts the executable again
// as a new worker, which takes the old worker's sockets from the master;
// the old worker finishes its in-flight request and exits. Under load,
// nothing fails, and the master's pid stays. A new worker that cannot
// start leaves the old one serving. SIGTERM to the master stops all.
func TestMasterWorkerUpgrade(t *testing.T) {
	t.Parallel()
	e := &upgradeEnv{
		sock: filepath.Join(t.TempDir(), "hawser.sock"),
		app:  lbtest.NewBackend(t, "s1"),
		slow: lbtest.NewBackend(t, "s2"),
	}
	tcp := lbtest.NewTCPBackend(t, "t1")
	vars := lbtest.Vars{"sock": e.sock, "s1": e.app.Addr, "s2": e.slow.Addr, "t1": tcp.Addr, "expose": "", "lf_udp": lbtest.FreeAddr(t), "hard_stop": "30s"}
	e.p = lbtest.StartArgs(t, upgradeCfg, vars, "-W")
	var w1 int
	lbtest.WaitUntil(t, "the first worker's stats socket", 20*time.Second, func() bool {
		w1 = workerPid(e.sock)
		return w1 != 0
	})
	if w1 == e.p.Pid() {
		t.Fatal("the master serves the stats socket itself")
	}
	slow := e.slowRequest(t)
	l := startLoad(e)
	l.waitMore(t, 200)

	e.p.Signal(t, syscall.SIGUSR2)
	var w2 int
	lbtest.WaitUntil(t, "a new worker on the stats socket", 30*time.Second, func() bool {
		w2 = workerPid(e.sock)
		return w2 != 0 && w2 != w1
	})
	l.waitMore(t, 200)
	if processGone(w1) {
		t.Fatal("old worker exited with a request in flight")
	}
	e.slow.Release()
	if err := <-slow; err != nil {
		t.Errorf("in-flight request through the old worker: %v", err)
	}
	lbtest.WaitUntil(t, "the old worker to exit", exitWait, func() bool { return processGone(w1) })
	l.waitMore(t, 200)
	l.end(t)

	// A configuration the new worker refuses: the running one stays.
	if e.p.ReloadWith(t, upgradeCfg+"\nbackend broken\n    bogus_keyword\n", nil) {
		t.Fatal("broken configuration accepted")
	}
	if pid := workerPid(e.sock); pid != w2 {
		t.Errorf("worker after a failed upgrade: %d, want %d", pid, w2)
	}
	if r := lbtest.Get(t, e.p.URL("fe", "/")); r.Status != 200 || r.Body != "s1" {
		t.Errorf("after a failed upgrade: %d %q", r.Status, r.Body)
	}
	if e.p.Exited() {
		t.Fatalf("master exited; output:\n%s", e.p.Log())
	}
	e.p.Signal(t, syscall.SIGTERM)
	e.p.Wait(t, exitWait)
	lbtest.WaitUntil(t, "the worker to exit with the master", exitWait, func() bool { return processGone(w2) })
}
