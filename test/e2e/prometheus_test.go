package e2e

import (
	"bytes"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestPrometheusExporter drives traffic through one frontend and scrapes
// another one that serves "http-request use-service prometheus-exporter":
// the counters match the traffic sent and promtool accepts the output.
func TestPrometheusExporter(t *testing.T) {
	t.Parallel()
	promtool := lbtest.NeedTool(t, "promtool")
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, lbtest.ClearOnly+`
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend prom
    bind ${prom}
    http-request use-service prometheus-exporter if { path /metrics }
    http-request deny

frontend fe
    bind ${fe}
    option socket-stats
    stick-table type ip size 100 expire 1m store http_req_cnt
    http-request track-sc0 src
    http-request deny if { path /denied }
    default_backend app

backend app
    description application servers
    server s1 ${app}
    server s2 ${app} disabled
`, vars)
	// 37 requests through the backend: 30 answered 200, 7 answered 404;
	// 5 more denied by the frontend.
	for i := range 37 {
		if i == 30 {
			bs["app"].SetStatus(404)
		}
		lbtest.Get(t, p.URL("fe", "/"))
	}
	for range 5 {
		if r := lbtest.Get(t, p.URL("fe", "/denied")); r.Status != http.StatusForbidden {
			t.Fatalf("deny: %d", r.Status)
		}
	}

	// A request is counted once its response has gone out: the client
	// may read the last response before it is counted. Scrape until the
	// request counters are complete; the checks below say what is wrong
	// if they never are.
	var r lbtest.Response
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = lbtest.Get(t, p.URL("prom", "/metrics"))
		if strings.Contains(r.Body, `haproxy_frontend_http_requests_total{proxy="fe"} 42`) &&
			strings.Contains(r.Body, `haproxy_backend_http_requests_total{proxy="app"} 37`) &&
			strings.Contains(r.Body, `haproxy_server_sessions_total{proxy="app",server="s1"} 37`) ||
			time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("scrape: %d %q", r.Status, r.Header.Get("Content-Type"))
	}
	want := []string{
		`haproxy_backend_http_requests_total{proxy="app"} 37`,
		`haproxy_backend_http_responses_total{proxy="app",code="2xx"} 30`,
		`haproxy_backend_http_responses_total{proxy="app",code="4xx"} 7`,
		`haproxy_frontend_http_requests_total{proxy="fe"} 42`,
		`haproxy_frontend_requests_denied_total{proxy="fe"} 5`,
		`haproxy_frontend_http_responses_total{proxy="fe",code="4xx"} 12`,
		`haproxy_server_sessions_total{proxy="app",server="s1"} 37`,
		`haproxy_server_status{proxy="app",server="s1",state="UP"} 1`,
		`haproxy_server_status{proxy="app",server="s2",state="MAINT"} 1`,
		`haproxy_backend_status{proxy="app",state="UP"} 1`,
		`haproxy_backend_agg_server_status{proxy="app",state="MAINT"} 1`,
		`haproxy_frontend_status{proxy="prom",state="UP"} 1`,
		`haproxy_listener_requests_denied_total{proxy="fe",listener="sock-1"} 5`,
		`haproxy_listener_status{proxy="fe",listener="sock-1",state="OPEN"} 1`,
		"# TYPE haproxy_backend_http_requests_total counter",
		"# HELP haproxy_frontend_current_sessions Number of current sessions on the frontend, backend or server",
		`haproxy_process_build_info{version=`,
	}
	// The process-wide peak of the accept rate saw this test's
	// connections.
	if m := regexp.MustCompile(`(?m)^haproxy_process_max_connection_rate (\d+)$`).FindStringSubmatch(r.Body); m == nil || m[1] == "0" {
		t.Errorf("haproxy_process_max_connection_rate: %v", m)
	}
	for _, w := range want {
		if !strings.Contains(r.Body, w) {
			t.Errorf("scrape lacks %q", w)
		}
	}
	if t.Failed() {
		t.Logf("scrape:\n%s", r.Body)
	}

	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(r.Body)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		// promtool exits 3 for lint problems only (naming advice such as
		// "counter metrics should have _total suffix" on HAProxy's own
		// names); anything else is an invalid exposition.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
			t.Fatalf("promtool check metrics: %v\n%s", err, out.String())
		}
		t.Logf("promtool lint (HAProxy's names, kept as they are):\n%s", out.String())
	}

	// scope= and no-maint select what is dumped.
	r = lbtest.Get(t, p.URL("prom", "/metrics?scope=server&no-maint"))
	if strings.Contains(r.Body, "haproxy_backend_") || strings.Contains(r.Body, "haproxy_process_") || strings.Contains(r.Body, `server="s2"`) || !strings.Contains(r.Body, `server="s1"`) {
		t.Errorf("scope=server&no-maint:\n%s", r.Body)
	}
	r = lbtest.Get(t, p.URL("prom", "/metrics?scope="))
	if strings.Contains(r.Body, "haproxy_") {
		t.Errorf("empty scope dumped metrics:\n%s", r.Body)
	}
	// The sticktable module: one tracked client in the frontend's table.
	r = lbtest.Get(t, p.URL("prom", "/metrics?scope=sticktable"))
	size := "haproxy_sticktable_size{name=\"fe\",type=\"ip\"} 100\n"
	if !strings.Contains(r.Body, size) || !strings.Contains(r.Body, "haproxy_sticktable_used{name=\"fe\",type=\"ip\"} 1\n") || strings.Contains(r.Body, "haproxy_backend_") {
		t.Errorf("scope=sticktable:\n%s", r.Body)
	}
	// metrics= keeps the listed names; desc-labels adds descriptions.
	r = lbtest.Get(t, p.URL("prom", "/metrics?metrics=haproxy_backend_active_servers,haproxy_sticktable_used&desc-labels"))
	got := regexp.MustCompile(`(?m)^haproxy_\S+`).FindAllString(r.Body, -1)
	wantSeries := []string{`haproxy_backend_active_servers{proxy="app",desc="application`, `haproxy_sticktable_used{name="fe",type="ip"}`}
	if diff := cmp.Diff(wantSeries, got); diff != "" {
		t.Errorf("metrics= and desc-labels (-want +got):\n%s\n%s", diff, r.Body)
	}
	// promex refuses an unknown scope.
	if r := lbtest.Get(t, p.URL("prom", "/metrics?scope=bogus")); r.Status != http.StatusBadRequest {
		t.Errorf("scope=bogus: %d, want 400", r.Status)
	}
	if r := lbtest.Get(t, p.URL("prom", "/other")); r.Status != http.StatusForbidden {
		t.Errorf("/other: %d, want the deny that follows use-service", r.Status)
	}
}

// TestPromtoolRules checks that the alerting rules the docs offer
// (docs/examples/prometheus-alerts.yml) are valid for Prometheus;
// internal/stats checks that the metrics they name exist.
func TestPromtoolRules(t *testing.T) {
	t.Parallel()
	promtool := lbtest.NeedTool(t, "promtool")
	out, err := exec.Command(promtool, "check", "rules", "../../docs/examples/prometheus-alerts.yml").CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
}
