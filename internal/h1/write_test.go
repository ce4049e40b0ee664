package h1

import (
	"bufio"
	"bytes"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestWrite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		write func(w *bufio.Writer)
		want  string
	}{
		{name: "request line", write: func(w *bufio.Writer) { WriteRequestLine(w, []byte("GET"), []byte("/a?b")) },
			want: "GET /a?b HTTP/1.1\r\n"},
		{name: "status line", write: func(w *bufio.Writer) { WriteStatusLine(w, 404, []byte("Not Found")) },
			want: "HTTP/1.1 404 Not Found\r\n"},
		{name: "status line empty reason", write: func(w *bufio.Writer) { WriteStatusLine(w, 200, nil) },
			want: "HTTP/1.1 200 \r\n"},
		{name: "header", write: func(w *bufio.Writer) { WriteHeader(w, []byte("Host"), []byte("a")) },
			want: "Host: a\r\n"},
		{name: "header empty value", write: func(w *bufio.Writer) { WriteHeader(w, []byte("X"), nil) },
			want: "X: \r\n"},
		{name: "header string", write: func(w *bufio.Writer) { WriteHeaderString(w, "connection", "close") },
			want: "connection: close\r\n"},
		{name: "content-length", write: func(w *bufio.Writer) { WriteContentLength(w, 1234567890123) },
			want: "content-length: 1234567890123\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			w := bufio.NewWriter(&out)
			tc.write(w)
			if err := w.Flush(); err != nil {
				t.Fatal(err)
			}
			if got := out.String(); got != tc.want {
				t.Errorf("wrote %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIsHopByHop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		want bool
	}{
		{name: "Connection", want: true},
		{name: "keep-alive", want: true},
		{name: "Proxy-Connection", want: true},
		{name: "TE", want: true},
		{name: "Transfer-Encoding", want: true},
		{name: "UPGRADE", want: true},
		{name: "Trailer"},
		{name: "Host"},
		{name: "Content-Length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := IsHopByHop([]byte(tc.name)); got != tc.want {
				t.Errorf("IsHopByHop(%q) = %v", tc.name, got)
			}
		})
	}
}

func TestStripHopByHop(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		head string
		// added are headers the proxy adds after stripping.
		added [][2]string
		want  [][2]string
	}{
		{
			name: "fixed hop-by-hop fields",
			head: "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5\r\n" +
				"Proxy-Connection: keep-alive\r\nTE: trailers\r\nUpgrade: websocket\r\nAccept: */*\r\n\r\n",
			want: [][2]string{{"Host", "a"}, {"Accept", "*/*"}},
		},
		{
			name: "transfer-encoding",
			head: "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
			want: [][2]string{{"Host", "a"}},
		},
		{
			name: "fields named by connection",
			head: "GET / HTTP/1.1\r\nHost: a\r\nX-Secret: 1\r\nConnection: close, x-secret\r\n" +
				"Connection: X-Other\r\nx-other: 2\r\nX-Kept: 3\r\n\r\n",
			want: [][2]string{{"Host", "a"}, {"X-Kept", "3"}},
		},
		{
			name: "many named fields",
			head: "GET / HTTP/1.1\r\nConnection: a, b, c, d, e, f, g, h, i, j\r\na: 1\r\nj: 2\r\nk: 3\r\n\r\n",
			want: [][2]string{{"k", "3"}},
		},
		{
			name:  "proxy-added fields survive a client naming them",
			head:  "GET / HTTP/1.1\r\nHost: a\r\nConnection: X-Forwarded-For, Via\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n",
			added: [][2]string{{"X-Forwarded-For", "192.0.2.1"}, {"Via", "1.1 hawser"}},
			want:  [][2]string{{"Host", "a"}, {"X-Forwarded-For", "192.0.2.1"}, {"Via", "1.1 hawser"}},
		},
		{
			name: "named fields match exactly, not by bit folding",
			head: "GET / HTTP/1.1\r\nConnection: a^b, x-idx\r\na~b: 1\r\nx-id: 2\r\n\r\n",
			want: [][2]string{{"a~b", "1"}, {"x-id", "2"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r Request
			if err := ParseRequest([]byte(tc.head), &r); err != nil {
				t.Fatal(err)
			}
			chunked, cl := r.Chunked, r.ContentLength
			r.StripHopByHop()
			for _, h := range tc.added {
				r.Add([]byte(h[0]), []byte(h[1]))
			}
			if diff := cmp.Diff(lowerNames(tc.want), lowerNames(headerStrings(r.Headers))); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
			if r.Chunked != chunked || r.ContentLength != cl {
				t.Error("framing facts changed")
			}
		})
	}
}
