package e2e

import (
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// http-after-response rules also apply to responses hawser generates:
// deny, return, redirect, error pages, as in HAProxy.
func TestAfterResponseOnGeneratedResponses(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, logDefaults+`
frontend fe
    bind ${fe}
    log-format "after %ST %HP"
    http-request deny if { path /deny }
    http-request return status 200 content-type text/plain string ok if { path /return }
    http-request redirect location /elsewhere if { path /redirect }
    use_backend down if { path /down }
    default_backend app
    http-after-response set-header X-After fe
    http-after-response set-status 418 if { path /return } { status 200 }
backend app
    server s1 ${app}
backend down
    http-after-response set-header X-After-Be down
    server s1 127.0.0.1:1 disabled
`, vars)
	tests := []struct {
		name, path string
		status     int
		beHeader   string
	}{
		{name: "proxied", path: "/", status: 200},
		{name: "deny", path: "/deny", status: 403},
		{name: "return with set-status", path: "/return", status: 418},
		{name: "redirect", path: "/redirect", status: 302},
		{name: "error page", path: "/down", status: 503, beHeader: "down"},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				r := lbtest.GetProto(t, proto, p.URL("fe", tc.path))
				if r.Status != tc.status {
					t.Errorf("status %d, want %d", r.Status, tc.status)
				}
				if got := r.Header.Get("X-After"); got != "fe" {
					t.Errorf("X-After = %q, want fe", got)
				}
				if got := r.Header.Get("X-After-Be"); got != tc.beHeader {
					t.Errorf("X-After-Be = %q, want %q", got, tc.beHeader)
				}
			})
		}
	}
	p.WaitLog(t, "after 418 /return", 5*time.Second)
}
