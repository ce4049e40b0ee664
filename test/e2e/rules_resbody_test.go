package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"

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
	resp, err := http.Post(url, "text/plain", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Header
}
