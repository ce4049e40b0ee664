package e2e

import (
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// fire sends a GET in the background and delivers its result.
func fire(url string, wg *sync.WaitGroup) <-chan lbtest.Response {
	ch := make(chan lbtest.Response, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		r, err := lbtest.DoErr(lbtest.NewClient(false), http.MethodGet, url)
		if err != nil {
			r.Status, r.Body = -1, err.Error()
		}
		ch <- r
	}()
	return ch
}

// recv waits for a background response.
func recv(t *testing.T, ch <-chan lbtest.Response) lbtest.Response {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(20 * time.Second):
		t.Fatal("no response")
		return lbtest.Response{}
	}
}

func TestMaxconnQueue(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "serial", "qtmo", "qfull")
	p := lbtest.Start(t, httpDefaults+`
frontend fe_serial
    bind ${fe_serial}
    default_backend serial
frontend fe_qtmo
    bind ${fe_qtmo}
    default_backend qtmo
frontend fe_qfull
    bind ${fe_qfull}
    default_backend qfull

backend serial
    server serial ${serial} maxconn 1
backend qtmo
    timeout queue 200ms
    server qtmo ${qtmo} maxconn 1
backend qfull
    timeout queue 30s
    server qfull ${qfull} maxconn 1 maxqueue 1
`, vars)

	t.Run("one at a time", func(t *testing.T) {
		t.Parallel()
		b := bs["serial"]
		b.Hold()
		var wg sync.WaitGroup
		defer wg.Wait()
		var chs []<-chan lbtest.Response
		for range 5 {
			chs = append(chs, fire(p.URL("fe_serial", "/"), &wg))
		}
		b.WaitEntered(t, 1, 10*time.Second)
		b.Release()
		for _, ch := range chs {
			if r := recv(t, ch); r.Status != http.StatusOK {
				t.Errorf("got %d %q, want 200", r.Status, r.Body)
			}
		}
		if got := b.MaxConcurrent(); got != 1 {
			t.Errorf("backend saw %d concurrent requests, want 1", got)
		}
	})

	t.Run("timeout queue", func(t *testing.T) {
		t.Parallel()
		b := bs["qtmo"]
		b.Hold()
		var wg sync.WaitGroup
		defer wg.Wait()
		held := fire(p.URL("fe_qtmo", "/"), &wg)
		b.WaitEntered(t, 1, 10*time.Second)
		r := recv(t, fire(p.URL("fe_qtmo", "/"), &wg))
		if r.Status != http.StatusServiceUnavailable || r.Body != body503 {
			t.Errorf("queued request: got %d %q, want 503 page", r.Status, r.Body)
		}
		b.Release()
		if r := recv(t, held); r.Status != http.StatusOK {
			t.Errorf("held request: got %d", r.Status)
		}
	})

	t.Run("maxqueue", func(t *testing.T) {
		t.Parallel()
		b := bs["qfull"]
		b.Hold()
		var wg sync.WaitGroup
		defer wg.Wait()
		held := fire(p.URL("fe_qfull", "/"), &wg)
		b.WaitEntered(t, 1, 10*time.Second)
		// One of two more requests is queued, the other finds the queue
		// full and is refused at once.
		a, c := fire(p.URL("fe_qfull", "/"), &wg), fire(p.URL("fe_qfull", "/"), &wg)
		var refused lbtest.Response
		var queued <-chan lbtest.Response
		select {
		case refused = <-a:
			queued = c
		case refused = <-c:
			queued = a
		case <-time.After(20 * time.Second):
			t.Fatal("no request refused with a full queue")
		}
		if refused.Status != http.StatusServiceUnavailable || refused.Body != body503 {
			t.Errorf("refused request: got %d %q, want 503 page", refused.Status, refused.Body)
		}
		b.Release()
		for _, ch := range []<-chan lbtest.Response{held, queued} {
			if r := recv(t, ch); r.Status != http.StatusOK {
				t.Errorf("got %d %q, want 200", r.Status, r.Body)
			}
		}
	})
}

// A frontend's maxconn pauses accepting: the second client connection is
// served only once the first one has closed.
func TestFrontendMaxconn(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    maxconn 1
    option httpclose
    default_backend app
backend app
    server s ${app}
`, vars)
	b := bs["app"]
	b.Hold()
	var wg sync.WaitGroup
	defer wg.Wait()
	var chs []<-chan lbtest.Response
	for range 3 {
		chs = append(chs, fire(p.URL("fe", "/"), &wg))
	}
	b.WaitEntered(t, 1, 10*time.Second)
	// Give the other two connections time to get through if the limit
	// did not hold them back (a window for a violation, not a timing
	// assertion).
	time.Sleep(200 * time.Millisecond)
	if got := b.Requests.Load(); got != 1 {
		t.Errorf("%d requests reached the backend while one connection was open, want 1", got)
	}
	b.Release()
	for _, ch := range chs {
		if r := recv(t, ch); r.Status != http.StatusOK {
			t.Errorf("got %d %q, want 200", r.Status, r.Body)
		}
	}
}

// A request that persistence sends to a full server waits in that
// server's queue: the server row's qcur (and haproxy_server_current_queue)
// counts it, the backend's does not, as in HAProxy; both go back to 0.
func TestServerQueueStats(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "pinned")
	p := lbtest.Start(t, httpDefaults+`
frontend prom
    bind ${prom}
    http-request use-service prometheus-exporter
frontend fe
    bind ${fe}
    default_backend app
backend app
    use-server pinned if { path_beg /pinned }
    server pinned ${pinned} maxconn 1
`, vars)
	series := func() (srv, be string) {
		body := lbtest.Get(t, p.URL("prom", "/metrics?metrics=haproxy_server_current_queue,haproxy_backend_current_queue,haproxy_server_max_queue")).Body
		s := regexp.MustCompile(`haproxy_server_current_queue\{proxy="app",server="pinned"\} (\d+)`).FindStringSubmatch(body)
		b := regexp.MustCompile(`haproxy_backend_current_queue\{proxy="app"\} (\d+)`).FindStringSubmatch(body)
		if s == nil || b == nil {
			t.Fatalf("queue series missing:\n%s", body)
		}
		return s[1], b[1]
	}
	b := bs["pinned"]
	b.Hold()
	var wg sync.WaitGroup
	defer wg.Wait()
	held := fire(p.URL("fe", "/pinned/1"), &wg)
	b.WaitEntered(t, 1, 10*time.Second)
	queued := fire(p.URL("fe", "/pinned/2"), &wg)
	lbtest.WaitUntil(t, "the server queue", 10*time.Second, func() bool {
		s, be := series()
		return s == "1" && be == "0"
	})
	b.Release()
	for _, ch := range []<-chan lbtest.Response{held, queued} {
		if r := recv(t, ch); r.Status != http.StatusOK {
			t.Errorf("got %d, want 200", r.Status)
		}
	}
	if s, be := series(); s != "0" || be != "0" {
		t.Errorf("after: server queue %s, backend queue %s, want 0 and 0", s, be)
	}
	if body := lbtest.Get(t, p.URL("prom", "/metrics?metrics=haproxy_server_max_queue")).Body; !strings.Contains(body, `haproxy_server_max_queue{proxy="app",server="pinned"} 1`) {
		t.Errorf("server max_queue:\n%s", body)
	}
}
