package stats

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// promNames are the metric names of HAProxy's exporter that hawser must
// serve (shared/reference/haproxy-interfaces.md §3), by prefix.
var promNames = map[string][]string{
	"haproxy_process_": {"nbthread", "uptime_seconds", "start_time_seconds", "max_connections", "current_connections",
		"connections_total", "requests_total", "current_ssl_connections", "current_connection_rate", "current_session_rate",
		"current_tasks", "pool_allocated_bytes", "pool_used_bytes", "max_fds", "jobs", "listeners",
		"stopping", "dropped_logs_total", "failed_resolutions", "bytes_out_total", "build_info", "idle_time_percent",
		"current_run_queue", "hard_max_connections", "recv_logs_total", "max_sockets"},
	"haproxy_frontend_": {"current_sessions", "max_sessions", "limit_sessions", "sessions_total", "bytes_in_total",
		"bytes_out_total", "requests_denied_total", "responses_denied_total", "request_errors_total", "status",
		"limit_session_rate", "max_session_rate", "http_requests_total", "http_requests_rate_max", "http_responses_total",
		"connections_total", "connections_rate_max", "denied_connections_total", "denied_sessions_total",
		"intercepted_requests_total", "failed_header_rewriting_total", "internal_errors_total", "http_cache_lookups_total",
		"http_cache_hits_total", "http_comp_bytes_in_total"},
	"haproxy_backend_": {"current_queue", "max_queue", "current_sessions", "max_sessions", "limit_sessions", "sessions_total",
		"bytes_in_total", "bytes_out_total", "connection_errors_total", "response_errors_total", "retry_warnings_total",
		"redispatch_warnings_total", "status", "weight", "active_servers", "backup_servers", "check_up_down_total",
		"check_last_change_seconds", "downtime_seconds_total", "loadbalanced_total", "http_requests_total",
		"http_responses_total", "client_aborts_total", "server_aborts_total", "queue_time_average_seconds",
		"connect_time_average_seconds", "response_time_average_seconds", "total_time_average_seconds",
		"max_queue_time_seconds", "max_connect_time_seconds", "max_response_time_seconds", "max_total_time_seconds",
		"connection_attempts_total", "connection_reuses_total", "last_session_seconds", "agg_server_status",
		"agg_check_status", "uweight"},
	"haproxy_listener_": {"current_sessions", "max_sessions", "limit_sessions", "sessions_total", "bytes_in_total",
		"bytes_out_total", "requests_denied_total", "responses_denied_total", "request_errors_total", "status",
		"denied_connections_total", "denied_sessions_total", "failed_header_rewriting_total", "internal_errors_total"},
	"haproxy_server_": {"current_queue", "max_queue", "current_sessions", "max_sessions", "limit_sessions", "sessions_total",
		"bytes_in_total", "bytes_out_total", "connection_errors_total", "response_errors_total", "retry_warnings_total",
		"redispatch_warnings_total", "status", "weight", "uweight", "active", "backup", "check_failures_total",
		"check_up_down_total", "check_last_change_seconds", "downtime_seconds_total", "queue_limit", "current_throttle",
		"loadbalanced_total", "max_session_rate", "check_status", "check_code", "check_duration_seconds",
		"http_responses_total", "queue_time_average_seconds", "connect_time_average_seconds",
		"response_time_average_seconds", "total_time_average_seconds", "idle_connections_current",
		"idle_connections_limit", "used_connections_current", "need_connections_current", "internal_errors_total"},
}

// testRows are a frontend, a backend and a checked server in mode http,
// then a listener.
func testRows() []Row {
	var fe, be, sv, li Row
	fe.Type, be.Type, sv.Type, li.Type = TypeFrontend, TypeBackend, TypeServer, TypeListener
	for _, r := range []*Row{&fe, &be, &sv, &li} {
		for c := range NumCols {
			r.Values[c] = Int(c)
		}
		r.Set(FPxName, Str("app"))
		r.Set(FMode, Str("http"))
	}
	fe.Set(FSvName, Str("FRONTEND"))
	fe.Set(FStatus, Str("OPEN"))
	be.Set(FSvName, Str("BACKEND"))
	be.Set(FStatus, Str("UP"))
	sv.Set(FSvName, Str("s1"))
	sv.Set(FStatus, Str("UP 1/3"))
	sv.Set(FCheckStatus, Str("L7OK"))
	li.Set(FSvName, Str("sock-1"))
	li.Set(FStatus, Str("OPEN"))
	return []Row{fe, sv, be, li}
}

func scrape(t *testing.T, rows []Row, o PromOptions) map[string]*dto.MetricFamily {
	t.Helper()
	var b bytes.Buffer
	if err := WritePrometheus(&b, "1.2.3", Info{}, rows, o); err != nil {
		t.Fatal(err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(&b)
	if err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, b.String())
	}
	return fams
}

func TestPromNames(t *testing.T) {
	t.Parallel()
	fams := scrape(t, testRows(), PromOptions{Scopes: ScopeAll})
	for prefix, names := range promNames {
		for _, n := range names {
			t.Run(prefix+n, func(t *testing.T) {
				t.Parallel()
				f := fams[prefix+n]
				if f == nil {
					t.Fatal("missing")
				}
				counter := strings.HasSuffix(n, "_total") || n == "failed_resolutions"
				if (f.GetType() == dto.MetricType_COUNTER) != counter {
					t.Errorf("type %v", f.GetType())
				}
				if f.GetHelp() == "" {
					t.Error("no help text")
				}
			})
		}
	}
}

func TestPromLabels(t *testing.T) {
	t.Parallel()
	fams := scrape(t, testRows(), PromOptions{Scopes: ScopeAll})
	labels := func(m *dto.Metric) string {
		var s []string
		for _, l := range m.GetLabel() {
			s = append(s, l.GetName()+"="+l.GetValue())
		}
		return strings.Join(s, ",")
	}
	tests := []struct {
		name   string
		family string
		want   []string // labels=value of each series
	}{
		{name: "server responses by code", family: "haproxy_server_http_responses_total", want: []string{
			"proxy=app,server=s1,code=1xx=39", "proxy=app,server=s1,code=2xx=40", "proxy=app,server=s1,code=3xx=41",
			"proxy=app,server=s1,code=4xx=42", "proxy=app,server=s1,code=5xx=43", "proxy=app,server=s1,code=other=44"}},
		{name: "server state", family: "haproxy_server_status", want: []string{
			"proxy=app,server=s1,state=DOWN=0", "proxy=app,server=s1,state=UP=1", "proxy=app,server=s1,state=MAINT=0",
			"proxy=app,server=s1,state=DRAIN=0", "proxy=app,server=s1,state=NOLB=0"}},
		{name: "frontend state", family: "haproxy_frontend_status", want: []string{"proxy=app,state=DOWN=0", "proxy=app,state=UP=1"}},
		{name: "aggregate", family: "haproxy_backend_agg_server_status", want: []string{
			"proxy=app,state=DOWN=0", "proxy=app,state=UP=1", "proxy=app,state=MAINT=0", "proxy=app,state=DRAIN=0", "proxy=app,state=NOLB=0"}},
		{name: "seconds", family: "haproxy_backend_queue_time_average_seconds", want: []string{"proxy=app=0.058"}},
		{name: "build info", family: "haproxy_process_build_info", want: []string{"version=1.2.3=1"}},
		{name: "listener", family: "haproxy_listener_status", want: []string{
			"proxy=app,listener=sock-1,state=WAITING=0", "proxy=app,listener=sock-1,state=OPEN=1", "proxy=app,listener=sock-1,state=FULL=0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := fams[tc.family]
			if f == nil {
				t.Fatal("missing family")
			}
			var got []string
			for _, m := range f.GetMetric() {
				v := m.GetGauge().GetValue()
				if m.Counter != nil {
					v = m.GetCounter().GetValue()
				}
				got = append(got, fmt.Sprintf("%s=%g", labels(m), v))
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got  %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestParsePromQuery(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		query   string
		want    PromOptions
		wantErr bool
	}{
		{name: "default", query: "", want: PromOptions{Scopes: ScopeAll}},
		{name: "one scope", query: "scope=server", want: PromOptions{Scopes: ScopeServer}},
		{name: "two scopes", query: "scope=frontend&scope=backend", want: PromOptions{Scopes: ScopeFrontend | ScopeBackend}},
		{name: "empty resets", query: "scope=frontend&scope=&scope=global", want: PromOptions{Scopes: ScopeGlobal}},
		{name: "star", query: "scope=*", want: PromOptions{Scopes: ScopeAll}},
		{name: "no-maint", query: "no-maint&scope=server", want: PromOptions{Scopes: ScopeServer, NoMaint: true}},
		{name: "modules", query: "scope=sticktable&scope=resolver", want: PromOptions{Scopes: ScopeStickTable | ScopeResolver}},
		{name: "metrics", query: "metrics=haproxy_backend_weight,-haproxy_process_jobs,,", want: PromOptions{Scopes: ScopeAll,
			Metrics: map[string]bool{"haproxy_backend_weight": true, "haproxy_process_jobs": false}}},
		{name: "labels and counters", query: "desc-labels&extra-counters", want: PromOptions{Scopes: ScopeAll, DescLabels: true, ExtraCounters: true}},
		{name: "unknown scope", query: "scope=bogus", wantErr: true},
		{name: "scope without value", query: "scope", wantErr: true},
		{name: "two equal signs", query: "scope=a=b", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePromQuery(tc.query)
			if (err != nil) != tc.wantErr {
				t.Fatalf("error %v, want error %v", err, tc.wantErr)
			}
			if tc.wantErr {
				return
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("options (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPromFiltersLabelsAndStickTables checks "metrics=" (include and
// exclude lists), desc labels and the sticktable scope.
func TestPromFiltersLabelsAndStickTables(t *testing.T) {
	t.Parallel()
	tables := []StickTable{{Name: "fe", Type: "ip", Size: 100, Used: 3}, {Name: "be", Type: "string", Size: 1024}}
	tests := []struct {
		name  string
		query string
		check func(t *testing.T, fams map[string]*dto.MetricFamily)
	}{
		{name: "include list", query: "metrics=haproxy_backend_weight,haproxy_process_jobs", check: func(t *testing.T, fams map[string]*dto.MetricFamily) {
			if len(fams) != 2 || fams["haproxy_backend_weight"] == nil || fams["haproxy_process_jobs"] == nil {
				t.Errorf("got %d families: %v", len(fams), keys(fams))
			}
		}},
		{name: "exclude list", query: "metrics=-haproxy_backend_weight", check: func(t *testing.T, fams map[string]*dto.MetricFamily) {
			if fams["haproxy_backend_weight"] != nil || fams["haproxy_backend_uweight"] == nil {
				t.Errorf("exclusion: %v", keys(fams))
			}
		}},
		{name: "desc labels", query: "desc-labels&scope=backend&scope=global", check: func(t *testing.T, fams map[string]*dto.MetricFamily) {
			if got := labels(fams["haproxy_backend_weight"].Metric[0]); got != `desc="the app",proxy="app"` {
				t.Errorf("backend labels %s", got)
			}
			if got := labels(fams["haproxy_process_jobs"].Metric[0]); got != `desc="edge"` {
				t.Errorf("process labels %s", got)
			}
		}},
		{name: "no desc labels by default", query: "scope=backend", check: func(t *testing.T, fams map[string]*dto.MetricFamily) {
			if got := labels(fams["haproxy_backend_weight"].Metric[0]); got != `proxy="app"` {
				t.Errorf("backend labels %s", got)
			}
		}},
		{name: "sticktables", query: "scope=sticktable", check: func(t *testing.T, fams map[string]*dto.MetricFamily) {
			var got []string
			for _, n := range []string{"haproxy_sticktable_size", "haproxy_sticktable_used"} {
				for _, m := range fams[n].GetMetric() {
					got = append(got, fmt.Sprintf("%s{%s} %v", n, labels(m), m.GetGauge().GetValue()))
				}
			}
			want := []string{`haproxy_sticktable_size{name="fe",type="ip"} 100`, `haproxy_sticktable_size{name="be",type="string"} 1024`,
				`haproxy_sticktable_used{name="fe",type="ip"} 3`, `haproxy_sticktable_used{name="be",type="string"} 0`}
			if diff := cmp.Diff(want, got); diff != "" || len(fams) != 2 {
				t.Errorf("sticktable series (-want +got):\n%s%v", diff, keys(fams))
			}
		}},
		{name: "resolvers", query: "scope=resolver", check: func(t *testing.T, fams map[string]*dto.MetricFamily) {
			if len(fams) != len(resolverMetrics) {
				t.Errorf("%d families: %v", len(fams), keys(fams))
			}
			m := fams["haproxy_resolver_nx"].GetMetric()
			if len(m) != 1 || labels(m[0]) != `nameserver="ns1",resolver="dns"` || m[0].GetCounter().GetValue() != 4 {
				t.Errorf("haproxy_resolver_nx: %v", m)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := ParsePromQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			o.Tables, o.Descs, o.GlobalDesc = tables, map[string]string{"app": "the app"}, "edge"
			o.Resolvers = []Nameserver{{Resolvers: "dns", Name: "ns1", Counters: map[string]uint64{"sent": 9, "nx": 4}}}
			tc.check(t, scrape(t, testRows(), o))
		})
	}
}

func keys(fams map[string]*dto.MetricFamily) []string {
	var ks []string
	for k := range fams {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// labels renders a series' labels, sorted by name as the text format
// writes them.
func labels(m *dto.Metric) string {
	var ls []string
	for _, l := range m.GetLabel() {
		ls = append(ls, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
	}
	sort.Strings(ls)
	return strings.Join(ls, ",")
}

// BenchmarkPrometheus1000Servers is one scrape of a backend with 1,000
// servers.
func BenchmarkPrometheus1000Servers(b *testing.B) {
	rows := testRows()
	sv := rows[1]
	rows = rows[:1]
	for i := range 1000 {
		r := sv
		r.Set(FSvName, Str(fmt.Sprintf("s%d", i)))
		rows = append(rows, r)
	}
	rows = append(rows, testRows()[2])
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := WritePrometheus(&buf, "1.2.3", Info{}, rows, PromOptions{Scopes: ScopeAll}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/scrape")
}
