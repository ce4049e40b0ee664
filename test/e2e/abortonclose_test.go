package e2e

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestAbortOnClose checks "option abortonclose": a client that closes its
// connection while its request waits in the queue, for a server
// connection or for the response head gets its request given up and
// logged with HAProxy's CQ, CC and CH termination states (status -1, no
// server for CQ), while requests whose clients stay are served as usual,
// keep-alive and request bodies included.
func TestAbortOnClose(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	hole, err := lbtest.Blackhole(t)
	if err != nil {
		t.Skip(err)
	}
	vars["hole"] = hole
	pk := newPKI(t)
	vars["crt"], _ = pk.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	proc := lbtest.Start(t, `
global
    log stdout format raw local0
defaults
    mode http
    log global
    option httplog
    timeout connect 20s
    timeout client 30s
    timeout server 30s
    timeout queue 30s
frontend prom
    bind ${prom}
    http-request use-service prometheus-exporter
frontend fe
    bind ${fe}
    bind ${fetls} ssl crt ${crt}
    use_backend hole if { path_beg /hole }
    default_backend app
backend app
    option abortonclose
    server s ${app} maxconn 1
backend hole
    option abortonclose
    server h ${hole}
`, vars)
	addr := proc.Addr("fe")

	// Served as usual: keep-alive GETs and a POST on one connection.
	c := lbtest.NewClient(true)
	for i := range 3 {
		r, err := lbtest.DoErr(c, "GET", proc.URL("fe", fmt.Sprintf("/ok%d", i)))
		if err != nil || r.Status != 200 {
			t.Fatalf("request %d: %v %+v", i, err, r)
		}
	}
	resp, err := c.Post(proc.URL("fe", "/post"), "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST: status %d", resp.StatusCode)
	}
	metric := func(series string) bool {
		return strings.Contains(lbtest.Get(t, proc.URL("prom", "/metrics")).Body, "\n"+series+"\n")
	}

	send := func(path string) net.Conn {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
		return conn
	}

	// CH: the server holds the request; the client leaves.
	bs["app"].Hold()
	held := send("/head")
	bs["app"].WaitEntered(t, 1, 10*time.Second)
	// CQ: the only slot is taken, so this one queues; the client leaves.
	queued := send("/queued")
	lbtest.WaitUntil(t, "a queued request", 10*time.Second, func() bool {
		return metric(`haproxy_backend_current_queue{proxy="app"} 1`)
	})
	queued.Close()
	proc.WaitLog(t, `"GET /queued HTTP/1.1"`, 10*time.Second)
	held.Close()
	proc.WaitLog(t, `"GET /head HTTP/1.1"`, 10*time.Second)
	bs["app"].Release()
	// CH over TLS: the watch sees through the TLS layer to the socket.
	bs["app"].Hold()
	tc, err := tls.Dial("tcp", proc.Addr("fetls"), &tls.Config{RootCAs: tlstest.Pool(pk.ca), ServerName: "site.test"})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(tc, "GET /tlshead HTTP/1.1\r\nHost: x\r\n\r\n")
	bs["app"].WaitEntered(t, 1, 10*time.Second)
	tc.Close()
	proc.WaitLog(t, `"GET /tlshead HTTP/1.1"`, 10*time.Second)
	bs["app"].Release()
	// CC: the connect to the black hole hangs; the client leaves.
	hung := send("/hole")
	lbtest.WaitUntil(t, "a connecting request", 10*time.Second, func() bool {
		return metric(`haproxy_server_current_sessions{proxy="hole",server="h"} 1`)
	})
	hung.Close()
	proc.WaitLog(t, `"GET /hole HTTP/1.1"`, 10*time.Second)

	for _, want := range []string{
		`fe app/<NOSRV> \d+/\d+/-1/-1/\d+ -1 0 - - CQ-- .* "GET /queued HTTP/1.1"`,
		`fe app/s \d+/\d+/\d+/-1/\d+ -1 0 - - CH-- .* "GET /head HTTP/1.1"`,
		`fe hole/h \d+/\d+/-1/-1/\d+ -1 0 - - CC-- .* "GET /hole HTTP/1.1"`,
		lbtest.LogFrontend("fe") + ` app/s \d+/\d+/\d+/\d+/\d+ 200 .* ---- .* "` + regexp.QuoteMeta(lbtest.RunProto().LogRequest("POST", proc.Authority("fe"), "/post")) + `"`,
		`fe~ app/s \d+/\d+/\d+/-1/\d+ -1 0 - - CH-- .* "GET /tlshead HTTP/1.1"`,
	} {
		if !regexp.MustCompile(want).MatchString(proc.Log()) {
			t.Errorf("no log line matches %s in:\n%s", want, proc.Log())
		}
	}
}

// TestAbortOnCloseTCP checks "option abortonclose" in mode tcp: a client
// that leaves while its connection is queued or being connected is logged
// CQ or CC, and a client that stays is relayed as usual.
func TestAbortOnCloseTCP(t *testing.T) {
	t.Parallel()
	echo := lbtest.NewTCPBackend(t, "echo")
	hole, err := lbtest.Blackhole(t)
	if err != nil {
		t.Skip(err)
	}
	vars := lbtest.Vars{"echo": echo.Addr, "hole": hole}
	proc := lbtest.Start(t, `
global
    log stdout format raw local0
defaults
    mode tcp
    log global
    option tcplog
    timeout connect 20s
    timeout client 30s
    timeout server 30s
    timeout queue 30s
frontend prom
    mode http
    bind ${prom}
    http-request use-service prometheus-exporter
frontend fe
    bind ${fe}
    default_backend app
frontend fehole
    bind ${fehole}
    default_backend hole
backend app
    option abortonclose
    server s ${echo} maxconn 1
backend hole
    option abortonclose
    server h ${hole}
`, vars)
	metric := func(series string) bool {
		return strings.Contains(lbtest.Get(t, proc.URL("prom", "/metrics")).Body, "\n"+series+"\n")
	}
	// The first connection holds the only slot and is relayed.
	first, err := net.Dial("tcp", proc.Addr("fe"))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	fmt.Fprint(first, "ping\n")
	first.SetReadDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(first)
	for _, want := range []string{"echo\n", "ping\n"} {
		if got, err := br.ReadString('\n'); got != want {
			t.Fatalf("relay: got %q (%v), want %q", got, err, want)
		}
	}
	queued, err := net.Dial("tcp", proc.Addr("fe"))
	if err != nil {
		t.Fatal(err)
	}
	lbtest.WaitUntil(t, "a queued connection", 10*time.Second, func() bool {
		return metric(`haproxy_backend_current_queue{proxy="app"} 1`)
	})
	// Lines are told apart by the client's address (Start's readiness
	// probes are connections too).
	queuedLine := regexp.MustCompile(regexp.QuoteMeta(queued.LocalAddr().String()) + ` \[[^]]+\] fe app/<NOSRV> \d+/-1/\d+ 0 CQ `)
	queued.Close()
	lbtest.WaitUntil(t, "the CQ line", 10*time.Second, func() bool { return queuedLine.MatchString(proc.Log()) })
	hung, err := net.Dial("tcp", proc.Addr("fehole"))
	if err != nil {
		t.Fatal(err)
	}
	lbtest.WaitUntil(t, "a connecting session", 10*time.Second, func() bool {
		return metric(`haproxy_server_current_sessions{proxy="hole",server="h"} 1`)
	})
	hungLine := regexp.MustCompile(regexp.QuoteMeta(hung.LocalAddr().String()) + ` \[[^]]+\] fehole hole/h \d+/-1/\d+ 0 CC `)
	hung.Close()
	lbtest.WaitUntil(t, "the CC line", 10*time.Second, func() bool { return hungLine.MatchString(proc.Log()) })
	// The first connection is still relayed.
	fmt.Fprint(first, "pong\n")
	if got, err := br.ReadString('\n'); got != "pong\n" {
		t.Fatalf("relay after the aborts: %q %v", got, err)
	}
}
