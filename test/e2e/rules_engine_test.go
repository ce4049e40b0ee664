package e2e

import (
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestRateLimitRecipe is HAProxy's blog recipe for a per-IP request rate
// limit, unchanged.
func TestRateLimitRecipe(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	_ = bs
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    stick-table type ip size 100k expire 30s store http_req_rate(10s),gpc0
    http-request track-sc0 src
    http-request deny deny_status 429 if { sc_http_req_rate(0) gt 3 }
    http-request sc-inc-gpc0(0) if { path_beg /abuse }
    http-request deny if { sc0_get_gpc0 gt 0 }
    default_backend app

backend app
    server app ${app}
`, vars)
	var got []int
	for range 5 {
		got = append(got, lbtest.Get(t, p.URL("fe", "/")).Status)
	}
	want := []int{200, 200, 200, 429, 429}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
}

// TestVarsAndResponseRules covers set-var/var routing, %[...] in
// set-header, http-response set-status and http-response deny.
func TestVarsAndResponseRules(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app", "other")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    http-request set-var(txn.route) req.hdr(x-route)
    http-request set-header X-Client %[src]
    http-response set-status 418 if { var(txn.route) -m str teapot }
    http-response deny if { var(txn.route) -m str secret }
    use_backend other if { var(txn.route) -m str other }
    default_backend app

backend app
    server app ${app}

backend other
    server other ${other}
`, vars)
	tests := []struct {
		name   string
		route  string
		status int
	}{
		{name: "plain", route: "none", status: 200},
		{name: "set-status", route: "teapot", status: 418},
		{name: "response deny", route: "secret", status: 502},
		{name: "var routing", route: "other", status: 200},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				r := lbtest.GetProto(t, proto, p.URL("fe", "/"), "X-Route: "+tc.route)
				if r.Status != tc.status {
					t.Errorf("status %d, want %d", r.Status, tc.status)
				}
			})
		}
	}
}
