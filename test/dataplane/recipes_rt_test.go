package dataplane

import (
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// The blue/green and canary recipes of docs/dataplane-api.md that use the
// runtime endpoints, run against real traffic.

// within reports whether got is want ± tol.
func within(got, want, tol int) bool { return got >= want-tol && got <= want+tol }

// TestRecipeCanaryRuntimeWeights shifts traffic between two server
// groups of one backend, 90/10 → 50/50 → 0/100, with runtime weights:
// no configuration change, no reload.
func TestRecipeCanaryRuntimeWeights(t *testing.T) {
	t.Parallel()
	blue, green := lbtest.NewBackend(t, "blue"), lbtest.NewBackend(t, "green")
	cfg := strings.Replace(baseCfg, "    server s1 ${s1}\n",
		"    balance roundrobin\n    server blue ${blue} weight 90\n    server green ${green} weight 10\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"blue": blue.Addr, "green": green.Addr})
	url := a.proc.URL("web", "/")
	srvs := rtPath + "/backends/app/servers/"
	const n = 100
	for _, step := range []struct{ blue, green int }{{90, 10}, {50, 50}, {0, 100}} {
		a.must(200, "PUT", srvs+"blue", `{"weight":`+itoa(step.blue)+`}`)
		a.must(200, "PUT", srvs+"green", `{"weight":`+itoa(step.green)+`}`)
		c := count(t, url, n)
		if !within(c["green"], step.green*n/100, 5) || c["blue"]+c["green"] != n {
			t.Errorf("weights %d/%d: observed %v", step.blue, step.green, c)
		}
	}
	if v := a.version(); v != "1" {
		t.Errorf("runtime weights changed the configuration (version %s)", v)
	}
}

// loadLoop sends requests until stop is closed, half on fresh
// connections, half on a keep-alive one, counting answers by body and
// failures.
type loadLoop struct {
	stop   chan struct{}
	once   sync.Once
	wg     sync.WaitGroup
	mu     sync.Mutex
	seen   map[string]int
	failed atomic.Int64
	errs   []string
}

func startLoad(url string, workers int) *loadLoop {
	l := &loadLoop{stop: make(chan struct{}), seen: map[string]int{}}
	for i := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			c := lbtest.NewClient(i%2 == 0)
			for {
				select {
				case <-l.stop:
					return
				default:
				}
				r, err := lbtest.DoErr(c, "GET", url)
				l.mu.Lock()
				if err != nil || r.Status != 200 {
					l.failed.Add(1)
					if len(l.errs) < 5 {
						l.errs = append(l.errs, strings.TrimSpace(r.Body)+" "+errString(err))
					}
				} else {
					l.seen[r.Body]++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *loadLoop) count(body string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.seen[body]
}

// end stops the load and waits for it; it may be called twice.
func (l *loadLoop) end() {
	l.once.Do(func() { close(l.stop) })
	l.wg.Wait()
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestRecipeBlueGreenFlipUnderLoad flips the frontend from blue to green
// in one transaction while clients keep sending: no request fails, and
// after the commit every request goes to green.
func TestRecipeBlueGreenFlipUnderLoad(t *testing.T) {
	t.Parallel()
	blue, green := lbtest.NewBackend(t, "blue"), lbtest.NewBackend(t, "green")
	cfg := strings.Replace(baseCfg, "default_backend app", "default_backend blue", 1)
	cfg = strings.Replace(cfg, "backend app\n    server s1 ${s1}\n", "backend blue\n    server b1 ${blue}\n\nbackend green\n    server g1 ${green}\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"blue": blue.Addr, "green": green.Addr})
	url := a.proc.URL("web", "/")
	load := startLoad(url, 4)
	defer load.end()
	lbtest.WaitUntil(t, "traffic to blue", 10*time.Second, func() bool { return load.count("blue") >= 20 })

	var tx struct{ ID string }
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version="+a.version(), "").Body), &tx)
	var fe map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/frontends/web", "").Body), &fe)
	fe["default_backend"] = "green"
	b, _ := json.Marshal(fe)
	a.must(202, "PUT", cfgPath+"/frontends/web?transaction_id="+tx.ID, string(b))
	a.must(200, "PUT", "/services/haproxy/transactions/"+tx.ID, "")

	before := load.count("green")
	lbtest.WaitUntil(t, "traffic to green", 10*time.Second, func() bool { return load.count("green") >= before+20 })
	load.end()
	if f := load.failed.Load(); f != 0 {
		t.Errorf("%d requests failed during the flip: %v", f, load.errs)
	}
	if r := lbtest.Get(t, url); r.Body != "green" {
		t.Errorf("after the flip: %q", r.Body)
	}
}

// TestRecipeDrainThenRemove drains a server through the runtime endpoint,
// waits for its last request to end, then removes it for good through
// the configuration.
func TestRecipeDrainThenRemove(t *testing.T) {
	t.Parallel()
	one, two := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two")
	cfg := strings.Replace(baseCfg, "    server s1 ${s1}\n", "    balance roundrobin\n    server s1 ${s1}\n    server s2 ${s2}\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"s1": one.Addr, "s2": two.Addr})
	url := a.proc.URL("web", "/")

	// A long request is in progress on s2.
	two.Hold()
	done := make(chan lbtest.Response, 2)
	for range 2 {
		go func() {
			r, _ := lbtest.DoErr(lbtest.NewClient(false), "GET", url)
			done <- r
		}()
	}
	two.WaitEntered(t, 1, 10*time.Second)
	if r := <-done; r.Body != "one" {
		t.Fatalf("the other request: %q", r.Body)
	}

	a.must(200, "PUT", rtPath+"/backends/app/servers/s2", `{"admin_state":"drain"}`)
	if c := count(t, url, 6); c["one"] != 6 {
		t.Errorf("new requests while s2 drains: %v", c)
	}
	scur := func() float64 {
		st := jsonOf[struct {
			Stats []struct{ Stats map[string]any }
		}](t, a.must(200, "GET", "/services/haproxy/stats/native?type=server&parent=app&name=s2", ""))
		if len(st.Stats) != 1 {
			t.Fatalf("stats of s2: %+v", st)
		}
		v, _ := st.Stats[0].Stats["scur"].(float64)
		return v
	}
	if n := scur(); n != 1 {
		t.Errorf("s2 scur while its request runs: %v", n)
	}
	two.Release()
	if r := <-done; r.Status != 200 || r.Body != "two" {
		t.Errorf("the drained request: %d %q", r.Status, r.Body)
	}
	lbtest.WaitUntil(t, "s2 without connections", 10*time.Second, func() bool { return scur() == 0 })

	a.must(204, "DELETE", cfgPath+"/backends/app/servers/s2?version="+a.version(), "")
	a.must(404, "GET", rtPath+"/backends/app/servers/s2", "")
	if c := count(t, url, 4); c["one"] != 4 {
		t.Errorf("after removal: %v", c)
	}
}

// TestRuntimeChangesUnderLoad makes 200 runtime changes (weights, drain
// and ready, addresses) while clients keep sending: no request fails.
func TestRuntimeChangesUnderLoad(t *testing.T) {
	t.Parallel()
	one, two, three := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two"), lbtest.NewBackend(t, "three")
	cfg := strings.Replace(baseCfg, "    server s1 ${s1}\n", "    balance roundrobin\n    server s1 ${s1}\n    server s2 ${s2}\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"s1": one.Addr, "s2": two.Addr})
	load := startLoad(a.proc.URL("web", "/"), 4)
	defer load.end()
	srvs := rtPath + "/backends/app/servers/"
	addrs := []string{two.Addr, three.Addr}
	for i := range 200 {
		switch i % 4 {
		case 0:
			a.must(200, "PUT", srvs+"s1", `{"weight":`+itoa(1+i%7)+`}`)
		case 1:
			a.must(200, "PUT", srvs+"s2", `{"admin_state":"drain"}`)
		case 2:
			host, port, _ := strings.Cut(addrs[(i/4)%2], ":")
			a.must(200, "PUT", srvs+"s2", `{"address":"`+host+`","port":`+port+`}`)
		case 3:
			a.must(200, "PUT", srvs+"s2", `{"admin_state":"ready"}`)
		}
	}
	lbtest.WaitUntil(t, "traffic to every server", 10*time.Second, func() bool {
		return load.count("one") > 0 && load.count("two") > 0 && load.count("three") > 0
	})
	load.end()
	if f := load.failed.Load(); f != 0 {
		t.Errorf("%d requests failed during 200 runtime changes: %v", f, load.errs)
	}
}
