package dataplane

import (
	"encoding/json"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestSectionsSteerTraffic builds a backend with servers and a frontend
// with a bind out of section and named-child models, changes them with
// PUT, and checks each step on real traffic and in the file.
func TestSectionsSteerTraffic(t *testing.T) {
	t.Parallel()
	one, blue := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "blue")
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": one.Addr})
	get := func(addr, path string) lbtest.Response { return lbtest.Get(t, "http://"+addr+path) }
	web := a.proc.Addr("web")

	// A new backend and its server, then a new frontend and its bind.
	a.must(201, "POST", cfgPath+"/backends?version="+a.version(),
		`{"name":"blue","mode":"http","balance":{"algorithm":"roundrobin"},"connect_timeout":5000,"server_timeout":30000,"http_connection_mode":"http-keep-alive"}`)
	host, port, _ := net.SplitHostPort(blue.Addr)
	a.must(201, "POST", cfgPath+"/backends/blue/servers?version="+a.version(),
		`{"name":"b1","address":"`+host+`","port":`+port+`,"weight":100,"maxconn":50}`)
	a.must(201, "POST", cfgPath+"/frontends?version="+a.version(),
		`{"name":"edge","mode":"http","default_backend":"blue","httplog":true,"client_timeout":10000,"forwardfor":{"enabled":"enabled"}}`)
	edge := lbtest.FreeAddr(t)
	eh, ep, _ := net.SplitHostPort(edge)
	a.must(201, "POST", cfgPath+"/frontends/edge/binds?version="+a.version(),
		`{"name":"main","address":"`+eh+`","port":`+ep+`}`)
	lbtest.WaitUntil(t, "the new bind listens", 5*time.Second, func() bool {
		c, err := net.Dial("tcp", edge)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	if r := get(edge, "/x"); r.Body != "blue" {
		t.Fatalf("new frontend: %q", r.Body)
	}
	if req, _ := blue.LastRequest(); req.Header.Get("X-Forwarded-For") == "" {
		t.Errorf("option forwardfor from the model added no X-Forwarded-For")
	}

	// GET shows the models as written, with v3 names and units.
	var be map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/backends/blue", "").Body), &be)
	if be["server_timeout"] != 30000.0 || be["balance"].(map[string]any)["algorithm"] != "roundrobin" {
		t.Errorf("backend blue: %v", be)
	}
	var srv map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/backends/blue/servers/b1", "").Body), &srv)
	if srv["address"] != host || srv["weight"] != 100.0 {
		t.Errorf("server b1: %v", srv)
	}
	var binds []map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/frontends/web/binds", "").Body), &binds)
	if len(binds) != 1 || binds[0]["name"] != web {
		t.Errorf("binds of web (named after their address): %v", binds)
	}

	// PUT replaces a section's own lines and keeps its children: web now
	// routes to blue and still listens.
	a.must(200, "PUT", cfgPath+"/frontends/web?version="+a.version(), `{"name":"web","mode":"http","default_backend":"blue"}`)
	if r := get(web, "/"); r.Body != "blue" {
		t.Fatalf("web after PUT: %q", r.Body)
	}

	// A server put in maintenance stops taking traffic.
	a.must(200, "PUT", cfgPath+"/backends/blue/servers/b1?version="+a.version(),
		`{"name":"b1","address":"`+host+`","port":`+port+`,"maintenance":"enabled"}`)
	if r := get(edge, "/"); r.Status != 503 {
		t.Fatalf("server in maintenance: %d %q", r.Status, r.Body)
	}

	// global is one object; its option groups hold tune and limits.
	var g map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", cfgPath+"/global", "").Body), &g)
	if po, _ := g["performance_options"].(map[string]any); po["maxconn"] != 1000.0 {
		t.Errorf("global: %v", g)
	}
	a.must(200, "PUT", cfgPath+"/global?version="+a.version(),
		`{"performance_options":{"maxconn":2000},"tune_options":{"maxrewrite":4096},"hard_stop_after":60000}`)

	// Refused writes name the field and change nothing.
	v := a.version()
	for _, tc := range []struct{ path, body, msg string }{
		{"/backends", `{"name":"x","balance":{"algorithm":"rdp-cookie"}}`, "not supported by hawser"},
		{"/backends", `{"name":"x","splice_auto":"enabled"}`, `splice_auto`},
		{"/backends/blue/servers", `{"name":"b2","address":"127.0.0.1","track":"app/s1"}`, `track`},
		{"/frontends", `{"name":"y","mode":"udp"}`, `mode`},
		{"/caches", `{"name":"c"}`, "not supported by hawser"},
	} {
		r := a.must(400, "POST", cfgPath+tc.path+"?version="+v, tc.body)
		if !strings.Contains(r.Body, tc.msg) {
			t.Errorf("%s %s: %s, want %q", tc.path, tc.body, r.Body, tc.msg)
		}
	}
	if a.version() != v {
		t.Errorf("refused writes changed the version")
	}

	data, err := os.ReadFile(a.proc.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{
		"backend blue\n",
		"    balance roundrobin\n",
		"    timeout server 30s\n",
		"    server b1 " + blue.Addr + " disabled\n",
		"frontend edge\n",
		"    bind " + edge + " name main\n",
		"    option forwardfor\n",
		"    maxconn 2000\n",
		"    tune.maxrewrite 4096\n",
		"    hard-stop-after 1m\n",
		"    bind " + web + "\n",
	} {
		if !strings.Contains(string(data), line) {
			t.Errorf("file lacks %q:\n%s", line, data)
		}
	}
}
