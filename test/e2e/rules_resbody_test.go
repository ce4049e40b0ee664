package e2e

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestResponseWaitForBody: after "http-response wait-for-body" the
// response rules see the body (res.body, res.body_len, res.body_size),
// length-delimited or chunked, and a body they let through reaches the
// client unchanged.
func TestResponseWaitForBody(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    http-response wait-for-body time 5s
    http-response deny if { res.body -m sub secret }
    http-response set-header X-Body-Len %[res.body_len]/%[res.body_size]
    http-response set-header X-Body-Start %[res.body,bytes(0,7)]
    server app ${app}
`, vars)
	tests := []struct {
		name, path, body string
		status           int
		bodyLen, start   string
		want             string
	}{
		{name: "content-length", path: "/echo", body: "hello world", status: 200, bodyLen: "11/11", start: "hello w", want: "hello world"},
		{name: "denied", path: "/echo", body: "a secret", status: 502},
		{name: "chunked", path: "/chunked", status: 200, bodyLen: "30/30", start: "app-par", want: "app-part0;app-part1;app-part2;"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st, got, hdr := postHdr(t, p.URL("fe", tc.path), tc.body)
			if st != tc.status {
				t.Fatalf("status %d, want %d", st, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got != tc.want {
				t.Errorf("body %q, want %q", got, tc.want)
			}
			if l := hdr.Get("X-Body-Len"); l != tc.bodyLen {
				t.Errorf("res.body_len/res.body_size = %q, want %q", l, tc.bodyLen)
			}
			if s := hdr.Get("X-Body-Start"); s != tc.start {
				t.Errorf("res.body start = %q, want %q", s, tc.start)
			}
		})
	}
}

// postHdr posts body to url and returns the status, body and headers.
func postHdr(t *testing.T, url, body string) (int, string, http.Header) {
	t.Helper()
	resp, err := lbtest.NewClient(false).Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}

// TestWaitForBodyTimeout: when wait-for-body's time runs out before the
// body is complete, HAProxy answers 408 to a request (also for option
// http-buffer-request and its "timeout http-request") and replaces a
// response with a 504, logged "cD" and "sD".
func TestWaitForBodyTimeout(t *testing.T) {
	t.Parallel()
	// slow answers a head announcing 100 bytes, sends 5 and stalls.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
			go func() {
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nhello")
			}()
		}
	}()
	_, vars := backends(t, "app")
	vars["slow"] = ln.Addr().String()
	p := lbtest.Start(t, `
global
    log stdout format raw local0

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend req
    bind ${req}
    log-format "wfb %{+Q}r %ts %ST"
    http-request wait-for-body time 100ms
    default_backend app

frontend buffered
    bind ${buffered}
    log-format "wfb %{+Q}r %ts %ST"
    timeout http-request 100ms
    option http-buffer-request
    default_backend app

frontend res
    bind ${res}
    log-format "wfb %{+Q}r %ts %ST"
    default_backend slow

backend app
    server app ${app}

backend slow
    http-response wait-for-body time 100ms
    server slow ${slow}
`, vars)
	for _, fe := range []string{"req", "buffered"} {
		got := lbtest.Raw(t, p.Addr(fe), "POST /"+fe+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhello", 10*time.Second)
		if !strings.HasPrefix(got, "HTTP/1.1 408 ") {
			t.Errorf("%s: partial body got %q, want a 408", fe, got)
		}
		p.WaitLog(t, `"POST /`+fe+` HTTP/1.1" cD 408`, 10*time.Second)
	}
	if st, _, _ := postHdr(t, p.URL("res", "/res"), ""); st != 504 {
		t.Errorf("stalled response body: status %d, want 504", st)
	}
	p.WaitLog(t, `"`+lbtest.RunProto().LogRequest("POST", p.Authority("res"), "/res")+`" sD 504`, 10*time.Second)
}
