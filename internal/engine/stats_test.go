package engine

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
)

// applied returns an engine running cfg, without opening its listeners.
func applied(t testing.TB, cfg string) *Engine {
	t.Helper()
	e := New(Options{})
	t.Cleanup(e.Close)
	reload(t, e, cfg)
	return e
}

// reload is Apply without the listeners.
func reload(t testing.TB, e *Engine, cfg string) {
	t.Helper()
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.compile(snap)
	if err != nil {
		t.Fatal(err)
	}
	if old := e.active.Swap(g); old != nil {
		old.cancel()
	}
	e.registry.Retain(g.serverKeys)
	e.stats.Retain(g.statKeys)
}

const statsCfg = `
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend web
    bind 127.0.0.1:8080
    default_backend app
backend app
    balance leastconn
    server s1 127.0.0.1:1 maxconn 10
    server s2 127.0.0.1:2 backup
listen db
    mode tcp
    bind 127.0.0.1:8081
    server d1 127.0.0.1:3 disabled
`

func TestStatsRows(t *testing.T) {
	t.Parallel()
	e := applied(t, statsCfg)
	e.Active().Frontends[0].Counters.OpenSession(1)
	e.Active().Backends["app"].Counters.AddStatus(404)
	rows := e.Stats()
	var got []string
	for _, r := range rows {
		got = append(got, r.Proxy()+"/"+r.Name()+"/"+r.Get(stats.FStatus).String())
	}
	want := "web/FRONTEND/OPEN app/s1/no check app/s2/no check app/BACKEND/UP db/FRONTEND/OPEN db/d1/MAINT db/BACKEND/DOWN"
	if strings.Join(got, " ") != want {
		t.Fatalf("rows:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	cell := func(i int, c stats.Col) string { return rows[i].Get(c).String() }
	checks := []struct {
		name string
		row  int
		col  stats.Col
		want string
	}{
		{name: "fe scur", row: 0, col: stats.FSCur, want: "1"},
		{name: "fe stot", row: 0, col: stats.FSTot, want: "1"},
		{name: "fe type", row: 0, col: stats.FType, want: "0"},
		{name: "fe iid", row: 0, col: stats.FIID, want: "1"},
		{name: "be iid", row: 3, col: stats.FIID, want: "2"},
		{name: "srv slim", row: 1, col: stats.FSLim, want: "10"},
		{name: "srv sid", row: 2, col: stats.FSID, want: "2"},
		{name: "srv bck", row: 2, col: stats.FBck, want: "1"},
		{name: "be act", row: 3, col: stats.FAct, want: "1"},
		{name: "be bck", row: 3, col: stats.FBck, want: "1"},
		{name: "be algo", row: 3, col: stats.FAlgo, want: "leastconn"},
		{name: "be 4xx", row: 3, col: stats.FHRsp4xx, want: "1"},
		{name: "tcp no hrsp", row: 6, col: stats.FHRsp2xx, want: ""},
		{name: "srv addr", row: 1, col: stats.FAddr, want: "127.0.0.1:1"},
		{name: "srv type", row: 1, col: stats.FType, want: "2"},
		{name: "tcp mode", row: 6, col: stats.FMode, want: "tcp"},
	}
	for _, tc := range checks {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if g := cell(tc.row, tc.col); g != tc.want {
				t.Errorf("%s = %q, want %q", stats.ColNames[tc.col], g, tc.want)
			}
		})
	}
}

// TestStatsSurviveReload checks that counters are kept by name across a
// reload, as HAProxy keeps them across a seamless reload with
// server-state.
func TestStatsSurviveReload(t *testing.T) {
	t.Parallel()
	e := applied(t, statsCfg)
	e.Active().Backends["app"].Counters.AddRequest(1)
	st, _ := e.Registry().Lookup("app", "s1")
	st.Counters.AddStatus(200)
	reload(t, e, statsCfg+"backend extra\n    server x 127.0.0.1:4\n")
	for _, r := range e.Stats() {
		switch r.Proxy() + "/" + r.Name() {
		case "app/BACKEND":
			if r.Get(stats.FReqTot).N() != 1 {
				t.Errorf("app req_tot = %v after reload", r.Get(stats.FReqTot))
			}
		case "app/s1":
			if r.Get(stats.FHRsp2xx).N() != 1 {
				t.Errorf("s1 hrsp_2xx = %v after reload", r.Get(stats.FHRsp2xx))
			}
		}
	}
}

// BenchmarkPrometheusScrape1000Servers is one Prometheus scrape of a
// configuration with a backend of 1,000 servers: collecting the rows from
// the live counters, then encoding them.
func BenchmarkPrometheusScrape1000Servers(b *testing.B) {
	var cfg strings.Builder
	cfg.WriteString("defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\nfrontend web\n    bind 127.0.0.1:8080\n    default_backend app\nbackend app\n")
	for i := range 1000 {
		fmt.Fprintf(&cfg, "    server s%d 10.0.%d.%d:80\n", i, i/250, i%250+1)
	}
	e := New(Options{})
	b.Cleanup(e.Close)
	reload(b, e, cfg.String())
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := stats.WritePrometheus(&buf, "dev", e.Info(), e.Stats(), stats.PromOptions{Scopes: stats.ScopeAll}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(buf.Len()), "bytes/scrape")
}

// TestStatsListeners checks the listener rows of "option socket-stats":
// after the FRONTEND row, one per bind, named by "name" or sock-<n>.
func TestStatsListeners(t *testing.T) {
	t.Parallel()
	e := applied(t, `
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend web
    option socket-stats
    bind 127.0.0.1:8080
    bind 127.0.0.1:8081 name public maxconn 7
    default_backend app
frontend other
    bind 127.0.0.1:8082
    default_backend app
backend app
    server s1 127.0.0.1:1
`)
	var got []string
	for _, r := range e.Stats() {
		got = append(got, r.Proxy()+"/"+r.Name()+"/"+r.Get(stats.FType).String()+"/"+r.Get(stats.FSID).String()+"/"+r.Get(stats.FSLim).String())
	}
	want := "web/FRONTEND/0/0/ web/sock-1/3/1/ web/public/3/2/7 other/FRONTEND/0/0/ app/s1/2/1/ app/BACKEND/1/0/"
	if strings.Join(got, " ") != want {
		t.Fatalf("rows:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestStatsCheckedServerStatus checks the status column of servers with
// health checks, as HAProxy writes it: going down ("UP 1/3") until fully
// up, going up ("DOWN 1/2") until up.
func TestStatsCheckedServerStatus(t *testing.T) {
	t.Parallel()
	e := applied(t, `
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
backend app
    server fresh 127.0.0.1:1 check
    server full 127.0.0.1:2 check
    server rising 127.0.0.1:3 check
`)
	set := func(name string, health int, up bool) {
		st, _ := e.Registry().Lookup("app", name)
		st.WithCheck(func(cs *server.CheckState) { cs.Configured, cs.Health = true, health })
		st.SetUp(up)
	}
	set("full", 4, true)
	set("rising", 1, false)
	var got []string
	for _, r := range e.Stats() {
		got = append(got, r.Name()+"="+r.Get(stats.FStatus).String())
	}
	want := "fresh=UP 1/3 full=UP rising=DOWN 1/2 BACKEND=UP"
	if strings.Join(got, " ") != want {
		t.Fatalf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestStatsSessionLimits checks the slim cells against HAProxy 2.6 on the
// same configuration: a frontend's maxconn, else the global one; a
// backend's fullconn, else a tenth of the maxconn of the frontends that
// name it (a listen section names itself), at least 1; empty without any
// limit.
func TestStatsSessionLimits(t *testing.T) {
	t.Parallel()
	const body = `
defaults
    mode tcp
frontend fe
    bind 127.0.0.1:19301
    default_backend be
frontend fe3
    bind 127.0.0.1:19302
    maxconn 300
    use_backend other if { src 10.0.0.1 }
    use_backend other if { src 10.0.0.2 }
    default_backend other
listen lst
    bind 127.0.0.1:19303
    maxconn 50
    server l1 127.0.0.1:1
backend be
    server s1 127.0.0.1:1
backend other
    server s2 127.0.0.1:1
backend unused
    server s3 127.0.0.1:1
backend pinned
    fullconn 77
    server s4 127.0.0.1:1
`
	tests := []struct {
		name, global string
		want         map[string]string
	}{
		{name: "global maxconn", global: "global\n    maxconn 2000\n", want: map[string]string{
			"fe/FRONTEND": "2000", "fe3/FRONTEND": "300", "lst/FRONTEND": "50",
			"be/BACKEND": "200", "other/BACKEND": "30", "lst/BACKEND": "5", "unused/BACKEND": "1", "pinned/BACKEND": "77"}},
		{name: "no global maxconn", want: map[string]string{
			"fe/FRONTEND": "", "fe3/FRONTEND": "300", "lst/FRONTEND": "50",
			"be/BACKEND": "", "other/BACKEND": "30", "lst/BACKEND": "5", "unused/BACKEND": "1", "pinned/BACKEND": "77"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := applied(t, tc.global+body)
			got := map[string]string{}
			for _, r := range e.Stats() {
				if r.Type == stats.TypeFrontend || r.Type == stats.TypeBackend {
					got[r.Proxy()+"/"+r.Name()] = r.Get(stats.FSLim).String()
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("slim (-want +got):\n%s", diff)
			}
		})
	}
}
