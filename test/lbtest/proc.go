// Package lbtest runs a real hawser process on loopback sockets for
// end-to-end tests, with HTTP and TCP backends living in the test process
// and a raw-bytes client for requests net/http refuses to send.
//
// A test package builds the binary once in TestMain with Build, then each
// test calls Start with a configuration whose ${name} placeholders are
// either addresses the test provides (its backends) or bind addresses the
// harness allocates.
package lbtest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// binary is the hawser executable built by Build.
var binary string

// Build compiles ./cmd/hawser of the module containing the working
// directory into dir and remembers it for Start.
func Build(dir string) error {
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	out := filepath.Join(dir, "hawser")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/hawser")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build: %w\n%s", err, b)
	}
	binary = out
	sourceRoot = root
	return nil
}

// sourceRoot is the module Build compiled; touchOnce stats its sources
// from the first Start, inside a test: go test only records file accesses
// made after TestMain hands over to the tests.
var (
	sourceRoot string
	touchOnce  sync.Once
)

// touchSources stats every Go source and go.mod/go.sum of the module. go
// test records the files a test looks at and reuses a cached result only
// while they are unchanged; without this, a change to the proxy would not
// invalidate the cached result of a package whose tests run the binary.
func touchSources(root string) {
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if name := d.Name(); strings.HasSuffix(name, ".go") || name == "go.mod" || name == "go.sum" {
			os.Stat(path)
		}
		return nil
	})
}

// Binary returns the path of the hawser executable built by Build.
func Binary() string { return binary }

// moduleRoot walks up from the working directory to the go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// Vars maps config placeholders (without ${}) to addresses.
type Vars map[string]string

// Proc is a running hawser process.
type Proc struct {
	t     testing.TB
	vars  Vars            // given and allocated addresses
	given map[string]bool // placeholders the test provided (not binds)
	binds []string
	path  string   // config file
	args  []string // extra arguments after "-f path", placeholders substituted
	cmd   *exec.Cmd
	out   *logBuffer
	done  chan struct{} // closed when the process has exited
	state *os.ProcessState
}

// placeholder matches ${name} in a configuration.
var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// startAttempts bounds retries when an allocated port was taken between
// allocation and hawser's bind.
const startAttempts = 3

// StartTimeout bounds how long Start waits for hawser to listen.
const StartTimeout = 20 * time.Second

// Start writes cfg to a file, substituting vars and allocating a free
// loopback address for every other placeholder (those are the binds Start
// waits for), runs "hawser -f" on it and stops it when the test ends.
func Start(t testing.TB, cfg string, vars Vars) *Proc {
	t.Helper()
	return StartArgs(t, cfg, vars)
}

// StartArgs is Start with more command-line arguments after "-f FILE".
// Placeholders in them are substituted as in cfg, and an allocated one
// ("--api", "${api}") is waited for like a bind.
func StartArgs(t testing.TB, cfg string, vars Vars, args ...string) *Proc {
	t.Helper()
	touchOnce.Do(func() { touchSources(sourceRoot) })
	cfg = addTLSBinds(t, cfg)
	var lastLog string
	for range startAttempts {
		p := &Proc{t: t, vars: Vars{}, given: map[string]bool{}, out: newLogBuffer(), done: make(chan struct{})}
		for k, v := range vars {
			p.vars[k] = v
			p.given[k] = true
		}
		for _, m := range placeholder.FindAllStringSubmatch(cfg+" "+strings.Join(args, " "), -1) {
			if _, ok := p.vars[m[1]]; !ok {
				p.vars[m[1]] = FreeAddr(t)
				p.binds = append(p.binds, m[1])
			}
		}
		for _, a := range args {
			p.args = append(p.args, p.expand(a))
		}
		p.path = filepath.Join(t.TempDir(), "hawser.cfg")
		p.writeConfig(cfg)
		if err := p.launch(); err != nil {
			t.Fatalf("start hawser: %v", err)
		}
		t.Cleanup(p.stop)
		if p.waitListening() {
			return p
		}
		lastLog = p.Log()
		if !strings.Contains(lastLog, "address already in use") {
			break
		}
	}
	t.Fatalf("hawser did not start listening; output:\n%s", lastLog)
	return nil
}

// StartNext starts a second hawser on p's configuration file and
// addresses, with extra command-line arguments: the new process of a
// binary upgrade ("-x", "-sf", "-st"). It does not wait for anything: the
// caller knows what readiness means for its arguments. The process is
// stopped when the test ends.
func (p *Proc) StartNext(t testing.TB, args ...string) *Proc {
	t.Helper()
	n := &Proc{t: t, vars: Vars{}, given: map[string]bool{}, path: p.path, out: newLogBuffer(), done: make(chan struct{})}
	for k, v := range p.vars {
		n.vars[k] = v
		n.given[k] = true
	}
	n.args = args
	if err := n.launch(); err != nil {
		t.Fatalf("start hawser: %v", err)
	}
	t.Cleanup(n.stop)
	return n
}

// launch starts the process and a goroutine that records its exit.
func (p *Proc) launch() error {
	p.cmd = exec.Command(binary, append([]string{"-f", p.path}, p.args...)...)
	p.cmd.Stdout = p.out
	p.cmd.Stderr = p.out
	if err := p.cmd.Start(); err != nil {
		return err
	}
	go func() {
		p.cmd.Wait()
		p.state = p.cmd.ProcessState
		close(p.done)
	}()
	return nil
}

// waitListening polls every bind address until it accepts, and reports
// false if the process exits first or StartTimeout passes.
func (p *Proc) waitListening() bool {
	deadline := time.Now().Add(StartTimeout)
	for _, name := range p.binds {
		twin := strings.HasSuffix(name, tlsSuffix)
		for {
			if p.Exited() || time.Now().After(deadline) {
				return false
			}
			var c net.Conn
			var err error
			if twin {
				// An h2 run's TLS twin: a whole handshake, since a bare
				// connection would be logged as a failed one.
				c, err = tls.DialWithDialer(&net.Dialer{Timeout: time.Second}, "tcp", p.vars[name],
					&tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}})
			} else {
				c, err = net.DialTimeout("tcp", p.vars[name], time.Second)
			}
			if err == nil {
				c.Close()
				break
			}
			select {
			case <-p.done:
			case <-time.After(10 * time.Millisecond):
			}
		}
	}
	return true
}

// expand substitutes the placeholders in s.
func (p *Proc) expand(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(s string) string {
		return p.vars[s[2:len(s)-1]]
	})
}

// Path returns the configuration file's path.
func (p *Proc) Path() string { return p.path }

func (p *Proc) writeConfig(cfg string) {
	text := p.expand(cfg)
	if err := os.WriteFile(p.path, []byte(text), 0o644); err != nil {
		p.t.Fatalf("write config: %v", err)
	}
}

// Addr returns the address a placeholder stands for.
func (p *Proc) Addr(name string) string {
	a, ok := p.vars[name]
	if !ok {
		p.t.Fatalf("no placeholder %q", name)
	}
	return a
}

// URL returns "http://" + Addr(name) + path; in an h2 run (RunProto), for
// a bind that got a TLS twin, "https://" and the twin's address.
func (p *Proc) URL(name, path string) string {
	if a, ok := p.vars[name+tlsSuffix]; ok {
		return "https://" + a + path
	}
	return "http://" + p.Addr(name) + path
}

// Authority is the host:port URL(name, …) sends requests to.
func (p *Proc) Authority(name string) string {
	if a, ok := p.vars[name+tlsSuffix]; ok {
		return a
	}
	return p.Addr(name)
}

// Pid returns the process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Log returns everything hawser wrote to stdout and stderr so far.
func (p *Proc) Log() string { return p.out.String() }

// WaitLog waits until the output contains substr, failing the test after
// timeout.
func (p *Proc) WaitLog(t testing.TB, substr string, timeout time.Duration) {
	t.Helper()
	if !p.out.waitFor(func(s string) bool { return strings.Contains(s, substr) }, timeout) {
		t.Fatalf("hawser did not log %q within %v; output:\n%s", substr, timeout, p.Log())
	}
}

// WaitLogCount waits until substr occurs at least n times in the output.
func (p *Proc) WaitLogCount(t testing.TB, substr string, n int, timeout time.Duration) {
	t.Helper()
	if !p.out.waitFor(func(s string) bool { return strings.Count(s, substr) >= n }, timeout) {
		t.Fatalf("hawser did not log %q %d times within %v; output:\n%s", substr, n, timeout, p.Log())
	}
}

// Log messages of a reload's outcome.
const (
	ReloadedMsg = "configuration reloaded"
	RejectedMsg = "reload rejected"
)

// Reload sends SIGHUP and waits until hawser logs that the reload was
// applied or rejected; it reports whether it was applied.
func (p *Proc) Reload(t testing.TB) bool {
	t.Helper()
	before := p.Log()
	ok0, bad0 := strings.Count(before, ReloadedMsg), strings.Count(before, RejectedMsg)
	p.Signal(t, syscall.SIGHUP)
	var applied bool
	done := p.out.waitFor(func(s string) bool {
		ok, bad := strings.Count(s, ReloadedMsg), strings.Count(s, RejectedMsg)
		applied = ok > ok0
		return applied || bad > bad0
	}, StartTimeout)
	if !done {
		t.Fatalf("reload not acknowledged; output:\n%s", p.Log())
	}
	return applied
}

// ReloadWith rewrites the configuration (same placeholders; new ones get
// fresh addresses, the new binds) and reloads. It reports whether hawser
// applied it; if so it waits for the new binds to listen.
func (p *Proc) ReloadWith(t testing.TB, cfg string, vars Vars) bool {
	t.Helper()
	for k, v := range vars {
		p.vars[k] = v
		p.given[k] = true
	}
	p.binds = p.binds[:0]
	cfg = addTLSBinds(t, cfg)
	for _, m := range placeholder.FindAllStringSubmatch(cfg, -1) {
		if _, ok := p.vars[m[1]]; !ok {
			p.vars[m[1]] = FreeAddr(t)
		}
		if !p.given[m[1]] && !slices.Contains(p.binds, m[1]) {
			p.binds = append(p.binds, m[1])
		}
	}
	p.writeConfig(cfg)
	if !p.Reload(t) {
		return false
	}
	if !p.waitListening() {
		t.Fatalf("new binds not listening after reload; output:\n%s", p.Log())
	}
	return true
}

// SoftStop sends SIGUSR1.
func (p *Proc) SoftStop(t testing.TB) { p.Signal(t, syscall.SIGUSR1) }

// Signal sends sig to the process.
func (p *Proc) Signal(t testing.TB, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %v: %v", sig, err)
	}
}

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Wait waits for the process to exit and returns its exit code, failing
// the test after timeout.
func (p *Proc) Wait(t testing.TB, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.state.ExitCode()
	case <-time.After(timeout):
		t.Fatalf("hawser still running after %v", timeout)
		return -1
	}
}

// stopTimeout bounds how long a stopped hawser may take to exit.
const stopTimeout = 10 * time.Second

// stop ends the process at test end and checks that it exits.
func (p *Proc) stop() {
	if p.Exited() {
		return
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.cmd.Process.Kill()
		<-p.done
		p.t.Errorf("hawser ignored SIGTERM for %v; output:\n%s", stopTimeout, p.Log())
	}
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago, and that FreeAddr never returned before in this process.
//
// hawser binds with SO_REUSEPORT, so a port must never be handed to two
// processes at once: they would both bind it and share each other's
// connections. Ports therefore come from below the kernel's ephemeral
// range (32768 and up on Linux), which port-0 listeners and outgoing
// connections use and could take between FreeAddr and hawser's bind, and
// each test process walks the range from its own starting point, so that
// packages tested in parallel do not meet. Start retries when another
// process takes a port first.
func FreeAddr(t testing.TB) string {
	t.Helper()
	for range freeSpan {
		port := freeLow + int(freeNext.Add(1))%freeSpan
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if _, dup := handedOut.LoadOrStore(addr, true); dup {
			continue
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue // in use
		}
		l.Close()
		return addr
	}
	t.Fatalf("no free port in %d-%d", freeLow, freeLow+freeSpan-1)
	return ""
}

// The ports FreeAddr hands out: [freeLow, freeLow+freeSpan), from an
// offset that depends on the process.
const (
	freeLow  = 10000
	freeSpan = 22000
)

var freeNext = func() *atomic.Int64 {
	var n atomic.Int64
	n.Store(int64(os.Getpid()%16) * freeSpan / 16)
	return &n
}()

// handedOut are the addresses FreeAddr returned.
var handedOut sync.Map

// Check runs "hawser -c -f" on cfg and returns the exit code and output.
func Check(t testing.TB, cfg string) (int, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "check.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "-c", "-f", path)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatalf("run hawser -c: %v", err)
	}
	return cmd.ProcessState.ExitCode(), strings.ReplaceAll(string(out), path, "FILE")
}

// logBuffer is a goroutine-safe output buffer that wakes waiters on each
// write.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{} // closed and replaced on each write
}

func newLogBuffer() *logBuffer { return &logBuffer{changed: make(chan struct{})} }

// Write appends to the buffer.
func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	close(b.changed)
	b.changed = make(chan struct{})
	return len(p), nil
}

// String returns the contents.
func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor waits until ok holds for the contents or timeout passes.
func (b *logBuffer) waitFor(ok func(string) bool, timeout time.Duration) bool {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		b.mu.Lock()
		s, ch := b.buf.String(), b.changed
		b.mu.Unlock()
		if ok(s) {
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		}
	}
}
