package e2e

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// retryCase is one backend of TestRetries: s1, tried first ("balance
// first"), fails as first says; s2 is a healthy backend named "s2".
type retryCase struct {
	name  string
	first string // "503", "close", "junk", "stall", "dead" or "ok"
	lines string // backend lines: retry-on, retries, rules
	// raw is the request, sent as is; "" sends a GET.
	raw        string
	wantStatus int
	wantServer string // X-Server of the answer, "" for none
	wantBody   string // when not empty
	// wantEcho is the body s2 must have received.
	wantEcho string
}

func TestRetries(t *testing.T) {
	t.Parallel()
	body := strings.Repeat("0123456789abcdef", 300) // 4800 bytes
	big := strings.Repeat("x", 40000)               // more than tune.bufsize
	post := func(path, b string) string {
		return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n%s", path, len(b), b)
	}
	chunked := "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n7\r\n, world\r\n0\r\n\r\n"
	tests := []retryCase{
		{name: "503 retried on another server", first: "503", lines: "retry-on 503\noption redispatch", wantStatus: 200, wantServer: "s2"},
		{name: "503 not retried by default", first: "503", lines: "option redispatch", wantStatus: 503, wantServer: "s1"},
		{name: "404 in the list", first: "404", lines: "retry-on 404 503\noption redispatch", wantStatus: 200, wantServer: "s2"},
		{name: "empty response", first: "close", lines: "retry-on empty-response\noption redispatch", wantStatus: 200, wantServer: "s2"},
		{name: "empty response not retried by default", first: "close", lines: "option redispatch", wantStatus: 502},
		{name: "junk response", first: "junk", lines: "retry-on junk-response\noption redispatch", wantStatus: 200, wantServer: "s2"},
		{name: "junk response is not an empty one", first: "junk", lines: "retry-on empty-response\noption redispatch", wantStatus: 502},
		{name: "response timeout", first: "stall", lines: "retry-on response-timeout\noption redispatch\ntimeout server 1s", wantStatus: 200, wantServer: "s2"},
		{name: "all-retryable-errors", first: "close", lines: "retry-on all-retryable-errors\noption redispatch", wantStatus: 200, wantServer: "s2"},
		{name: "POST body replayed", first: "close", lines: "retry-on empty-response\noption redispatch", raw: post("/echo", body),
			wantStatus: 200, wantServer: "s2", wantBody: body, wantEcho: body},
		{name: "chunked body replayed", first: "close", lines: "retry-on empty-response\noption redispatch", raw: chunked,
			wantStatus: 200, wantServer: "s2", wantBody: "hello, world", wantEcho: "hello, world"},
		{name: "POST body replayed after 503", first: "503", lines: "retry-on 503\noption redispatch", raw: post("/echo", body),
			wantStatus: 200, wantServer: "s2", wantBody: body, wantEcho: body},
		{name: "body larger than bufsize not retried", first: "close", lines: "retry-on empty-response\noption redispatch", raw: post("/echo", big), wantStatus: 502},
		{name: "disable-l7-retry", first: "503", lines: "retry-on 503\noption redispatch\nhttp-request disable-l7-retry", wantStatus: 503, wantServer: "s1"},
		{name: "disable-l7-retry keeps conn-failure", first: "dead", lines: "retry-on 503 conn-failure\noption redispatch\nhttp-request disable-l7-retry", wantStatus: 200, wantServer: "s2"},
		{name: "set-retries 0", first: "503", lines: "retry-on 503\noption redispatch\nhttp-request set-retries 0", wantStatus: 503, wantServer: "s1"},
		{name: "set-retries from an expression", first: "503", lines: "retries 0\nretry-on 503\noption redispatch\nhttp-request set-retries int(1)", wantStatus: 200, wantServer: "s2"},
		{name: "retries 0", first: "503", lines: "retries 0\nretry-on 503\noption redispatch", wantStatus: 503, wantServer: "s1"},
		{name: "conn-failure redispatched", first: "dead", lines: "option redispatch", wantStatus: 200, wantServer: "s2"},
		{name: "retry-on none", first: "dead", lines: "retry-on none\noption redispatch", wantStatus: 503},
		{name: "without redispatch the same server is retried", first: "503", lines: "retry-on 503\nretries 2", wantStatus: 503, wantServer: "s1"},
	}
	var cfg strings.Builder
	cfg.WriteString(httpDefaults)
	vars := lbtest.Vars{}
	s2s := make([]*lbtest.Backend, len(tests))
	for i, tc := range tests {
		fmt.Fprintf(&cfg, "\nfrontend fe%d\n    bind ${fe%d}\n    default_backend bk%d\n", i, i, i)
		fmt.Fprintf(&cfg, "backend bk%d\n    balance first\n", i)
		for _, l := range strings.Split(tc.lines, "\n") {
			fmt.Fprintf(&cfg, "    %s\n", l)
		}
		var s1 string
		switch tc.first {
		case "close":
			s1 = lbtest.NewFaultyBackend(t, lbtest.FaultClose).Addr
		case "junk":
			s1 = lbtest.NewFaultyBackend(t, lbtest.FaultJunk).Addr
		case "stall":
			s1 = lbtest.NewFaultyBackend(t, lbtest.FaultStall).Addr
		case "dead":
			s1 = lbtest.DeadAddr(t)
		default:
			b := lbtest.NewBackend(t, "s1")
			if tc.first != "ok" {
				var st int
				fmt.Sscan(tc.first, &st)
				b.SetStatus(st)
			}
			s1 = b.Addr
		}
		s2s[i] = lbtest.NewBackend(t, "s2")
		vars[fmt.Sprintf("s1_%d", i)] = s1
		vars[fmt.Sprintf("s2_%d", i)] = s2s[i].Addr
		fmt.Fprintf(&cfg, "    server s1 ${s1_%d}\n    server s2 ${s2_%d}\n", i, i)
	}
	p := lbtest.Start(t, cfg.String(), vars)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := tc.raw
			if raw == "" {
				raw = "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
			}
			c := lbtest.DialConn(t, p.Addr(fmt.Sprintf("fe%d", i)))
			resp, got := c.RoundTrip(t, "GET", raw)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status %d, want %d (body %.100q)", resp.StatusCode, tc.wantStatus, got)
			}
			if srv := resp.Header.Get("X-Server"); srv != tc.wantServer {
				t.Errorf("served by %q, want %q", srv, tc.wantServer)
			}
			if tc.wantBody != "" && got != tc.wantBody {
				t.Errorf("body %d bytes %.40q, want %d bytes", len(got), got, len(tc.wantBody))
			}
			if tc.wantEcho != "" {
				_, echo := s2s[i].LastRequest()
				if string(echo) != tc.wantEcho {
					t.Errorf("s2 received %d bytes %.40q, want %d bytes", len(echo), echo, len(tc.wantEcho))
				}
			}
			if tc.wantStatus == 200 {
				// The connection still serves requests.
				resp, _ := c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
				if resp.StatusCode != 200 {
					t.Errorf("next request: status %d", resp.StatusCode)
				}
			}
		})
	}
}

// The log shows the retries (%rc), with '+' when the request moved to
// another server, and the server that answered.
func TestRetriesInLog(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "s1", "s2")
	bs["s1"].SetStatus(503)
	p := lbtest.Start(t, logDefaults+`
frontend fe
    bind ${fe}
    log-format "retried %ST rc=%rc srv=%s"
    default_backend be
backend be
    balance first
    retry-on 503
    retries 2
    option redispatch
    server s1 ${s1}
    server s2 ${s2}
backend same
    retry-on 503
    retries 2
    server s1 ${s1}
frontend fe2
    bind ${fe2}
    log-format "same %ST rc=%rc srv=%s"
    default_backend same
`, vars)
	if r := lbtest.Get(t, p.URL("fe", "/")); r.Status != 200 {
		t.Fatalf("status %d", r.Status)
	}
	p.WaitLog(t, "retried 200 rc=+1 srv=s2", 5*time.Second)
	if r := lbtest.Get(t, p.URL("fe2", "/")); r.Status != 503 {
		t.Fatalf("status %d", r.Status)
	}
	p.WaitLog(t, "same 503 rc=2 srv=s1", 5*time.Second)
}

// A server killed in the middle of a load run fails no client request:
// requests in flight on it, and those sent to it before anything notices,
// are retried on the other server.
func TestRetriesServerKilledUnderLoad(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "s1", "s2")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    log stdout format raw local0
    option httplog
    default_backend be
backend be
    retry-on conn-failure empty-response response-timeout
    option redispatch
    timeout server 2s
    server s1 ${s1}
    server s2 ${s2}
`, vars)
	const workers, perWorker = 4, 60
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	half := make(chan struct{}, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := lbtest.NewClient(true)
			for i := range perWorker {
				if i == perWorker/2 {
					half <- struct{}{}
				}
				method := http.MethodGet
				if i%2 == 1 {
					method = http.MethodPost
				}
				r, err := lbtest.DoErr(c, method, p.URL("fe", fmt.Sprintf("/w%d/%d", w, i)))
				if err != nil || r.Status != 200 {
					mu.Lock()
					failures = append(failures, fmt.Sprintf("%s #%d: %v status %d", method, i, err, r.Status))
					mu.Unlock()
				}
			}
		}()
	}
	for range workers {
		<-half
	}
	bs["s1"].Stop()
	wg.Wait()
	if len(failures) > 0 {
		var failed []string
		for _, l := range strings.Split(p.Log(), "\n") {
			if !strings.Contains(l, " 200 ") {
				failed = append(failed, l)
			}
		}
		t.Fatalf("%d failed requests, first: %s; log lines not 200:\n%s", len(failures), failures[0], strings.Join(failed, "\n"))
	}
	if bs["s2"].Requests.Load() == 0 {
		t.Fatal("s2 served nothing")
	}
}

// Retries work the same for HTTP/1.1 and HTTP/2 clients, bodies included.
func TestRetriesOverProtos(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "ok", "busy")
	bs["busy"].SetStatus(503)
	vars["gone"] = lbtest.NewFaultyBackend(t, lbtest.FaultClose).Addr
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    use_backend status if { url_param(b) -m str status }
    default_backend empty
backend status
    balance first
    retry-on 503
    option redispatch
    server busy ${busy}
    server ok ${ok}
backend empty
    balance first
    retry-on empty-response
    option redispatch
    server gone ${gone}
    server ok ${ok}
`, vars)
	body := strings.Repeat("replay me ", 500)
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		c := lbtest.ProtoClient(proto, true)
		for _, path := range []string{"/echo?b=status", "/echo"} {
			for _, method := range []string{http.MethodGet, http.MethodPost} {
				var rd io.Reader
				if method == http.MethodPost {
					rd = strings.NewReader(body)
				}
				req, err := http.NewRequest(method, p.URL("fe", path), rd)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				got, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || resp.Header.Get("X-Server") != "ok" {
					t.Fatalf("%s %s: status %d from %q", method, path, resp.StatusCode, resp.Header.Get("X-Server"))
				}
				if method == http.MethodPost && string(got) != body {
					t.Errorf("%s %s: echoed %d bytes, want %d", method, path, len(got), len(body))
				}
			}
		}
	})
}

// A client that waits for "100 Continue" before its body still gets its
// request retried: hawser answers 100 itself, keeps the body and sends
// the request, without Expect, to each server in turn.
func TestRetriesExpectContinue(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "busy", "ok")
	bs["busy"].SetStatus(503)
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend be
backend be
    balance first
    retry-on 503
    option redispatch
    server busy ${busy}
    server ok ${ok}
`, vars)
	c := lbtest.DialConn(t, p.Addr("fe"))
	resp, _ := c.RoundTrip(t, "POST", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
	if resp.StatusCode != 100 {
		t.Fatalf("status %d, want 100 first", resp.StatusCode)
	}
	resp, body := c.RoundTrip(t, "POST", "hello")
	if resp.StatusCode != 200 || body != "hello" || resp.Header.Get("X-Server") != "ok" {
		t.Fatalf("status %d body %q from %q", resp.StatusCode, body, resp.Header.Get("X-Server"))
	}
	if r, _ := bs["ok"].LastRequest(); r.Header.Get("Expect") != "" {
		t.Errorf("server got Expect: %q", r.Header.Get("Expect"))
	}
}

// wretr and wredis in the stats count each retry once, on the backend
// and on the server that failed: wredis when the retry moved to another
// server, wretr when it stayed.
func TestRetriesStats(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "s1", "s2")
	bs["s1"].SetStatus(503)
	p := lbtest.Start(t, httpDefaults+`
listen web
    bind ${fe}
    stats uri /stats
    balance first
    retry-on 503
    option redispatch
    server s1 ${s1}
    server s2 ${s2}
listen same
    bind ${fe2}
    retry-on 503
    retries 2
    server s1 ${s1}
`, vars)
	for range 2 {
		if r := lbtest.Get(t, p.URL("fe", "/")); r.Status != 200 {
			t.Fatalf("web: status %d", r.Status)
		}
	}
	if r := lbtest.Get(t, p.URL("fe2", "/")); r.Status != 503 {
		t.Fatalf("same: status %d", r.Status)
	}
	r := lbtest.Get(t, p.URL("fe", "/stats;csv"))
	var got []string
	for _, l := range strings.Split(r.Body, "\n")[1:] {
		// wretr and wredis are columns 15 and 16 of "show stat".
		if f := strings.Split(l, ","); len(f) > 16 && f[1] != "FRONTEND" {
			got = append(got, fmt.Sprintf("%s/%s=%s,%s", f[0], f[1], f[15], f[16]))
		}
	}
	want := "web/s1=0,2 web/s2=0,0 web/BACKEND=0,2 same/s1=2,0 same/BACKEND=2,0"
	if strings.Join(got, " ") != want {
		t.Fatalf("wretr,wredis: %s\nwant %s", strings.Join(got, " "), want)
	}
}

// Bodyless requests to HTTP/2 servers ("proto h2") are retried on a
// status or a reset stream.
func TestRetriesH2Server(t *testing.T) {
	t.Parallel()
	busy := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Server", "busy")
		w.WriteHeader(503)
	})
	reset := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		panic(http.ErrAbortHandler) // resets the stream
	})
	ok := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Server", "ok")
		io.WriteString(w, "fine")
	})
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    use_backend reset if { path /reset }
    default_backend status
backend status
    balance first
    retry-on 503
    option redispatch
    server busy ${busy} proto h2
    server ok ${ok} proto h2
backend reset
    balance first
    retry-on empty-response
    option redispatch
    server reset ${reset} proto h2
    server ok ${ok} proto h2
`, lbtest.Vars{"busy": busy.addr, "reset": reset.addr, "ok": ok.addr})
	for _, path := range []string{"/", "/reset"} {
		r := lbtest.Get(t, p.URL("fe", path))
		if r.Status != 200 || r.Header.Get("X-Server") != "ok" || r.Body != "fine" {
			t.Errorf("GET %s: status %d from %q body %q", path, r.Status, r.Header.Get("X-Server"), r.Body)
		}
	}
}
