package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// Rules of a named defaults section run before the proxy's own, in the
// frontend and in the backend, and share the transaction's variables with
// them (HAProxy's reg-tests/http-rules/default_rules.vtc).
func TestDefaultsRules(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "app")
		p := lbtest.Start(t, `
defaults common
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

defaults def_front from common
    acl is_api path_beg /api
    http-request set-header x-frontend fe
    http-request set-var(txn.test1) str(def_front)
    http-request return status 200 content-type text/plain string from-defaults if is_api
    http-response set-var(txn.test2) str(def_front)
    http-after-response set-var(txn.test3) str(def_front)

defaults def_back from common
    http-request set-header x-backend be
    http-request set-var(txn.test1) str(def_back)
    http-response set-var(txn.test2) str(def_back)
    http-after-response set-var(txn.test3) str(def_back)

defaults allow_all from common
    http-request allow

frontend fe from def_front
    bind ${fe}
    http-request set-header x-test1-frt "%[var(txn.test1)]"
    http-response set-header x-test2-frt "%[var(txn.test2)]"
    http-after-response set-header x-test3-frt "%[var(txn.test3)]"
    default_backend be

backend be from def_back
    http-request set-header x-test1-bck "%[var(txn.test1)]"
    http-response set-header x-test2-bck "%[var(txn.test2)]"
    http-after-response set-header x-test3-bck "%[var(txn.test3)]"
    server s1 ${app}

frontend allowed from allow_all
    bind ${allowed}
    http-request deny
    default_backend be
`, vars)

		r := lbtest.GetProto(t, proto, p.URL("fe", "/"))
		req, _ := bs["app"].LastRequest()
		if r.Status != 200 || req == nil {
			t.Fatalf("status %d, request seen: %v", r.Status, req != nil)
		}
		checks := []struct {
			name, got, want string
		}{
			{"x-frontend", req.Header.Get("x-frontend"), "fe"},
			{"x-backend", req.Header.Get("x-backend"), "be"},
			{"x-test1-frt", req.Header.Get("x-test1-frt"), "def_front"},
			{"x-test1-bck", req.Header.Get("x-test1-bck"), "def_back"},
			{"x-test2-bck", r.Header.Get("x-test2-bck"), "def_back"},
			{"x-test2-frt", r.Header.Get("x-test2-frt"), "def_front"},
			{"x-test3-bck", r.Header.Get("x-test3-bck"), "def_back"},
			{"x-test3-frt", r.Header.Get("x-test3-frt"), "def_front"},
		}
		for _, c := range checks {
			if c.got != c.want {
				t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
			}
		}
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/api")); r.Status != 200 || string(r.Body) != "from-defaults" {
			t.Errorf("/api: %d %q, want the defaults section's return", r.Status, r.Body)
		}
		// "allow" in the defaults section ends the rule set: the frontend's
		// own "deny" does not run.
		if r := lbtest.GetProto(t, proto, p.URL("allowed", "/")); r.Status != 200 {
			t.Errorf("allow in defaults: status %d, want 200", r.Status)
		}
	})
}

// hawser -c refuses what HAProxy refuses about rules in defaults sections,
// and what only compiling the configuration used to find.
func TestCheckRefusesRuleMisuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, cfg, want string
	}{
		{name: "rules in anonymous defaults", cfg: "defaults\n    http-request set-header X 1\n",
			want: "not allowed in anonymous 'defaults' section"},
		{name: "listen from defaults with rules", cfg: "defaults d\n    mode http\n    http-request set-header X 1\nlisten li from d\n    bind 127.0.0.1:18099\n    server s 127.0.0.1:1\n",
			want: "a listen section cannot inherit from a defaults section defining TCP/HTTP rules"},
		{name: "bad use_backend format", cfg: "defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:18099\n    use_backend %[req.hdr(host),nosuchconv]\n",
			want: "unknown converter 'nosuchconv'"},
		{name: "capture id beyond the slots", cfg: "defaults\n    mode http\nfrontend fe\n    bind 127.0.0.1:18099\n    declare capture request len 8\n    http-request capture req.hdr(host) id 2\n",
			want: "slot 2"},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(dir, strings.Repeat("c", i+1)+".cfg")
			if err := os.WriteFile(path, []byte(tc.cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(lbtest.Binary(), "-c", "-f", path).CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Errorf("hawser -c: %v\n%s\nwant %q", err, out, tc.want)
			}
		})
	}
}
