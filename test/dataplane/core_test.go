package dataplane

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

const cfgPath = "/services/haproxy/configuration"

func TestAuth(t *testing.T) {
	t.Parallel()
	cfg := strings.Replace(baseCfg, "user admin insecure-password secret",
		"user admin insecure-password secret\n    user hashed password $5$salt$Gcm6FsVtF/Qa77ZKD.iwsJlCVPY0XSMgLJL0Hnww/c1", 1)
	a := startAPI(t, cfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	tests := []struct {
		name, user, pass string
		want             int
	}{
		{"insecure-password", "admin", "secret", 200},
		{"crypt sha256", "hashed", "password", 200},
		{"wrong password", "admin", "nope", 401},
		{"unknown user", "ghost", "secret", 401},
		{"no credentials", "", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &api{t: t, base: a.base, user: tc.user, pass: tc.pass}
			r := c.do("GET", "/info", "")
			if r.Status != tc.want {
				t.Fatalf("status %d, want %d", r.Status, tc.want)
			}
			if tc.want == 401 && !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic ") {
				t.Errorf("WWW-Authenticate = %q", r.Header.Get("WWW-Authenticate"))
			}
			if r.Header.Get("Configuration-Version") == "" {
				t.Error("no Configuration-Version header")
			}
		})
	}
}

func TestMeta(t *testing.T) {
	t.Parallel()
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	if r := a.must(200, "GET", "/health", ""); strings.TrimSpace(r.Body) != `{"haproxy":"up"}` {
		t.Errorf("health = %s", r.Body)
	}
	var info struct {
		API struct{ Version string } `json:"api"`
	}
	json.Unmarshal([]byte(a.must(200, "GET", "/info", "").Body), &info)
	if !strings.Contains(info.API.Version, "hawser") {
		t.Errorf("info api version = %q", info.API.Version)
	}
	if r := a.must(200, "GET", cfgPath+"/version", ""); strings.TrimSpace(r.Body) != "1" {
		t.Errorf("version = %s", r.Body)
	}
	// A trailing slash is ignored, as by HAProxy's API.
	a.must(200, "GET", "/health/", "")
	a.must(200, "GET", "/services/haproxy/reloads", "")
	a.must(404, "GET", "/services/haproxy/reloads/2026-01-01-1", "")
	var spec map[string]any
	if err := json.Unmarshal([]byte(a.must(200, "GET", "/specification_openapiv3", "").Body), &spec); err != nil || spec["openapi"] == nil {
		t.Fatalf("spec: %v", err)
	}
}

func TestRawChangesTrafficLive(t *testing.T) {
	t.Parallel()
	one, two := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two")
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": one.Addr})
	url := a.proc.URL("web", "/")
	if r := lbtest.Get(t, url); r.Body != "one" {
		t.Fatalf("before: %q", r.Body)
	}
	raw := a.must(200, "GET", cfgPath+"/raw", "")
	if raw.Header.Get("Configuration-Checksum") == "" {
		t.Error("no Configuration-Checksum")
	}
	next := strings.Replace(raw.Body, one.Addr, two.Addr, 1)

	a.must(409, "POST", cfgPath+"/raw?version=7", next)
	a.must(400, "POST", cfgPath+"/raw", next)
	// JSON sent where the configuration's text goes: 415.
	a.must(415, "POST", cfgPath+"/raw?version=1", `{"raw": "global"}`)
	bad := a.must(400, "POST", cfgPath+"/raw?version=1", next+"\nbackend broken\n    chek\n")
	if !strings.Contains(bad.Body, "[ALERT]") || !strings.Contains(bad.Body, "chek") {
		t.Errorf("bad config answer: %s", bad.Body)
	}
	a.must(202, "POST", cfgPath+"/raw?version=1&only_validate=true", next)
	if r := lbtest.Get(t, url); r.Body != "one" {
		t.Fatalf("after refused writes: %q", r.Body)
	}

	r := a.must(201, "POST", cfgPath+"/raw?version=1", next)
	if r.Header.Get("Configuration-Version") != "2" {
		t.Errorf("Configuration-Version = %q", r.Header.Get("Configuration-Version"))
	}
	// Applied before the answer: no waiting.
	if r := lbtest.Get(t, url); r.Body != "two" {
		t.Fatalf("after commit: %q", r.Body)
	}
	data, err := os.ReadFile(a.proc.Path())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "# _version=2\n# managed by the Data Plane API\n") {
		t.Errorf("file head: %q", string(data)[:60])
	}
	if _, err := os.Stat(a.proc.Path() + ".1"); err != nil {
		t.Errorf("no backup of version 1: %v", err)
	}
	// skip_version writes whatever the version.
	a.must(201, "POST", cfgPath+"/raw?skip_version=true", raw.Body)
	if r := lbtest.Get(t, url); r.Body != "one" {
		t.Fatalf("after skip_version commit: %q", r.Body)
	}
	if v := strings.TrimSpace(a.must(200, "GET", cfgPath+"/version", "").Body); v != "3" {
		t.Errorf("version = %s", v)
	}
}

func TestTransactions(t *testing.T) {
	t.Parallel()
	one, two := lbtest.NewBackend(t, "one"), lbtest.NewBackend(t, "two")
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": one.Addr})
	url := a.proc.URL("web", "/")
	a.must(400, "POST", "/services/haproxy/transactions", "")
	a.must(409, "POST", "/services/haproxy/transactions?version=9", "")
	var tx struct {
		ID      string `json:"id"`
		Version int    `json:"_version"`
		Status  string `json:"status"`
	}
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=1", "").Body), &tx)
	if tx.Status != "in_progress" || tx.Version != 1 || tx.ID == "" {
		t.Fatalf("transaction: %+v", tx)
	}
	raw := a.must(200, "GET", cfgPath+"/raw", "").Body
	next := strings.Replace(raw, one.Addr, two.Addr, 1)
	a.must(202, "POST", cfgPath+"/raw?transaction_id="+tx.ID, next)
	// Reads inside the transaction see it; outside, they do not.
	if r := a.must(200, "GET", cfgPath+"/raw?transaction_id="+tx.ID, ""); !strings.Contains(r.Body, two.Addr) {
		t.Error("transaction read does not see its change")
	}
	if r := a.must(200, "GET", cfgPath+"/raw", ""); strings.Contains(r.Body, two.Addr) {
		t.Error("committed read sees an uncommitted change")
	}
	if r := lbtest.Get(t, url); r.Body != "one" {
		t.Fatalf("before commit: %q", r.Body)
	}
	a.must(200, "GET", "/services/haproxy/transactions/"+tx.ID, "")
	a.must(200, "PUT", "/services/haproxy/transactions/"+tx.ID, "")
	if r := lbtest.Get(t, url); r.Body != "two" {
		t.Fatalf("after commit: %q", r.Body)
	}
	a.must(404, "PUT", "/services/haproxy/transactions/"+tx.ID, "")
	a.must(404, "GET", "/services/haproxy/transactions/"+tx.ID, "")

	// Two transactions from version 2: the second to commit is outdated.
	var t1, t2 struct{ ID string }
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=2", "").Body), &t1)
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=2", "").Body), &t2)
	a.must(200, "PUT", "/services/haproxy/transactions/"+t1.ID, "")
	if r := a.must(409, "PUT", "/services/haproxy/transactions/"+t2.ID, ""); !strings.Contains(r.Body, "outdated") {
		t.Errorf("outdated commit: %s", r.Body)
	}
	if r := a.must(200, "GET", "/services/haproxy/transactions/"+t2.ID, ""); !strings.Contains(r.Body, `"outdated"`) {
		t.Errorf("outdated transaction: %s", r.Body)
	}

	// A commit that fails validation changes nothing.
	var t3 struct{ ID string }
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=3", "").Body), &t3)
	a.must(202, "POST", cfgPath+"/raw?transaction_id="+t3.ID, next+"\nfrontend x\n    bind :1\n    use_backend nowhere\n")
	a.must(400, "PUT", "/services/haproxy/transactions/"+t3.ID, "")
	if v := strings.TrimSpace(a.must(200, "GET", cfgPath+"/version", "").Body); v != "3" {
		t.Errorf("version after failed commit = %s", v)
	}

	// Deleting; at most 20 open.
	var ids []string
	for range 20 {
		var x struct{ ID string }
		json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=3", "").Body), &x)
		ids = append(ids, x.ID)
	}
	a.must(429, "POST", "/services/haproxy/transactions?version=3", "")
	a.must(204, "DELETE", "/services/haproxy/transactions/"+ids[0], "")
	a.must(404, "DELETE", "/services/haproxy/transactions/"+ids[0], "")
	a.must(201, "POST", "/services/haproxy/transactions?version=3", "")
	if r := a.must(200, "GET", "/services/haproxy/transactions?status=in_progress", ""); strings.Count(r.Body, `"in_progress"`) != 20 {
		t.Errorf("open transactions listed: %s", r.Body)
	}
	_ = time.Second
}

func TestReadOnlyWithSeveralFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	extra := dir + "/extra.cfg"
	os.WriteFile(extra, []byte("backend other\n    server o1 127.0.0.1:1\n"), 0o644)
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)}, "-f", extra)
	a.must(200, "GET", "/info", "")
	if r := a.must(403, "POST", cfgPath+"/raw?version=1", "global\n"); !strings.Contains(r.Body, "single -f FILE") {
		t.Errorf("several files: %s", r.Body)
	}
}

func TestSighupReloadsTheAPIView(t *testing.T) {
	t.Parallel()
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	a.must(201, "POST", cfgPath+"/backends?version=1", `{"name":"api_made"}`)
	var tx struct{ ID string }
	json.Unmarshal([]byte(a.must(201, "POST", "/services/haproxy/transactions?version=2", "").Body), &tx)
	data, err := os.ReadFile(a.proc.Path())
	if err != nil {
		t.Fatal(err)
	}
	// A hand edit keeps the version line the API wrote.
	edited := string(data) + "\nbackend hand_made\n    server h1 127.0.0.1:1\n"
	if err := os.WriteFile(a.proc.Path(), []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if !a.proc.Reload(t) {
		t.Fatalf("reload refused:\n%s", a.proc.Log())
	}
	a.must(200, "GET", cfgPath+"/backends/hand_made", "")
	a.must(200, "GET", cfgPath+"/backends/api_made", "")
	// The hand edit is a new version: what was based on the old text is
	// outdated rather than silently overwriting the edit.
	a.must(409, "POST", cfgPath+"/backends?version=2", `{"name":"stale"}`)
	a.must(409, "PUT", "/services/haproxy/transactions/"+tx.ID, "")
	if v := a.must(200, "GET", cfgPath+"/raw", "").Header.Get("Configuration-Version"); v != "3" {
		t.Errorf("raw after the hand edit: Configuration-Version %s", v)
	}
	a.must(201, "POST", cfgPath+"/backends?version=3", `{"name":"after"}`)
	f, _ := os.ReadFile(a.proc.Path())
	if !strings.Contains(string(f), "backend hand_made") || !strings.HasPrefix(string(f), "# _version=4\n") {
		t.Errorf("file after hand edit and commit:\n%s", f)
	}
}

func TestAPIOverTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	certFile, keyFile := writeSelfSigned(t, dir)
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)}, "--api-cert", certFile, "--api-key", keyFile)
	a.base = strings.Replace(a.base, "http://", "https://", 1)
	a.client = &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	a.must(200, "GET", "/health", "")
	plain := &api{t: t, base: strings.Replace(a.base, "https://", "http://", 1), user: "admin", pass: "secret"}
	req, _ := http.NewRequest("GET", plain.base+"/health", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP answered on the TLS API")
		}
	}
}

func writeSelfSigned(t *testing.T, dir string) (string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile := dir+"/api.crt", dir+"/api.key"
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestBadInputChangesNothing sends what the real models and the
// validation must refuse: every answer is 400 or 409 with a message that
// names the problem, and the file stays as it was.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	a := startAPI(t, baseCfg, lbtest.Vars{"s1": lbtest.DeadAddr(t)})
	before, err := os.ReadFile(a.proc.Path())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, method, path, body string
		code                     int
		msg                      string
	}{
		{"malformed JSON", "POST", "/backends?version=1", `{"name":"x",`, 400, "invalid request body"},
		{"unknown field", "POST", "/backends?version=1", `{"name":"x","colour":"red"}`, 400, `"colour"`},
		{"wrong type", "POST", "/backends/app/servers?version=1", `{"name":"s2","address":"127.0.0.1","port":"eighty"}`, 400, `"port"`},
		{"bad enum", "POST", "/backends?version=1", `{"name":"x","mode":"udp"}`, 400, "mode"},
		{"unsupported field", "POST", "/backends?version=1", `{"name":"x","use_fcgi_app":"php"}`, 400, "not supported by hawser"},
		{"invalid name", "POST", "/backends?version=1", `{"name":"a b"}`, 400, "name"},
		{"missing backend", "POST", "/frontends/web/backend_switching_rules/0?version=1", `{"name":"nowhere","cond":"if","cond_test":"{ path /x }"}`, 400, "nowhere"},
		{"missing acl", "POST", "/frontends/web/backend_switching_rules/0?version=1", `{"name":"app","cond":"if","cond_test":"no_such_acl"}`, 400, "no_such_acl"},
		{"referenced backend deleted", "DELETE", "/backends/app?version=1", "", 400, "app"},
		{"duplicate", "POST", "/backends?version=1", `{"name":"app"}`, 409, "already exists"},
		{"stale version", "POST", "/backends?version=0", `{"name":"x"}`, 409, "version"},
		{"version and transaction", "POST", "/backends?version=1&transaction_id=x", `{"name":"x"}`, 400, "exactly one"},
		{"neither version nor transaction", "DELETE", "/backends/app", "", 400, "exactly one"},
		{"unknown transaction", "POST", "/backends?transaction_id=nope", `{"name":"x"}`, 404, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := a.do(tc.method, cfgPath+tc.path, tc.body)
			var e struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			}
			json.Unmarshal([]byte(r.Body), &e)
			if r.Status != tc.code || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("%d %s, want %d with %q", r.Status, r.Body, tc.code, tc.msg)
			}
		})
	}
	after, _ := os.ReadFile(a.proc.Path())
	if string(after) != string(before) {
		t.Errorf("refused changes altered the file:\n%s", after)
	}
	if v := a.version(); v != "1" {
		t.Errorf("version %s", v)
	}
}

func TestStartRefusedWithoutTheUserlist(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfg := strings.NewReplacer("${web}", lbtest.FreeAddr(t), "${s1}", lbtest.DeadAddr(t),
		"userlist controller", "userlist others").Replace(baseCfg)
	path := dir + "/hawser.cfg"
	os.WriteFile(path, []byte(cfg), 0o644)
	out, err := exec.Command(lbtest.Binary(), "-f", path, "--api", lbtest.FreeAddr(t)).CombinedOutput()
	if err == nil || !strings.Contains(string(out), `no userlist "controller"`) {
		t.Errorf("err %v, output:\n%s", err, out)
	}
	// --api-userlist names another one.
	p := lbtest.StartArgs(t, cfg, nil, "--api", "${api}", "--api-userlist", "others")
	a := &api{t: t, base: "http://" + p.Addr("api") + "/v3", proc: p, user: "admin", pass: "secret"}
	a.must(200, "GET", "/info", "")
}
