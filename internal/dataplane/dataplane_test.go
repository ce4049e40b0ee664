package dataplane

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/dataplane/models"
	"github.com/hawser-lb/hawser/internal/dataplane/speccheck"
)

const testCfg = `# comment kept at the top
global
    maxconn 100

userlist controller
    user admin insecure-password secret

defaults web
    mode http
    timeout connect 5s
    timeout client 5s
    timeout server 5s

frontend fe from web
    bind 127.0.0.1:18999
    # the API keeps this comment
    acl is_api path_beg /api
    use_backend app if is_api
    default_backend app

backend app from web
    server s1 127.0.0.1:18001 weight 10
    server s2 127.0.0.1:18002

backend other from web
    server o1 127.0.0.1:18003
`

type testAPI struct {
	t       *testing.T
	s       *Server
	path    string
	applied atomic.Int64
	fail    atomic.Bool // make Apply fail
	spec    speccheck.Spec
}

func newTestAPI(t *testing.T, cfg string) *testAPI {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hawser.cfg")
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	snap, err := config.LoadFiles([]string{path})
	if err != nil {
		t.Fatal(err)
	}
	a := &testAPI{t: t, path: path}
	s, err := newServer(Options{
		Files:    []string{path},
		Snapshot: snap,
		Version:  "test",
		Apply: func(*config.Snapshot) error {
			if a.fail.Load() {
				return errors.New("bind 127.0.0.1:18999: address already in use")
			}
			a.applied.Add(1)
			return nil
		},
	}, fakeSections(), fakeChildren())
	if err != nil {
		t.Fatal(err)
	}
	a.s = s
	b, _ := json.Marshal(s.Spec())
	if a.spec, err = speccheck.Parse(b); err != nil {
		t.Fatal(err)
	}
	return a
}

type resp struct {
	code int
	hdr  http.Header
	body string
}

// call sends a request with the admin's credentials and checks the
// answer against the OpenAPI document.
func (a *testAPI) call(method, path, body string) resp {
	a.t.Helper()
	req := httptest.NewRequest(method, "/v3"+path, strings.NewReader(body))
	req.SetBasicAuth("admin", "secret")
	w := httptest.NewRecorder()
	a.s.ServeHTTP(w, req)
	r := resp{w.Code, w.Header(), w.Body.String()}
	p, _, _ := strings.Cut(path, "?")
	if strings.Contains(r.body, `"message":"no endpoint`) {
		return r // the router's 404 for what the spec does not list
	}
	if err := a.spec.CheckResponse(method, p, r.code, r.hdr.Get("Content-Type"), []byte(r.body)); err != nil {
		a.t.Errorf("spec: %v\nbody: %s", err, r.body)
	}
	return r
}

func (a *testAPI) must(code int, method, path, body string) resp {
	a.t.Helper()
	r := a.call(method, path, body)
	if r.code != code {
		a.t.Fatalf("%s %s: %d, want %d: %s", method, path, r.code, code, r.body)
	}
	return r
}

func (a *testAPI) file() string {
	b, err := os.ReadFile(a.path)
	if err != nil {
		a.t.Fatal(err)
	}
	return string(b)
}

func (a *testAPI) version() string {
	return strings.TrimSpace(a.must(200, "GET", "/services/haproxy/configuration/version", "").body)
}

const cp = "/services/haproxy/configuration"

func TestSectionReads(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	tests := []struct {
		name, path string
		code       int
		want       string
	}{
		{"list", "/backends", 200, `[{"name":"app","from":"web"},{"name":"other","from":"web"}]`},
		{"get", "/backends/app", 200, `{"name":"app","from":"web"}`},
		{"missing", "/backends/nope", 404, ""},
		{"global", "/global", 200, `{"maxconn":100}`},
		{"defaults", "/defaults/web", 200, `{"name":"web","mode":"http"}`},
		{"named children", "/backends/app/servers", 200, `[{"name":"s1","address":"127.0.0.1","port":18001,"weight":10},{"name":"s2","address":"127.0.0.1","port":18002}]`},
		{"named child", "/backends/app/servers/s2", 200, `{"name":"s2","address":"127.0.0.1","port":18002}`},
		{"missing child", "/backends/app/servers/s9", 404, ""},
		{"missing parent", "/backends/nope/servers", 404, ""},
		{"index", "/frontends/fe/acls/0", 200, `{"acl_name":"is_api","criterion":"path_beg","value":"/api"}`},
		{"index out of range", "/frontends/fe/acls/1", 404, ""},
		{"bad index", "/frontends/fe/acls/x", 400, ""},
		{"full section", "/backends/app?full_section=true", 200, `{"name":"app","from":"web","servers":{"s1":{"name":"s1","address":"127.0.0.1","port":18001,"weight":10},"s2":{"name":"s2","address":"127.0.0.1","port":18002}}}`},
		{"full section lists", "/frontends/fe?full_section=true", 200, `{"name":"fe","from":"web","default_backend":"app","acl_list":[{"acl_name":"is_api","criterion":"path_beg","value":"/api"}],"backend_switching_rule_list":[{"name":"app","cond":"if","cond_test":"is_api"}]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := a.call("GET", cp+tc.path, "")
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.body)
			}
			if tc.want != "" && strings.TrimSpace(r.body) != tc.want {
				t.Errorf("body\n got %s\nwant %s", strings.TrimSpace(r.body), tc.want)
			}
			if tc.code >= 400 && !strings.Contains(r.body, `{"code":`+itoa(tc.code)+`,"message":`) {
				t.Errorf("error body %s", r.body)
			}
		})
	}
}

func TestBadWrites(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	before := a.file()
	tests := []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"no version", "POST", "/backends", `{"name":"x"}`, 400, "exactly one of version and transaction_id"},
		{"both", "POST", "/backends?version=1&transaction_id=abc", `{"name":"x"}`, 400, "exactly one"},
		{"stale version", "POST", "/backends?version=7", `{"name":"x"}`, 409, "version mismatch"},
		{"unknown transaction", "POST", "/backends?transaction_id=abc", `{"name":"x"}`, 404, "transaction abc"},
		{"malformed", "POST", "/backends?version=1", `{"name":`, 400, "invalid request body"},
		{"unknown field", "POST", "/backends?version=1", `{"name":"x","colour":"red"}`, 400, `unknown field "colour"`},
		{"wrong type", "POST", "/backends/app/servers?version=1", `{"name":"s3","address":"a","port":"80"}`, 400, `field "port"`},
		{"bad enum", "POST", "/backends?version=1", `{"name":"x","mode":"udp"}`, 400, "mode"},
		{"bad name", "POST", "/backends?version=1", `{"name":"a b"}`, 400, "invalid name"},
		{"exists", "POST", "/backends?version=1", `{"name":"app"}`, 409, "already exists"},
		{"child exists", "POST", "/backends/app/servers?version=1", `{"name":"s1","address":"1.2.3.4"}`, 409, "already exists"},
		{"child parent missing", "POST", "/backends/nope/servers?version=1", `{"name":"s1","address":"1.2.3.4"}`, 400, "does not exist"},
		{"put name mismatch", "PUT", "/backends/app/servers/s1?version=1", `{"name":"s9","address":"1.2.3.4"}`, 400, "URL"},
		{"put missing", "PUT", "/backends/app/servers/s9?version=1", `{"name":"s9","address":"1.2.3.4"}`, 404, "not found"},
		{"insert past end", "POST", "/frontends/fe/acls/5?version=1", `{"acl_name":"a","criterion":"src"}`, 400, "out of range"},
		{"delete missing index", "DELETE", "/frontends/fe/acls/3?version=1", "", 404, "not found"},
		{"delete referenced", "DELETE", "/backends/app?version=1", "", 400, "[ALERT]"},
		{"invalid config", "POST", "/frontends/fe/backend_switching_rules/0?version=1", `{"name":"nowhere"}`, 400, "nowhere"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := a.call(tc.method, cp+tc.path, tc.body)
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			if json.Unmarshal([]byte(r.body), &e) != nil || e.Code != tc.code {
				t.Errorf("error body %s", r.body)
			}
			if r.code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("%d %s, want %d with %q", r.code, r.body, tc.code, tc.msg)
			}
			if r.hdr.Get("Configuration-Version") != "1" {
				t.Errorf("Configuration-Version %q", r.hdr.Get("Configuration-Version"))
			}
		})
	}
	t.Cleanup(func() {
		if a.file() != before || a.applied.Load() != 0 {
			t.Errorf("refused writes changed the file or applied")
		}
	})
}

func TestWrites(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	v := func() string { return a.version() }
	// Named children.
	a.must(201, "POST", cp+"/backends/app/servers?version=1", `{"name":"s3","address":"127.0.0.1","port":18004}`)
	a.must(200, "PUT", cp+"/backends/app/servers/s1?version=2", `{"name":"s1","address":"127.0.0.1","port":18001,"weight":50}`)
	a.must(204, "DELETE", cp+"/backends/app/servers/s2?version=3", "")
	if got := a.must(200, "GET", cp+"/backends/app/servers", "").body; strings.Count(got, `"name"`) != 2 || !strings.Contains(got, `"weight":50`) {
		t.Errorf("servers: %s", got)
	}
	// Index lists: insert at 0, at the end, replace, delete.
	a.must(201, "POST", cp+"/frontends/fe/acls/0?version=4", `{"acl_name":"first","criterion":"src","value":"10.0.0.0/8"}`)
	a.must(201, "POST", cp+"/frontends/fe/acls/2?version=5", `{"acl_name":"last","criterion":"method","value":"GET"}`)
	a.must(200, "PUT", cp+"/frontends/fe/acls/1?version=6", `{"acl_name":"is_api","criterion":"path_beg","value":"/v2"}`)
	got := a.must(200, "GET", cp+"/frontends/fe/acls", "").body
	if !strings.Contains(got, `[{"acl_name":"first"`) || !strings.Contains(got, `"/v2"},{"acl_name":"last"`) {
		t.Errorf("acls: %s", got)
	}
	a.must(204, "DELETE", cp+"/frontends/fe/acls/0?version=7", "")
	// The whole list at once.
	a.must(200, "PUT", cp+"/frontends/fe/acls?version=8", `[{"acl_name":"is_api","criterion":"path_beg","value":"/api"},{"acl_name":"b","criterion":"src","value":"1.2.3.4"}]`)
	if n := strings.Count(a.must(200, "GET", cp+"/frontends/fe/acls", "").body, "acl_name"); n != 2 {
		t.Errorf("%d acls after PUT list", n)
	}
	// Sections.
	a.must(201, "POST", cp+"/backends?version=9", `{"name":"new","mode":"http"}`)
	a.must(200, "PUT", cp+"/backends/new?version=10", `{"name":"new","mode":"tcp","from":"web"}`)
	a.must(204, "DELETE", cp+"/backends/other?version=11", "")
	a.must(200, "PUT", cp+"/global?version=12", `{"maxconn":500}`)
	a.must(201, "POST", cp+"/defaults?version=13", `{"name":"d2","mode":"tcp"}`)
	if v() != "14" || a.applied.Load() != 13 {
		t.Fatalf("version %s after 13 commits, %d applied", v(), a.applied.Load())
	}
	f := a.file()
	for _, want := range []string{
		"# _version=14\n# comment kept at the top\n",
		"    maxconn 500\n",
		"    # the API keeps this comment\n",
		"server s1 127.0.0.1:18001 weight 50\n    server s3 127.0.0.1:18004\n",
		"backend new from web\n    mode tcp\n",
		"defaults d2\n    mode tcp\n\nfrontend fe",
	} {
		if !strings.Contains(f, want) {
			t.Errorf("file lacks %q:\n%s", want, f)
		}
	}
	if strings.Contains(f, "backend other") || strings.Contains(f, "s2") {
		t.Errorf("deleted objects remain:\n%s", f)
	}
	// Backups: the last DefaultBackups versions.
	for n := 9; n <= 13; n++ {
		if _, err := os.Stat(a.path + "." + itoa(n)); err != nil {
			t.Errorf("backup %d: %v", n, err)
		}
	}
	if _, err := os.Stat(a.path + ".8"); err == nil {
		t.Error("backup 8 kept beyond the limit")
	}
	// Earlier versions read back from the backups.
	if r := a.must(200, "GET", cp+"/raw?version=13", ""); !strings.HasPrefix(r.body, "# _version=13\n") || r.hdr.Get("Configuration-Version") != "13" {
		t.Errorf("raw version 13: %s %.40q", r.hdr.Get("Configuration-Version"), r.body)
	}
	a.must(404, "GET", cp+"/raw?version=8", "")
	a.must(200, "GET", cp+"/raw?version=14", "")
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestFullSectionWrite(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	a.must(200, "PUT", cp+"/backends/app?version=1&full_section=true",
		`{"name":"app","from":"web","servers":{"n1":{"name":"n1","address":"127.0.0.1","port":19001}},"acl_list":[{"acl_name":"x","criterion":"src","value":"1.1.1.1"}]}`)
	f := a.file()
	if !strings.Contains(f, "backend app from web\n    server n1 127.0.0.1:19001\n    acl x src 1.1.1.1\n") {
		t.Errorf("file:\n%s", f)
	}
	a.must(201, "POST", cp+"/backends?version=2&full_section=true",
		`{"name":"b2","servers":{"z":{"name":"z","address":"127.0.0.1","port":1},"a":{"name":"a","address":"127.0.0.1","port":2}}}`)
	if got := a.must(200, "GET", cp+"/backends/b2/servers", "").body; !strings.Contains(got, `[{"name":"a"`) {
		t.Errorf("servers: %s", got)
	}
}

func TestTransactionReadsAndCommit(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	var tx struct{ ID string }
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=1", "").body), &tx)
	q := "?transaction_id=" + tx.ID
	a.must(202, "POST", cp+"/backends"+q, `{"name":"b3"}`)
	a.must(202, "POST", cp+"/backends/b3/servers"+q, `{"name":"x","address":"127.0.0.1","port":1}`)
	a.must(202, "DELETE", cp+"/backends/other"+q, "")
	a.must(200, "GET", cp+"/backends/b3"+q, "")
	a.must(404, "GET", cp+"/backends/b3", "")
	a.must(404, "GET", cp+"/backends/other"+q, "")
	if a.applied.Load() != 0 {
		t.Fatal("applied before commit")
	}
	a.must(200, "PUT", "/services/haproxy/transactions/"+tx.ID, "")
	a.must(200, "GET", cp+"/backends/b3/servers/x", "")
	a.must(404, "GET", "/services/haproxy/transactions/"+tx.ID, "")
	if a.version() != "2" || a.applied.Load() != 1 {
		t.Errorf("one commit: version %s, %d applies", a.version(), a.applied.Load())
	}
}

func TestApplyFailureRollsBack(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	before := a.file()
	a.fail.Store(true)
	r := a.must(400, "POST", cp+"/backends?version=1", `{"name":"b4"}`)
	if !strings.Contains(r.body, "address already in use") {
		t.Errorf("body %s", r.body)
	}
	if a.file() != before || a.version() != "1" {
		t.Errorf("file or version changed after a failed apply")
	}
	a.fail.Store(false)
	a.must(201, "POST", cp+"/backends?version=1", `{"name":"b4"}`)
}

func TestConcurrentVersionedWrites(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	const workers, each = 4, 5
	var wg sync.WaitGroup
	var conflicts atomic.Int64
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; {
				req := httptest.NewRequest("GET", "/v3"+cp+"/version", nil)
				req.SetBasicAuth("admin", "secret")
				rec := httptest.NewRecorder()
				a.s.ServeHTTP(rec, req)
				v := strings.TrimSpace(rec.Body.String())
				body := `{"name":"w` + itoa(w) + `-` + itoa(i) + `","address":"127.0.0.1","port":1}`
				req = httptest.NewRequest("POST", "/v3"+cp+"/backends/app/servers?version="+v, strings.NewReader(body))
				req.SetBasicAuth("admin", "secret")
				rec = httptest.NewRecorder()
				a.s.ServeHTTP(rec, req)
				switch rec.Code {
				case 201:
					i++
				case 409:
					conflicts.Add(1)
				default:
					t.Errorf("status %d: %s", rec.Code, rec.Body)
					return
				}
			}
		}()
	}
	wg.Wait()
	if a.version() != itoa(1+workers*each) {
		t.Errorf("version %s after %d commits", a.version(), workers*each)
	}
	if n := strings.Count(a.must(200, "GET", cp+"/backends/app/servers", "").body, `"name"`); n != 2+workers*each {
		t.Errorf("%d servers, want %d (lost update)", n, 2+workers*each)
	}
}

func TestSpecCoversRoutes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	for _, rt := range a.s.routes {
		p := pathParam.ReplaceAllString(rt.Path, "x")
		if _, _, err := a.spec.Operation(rt.Method, p); err != nil {
			t.Errorf("%s %s: %v", rt.Method, rt.Path, err)
		}
	}
	// The real models generate a document too.
	s, err := newServer(Options{Files: []string{a.path}, Snapshot: a.s.opts.Snapshot}, models.Sections(), models.Children())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(s.Spec()); err != nil {
		t.Fatal(err)
	}
}

func TestDuplicateRouteIsAnError(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	kids := append(fakeChildren(), fakeChildren()[0])
	if _, err := newServer(Options{Files: []string{a.path}, Snapshot: a.s.opts.Snapshot}, fakeSections(), kids); err == nil || !strings.Contains(err.Error(), "servers") {
		t.Errorf("err = %v", err)
	}
}

func TestIndexes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	if r := a.must(200, "GET", "/", ""); !strings.Contains(r.body, `"url":"/v3/services"`) || !strings.Contains(r.body, `"url":"/v3/info"`) {
		t.Errorf("/v3/: %s", r.body)
	}
	if r := a.must(200, "GET", cp, ""); !strings.Contains(r.body, `"url":"/v3/services/haproxy/configuration/backends"`) {
		t.Errorf("configuration: %s", r.body)
	}
	a.must(200, "GET", "/services/haproxy", "")
	// The root page is not a catch-all.
	if r := a.call("GET", "/nothing/here", ""); r.code != 404 {
		t.Errorf("/v3/nothing/here: %d", r.code)
	}
}

func TestWritesThroughASymlink(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t, testCfg)
	dir := t.TempDir()
	link := filepath.Join(dir, "link.cfg")
	if err := os.Symlink(a.path, link); err != nil {
		t.Skip(err)
	}
	s, err := newServer(Options{Files: []string{link}, Snapshot: a.s.opts.Snapshot, Apply: func(*config.Snapshot) error { return nil }}, fakeSections(), fakeChildren())
	if err != nil {
		t.Fatal(err)
	}
	a.s = s
	a.must(201, "POST", cp+"/backends?version=1", `{"name":"via_link"}`)
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the link was replaced: %v", err)
	}
	if !strings.Contains(a.file(), "backend via_link") {
		t.Error("the target was not written")
	}
}
