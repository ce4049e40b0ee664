package dataplane

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

const rtPath = "/services/haproxy/runtime"

// jsonOf decodes an API answer.
func jsonOf[T any](t *testing.T, r reply) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.Body), &v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
	return v
}

type rtServer struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Address          string `json:"address"`
	Port             int    `json:"port"`
	AdminState       string `json:"admin_state"`
	OperationalState string `json:"operational_state"`
	Weight           int    `json:"weight"`
}

// TestRuntimeServers drives a backend's servers through the runtime
// endpoints and checks each change on real traffic, without a reload.
func TestRuntimeServers(t *testing.T) {
	t.Parallel()
	one, two, three, four := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two"), lbtest.NewBackend(t, "three"), lbtest.NewBackend(t, "four")
	cfg := strings.Replace(baseCfg, "    server s1 ${s1}\n", "    balance roundrobin\n    server s1 ${s1}\n    server s2 ${s2}\n", 1)
	a := startAPI(t, cfg, lbtest.Vars{"s1": one.Addr, "s2": two.Addr})
	url := a.proc.URL("web", "/")
	srvs := rtPath + "/backends/app/servers"

	list := jsonOf[[]rtServer](t, a.must(200, "GET", srvs, ""))
	if len(list) != 2 || list[0].Name != "s1" || list[0].AdminState != "ready" || list[0].OperationalState != "up" ||
		list[0].ID != "1" || list[1].Weight != 1 || list[0].Address+":"+itoa(list[0].Port) != one.Addr {
		t.Fatalf("servers: %+v", list)
	}

	// Maintenance takes s2 out at once.
	if s := jsonOf[rtServer](t, a.must(200, "PUT", srvs+"/s2", `{"admin_state":"maint"}`)); s.AdminState != "maint" {
		t.Errorf("PUT answer: %+v", s)
	}
	if c := count(t, url, 6); c["one"] != 6 {
		t.Errorf("s2 in maint: %v", c)
	}
	// Weights: 3 to 1.
	a.must(200, "PUT", srvs+"/s2", `{"admin_state":"ready","weight":3}`)
	if c := count(t, url, 8); c["one"] != 2 || c["two"] != 6 {
		t.Errorf("weights 1/3: %v", c)
	}
	// A new address for s1.
	host, port, _ := strings.Cut(three.Addr, ":")
	a.must(200, "PUT", srvs+"/s1", `{"address":"`+host+`","port":`+port+`}`)
	if c := count(t, url, 8); c["three"] != 2 || c["two"] != 6 {
		t.Errorf("s1 moved: %v", c)
	}
	if s := jsonOf[rtServer](t, a.must(200, "GET", srvs+"/s1", "")); s.Address+":"+itoa(s.Port) != three.Addr {
		t.Errorf("s1 after the move: %+v", s)
	}

	// Add a server: it starts in maintenance, as "add server" does.
	host, port, _ = strings.Cut(four.Addr, ":")
	a.must(201, "POST", srvs, `{"name":"s3","address":"`+host+`","port":`+port+`,"weight":2}`)
	if s := jsonOf[rtServer](t, a.must(200, "GET", srvs+"/s3", "")); s.AdminState != "maint" || s.Weight != 2 || s.ID != "3" {
		t.Errorf("added: %+v", s)
	}
	a.must(409, "POST", srvs, `{"name":"s3","address":"`+host+`","port":`+port+`}`)
	a.must(200, "PUT", srvs+"/s3", `{"admin_state":"ready"}`)
	if c := count(t, url, 12); c["four"] != 4 {
		t.Errorf("s3 ready: %v", c)
	}
	// Deleting a server in service is refused, in maintenance it works.
	a.must(409, "DELETE", srvs+"/s3", "")
	a.must(200, "PUT", srvs+"/s3", `{"admin_state":"maint"}`)
	a.must(204, "DELETE", srvs+"/s3", "")
	a.must(404, "GET", srvs+"/s3", "")
	if c := count(t, url, 6); c["four"] != 0 {
		t.Errorf("s3 deleted: %v", c)
	}

	// Bad input changes nothing and names the field.
	for _, bad := range []string{`{"admin_state":"sleeping"}`, `{"weight":300}`, `{"bogus":1}`, `{"name":"other"}`} {
		if r := a.must(400, "PUT", srvs+"/s2", bad); !strings.Contains(r.Body, `"message"`) {
			t.Errorf("%s: %s", bad, r.Body)
		}
	}
	a.must(404, "GET", rtPath+"/backends/nope/servers", "")
	a.must(404, "PUT", srvs+"/nope", `{"admin_state":"ready"}`)
	// None of this touched the configuration.
	if v := a.version(); v != "1" {
		t.Errorf("version %s after runtime changes", v)
	}
}

func itoa(n int) string { return jsonNum(n) }

func jsonNum(n int) string { b, _ := json.Marshal(n); return string(b) }

func jsonNumAny(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestRuntimeMapsTablesStats edits a running map (routing follows at
// once), reads a stick table and the native stats.
func TestRuntimeMapsTablesStats(t *testing.T) {
	t.Parallel()
	one, green := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "green")
	dir := t.TempDir()
	mapFile := filepath.Join(dir, "hosts.map")
	aclFile := filepath.Join(dir, "blocked.acl")
	os.WriteFile(mapFile, []byte("a.example app\n"), 0o644)
	os.WriteFile(aclFile, []byte("/blocked\n"), 0o644)
	cfg := strings.Replace(baseCfg, "    default_backend app\n", `    http-request track-sc0 src table app
    http-request deny if { path -f `+aclFile+` }
    use_backend %[req.hdr(host),lower,map(`+mapFile+`,app)]
    default_backend app
`, 1)
	cfg = strings.Replace(cfg, "\nbackend app\n", "\nbackend app\n    stick-table type ip size 1k expire 1m store http_req_cnt\n", 1)
	cfg += "\nbackend green\n    server g1 ${green}\n"
	a := startAPI(t, cfg, lbtest.Vars{"s1": one.Addr, "green": green.Addr})
	url := a.proc.URL("web", "/")

	maps := jsonOf[[]map[string]any](t, a.must(200, "GET", rtPath+"/maps", ""))
	if len(maps) != 1 || maps[0]["storage_name"] != "hosts.map" || maps[0]["file"] != mapFile {
		t.Fatalf("maps: %v", maps)
	}
	entries := rtPath + "/maps/hosts.map/entries"
	if e := jsonOf[[]map[string]any](t, a.must(200, "GET", entries, "")); len(e) != 1 || e[0]["key"] != "a.example" || e[0]["value"] != "app" {
		t.Errorf("entries: %v", e)
	}
	a.must(201, "POST", entries, `{"key":"b.example","value":"green"}`)
	a.must(409, "POST", entries, `{"key":"b.example","value":"green"}`)
	if r := lbtest.Get(t, url, "Host: b.example"); r.Body != "green" {
		t.Errorf("b.example after POST: %q", r.Body)
	}
	a.must(200, "PUT", entries+"/b.example", `{"value":"app"}`)
	if r := lbtest.Get(t, url, "Host: b.example"); r.Body != "one" {
		t.Errorf("b.example after PUT: %q", r.Body)
	}
	if e := jsonOf[map[string]any](t, a.must(200, "GET", entries+"/b.example", "")); e["value"] != "app" {
		t.Errorf("entry: %v", e)
	}
	// force_sync writes the file too.
	a.must(200, "PUT", entries+"/b.example?force_sync=true", `{"value":"green"}`)
	if b, _ := os.ReadFile(mapFile); string(b) != "a.example app\nb.example green\n" {
		t.Errorf("map file after force_sync: %q", b)
	}
	a.must(204, "DELETE", entries+"/b.example", "")
	a.must(404, "GET", entries+"/b.example", "")
	if r := lbtest.Get(t, url, "Host: b.example"); r.Body != "one" {
		t.Errorf("b.example after DELETE: %q", r.Body)
	}
	a.must(404, "GET", rtPath+"/maps/nope.map/entries", "")
	// Keys and values with blanks, ';' and backslashes reach the map as they are.
	a.must(201, "POST", entries, `{"key":"x y;z\\","value":"v w"}`)
	if e := jsonOf[map[string]any](t, a.must(200, "GET", entries+"/x%20y%3Bz%5C", "")); e["value"] != "v w" {
		t.Errorf("entry with blanks: %v", e)
	}
	// A payload of map entries, added at once.
	if l := jsonOf[[]map[string]any](t, a.must(201, "PUT", rtPath+"/maps/hosts.map", `[{"key":"c.example","value":"green"},{"key":"d.example","value":"green"}]`)); len(l) != 2 {
		t.Errorf("map payload: %v", l)
	}
	if r := lbtest.Get(t, url, "Host: d.example"); r.Body != "green" {
		t.Errorf("d.example after the payload: %q", r.Body)
	}
	a.must(204, "DELETE", rtPath+"/maps/hosts.map", "")
	if r := lbtest.Get(t, url, "Host: a.example"); r.Body != "one" {
		t.Errorf("a.example after clear: %q", r.Body)
	}
	if b, _ := os.ReadFile(mapFile); string(b) != "a.example app\nb.example green\n" {
		t.Errorf("clear without force_sync wrote the file: %q", b)
	}

	// ACL files.
	if l := jsonOf[[]map[string]any](t, a.must(200, "GET", rtPath+"/acls", "")); len(l) != 1 || l[0]["storage_name"] != "blocked.acl" {
		t.Errorf("acls: %v", l)
	}
	aclEntries := rtPath + "/acls/blocked.acl/entries"
	added := jsonOf[map[string]any](t, a.must(201, "POST", aclEntries, `{"value":"/also"}`))
	if r := lbtest.Get(t, a.proc.URL("web", "/also")); r.Status != 403 {
		t.Errorf("/also after adding it: %d", r.Status)
	}
	if e := jsonOf[map[string]any](t, a.must(200, "GET", aclEntries+"/"+added["id"].(string), "")); e["value"] != "/also" {
		t.Errorf("ACL entry by id: %v", e)
	}
	a.must(204, "DELETE", aclEntries+"/%2Falso", "")
	if r := lbtest.Get(t, a.proc.URL("web", "/also")); r.Status != 200 {
		t.Errorf("/also after deleting it: %d", r.Status)
	}
	a.must(400, "POST", aclEntries, `{"key":"/x"}`)
	// A payload of patterns, added at once.
	if l := jsonOf[[]map[string]any](t, a.must(201, "PUT", aclEntries, `[{"value":"/p1"},{"value":"/p2"}]`)); len(l) != 2 || l[1]["value"] != "/p2" {
		t.Errorf("ACL payload: %v", l)
	}
	if r := lbtest.Get(t, a.proc.URL("web", "/p2")); r.Status != 403 {
		t.Errorf("/p2 after the payload: %d", r.Status)
	}
	if f := jsonOf[map[string]any](t, a.must(200, "GET", rtPath+"/acls/blocked.acl", "")); f["storage_name"] != "blocked.acl" {
		t.Errorf("ACL file: %v", f)
	}

	// The stick table counted the requests of 127.0.0.1.
	if l := jsonOf[[]map[string]any](t, a.must(200, "GET", rtPath+"/stick_tables", "")); len(l) != 1 || l[0]["name"] != "app" || l[0]["type"] != "ip" ||
		!strings.Contains(jsonNumAny(l[0]["fields"]), `"field":"http_req_cnt"`) {
		t.Errorf("tables: %v", l)
	}
	type entry struct {
		Key        string `json:"key"`
		HTTPReqCnt int64  `json:"http_req_cnt"`
	}
	te := jsonOf[[]entry](t, a.must(200, "GET", rtPath+"/stick_tables/app/entries", ""))
	if len(te) != 1 || te[0].Key != "127.0.0.1" || te[0].HTTPReqCnt < 5 {
		t.Errorf("table entries: %+v", te)
	}
	a.must(204, "POST", rtPath+"/stick_tables/app/entries", `{"key":"10.1.2.3","data_type":{"http_req_cnt":42}}`)
	te = jsonOf[[]entry](t, a.must(200, "GET", rtPath+"/stick_tables/app/entries?key=10.1.2.3", ""))
	if len(te) != 1 || te[0].HTTPReqCnt != 42 {
		t.Errorf("entry set through the API: %+v", te)
	}
	a.must(400, "POST", rtPath+"/stick_tables/app/entries", `{"key":"10.1.2.3","data_type":{"gpc0":1}}`)
	a.must(404, "POST", rtPath+"/stick_tables/nope/entries", `{"key":"10.1.2.3","data_type":{}}`)

	// Native stats count the requests per server.
	st := jsonOf[struct {
		Stats []struct {
			Type, Name  string
			BackendName string `json:"backend_name"`
			Stats       map[string]any
		}
	}](t, a.must(200, "GET", "/services/haproxy/stats/native?type=server&parent=green", ""))
	if len(st.Stats) != 1 || st.Stats[0].Name != "g1" || st.Stats[0].Stats["stot"].(float64) < 1 || st.Stats[0].Stats["status"] != "no check" {
		t.Errorf("native stats: %+v", st)
	}
	all := jsonOf[struct{ Stats []struct{ Type string } }](t, a.must(200, "GET", "/services/haproxy/stats/native", ""))
	types := map[string]int{}
	for _, s := range all.Stats {
		types[s.Type]++
	}
	if types["frontend"] != 1 || types["backend"] != 2 || types["server"] != 2 {
		t.Errorf("native stats types: %v", types)
	}

	info := jsonOf[struct{ Info map[string]any }](t, a.must(200, "GET", rtPath+"/info", ""))
	if info.Info["pid"].(float64) != float64(a.proc.Pid()) {
		t.Errorf("info: %v", info)
	}
}
