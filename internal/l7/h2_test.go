package l7

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStreamConnResponse feeds HTTP/1.1 responses to a stream's
// connection in the pieces a transaction may write them in, and checks
// what reaches the HTTP/2 response writer.
func TestStreamConnResponse(t *testing.T) {
	t.Parallel()
	const ok = "HTTP/1.1 200 OK\r\ncontent-length: 5\r\nx-a: 1\r\nconnection: keep-alive\r\n\r\nhello"
	tests := []struct {
		name    string
		method  string
		raw     string
		status  int
		body    string
		trailer string // value of trailer x-t
		wantErr bool
	}{
		{name: "whole", raw: ok, status: 200, body: "hello"},
		{name: "extra bytes dropped", raw: ok + "junk", status: 200, body: "hello"},
		{name: "interim 100 dropped", raw: "HTTP/1.1 100 Continue\r\n\r\n" + ok, status: 200, body: "hello"},
		{name: "no body", raw: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
		{name: "empty body", raw: "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n", status: 200},
		{name: "HEAD", method: "HEAD", raw: "HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n", status: 200},
		{name: "chunked with trailer", raw: "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\nx-t: v\r\n\r\n",
			status: 200, body: "hello", trailer: "v"},
		{name: "until close", raw: "HTTP/1.1 200 OK\r\n\r\nhello", status: 200, body: "hello"},
		{name: "truncated body", raw: "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n\r\nhello", status: 200, body: "hello", wantErr: true},
		{name: "truncated head", raw: "HTTP/1.1 200 OK\r\ncontent-length: 9\r\n", wantErr: true},
		{name: "head too large", raw: "HTTP/1.1 200 OK\r\nx-big: " + strings.Repeat("a", 2000) + "\r\n\r\n", wantErr: true},
	}
	for _, tc := range tests {
		for _, piece := range []int{1, 7, 1 << 20} {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				method := tc.method
				if method == "" {
					method = "GET"
				}
				r := httptest.NewRequest(method, "/", nil)
				w := httptest.NewRecorder()
				c := newStreamConn(&h2conn{bufSize: 1024}, w, r)
				var err error
				for s := tc.raw; len(s) > 0 && err == nil; {
					n := min(piece, len(s))
					_, err = c.Write([]byte(s[:n]))
					s = s[n:]
				}
				c.Close()
				if ferr := c.finish(); err == nil {
					err = ferr
				}
				if (err != nil) != tc.wantErr {
					t.Fatalf("piece %d: err %v, want error %v", piece, err, tc.wantErr)
				}
				if tc.status == 0 {
					return
				}
				res := w.Result()
				if res.StatusCode != tc.status || w.Body.String() != tc.body {
					t.Errorf("piece %d: got %d %q, want %d %q", piece, res.StatusCode, w.Body.String(), tc.status, tc.body)
				}
				if tc.status == 200 && tc.body == "hello" && !tc.wantErr && tc.trailer == "" && res.Header.Get("Connection") != "" {
					t.Errorf("piece %d: connection field relayed", piece)
				}
				if got := res.Trailer.Get("X-T"); got != tc.trailer {
					t.Errorf("piece %d: trailer %q, want %q", piece, got, tc.trailer)
				}
			})
		}
	}
}
