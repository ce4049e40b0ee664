package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// rawWait bounds how long a raw exchange may take.
const rawWait = 10 * time.Second

func TestMalformedRequests(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    server app ${app}
`, vars)

	tests := []struct {
		name string
		raw  string
	}{
		{name: "bad request line", raw: "G@T / HTTP/1.1\r\nHost: x\r\n\r\n"},
		{name: "no version", raw: "GET /\r\n\r\n"},
		{name: "bad header name", raw: "GET / HTTP/1.1\r\nHost: x\r\nX(y): z\r\n\r\n"},
		{name: "space before colon", raw: "GET / HTTP/1.1\r\nHost : x\r\n\r\n"},
		{name: "NUL in header value", raw: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n"},
		{name: "content-length and transfer-encoding", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"},
		{name: "two different content-lengths", raw: "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"},
		{name: "obs-fold", raw: "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"},
		{name: "headers larger than tune.bufsize", raw: "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 20000) + "\r\n\r\n"},
	}
	t.Run("each", func(t *testing.T) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				got := lbtest.Raw(t, p.Addr("fe"), tc.raw, rawWait)
				if !strings.HasPrefix(got, "HTTP/1.1 400 Bad request\r\n") || !strings.HasSuffix(got, body400) {
					t.Errorf("got %q, want HAProxy's 400 page", got)
				}
			})
		}
	})
	if n := bs["app"].Requests.Load(); n != 0 {
		t.Errorf("%d malformed requests reached the server", n)
	}
}

func TestMessageFraming(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    server app ${app}
`, vars)

	t.Run("chunked request body", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe"))
		r, body := c.RoundTrip(t, "POST", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"+
			"5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n")
		if r.StatusCode != 200 || body != "hello, world" {
			t.Errorf("got %d %q, want the body echoed", r.StatusCode, body)
		}
		// The connection stays usable after a chunked body.
		if r, body := c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 200 || body != "app" {
			t.Errorf("next request: %d %q", r.StatusCode, body)
		}
	})

	t.Run("chunked response", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe"))
		r, body := c.RoundTrip(t, "GET", "GET /chunked HTTP/1.1\r\nHost: x\r\n\r\n")
		if r.StatusCode != 200 || body != "app-part0;app-part1;app-part2;" {
			t.Errorf("got %d %q", r.StatusCode, body)
		}
		if len(r.TransferEncoding) != 1 || r.TransferEncoding[0] != "chunked" {
			t.Errorf("transfer-encoding %v, want chunked", r.TransferEncoding)
		}
	})

	t.Run("HTTP/1.0 client gets a dechunked body", func(t *testing.T) {
		t.Parallel()
		got := lbtest.Raw(t, p.Addr("fe"), "GET /chunked HTTP/1.0\r\nHost: x\r\n\r\n", rawWait)
		head, body, _ := strings.Cut(got, "\r\n\r\n")
		if !strings.HasPrefix(head, "HTTP/1.") || !strings.Contains(head, " 200 ") {
			t.Fatalf("got %q", got)
		}
		if strings.Contains(strings.ToLower(head), "transfer-encoding") {
			t.Errorf("HTTP/1.0 response head has transfer-encoding: %q", head)
		}
		if body != "app-part0;app-part1;app-part2;" {
			t.Errorf("body %q", body)
		}
	})

	t.Run("HEAD response has no body", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe"))
		r, body := c.RoundTrip(t, "HEAD", "HEAD / HTTP/1.1\r\nHost: x\r\n\r\n")
		if r.StatusCode != 200 || body != "" || r.ContentLength != int64(len("app")) {
			t.Errorf("got %d body %q content-length %d", r.StatusCode, body, r.ContentLength)
		}
		// No stray body bytes: the next response parses cleanly.
		if r, body := c.RoundTrip(t, "GET", "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); r.StatusCode != 200 || body != "app" {
			t.Errorf("next request: %d %q", r.StatusCode, body)
		}
	})

	t.Run("100-continue", func(t *testing.T) {
		t.Parallel()
		c := lbtest.DialConn(t, p.Addr("fe"))
		c.SetDeadline(time.Now().Add(rawWait))
		io.WriteString(c, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n")
		line, err := c.R.ReadString('\n')
		if err != nil || line != "HTTP/1.1 100 Continue\r\n" {
			t.Fatalf("interim: %q, %v", line, err)
		}
		if blank, err := c.R.ReadString('\n'); err != nil || blank != "\r\n" {
			t.Fatalf("interim head end: %q, %v", blank, err)
		}
		io.WriteString(c, "payload")
		r, body := c.ReadResponse(t, "POST")
		if r.StatusCode != 200 || body != "payload" {
			t.Errorf("got %d %q", r.StatusCode, body)
		}
	})

	t.Run("server closes without answering is 502", func(t *testing.T) {
		t.Parallel()
		r := lbtest.Get(t, p.URL("fe", "/close"))
		if r.Status != http.StatusBadGateway || r.Body != body502 {
			t.Errorf("got %d %q, want 502 page", r.Status, r.Body)
		}
	})
}
