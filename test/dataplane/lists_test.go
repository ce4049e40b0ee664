package dataplane

import (
	"encoding/json"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// listsCfg is baseCfg with a second backend "two" at ${s2}.
const listsCfg = baseCfg + `
backend two
    server s2 ${s2}
`

// version returns the configuration's current version.
func (a *api) version() string {
	a.t.Helper()
	return strings.TrimSpace(a.must(200, "GET", cfgPath+"/version", "").Body)
}

// TestRuleListsSteerTraffic builds routing out of index-addressed list
// items (an ACL, a use_backend, http-request and http-response rules),
// edits them by index, and checks each step on real traffic and in the
// file.
func TestRuleListsSteerTraffic(t *testing.T) {
	t.Parallel()
	one, two := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two")
	a := startAPI(t, listsCfg, lbtest.Vars{"s1": one.Addr, "s2": two.Addr})
	fe := cfgPath + "/frontends/web"
	get := func(path string) lbtest.Response { return lbtest.Get(t, a.proc.URL("web", path)) }

	a.must(201, "POST", fe+"/acls/0?version="+a.version(), `{"acl_name":"is_two","criterion":"path_beg","value":"-i /two"}`)
	a.must(201, "POST", fe+"/backend_switching_rules/0?version="+a.version(), `{"name":"two","cond":"if","cond_test":"is_two"}`)
	if r := get("/TWO/x"); r.Body != "two" {
		t.Fatalf("/TWO/x after use_backend: %q", r.Body)
	}
	if r := get("/"); r.Body != "one" {
		t.Fatalf("/ after use_backend: %q", r.Body)
	}

	// A rule written at index 0 runs before the others.
	a.must(201, "POST", fe+"/http_request_rules/0?version="+a.version(),
		`{"type":"return","return_status_code":200,"return_content_type":"text/plain","return_content_format":"string","return_content":"\"from the api\"","cond":"if","cond_test":"{ path /hello }"}`)
	if r := get("/hello"); r.Status != 200 || r.Body != "from the api" {
		t.Fatalf("/hello: %d %q", r.Status, r.Body)
	}
	a.must(201, "POST", fe+"/http_request_rules/1?version="+a.version(),
		`{"type":"set-header","hdr_name":"X-Via-API","hdr_format":"%[path]"}`)
	get("/p")
	if req, _ := one.LastRequest(); req.Header.Get("X-Via-API") != "/p" {
		t.Fatalf("X-Via-API = %q", req.Header.Get("X-Via-API"))
	}
	a.must(201, "POST", cfgPath+"/backends/app/http_response_rules/0?version="+a.version(),
		`{"type":"set-header","hdr_name":"X-Served-By","hdr_format":"app"}`)
	if r := get("/"); r.Header.Get("X-Served-By") != "app" {
		t.Fatalf("X-Served-By = %q", r.Header.Get("X-Served-By"))
	}

	var rules []map[string]any
	json.Unmarshal([]byte(a.must(200, "GET", fe+"/http_request_rules", "").Body), &rules)
	if len(rules) != 2 || rules[0]["type"] != "return" || rules[1]["type"] != "set-header" {
		t.Fatalf("rules: %v", rules)
	}
	if r := a.must(200, "GET", fe+"/http_request_rules/1", ""); !strings.Contains(r.Body, `"hdr_format":"%[path]"`) {
		t.Errorf("rule 1: %s", r.Body)
	}

	// Replace at an index, then delete it: the route goes back.
	a.must(200, "PUT", fe+"/http_request_rules/0?version="+a.version(),
		`{"type":"deny","deny_status":429,"cond":"if","cond_test":"{ path /hello }"}`)
	if r := get("/hello"); r.Status != 429 {
		t.Fatalf("/hello after PUT: %d", r.Status)
	}
	a.must(204, "DELETE", fe+"/http_request_rules/0?version="+a.version(), "")
	if r := get("/hello"); r.Status != 200 || r.Body != "one" {
		t.Fatalf("/hello after DELETE: %d %q", r.Status, r.Body)
	}

	// Refused writes change nothing and name the field.
	v := a.version()
	for _, tc := range []struct{ body, msg string }{
		{`{"type":"cache-use"}`, "type: 'http-request cache-use' is not supported by hawser"},
		{`{"type":"set-header","hdr_name":"X","hdr_format":"a b"}`, "hdr_format: must be one word"},
		{`{"type":"allow","hdr_name":"X"}`, `hdr_name: is not used by type \"allow\"`},
		{`{"type":"silent-drop","rst_ttl":1}`, "rst_ttl"},
	} {
		r := a.must(400, "POST", fe+"/http_request_rules/0?version="+v, tc.body)
		if !strings.Contains(r.Body, tc.msg) {
			t.Errorf("%s: %s, want %q", tc.body, r.Body, tc.msg)
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
		"    acl is_two path_beg -i /two\n",
		"    use_backend two if is_two\n",
		"    http-request set-header X-Via-API %[path]\n",
		"    http-response set-header X-Served-By app\n",
	} {
		if !strings.Contains(string(data), line) {
			t.Errorf("file lacks %q:\n%s", line, data)
		}
	}
	if n, _ := strconv.Atoi(a.version()); n != 8 {
		t.Errorf("version = %d, want 8 (one per write)", n)
	}
}

// TestRuleListReplaceAndLogTargets replaces whole lists with PUT and
// reads and writes log targets.
func TestRuleListReplaceAndLogTargets(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(listsCfg, "\nbackend app\n", "\nbackend app\n    log stdout format raw local0\n", 1)
	one, two := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two")
	a := startAPI(t, cfg, lbtest.Vars{"s1": one.Addr, "s2": two.Addr})
	fe := cfgPath + "/frontends/web"

	if r := a.must(200, "GET", cfgPath+"/backends/app/log_targets", ""); strings.TrimSpace(r.Body) != `[{"address":"stdout","format":"raw","facility":"local0"}]` {
		t.Errorf("backend log targets: %s", r.Body)
	}
	a.must(201, "POST", fe+"/log_targets/0?version="+a.version(), `{"address":"stderr","facility":"daemon","level":"err"}`)
	a.must(400, "POST", fe+"/log_targets/0?version="+a.version(), `{"address":"stderr","facility":"local9"}`)
	if data, _ := os.ReadFile(a.proc.Path()); !strings.Contains(string(data), "    log stderr daemon err\n") {
		t.Errorf("file lacks the log line:\n%s", data)
	}
	a.must(200, "PUT", fe+"/acls?version="+a.version(),
		`[{"acl_name":"a","criterion":"path_beg","value":"/a"},{"acl_name":"b","criterion":"path_beg","value":"/b"}]`)
	a.must(200, "PUT", fe+"/backend_switching_rules?version="+a.version(),
		`[{"name":"two","cond":"if","cond_test":"a || b"}]`)
	for path, want := range map[string]string{"/a": "two", "/b/x": "two", "/c": "one"} {
		if r := lbtest.Get(t, a.proc.URL("web", path)); r.Body != want {
			t.Errorf("%s: %q, want %q", path, r.Body, want)
		}
	}
	a.must(200, "PUT", fe+"/backend_switching_rules?version="+a.version(), `[]`)
	if r := lbtest.Get(t, a.proc.URL("web", "/a")); r.Body != "one" {
		t.Errorf("/a after emptying the list: %q", r.Body)
	}
}

// TestTCPRuleListRejects adds a tcp-request connection rule that rejects
// the client's own address, then removes it.
func TestTCPRuleListRejects(t *testing.T) {
	t.Parallel()
	one := lbtest.NewBackend(t, "one")
	a := startAPI(t, listsCfg, lbtest.Vars{"s1": one.Addr, "s2": lbtest.DeadAddr(t)})
	fe := cfgPath + "/frontends/web"
	url := a.proc.URL("web", "/")
	client := lbtest.NewClient(false)

	a.must(201, "POST", fe+"/tcp_request_rules/0?version="+a.version(), `{"type":"inspect-delay","timeout":2000}`)
	a.must(201, "POST", fe+"/tcp_request_rules/1?version="+a.version(),
		`{"type":"connection","action":"reject","cond":"if","cond_test":"{ src 127.0.0.1 }"}`)
	if r, err := lbtest.DoErr(client, "GET", url); err == nil {
		t.Fatalf("rejected connection answered %d %q", r.Status, r.Body)
	}
	if r := a.must(200, "GET", fe+"/tcp_request_rules", ""); !strings.Contains(r.Body, `{"type":"inspect-delay","timeout":2000}`) {
		t.Errorf("tcp rules: %s", r.Body)
	}
	a.must(204, "DELETE", fe+"/tcp_request_rules/1?version="+a.version(), "")
	if r, err := lbtest.DoErr(client, "GET", url); err != nil || r.Body != "one" {
		t.Fatalf("after DELETE: %v %q", err, r.Body)
	}
	if data, _ := os.ReadFile(a.proc.Path()); !strings.Contains(string(data), "    tcp-request inspect-delay 2s\n") {
		t.Errorf("file lacks the inspect-delay line:\n%s", data)
	}
}

// everyListCfg has lines of every list the API serves, so that reading
// them checks each model's JSON against the served OpenAPI document
// (recordReply).
const everyListCfg = `global
    log stdout format raw local0

userlist controller
    user admin insecure-password secret

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend web
    bind ${web}
    declare capture request len 32
    acl is_api path_beg /api
    tcp-request inspect-delay 1s
    tcp-request content accept if { req_len gt 0 }
    http-request capture req.hdr(host) id 0
    http-request set-var(txn.p) path
    http-request redirect scheme https code 301 if { hdr(x-force-tls) 1 }
    http-request deny deny_status 403 content-type text/plain string denied hdr X-Why policy if { path /deny }
    http-request wait-for-body time 1s at-least 10
    http-request track-sc0 src table app
    http-request sc-set-gpt0(0) 1
    http-response set-header X-P %[var(txn.p)]
    http-after-response set-status 200 reason OK if { status 200 }
    use_backend app if is_api
    default_backend app

backend app
    stick-table type ip size 1k store gpt0
    stick on src
    option httpchk
    http-check connect port 80 linger
    http-check send meth GET uri /health hdr Host example.com
    http-check expect ! string down
    use-server s1 if { always_true }
    server s1 ${s1}

backend raw
    mode tcp
    tcp-response inspect-delay 100ms
    tcp-response content close if { always_false }
    option tcp-check
    tcp-check send-binary 50494e47
    tcp-check expect rstring ^\+OK
    server r1 ${s1}
`

func TestEveryListServed(t *testing.T) {
	t.Parallel()
	one := lbtest.NewBackend(t, "one")
	a := startAPI(t, everyListCfg, lbtest.Vars{"s1": one.Addr})
	for _, tc := range []struct {
		path string
		n    int
	}{
		{"/frontends/web/acls", 1},
		{"/frontends/web/captures", 1},
		{"/frontends/web/tcp_request_rules", 2},
		{"/frontends/web/http_request_rules", 7},
		{"/frontends/web/http_response_rules", 1},
		{"/frontends/web/http_after_response_rules", 1},
		{"/frontends/web/backend_switching_rules", 1},
		{"/frontends/web/log_targets", 0},
		{"/frontends/web/filters", 0},
		{"/frontends/web/http_error_rules", 0},
		{"/backends/app/stick_rules", 1},
		{"/backends/app/http_checks", 3},
		{"/backends/app/server_switching_rules", 1},
		{"/backends/raw/tcp_response_rules", 2},
		{"/backends/raw/tcp_checks", 2},
		{"/global/log_targets", 1},
		{"/defaults/unnamed_defaults_1/log_targets", 1},
	} {
		var list []map[string]any
		r := a.must(200, "GET", cfgPath+tc.path, "")
		if err := json.Unmarshal([]byte(r.Body), &list); err != nil || len(list) != tc.n {
			t.Errorf("%s: %d items, want %d: %s", tc.path, len(list), tc.n, r.Body)
		}
		for i := range list {
			a.must(200, "GET", cfgPath+tc.path+"/"+strconv.Itoa(i), "")
		}
	}
	for _, p := range []string{"/frontends/web", "/backends/app", "/backends/raw"} {
		a.must(200, "GET", cfgPath+p+"?full_section=true", "")
	}
	// Writing every list back unchanged keeps the file's lines as they were.
	before, _ := os.ReadFile(a.proc.Path())
	for _, p := range []string{"/frontends/web/http_request_rules", "/frontends/web/tcp_request_rules", "/backends/app/http_checks", "/backends/raw/tcp_checks"} {
		body := a.must(200, "GET", cfgPath+p, "").Body
		a.must(200, "PUT", cfgPath+p+"?version="+a.version(), body)
	}
	after, _ := os.ReadFile(a.proc.Path())
	dropVersion := func(s string) string {
		if strings.HasPrefix(s, "# _version=") {
			_, s, _ = strings.Cut(s, "\n")
		}
		return s
	}
	if b, c := dropVersion(string(before)), dropVersion(string(after)); b != c {
		t.Errorf("rewriting the lists changed the file:\n--- before\n%s\n--- after\n%s", b, c)
	}
	// The global section's log targets are a list too.
	a.must(201, "POST", cfgPath+"/global/log_targets/1?version="+a.version(), `{"address":"stderr","format":"short","facility":"daemon","level":"err"}`)
	if data, _ := os.ReadFile(a.proc.Path()); !strings.Contains(string(data), "global\n    log stdout format raw local0\n    log stderr format short daemon err\n") {
		t.Errorf("global log line not written after the first:\n%s", data)
	}
}
