package e2e

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// bodyCfg has a frontend that waits with wait-for-body and one with
// option http-buffer-request; both deny bodies that mention "attack" and
// tell the server what req.body_param and the sizes saw.
const bodyCfg = `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout http-request 10s

frontend waitfor
    bind ${waitfor}
    http-request wait-for-body time 5s
    http-request deny if { req.body -m sub attack }
    http-request set-header x-user %[req.body_param(user)]
    http-request set-header x-len %[req.body_len]/%[req.body_size]
    default_backend app

frontend buffered
    bind ${buffered}
    option http-buffer-request
    http-request deny if { req.body -m sub attack }
    http-request set-header x-user %[req.body_param(user)]
    default_backend app

backend app
    server s1 ${app}
`

// post sends body to url, chunked when chunked is set (a reader of
// unknown length), and returns the status and response body.
func post(t *testing.T, proto lbtest.Proto, url, body string, chunked bool) (int, string) {
	t.Helper()
	var r io.Reader = strings.NewReader(body)
	if chunked {
		// Hides the length: an HTTP/1.1 client chunks, an HTTP/2 one
		// sends no content-length (hawser chunks it for the server).
		r = io.MultiReader(r)
	}
	resp, err := lbtest.ProtoClient(proto, false).Post(url, "application/x-www-form-urlencoded", r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A req.body ACL sees the buffered body, length-delimited or chunked,
// and a body the rules let through reaches the server unchanged.
func TestRequestBodyRules(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "app")
		p := lbtest.Start(t, bodyCfg, vars)
		for _, fe := range []string{"waitfor", "buffered"} {
			for _, chunked := range []bool{false, true} {
				if st, _ := post(t, proto, p.URL(fe, "/echo"), "id=1&x=attack", chunked); st != 403 {
					t.Errorf("%s chunked=%v: attack body got %d, want 403", fe, chunked, st)
				}
				st, got := post(t, proto, p.URL(fe, "/echo"), "id=1&user=bob", chunked)
				if st != 200 || got != "id=1&user=bob" {
					t.Errorf("%s chunked=%v: got %d %q, want 200 and the body echoed", fe, chunked, st, got)
				}
				r, _ := bs["app"].LastRequest()
				if u := r.Header.Get("x-user"); u != "bob" {
					t.Errorf("%s chunked=%v: req.body_param(user) = %q, want bob", fe, chunked, u)
				}
				if chunked && (len(r.TransferEncoding) == 0 || r.TransferEncoding[0] != "chunked") {
					t.Errorf("%s: chunked body reached the server as %v", fe, r.TransferEncoding)
				}
			}
		}
		post(t, proto, p.URL("waitfor", "/echo"), "user=al", false)
		if r, _ := bs["app"].LastRequest(); r.Header.Get("x-len") != "7/7" {
			t.Errorf("req.body_len/req.body_size = %q, want 7/7", r.Header.Get("x-len"))
		}
	})
}

// A body larger than the buffer is inspected as far as it fits and then
// forwarded whole.
func TestRequestBodyLargerThanBuffer(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "app")
		p := lbtest.Start(t, bodyCfg, vars)
		big := "user=bob&pad=" + strings.Repeat("0123456789", 20000)
		for _, chunked := range []bool{false, true} {
			st, got := post(t, proto, p.URL("waitfor", "/echo"), big, chunked)
			if st != 200 || got != big {
				t.Errorf("chunked=%v: got %d and %d bytes, want 200 and %d bytes intact", chunked, st, len(got), len(big))
			}
			r, body := bs["app"].LastRequest()
			if !bytes.Equal(body, []byte(big)) {
				t.Errorf("chunked=%v: the server got %d bytes, want %d", chunked, len(body), len(big))
			}
			if u := r.Header.Get("x-user"); u != "bob" {
				t.Errorf("chunked=%v: req.body_param(user) = %q, want bob", chunked, u)
			}
		}
		// The attack beyond the buffer is not seen, as in HAProxy.
		if st, _ := post(t, proto, p.URL("waitfor", "/echo"), big+"&x=attack", false); st != 200 {
			t.Errorf("attack beyond the buffer got %d, want 200", st)
		}
	})
}

// A tarpitted client that hangs up ends the tarpit at once, logged CT.
func TestTarpitClientAbort(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, `
global
    log stdout format raw local0

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    timeout tarpit 1h

frontend fe
    bind ${fe}
    log-format "tarpit %{+Q}r %ts %ST"
    http-request tarpit
    default_backend app
backend app
    server s1 ${app}
`, vars)
	c, err := net.Dial("tcp", p.Addr("fe"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(c, "GET /held HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	// Closing right after the request: the tarpit holds it for an hour
	// unless it notices the hang-up, and the log line comes at its end.
	c.Close()
	p.WaitLog(t, `"GET /held HTTP/1.1" CT 500`, 10*time.Second)
}
