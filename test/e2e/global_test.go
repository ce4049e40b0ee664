package e2e

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// -D detaches: the command returns at once with status 0, the pid file
// names the background process, and that process serves traffic.
func TestDaemonWritesPidfileAndServes(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	dir := t.TempDir()
	fe := lbtest.FreeAddr(t)
	cfg := strings.NewReplacer("${fe}", fe, "${app}", vars["app"]).Replace(httpDefaults + `
frontend fe
    bind ${fe}
    default_backend app
backend app
    server s ${app}
`)
	cfgPath := filepath.Join(dir, "hawser.cfg")
	pidPath := filepath.Join(dir, "hawser.pid")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(lbtest.Binary(), "-D", "-p", pidPath, "-f", cfgPath).CombinedOutput()
	if err != nil {
		t.Fatalf("hawser -D: %v\n%s", err, out)
	}
	var pid int
	lbtest.WaitUntil(t, "pid file", 10*time.Second, func() bool {
		b, err := os.ReadFile(pidPath)
		if err != nil {
			return false
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil && pid > 0
	})
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGTERM) })
	lbtest.WaitUntil(t, "daemon to listen", 10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fe, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if got := get(t, "http://"+fe+"/"); got != "app" {
		t.Fatalf("daemon served %q", got)
	}
	// The daemon runs in its own session, detached from the terminal.
	sid, err := unix.Getsid(pid)
	if err != nil || sid != pid {
		t.Errorf("daemon session id %d (err %v), want %d", sid, err, pid)
	}
	syscall.Kill(pid, syscall.SIGTERM)
	lbtest.WaitUntil(t, "daemon to exit", 10*time.Second, func() bool {
		return syscall.Kill(pid, 0) != nil
	})
}

// A directory given with -f contributes its *.cfg files in lexical order,
// and several -f options add up.
func TestConfigDirectoryAndSeveralFiles(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	dir := t.TempDir()
	conf := filepath.Join(dir, "conf.d")
	if err := os.Mkdir(conf, 0o755); err != nil {
		t.Fatal(err)
	}
	fe := lbtest.FreeAddr(t)
	files := map[string]string{
		filepath.Join(dir, "00-global.cfg"):    httpDefaults,
		filepath.Join(conf, "10-frontend.cfg"): "frontend fe\n    bind " + fe + "\n    default_backend app\n",
		filepath.Join(conf, "20-backend.cfg"):  "backend app\n    server s " + vars["app"] + "\n",
		filepath.Join(conf, "ignored.txt"):     "this is not a configuration\n",
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(lbtest.Binary(), "-c", "-f", filepath.Join(dir, "00-global.cfg"), "-f", conf).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Configuration file is valid") {
		t.Fatalf("hawser -c with a directory: %v\n%s", err, out)
	}
	cmd := exec.Command(lbtest.Binary(), "-f", filepath.Join(dir, "00-global.cfg"), "-f", conf)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lbtest.WaitUntil(t, "hawser to listen", 10*time.Second, func() bool {
		c, err := net.DialTimeout("tcp", fe, time.Second)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if got := get(t, "http://"+fe+"/"); got != "app" {
		t.Fatalf("served %q", got)
	}
}

// "user" and "group" in global drop root privileges once the sockets are
// bound, as HAProxy does.
func TestUserAndGroupDropPrivileges(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to change user")
	}
	_, vars := backends(t, "app")
	p := lbtest.Start(t, `
global
    user nobody
    group nogroup

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    default_backend app
backend app
    server s ${app}
`, vars)
	if got := get(t, p.URL("fe", "/")); got != "app" {
		t.Fatalf("served %q", got)
	}
	status, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid()) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var uid string
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "Uid:") {
			uid = strings.Fields(line)[1]
		}
	}
	if uid != "65534" {
		t.Errorf("hawser runs as uid %s, want nobody (65534)", uid)
	}
}

// The access log on stdout follows "option httplog".
func TestHTTPLogLine(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, `
global
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    default_backend app
backend app
    server s1 ${app}
`, vars)
	get(t, p.URL("fe", "/some/path?q=1"))
	p.WaitLog(t, " "+lbtest.LogFrontend("fe")+" app/s1 ", 5*time.Second)
	p.WaitLog(t, ` 200 `, 5*time.Second)
	p.WaitLog(t, `"`+lbtest.RunProto().LogRequest("GET", p.Authority("fe"), "/some/path?q=1")+`"`, 5*time.Second)
}
