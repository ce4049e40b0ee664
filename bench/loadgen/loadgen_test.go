package main

import (
	"bufio"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

const okResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\nhello world!\n"

// pipeClient returns a client whose peer reads one request and answers
// with response.
func pipeClient(t *testing.T, req []byte, response string) *client {
	t.Helper()
	c, s := net.Pipe()
	t.Cleanup(func() { c.Close(); s.Close() })
	go func() {
		if _, err := io.ReadFull(s, make([]byte, len(req))); err != nil {
			return
		}
		_, _ = io.WriteString(s, response)
		s.Close()
	}()
	return &client{conn: c, br: bufio.NewReader(c), req: req}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		response   string
		wantStatus int
		wantBytes  int64
		wantErr    string
	}{
		{name: "content-length", response: okResponse, wantStatus: 200, wantBytes: int64(len(okResponse))},
		{
			name:       "chunked with a trailer",
			response:   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n",
			wantStatus: 200,
			wantBytes:  int64(len("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n\r\n")),
		},
		{name: "error status is returned, not an error", response: "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", wantStatus: 503, wantBytes: 40},
		{name: "no length", response: "HTTP/1.0 200 OK\r\n\r\nbody", wantErr: "without content-length"},
		{name: "bad status line", response: "HTTX/1.1 200 OK\r\n\r\n", wantErr: "bad status line"},
		{name: "bad chunk size", response: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", wantErr: "bad chunk size"},
		{name: "truncated body", response: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab", wantErr: "EOF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := pipeClient(t, buildRequest("GET", "x", "/", 0), tc.response)
			status, n, err := c.roundTrip()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || status != tc.wantStatus || n != tc.wantBytes {
				t.Errorf("got (%d, %d, %v), want (%d, %d, nil)", status, n, err, tc.wantStatus, tc.wantBytes)
			}
		})
	}
}

func TestBuildRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "get", got: string(buildRequest("GET", "h:1", "/a", 0)), want: "GET /a HTTP/1.1\r\nHost: h:1\r\n\r\n"},
		{
			name: "post with body",
			got:  string(buildRequest("POST", "h", "/", 3)),
			want: "POST / HTTP/1.1\r\nHost: h\r\nContent-Type: application/octet-stream\r\nContent-Length: 3\r\n\r\nxxx",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestPercentile(t *testing.T) {
	t.Parallel()
	hundred := make([]int64, 100)
	for i := range hundred {
		hundred[i] = int64(i + 1)
	}
	tests := []struct {
		name      string
		latencies []int64
		q         float64
		want      int64
	}{
		{name: "empty", latencies: nil, q: 50, want: 0},
		{name: "median of 100", latencies: hundred, q: 50, want: 50},
		{name: "p99 of 100", latencies: hundred, q: 99, want: 99},
		{name: "p99.9 of 100 is the maximum", latencies: hundred, q: 99.9, want: 100},
		{name: "max", latencies: hundred, q: 100, want: 100},
		{name: "single", latencies: []int64{7}, q: 1, want: 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := (result{latencies: tc.latencies}).percentile(tc.q); got != tc.want {
				t.Errorf("percentile(%v) = %d, want %d", tc.q, got, tc.want)
			}
		})
	}
}

// serve listens on loopback and answers every request (a head without a
// body) on every connection with response.
func serve(t *testing.T, response string) string {
	t.Helper()
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
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				for {
					line, err := br.ReadString('\n')
					if err != nil {
						return
					}
					if line == "\r\n" {
						if _, err := io.WriteString(c, response); err != nil {
							return
						}
					}
				}
			}()
		}
	}()
	return ln.Addr().String()
}

// TestRunRate sends a short fixed-rate run and checks every scheduled
// request was sent and answered once; timing is not asserted.
func TestRunRate(t *testing.T) {
	t.Parallel()
	addr := serve(t, okResponse)
	res, err := runRate(addr, buildRequest("GET", addr, "/", 0), 1000, 4, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if res.requests != 100 || res.sockErrors != 0 || res.non2xx != 0 || len(res.latencies) != 100 {
		t.Errorf("got %d requests, %d socket errors, %d error statuses, %d latencies; want 100, 0, 0, 100",
			res.requests, res.sockErrors, res.non2xx, len(res.latencies))
	}
	if fields := strings.Split(res.summaryLine(), "\t"); len(fields) != 11 || fields[0] != "HAWSER_BENCH" || fields[1] != "100" {
		t.Errorf("summary line %q", res.summaryLine())
	}
}

func TestOpenOne(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		response string
		wantErr  bool
	}{
		{name: "ok", response: okResponse},
		{name: "error status", response: "HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			addr := serve(t, tc.response)
			c, err := openOne(addr, buildRequest("GET", addr, "/", 0))
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if c != nil {
				c.close()
			}
		})
	}
}
