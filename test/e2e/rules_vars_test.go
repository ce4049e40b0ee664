package e2e

import (
	"bufio"
	"io"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestVarScopesHTTP checks variable lifetimes in mode http: tcp-request
// rules and http rules share the session's variables, "sess" lasts as
// long as the client connection, "txn" one request, and "proc" is shared
// by every connection and kept across a reload.
func TestVarScopesHTTP(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	cfg := httpDefaults + `
frontend fe
    bind ${fe}
    tcp-request connection set-var(sess.port) src_port
    tcp-request content set-var(txn.first) req.hdr(x-first)
    tcp-request content reject if { path /reject }
    http-request set-var(sess.seen) req.hdr(x-seen) if { req.hdr(x-seen) -m found }
    http-request set-var(proc.last) req.hdr(x-proc) if { req.hdr(x-proc) -m found }
    http-response set-header X-Port %[var(sess.port)]
    http-response set-header X-Txn %[var(txn.first)]
    http-response set-header X-Sess %[var(sess.seen)]
    http-response set-header X-Proc %[var(proc.last)]
    default_backend app

backend app
    server app ${app}
`
	p := lbtest.Start(t, cfg, vars)

	c := lbtest.DialConn(t, p.Addr("fe"))
	port := strconv.Itoa(c.LocalAddr().(*net.TCPAddr).Port)
	r, _ := c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\nX-First: one\r\nX-Seen: a\r\nX-Proc: p1\r\n\r\n")
	if got := [...]string{r.Header.Get("X-Port"), r.Header.Get("X-Txn"), r.Header.Get("X-Sess"), r.Header.Get("X-Proc")}; got != [...]string{port, "one", "a", "p1"} {
		t.Fatalf("first request: port, txn, sess, proc = %q, want [%s one a p1]", got, port)
	}
	r, _ = c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	if got := [...]string{r.Header.Get("X-Port"), r.Header.Get("X-Txn"), r.Header.Get("X-Sess")}; got != [...]string{port, "-", "a"} {
		t.Errorf("second request on the connection: port, txn, sess = %q, want [%s - a]", got, port)
	}

	r2 := lbtest.Get(t, p.URL("fe", "/"))
	if s, pr := r2.Header.Get("X-Sess"), r2.Header.Get("X-Proc"); s != "-" || pr != "p1" {
		t.Errorf("new connection: sess %q proc %q, want - and p1", s, pr)
	}

	if !p.Reload(t) {
		t.Fatal("reload rejected")
	}
	// The connection opened before the reload may still answer from
	// the old generation: ask on fresh ones until the new one serves.
	lbtest.WaitUntil(t, "proc variable after reload", 10*time.Second, func() bool {
		return lbtest.Get(t, p.URL("fe", "/")).Header.Get("X-Proc") == "p1"
	})

	t.Run("content reject closes", func(t *testing.T) {
		c := lbtest.Dial(t, p.Addr("fe"))
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "GET /reject HTTP/1.1\r\nHost: x\r\n\r\n")
		if line, err := bufio.NewReader(c).ReadString('\n'); err == nil {
			t.Errorf("got %q, want the connection closed", line)
		}
	})
}

// TestRateLimitSessionTracked is the rate limit recipe with the counter
// tracked at connection time: "tcp-request connection track-sc0 src" and
// http-request rules reading sc0_http_req_rate. Each request of a
// keep-alive connection counts, 404 answers count as errors and the bytes
// sent count too.
func TestRateLimitSessionTracked(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	_ = bs
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    stick-table type ip size 100k expire 30s store http_req_rate(10s),http_err_rate(10s),bytes_out_rate(10s)
    tcp-request connection track-sc0 src
    http-request deny deny_status 429 if { sc0_http_req_rate gt 3 }
    http-response set-header X-Err %[sc0_http_err_rate]
    http-response set-header X-Out %[sc0_bytes_out_rate]
    default_backend app

backend app
    http-request return status 404 if { path /missing }
    server app ${app}
`, vars)
	// From 127.0.0.4, so that Start's readiness probes do not count.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.4")}, Timeout: 10 * time.Second}
	nc, err := d.Dial("tcp", p.Addr("fe"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	c := &lbtest.Conn{TCPConn: nc.(*net.TCPConn), R: bufio.NewReader(nc)}
	var got []int
	var errs, outs []string
	for _, path := range []string{"/", "/missing", "/", "/", "/"} {
		r, _ := c.RoundTrip(t, "GET", "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n")
		got = append(got, r.StatusCode)
		errs = append(errs, r.Header.Get("X-Err"))
		outs = append(outs, r.Header.Get("X-Out"))
	}
	want := []int{200, 404, 200, 429, 429}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("statuses %v, want %v", got, want)
		}
	}
	// The 404 counts once it is answered: the next response sees it.
	if errs[2] != "1" {
		t.Errorf("sc0_http_err_rate after a 404 = %q, want 1 (all: %q)", errs[2], errs)
	}
	// The first response is not counted yet when its own rules run; the
	// two before the third one are.
	if n, err := strconv.Atoi(outs[2]); outs[0] != "0" || err != nil || n < 100 {
		t.Errorf("sc0_bytes_out_rate = %q, want 0 then at least two responses' bytes", outs)
	}
}

// TestSocketFetches: so_id numbers a frontend's listeners as HAProxy does
// (the "id" option, else the lowest free id in order) and so_name gives a
// listener's "name".
func TestSocketFetches(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, lbtest.ClearOnly+httpDefaults+`
frontend fe
    bind ${one} id 1
    bind ${two}
    bind ${three} id 7 name web
    http-request return status 200 hdr X-So "%[so_id]/%[so_name]"

backend app
    server app ${app}
`, vars)
	tests := []struct{ name, bind, want string }{
		{name: "explicit id", bind: "one", want: "1/-"},
		{name: "next free id", bind: "two", want: "2/-"},
		{name: "id and name", bind: "three", want: "7/web"},
	}
	for _, proto := range lbtest.ClearProtos {
		for _, tc := range tests {
			t.Run(string(proto)+"/"+tc.name, func(t *testing.T) {
				t.Parallel()
				if got := lbtest.GetProto(t, proto, p.URL(tc.bind, "/")).Header.Get("X-So"); got != tc.want {
					t.Errorf("so_id/so_name = %q, want %q", got, tc.want)
				}
			})
		}
	}
}
