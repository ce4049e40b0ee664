package l7_test

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/l4"
	"github.com/hawser-lb/hawser/internal/l7"
	"github.com/hawser-lb/hawser/internal/stats"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// startStatsProxy runs cfg in process, binding every frontend on a free
// port, and returns the engine and the first frontend's address.
func startStatsProxy(t *testing.T, cfg string) (*engine.Engine, string) {
	t.Helper()
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	snap := loaded.Clone()
	for _, fe := range snap.Frontends {
		for _, b := range fe.Binds {
			b.Address = "127.0.0.1:0"
		}
	}
	log := slog.New(slog.DiscardHandler)
	h := l7.NewHandler(log)
	eng := engine.New(engine.Options{HTTP: h, TCP: l4.NewHandler(), Log: log})
	if err := eng.Apply(snap); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		eng.Close()
		h.Close()
	})
	return eng, eng.ListenerAddr(snap.Frontends[0].Binds[0]).String()
}

// row returns the stats row proxy/name.
func row(t *testing.T, rows []stats.Row, proxy, name string) *stats.Row {
	t.Helper()
	for i := range rows {
		if rows[i].Proxy() == proxy && rows[i].Name() == name {
			return &rows[i]
		}
	}
	t.Fatalf("no stats row %s/%s", proxy, name)
	return nil
}

// TestStatsUnderConcurrentLoad sends requests from several keep-alive
// clients at once and checks that the counters add up.
func TestStatsUnderConcurrentLoad(t *testing.T) {
	t.Parallel()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, "hello")
	}))
	t.Cleanup(backend.Close)
	addr := strings.TrimPrefix(backend.URL, "http://")
	eng, fe := startStatsProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend web
    bind 127.0.0.1:8080
    http-request deny if { path /deny }
    default_backend app
backend app
    server s1 %s
    server s2 %s
`, addr, addr))

	const clients, perClient = 8, 25 // each client: 15 x 200, 5 x 404, 5 x 403
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			cl := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			defer cl.CloseIdleConnections()
			for i := range perClient {
				path := "/ok"
				switch i % 5 {
				case 1:
					path = "/missing"
				case 2:
					path = "/deny"
				}
				resp, err := cl.Get("http://" + fe + path)
				if err != nil {
					t.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()

	const total = clients * perClient
	const denied = total / 5
	const forwarded = total - denied
	// The last request of each client is accounted just after its
	// response is written, counter by counter: wait until they settle.
	type check struct {
		name      string
		got, want int64
	}
	var checks []check
	settled := func() bool {
		rows := eng.Stats()
		fer, ber := row(t, rows, "web", "FRONTEND"), row(t, rows, "app", "BACKEND")
		s1, s2 := row(t, rows, "app", "s1"), row(t, rows, "app", "s2")
		n := func(r *stats.Row, c stats.Col) int64 { return r.Get(c).N() }
		checks = []check{
			{name: "fe req_tot", got: n(fer, stats.FReqTot), want: total},
			{name: "fe hrsp_2xx", got: n(fer, stats.FHRsp2xx), want: forwarded * 3 / 4},
			{name: "fe hrsp_4xx", got: n(fer, stats.FHRsp4xx), want: forwarded/4 + denied},
			{name: "fe dreq", got: n(fer, stats.FDReq), want: denied},
			{name: "fe stot", got: n(fer, stats.FSTot), want: clients},
			{name: "fe conn_tot", got: n(fer, stats.FConnTot), want: clients},
			{name: "be req_tot", got: n(ber, stats.FReqTot), want: forwarded},
			{name: "be stot", got: n(ber, stats.FSTot), want: forwarded},
			{name: "be hrsp_2xx", got: n(ber, stats.FHRsp2xx), want: forwarded * 3 / 4},
			{name: "be hrsp_4xx", got: n(ber, stats.FHRsp4xx), want: forwarded / 4},
			{name: "be scur", got: n(ber, stats.FSCur), want: 0},
			{name: "servers stot", got: n(s1, stats.FSTot) + n(s2, stats.FSTot), want: forwarded},
			{name: "servers lbtot", got: n(s1, stats.FLBTot) + n(s2, stats.FLBTot), want: forwarded},
			{name: "servers hrsp_2xx", got: n(s1, stats.FHRsp2xx) + n(s2, stats.FHRsp2xx), want: forwarded * 3 / 4},
			{name: "be bytes out = servers", got: n(ber, stats.FBOut), want: n(s1, stats.FBOut) + n(s2, stats.FBOut)},
		}
		for _, c := range checks {
			if c.got != c.want {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(5 * time.Second)
	for !settled() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	rows := eng.Stats()
	fer, ber := row(t, rows, "web", "FRONTEND"), row(t, rows, "app", "BACKEND")
	s1, s2 := row(t, rows, "app", "s1"), row(t, rows, "app", "s2")
	n := func(r *stats.Row, c stats.Col) int64 { return r.Get(c).N() }
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	// Every forwarded request used a server connection, new or reused. A
	// request sent on a pooled connection that the server had just closed
	// is resent on a new one and so counts a reuse and a connect: the sum
	// can exceed the number of requests, never fall short of it.
	if used := n(s1, stats.FConnect) + n(s2, stats.FConnect) + n(s1, stats.FReuse) + n(s2, stats.FReuse); used < forwarded {
		t.Errorf("servers connect+reuse = %d, want at least %d", used, forwarded)
	}
	if n(fer, stats.FBIn) == 0 || n(fer, stats.FBOut) <= n(ber, stats.FBOut) {
		t.Errorf("fe bytes in/out = %d/%d, be out %d", n(fer, stats.FBIn), n(fer, stats.FBOut), n(ber, stats.FBOut))
	}
}

// TestStatsLogASAP checks that option logasap, which logs before the
// response body is sent, still counts each request once, with all its
// bytes.
func TestStatsLogASAP(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("x", 100000)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, body)
	}))
	t.Cleanup(backend.Close)
	eng, fe := startStatsProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend web
    bind 127.0.0.1:8080
    option logasap
    default_backend app
backend app
    server s1 %s
`, strings.TrimPrefix(backend.URL, "http://")))
	cl := &http.Client{}
	defer cl.CloseIdleConnections()
	for range 3 {
		resp, err := cl.Get("http://" + fe + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	lbtest.WaitUntil(t, "every request accounted", 5*time.Second, func() bool {
		return row(t, eng.Stats(), "app", "BACKEND").Get(stats.FReqTot).N() == 3
	})
	rows := eng.Stats()
	fer, ber := row(t, rows, "web", "FRONTEND"), row(t, rows, "app", "BACKEND")
	if n := fer.Get(stats.FReqTot).N(); n != 3 {
		t.Errorf("fe req_tot = %d, want 3", n)
	}
	if out := ber.Get(stats.FBOut).N(); out < 3*int64(len(body)) || out != fer.Get(stats.FBOut).N() {
		t.Errorf("bytes out: be %d, fe %d, want both >= %d and equal", out, fer.Get(stats.FBOut).N(), 3*len(body))
	}
}
