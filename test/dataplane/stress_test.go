package dataplane

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// commitRaw reads the configuration and its version, lets edit change the
// text and posts it with that version. It reports false on a 409 (someone
// else committed in between).
func commitRaw(a *api, edit func(string) string) bool {
	a.t.Helper()
	r := a.must(200, "GET", cfgPath+"/raw", "")
	v := r.Header.Get("Configuration-Version")
	w := a.do("POST", cfgPath+"/raw?version="+v, edit(r.Body))
	switch w.Status {
	case 201:
		return true
	case 409:
		return false
	}
	a.t.Fatalf("commit: %d %s", w.Status, w.Body)
	return false
}

func TestConcurrentCommitsLoseNothing(t *testing.T) {
	t.Parallel()
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	const workers, each = 4, 5
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				name := fmt.Sprintf("b%d_%d", w, i)
				if commitRaw(a, func(s string) string { return s + "\nbackend " + name + "\n    server x 127.0.0.1:1\n" }) {
					i++
				} else {
					conflicts.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if v := strings.TrimSpace(a.must(200, "GET", cfgPath+"/version", "").Body); v != strconv.Itoa(1+workers*each) {
		t.Errorf("version %s after %d commits", v, workers*each)
	}
	raw := a.must(200, "GET", cfgPath+"/raw", "").Body
	for w := range workers {
		for i := range each {
			if !strings.Contains(raw, fmt.Sprintf("backend b%d_%d\n", w, i)) {
				t.Errorf("lost update: backend b%d_%d", w, i)
			}
		}
	}
	t.Logf("%d conflicts retried", conflicts.Load())
}

func TestTrafficFlowsDuringChanges(t *testing.T) {
	t.Parallel()
	one, two := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two")
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": one.Addr})
	url := a.proc.URL("web", "/")
	changes := 500
	if testing.Short() {
		changes = 50
	}
	stop := make(chan struct{})
	var reqs, failed atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := lbtest.NewClient(true)
			for {
				select {
				case <-stop:
					return
				default:
				}
				r, err := lbtest.DoErr(c, "GET", url)
				reqs.Add(1)
				if err != nil || r.Status != 200 {
					if failed.Add(1) < 5 {
						t.Errorf("request failed: %v %d %s", err, r.Status, r.Body)
					}
				}
			}
		}()
	}
	addrs := []string{one.Addr, two.Addr}
	for i := range changes {
		from, to := addrs[i%2], addrs[(i+1)%2]
		if !commitRaw(a, func(s string) string { return strings.Replace(s, from, to, 1) }) {
			t.Fatal("conflict with no other writer")
		}
	}
	close(stop)
	wg.Wait()
	if failed.Load() > 0 || reqs.Load() == 0 {
		t.Errorf("%d of %d requests failed during %d changes", failed.Load(), reqs.Load(), changes)
	}
	if one.Requests.Load() == 0 || two.Requests.Load() == 0 {
		t.Errorf("changes not applied: one %d, two %d requests", one.Requests.Load(), two.Requests.Load())
	}
	t.Logf("%d requests during %d changes", reqs.Load(), changes)
}

// TestKillDuringCommits kills hawser with SIGKILL while commits are in
// flight: the file on disk must always be a whole, valid configuration.
func TestKillDuringCommits(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := dir + "/hawser.cfg"
	web, apiAddr := lbtest.FreeAddr(t), lbtest.FreeAddr(t)
	cfg := strings.NewReplacer("${web}", web, "${s1}", lbtest.DeadAddr(t)).Replace(baseCfg)
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	for round := range 4 {
		cmd := exec.Command(lbtest.Binary(), "-f", path, "--api", apiAddr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		lbtest.WaitUntil(t, "API listening", 20*time.Second, func() bool {
			c, err := net.Dial("tcp", apiAddr)
			if err == nil {
				c.Close()
			}
			return err == nil
		})
		a := &api{t: t, base: "http://" + apiAddr + "/v3", user: "admin", pass: "secret"}
		// Commits back to back from two clients; kill after a few.
		var n atomic.Int64
		for g := range 2 {
			go func() {
				for i := 0; ; i++ {
					req, _ := http.NewRequest("GET", a.base+cfgPath+"/raw", nil)
					req.SetBasicAuth("admin", "secret")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						return
					}
					var b strings.Builder
					buf := make([]byte, 32<<10)
					for {
						k, err := resp.Body.Read(buf)
						b.Write(buf[:k])
						if err != nil {
							break
						}
					}
					resp.Body.Close()
					v := resp.Header.Get("Configuration-Version")
					body := b.String() + fmt.Sprintf("\nbackend r%d_g%d_%d\n    server x 127.0.0.1:1\n", round, g, i)
					req, _ = http.NewRequest("POST", a.base+cfgPath+"/raw?version="+v, strings.NewReader(body))
					req.SetBasicAuth("admin", "secret")
					resp, err = http.DefaultClient.Do(req)
					if err != nil {
						return
					}
					resp.Body.Close()
					if resp.StatusCode == 201 {
						n.Add(1)
					}
				}
			}()
		}
		lbtest.WaitUntil(t, "some commits", 20*time.Second, func() bool { return n.Load() >= int64(3+round) })
		cmd.Process.Signal(syscall.SIGKILL)
		<-done
		out, err := exec.Command(lbtest.Binary(), "-c", "-f", path).CombinedOutput()
		if err != nil {
			t.Fatalf("round %d: file invalid after kill -9: %v\n%s", round, err, out)
		}
		data, _ := os.ReadFile(path)
		if !strings.HasPrefix(string(data), "# _version=") {
			t.Fatalf("round %d: no version line: %.80q", round, data)
		}
	}
}
