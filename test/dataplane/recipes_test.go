package dataplane

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// The recipes of docs/dataplane-api.md, run against real traffic.

// count sends n requests (a new connection each) and counts the answers
// by backend name.
func count(t *testing.T, url string, n int) map[string]int {
	t.Helper()
	c := lbtest.NewClient(false)
	out := map[string]int{}
	for range n {
		r, err := lbtest.DoErr(c, "GET", url)
		if err != nil || r.Status != 200 {
			t.Fatalf("request: %v %d %s", err, r.Status, r.Body)
		}
		out[r.Body]++
	}
	return out
}

func TestRecipeAddBackendAndRoute(t *testing.T) {
	t.Parallel()
	one, green := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "green")
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": one.Addr})
	host, port, _ := strings.Cut(green.Addr, ":")
	a.must(201, "POST", cfgPath+"/backends?version=1", `{"name":"green","mode":"http","balance":{"algorithm":"roundrobin"}}`)
	a.must(201, "POST", cfgPath+"/backends/green/servers?version=2", `{"name":"g1","address":"`+host+`","port":`+port+`}`)
	a.must(201, "POST", cfgPath+"/frontends/web/backend_switching_rules/0?version=3", `{"name":"green","cond":"if","cond_test":"{ path_beg /beta }"}`)
	if r := lbtest.Get(t, a.proc.URL("web", "/beta/x")); r.Body != "green" {
		t.Errorf("/beta/x: %q", r.Body)
	}
	if r := lbtest.Get(t, a.proc.URL("web", "/")); r.Body != "one" {
		t.Errorf("/: %q", r.Body)
	}
	full := a.must(200, "GET", cfgPath+"/backends/green?full_section=true", "").Body
	if !strings.Contains(full, `"servers":{"g1":`) {
		t.Errorf("full section: %s", full)
	}
}

func TestRecipeShiftWeights(t *testing.T) {
	t.Parallel()
	blue, green := lbtest.NewBackend(t, "blue"), lbtest.NewBackend(t, "green")
	cfg := strings.Replace(baseCfg, "    server s1 ${s1}\n", "    server blue ${blue} weight 90\n    server green ${green} weight 10\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"blue": blue.Addr, "green": green.Addr})
	url := a.proc.URL("web", "/")
	setWeight := func(name, addr string, w string) {
		host, port, _ := strings.Cut(addr, ":")
		a.must(200, "PUT", cfgPath+"/backends/app/servers/"+name+"?version="+a.version(),
			`{"name":"`+name+`","address":"`+host+`","port":`+port+`,"weight":`+w+`}`)
	}
	if c := count(t, url, 20); c["blue"] <= c["green"] || c["green"] == 0 {
		t.Errorf("90/10: %v", c)
	}
	setWeight("blue", blue.Addr, "50")
	setWeight("green", green.Addr, "50")
	if c := count(t, url, 20); c["blue"] != 10 || c["green"] != 10 {
		t.Errorf("50/50: %v", c)
	}
	setWeight("blue", blue.Addr, "0")
	setWeight("green", green.Addr, "100")
	if c := count(t, url, 20); c["green"] != 20 {
		t.Errorf("0/100: %v", c)
	}
}

func TestRecipeBlueGreenFlipInOneTransaction(t *testing.T) {
	t.Parallel()
	blue, green := lbtest.NewBackend(t, "blue"), lbtest.NewBackend(t, "green")
	cfg := strings.Replace(baseCfg, "default_backend app", "default_backend blue", 1)
	cfg = strings.Replace(cfg, "backend app\n    server s1 ${s1}\n", "backend blue\n    server b1 ${blue}\n\nbackend green\n    server g1 ${green} disabled\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"blue": blue.Addr, "green": green.Addr})
	url := a.proc.URL("web", "/")
	var tx struct{ ID string }
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=1", "").Body), &tx)
	q := "?transaction_id=" + tx.ID

	// Enable green's server, point the frontend at green.
	var srv map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/backends/green/servers/g1", "").Body), &srv)
	delete(srv, "maintenance")
	b, _ := json.Marshal(srv)
	a.must(202, "PUT", cfgPath+"/backends/green/servers/g1"+q, string(b))
	var fe map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/frontends/web", "").Body), &fe)
	fe["default_backend"] = "green"
	b, _ = json.Marshal(fe)
	a.must(202, "PUT", cfgPath+"/frontends/web"+q, string(b))

	if r := lbtest.Get(t, url); r.Body != "blue" {
		t.Fatalf("before commit: %q", r.Body)
	}
	a.must(200, "PUT", "/services/haproxy/transactions/"+tx.ID, "")
	if r := lbtest.Get(t, url); r.Body != "green" {
		t.Fatalf("after commit: %q", r.Body)
	}
	if v := a.version(); v != "2" {
		t.Errorf("one commit, version %s", v)
	}
}
