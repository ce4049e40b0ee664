package h1

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestHeadEnd(t *testing.T) {
	t.Parallel()
	const req = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"
	tests := []struct {
		name string
		buf  string
		from int
		want int
	}{
		{name: "crlf", buf: req, want: len(req)},
		{name: "crlf with body after", buf: req + "hello", want: len(req)},
		{name: "bare lf", buf: "GET / HTTP/1.1\nHost: a\n\nX", want: 24},
		{name: "lf then crlf", buf: "GET / HTTP/1.1\nHost: a\n\r\n", want: 25},
		{name: "crlf then lf", buf: "GET / HTTP/1.1\r\nHost: a\r\n\n", want: 26},
		{name: "no headers", buf: "GET / HTTP/1.0\r\n\r\n", want: 18},
		{name: "empty", buf: "", want: -1},
		{name: "request line only", buf: "GET / HTTP/1.1\r\n", want: -1},
		{name: "missing final lf", buf: "GET / HTTP/1.1\r\nHost: a\r\n\r", want: -1},
		{name: "no blank line", buf: "GET / HTTP/1.1\r\nHost: a\r\n", want: -1},
		{name: "cr cr is not a blank line", buf: "GET / HTTP/1.1\r\r\nHost: a\r\n", want: -1},
		{name: "leading empty lines", buf: "\r\n\r\n\n" + req, want: 5 + len(req)},
		{name: "only empty lines", buf: "\r\n\r\n\r\n\n\n", want: -1},
		{name: "resume in the middle", buf: req, from: 10, want: len(req)},
		{name: "resume at the last crlf", buf: req, from: len(req) - 3, want: len(req)},
		{name: "negative from", buf: req, from: -3, want: len(req)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := HeadEnd([]byte(tc.buf), tc.from); got != tc.want {
				t.Errorf("HeadEnd = %d, want %d", got, tc.want)
			}
		})
	}
}

// TestHeadEndSplit feeds heads one byte at a time, resuming as the proxy
// does, and checks the end is found exactly when the head is complete.
func TestHeadEndSplit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, head string
	}{
		{name: "crlf", head: "GET / HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n"},
		{name: "bare lf", head: "GET / HTTP/1.1\nHost: a\n\n"},
		{name: "leading crlf", head: "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n"},
		{name: "response", head: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			buf := []byte(tc.head + "trailing body bytes")
			scanned := 0
			for n := 1; n <= len(buf); n++ {
				end := HeadEnd(buf[:n], scanned-3)
				if n < len(tc.head) && end != -1 {
					t.Fatalf("end %d reported after %d of %d bytes", end, n, len(tc.head))
				}
				if n >= len(tc.head) {
					if end != len(tc.head) {
						t.Fatalf("HeadEnd = %d after %d bytes, want %d", end, n, len(tc.head))
					}
					return
				}
				scanned = n
			}
		})
	}
}

func parseReq(t *testing.T, s string) (*Request, error) {
	t.Helper()
	var r Request
	err := ParseRequest([]byte(s), &r)
	return &r, err
}

func headerStrings(hs []Header) [][2]string {
	out := make([][2]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, [2]string{string(h.Name), string(h.Value)})
	}
	return out
}

// manyHeaders returns n "X-Hn: v" lines.
func manyHeaders(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString("X-H")
		b.WriteString(strings.Repeat("a", i%7))
		b.WriteString(": v\r\n")
	}
	return b.String()
}

// validRequests is shared with the fuzz seeds.
var validRequests = []struct {
	name    string
	in      string
	method  string
	uri     string
	minor   int
	cl      int64
	chunked bool
	headers [][2]string
}{
	{name: "origin form", in: "GET /index.html?q=1&r=%20 HTTP/1.1\r\nHost: example.com\r\n\r\n",
		method: "GET", uri: "/index.html?q=1&r=%20", minor: 1, cl: -1, headers: [][2]string{{"Host", "example.com"}}},
	{name: "absolute form", in: "GET http://example.com:8080/a?b HTTP/1.1\r\nHost: example.com:8080\r\n\r\n",
		method: "GET", uri: "http://example.com:8080/a?b", minor: 1, cl: -1, headers: [][2]string{{"Host", "example.com:8080"}}},
	{name: "asterisk form", in: "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
		method: "OPTIONS", uri: "*", minor: 1, cl: -1, headers: [][2]string{{"Host", "a"}}},
	{name: "authority form", in: "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n",
		method: "CONNECT", uri: "example.com:443", minor: 1, cl: -1, headers: [][2]string{{"Host", "example.com:443"}}},
	{name: "http 1.0 without headers", in: "GET / HTTP/1.0\r\n\r\n",
		method: "GET", uri: "/", minor: 0, cl: -1, headers: [][2]string{}},
	{name: "leading empty lines", in: "\r\n\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
		method: "GET", uri: "/", minor: 1, cl: -1, headers: [][2]string{{"Host", "a"}}},
	{name: "bare lf line ends", in: "GET / HTTP/1.1\nHost: a\nX: y\n\n",
		method: "GET", uri: "/", minor: 1, cl: -1, headers: [][2]string{{"Host", "a"}, {"X", "y"}}},
	{name: "extension method", in: "PROPFIND /dav HTTP/1.1\r\nHost: a\r\n\r\n",
		method: "PROPFIND", uri: "/dav", minor: 1, cl: -1, headers: [][2]string{{"Host", "a"}}},
	{name: "content-length", in: "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello",
		method: "POST", uri: "/", minor: 1, cl: 5, headers: [][2]string{{"Content-Length", "5"}}},
	{name: "content-length zero", in: "POST / HTTP/1.0\r\ncontent-length: 0\r\n\r\n",
		method: "POST", uri: "/", minor: 0, cl: 0, headers: [][2]string{{"content-length", "0"}}},
	{name: "content-length list of equal values", in: "POST / HTTP/1.1\r\nContent-Length: 5, 5\r\n\r\n",
		method: "POST", uri: "/", minor: 1, cl: 5, headers: [][2]string{{"Content-Length", "5, 5"}}},
	{name: "repeated equal content-length", in: "POST / HTTP/1.1\r\nContent-Length: 7\r\nContent-Length: 7\r\n\r\n",
		method: "POST", uri: "/", minor: 1, cl: 7, headers: [][2]string{{"Content-Length", "7"}, {"Content-Length", "7"}}},
	{name: "chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
		method: "POST", uri: "/", minor: 1, cl: -1, chunked: true, headers: [][2]string{{"Transfer-Encoding", "chunked"}}},
	{name: "chunked mixed case", in: "POST / HTTP/1.1\r\ntransfer-encoding: ChUnKeD\r\n\r\n",
		method: "POST", uri: "/", minor: 1, cl: -1, chunked: true, headers: [][2]string{{"transfer-encoding", "ChUnKeD"}}},
	{name: "gzip then chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		method: "POST", uri: "/", minor: 1, cl: -1, chunked: true, headers: [][2]string{{"Transfer-Encoding", "gzip, chunked"}}},
	{name: "gzip and chunked in two fields", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n",
		method: "POST", uri: "/", minor: 1, cl: -1, chunked: true, headers: [][2]string{{"Transfer-Encoding", "gzip"}, {"Transfer-Encoding", "chunked"}}},
	{name: "optional whitespace trimmed", in: "GET / HTTP/1.1\r\nX:  \t a b\t \r\nY:\r\n\r\n",
		method: "GET", uri: "/", minor: 1, cl: -1, headers: [][2]string{{"X", "a b"}, {"Y", ""}}},
	{name: "obs-text in value and target", in: "GET /\xc3\xa9 HTTP/1.1\r\nX: caf\xc3\xa9\r\n\r\n",
		method: "GET", uri: "/\xc3\xa9", minor: 1, cl: -1, headers: [][2]string{{"X", "caf\xc3\xa9"}}},
	{name: "token characters in name", in: "GET / HTTP/1.1\r\nX!#$%&'*+-.^_`|~9: v\r\n\r\n",
		method: "GET", uri: "/", minor: 1, cl: -1, headers: [][2]string{{"X!#$%&'*+-.^_`|~9", "v"}}},
}

func TestParseRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range validRequests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := parseReq(t, tc.in)
			if err != nil {
				t.Fatal(err)
			}
			got := []any{string(r.Method), string(r.URI), r.Minor, r.ContentLength, r.Chunked}
			want := []any{tc.method, tc.uri, tc.minor, tc.cl, tc.chunked}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("method, uri, minor, cl, chunked (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(lowerNames(tc.headers), headerStrings(r.Headers)); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

// lowerNames is what the parser makes of header names: lower case.
func lowerNames(hs [][2]string) [][2]string {
	if hs == nil {
		return nil
	}
	out := make([][2]string, len(hs))
	for i, h := range hs {
		out[i] = [2]string{strings.ToLower(h[0]), h[1]}
	}
	return out
}

func TestParseRequestMaxHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		n    int
		want error
	}{
		{name: "at the limit", n: MaxHeaders},
		{name: "one over", n: MaxHeaders + 1, want: ErrTooManyFields},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := parseReq(t, "GET / HTTP/1.1\r\n"+manyHeaders(tc.n)+"\r\n")
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err == nil && len(r.Headers) != tc.n {
				t.Errorf("got %d headers, want %d", len(r.Headers), tc.n)
			}
		})
	}
}

// badRequests covers every rejection class. Most are request-smuggling or
// ACL-bypass payloads in the style of the HTTP Garden and HAProxy's
// http-messaging regression tests. Shared with the fuzz seeds.
var badRequests = []struct {
	name string
	in   string
	want error
}{
	// Request line.
	{name: "empty", in: "", want: ErrBadRequest},
	{name: "only empty lines", in: "\r\n\r\n", want: ErrBadRequest},
	{name: "cr cr lf before request line", in: "\r\r\n\r\nGET / HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "no line end", in: "GET / HTTP/1.1", want: ErrBadRequest},
	{name: "missing version", in: "GET /\r\n\r\n", want: ErrBadRequest},
	{name: "missing target", in: "GET HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "empty target", in: "GET  HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "empty method", in: " / HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "double space after method", in: "GET  / HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "double space before version", in: "GET /  HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "tab separator", in: "GET\t/ HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "space in target", in: "GET /a b HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "method with separator", in: "GE(T / HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "method with nul", in: "GET\x00 / HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "method with obs-text", in: "G\xc3\x89T / HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "fragment in target", in: "GET /admin#/public HTTP/1.1\r\nHost: a\r\n\r\n", want: ErrBadRequest},
	{name: "fragment only target", in: "GET # HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "nul in target", in: "GET /a\x00b HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "del in target", in: "GET /a\x7fb HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "cr in target", in: "GET /a\rb HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "tab in target", in: "GET /a\tb HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	{name: "vertical tab in target", in: "GET /a\vb HTTP/1.1\r\n\r\n", want: ErrBadRequest},
	// Version.
	{name: "http 1.2", in: "GET / HTTP/1.2\r\n\r\n", want: ErrBadVersion},
	{name: "http 2.0", in: "GET / HTTP/2.0\r\n\r\n", want: ErrBadVersion},
	{name: "http 0.9 style", in: "GET /\r\n", want: ErrBadRequest},
	{name: "lower-case version", in: "GET / http/1.1\r\n\r\n", want: ErrBadVersion},
	{name: "short version", in: "GET / HTTP/1\r\n\r\n", want: ErrBadVersion},
	{name: "leading zero in version", in: "GET / HTTP/01.1\r\n\r\n", want: ErrBadVersion},
	{name: "trailing garbage after version", in: "GET / HTTP/1.1x\r\n\r\n", want: ErrBadVersion},
	{name: "trailing space after version", in: "GET / HTTP/1.1 \r\n\r\n", want: ErrBadRequest},
	{name: "cr before crlf", in: "GET / HTTP/1.1\r\r\n\r\n", want: ErrBadVersion},
	// Header field syntax.
	{name: "no blank line", in: "GET / HTTP/1.1\r\nHost: a\r\n", want: ErrBadHeader},
	{name: "no colon", in: "GET / HTTP/1.1\r\nHost a\r\n\r\n", want: ErrBadHeader},
	{name: "empty name", in: "GET / HTTP/1.1\r\n: v\r\n\r\n", want: ErrBadHeader},
	{name: "space before colon", in: "GET / HTTP/1.1\r\nContent-Length : 5\r\n\r\n", want: ErrBadHeader},
	{name: "tab before colon", in: "GET / HTTP/1.1\r\nTransfer-Encoding\t: chunked\r\n\r\n", want: ErrBadHeader},
	{name: "space inside name", in: "GET / HTTP/1.1\r\nTransfer Encoding: chunked\r\n\r\n", want: ErrBadHeader},
	{name: "obs-fold with space", in: "GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", want: ErrBadHeader},
	{name: "obs-fold with tab", in: "GET / HTTP/1.1\r\nX: a\r\n\tb\r\n\r\n", want: ErrBadHeader},
	{name: "folded transfer-encoding", in: "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n", want: ErrBadHeader},
	{name: "leading space on first field", in: "GET / HTTP/1.1\r\n Host: a\r\n\r\n", want: ErrBadHeader},
	{name: "nul in name", in: "GET / HTTP/1.1\r\nX\x00Y: v\r\n\r\n", want: ErrBadHeader},
	{name: "obs-text in name", in: "GET / HTTP/1.1\r\nX\xc3\xa9: v\r\n\r\n", want: ErrBadHeader},
	{name: "nul in value", in: "GET / HTTP/1.1\r\nX: a\x00b\r\n\r\n", want: ErrBadHeader},
	{name: "bare cr in value", in: "GET / HTTP/1.1\r\nX: a\rContent-Length: 5\r\n\r\n", want: ErrBadHeader},
	{name: "del in value", in: "GET / HTTP/1.1\r\nX: a\x7f\r\n\r\n", want: ErrBadHeader},
	{name: "vertical tab in value", in: "GET / HTTP/1.1\r\nX: a\vb\r\n\r\n", want: ErrBadHeader},
	{name: "form feed in value", in: "GET / HTTP/1.1\r\nX: \fb\r\n\r\n", want: ErrBadHeader},
	{name: "too many fields", in: "GET / HTTP/1.1\r\n" + manyHeaders(MaxHeaders+1) + "\r\n", want: ErrTooManyFields},
	// Content-Length.
	{name: "content-length list of different values", in: "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", want: ErrBadFraming},
	{name: "different content-lengths", in: "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", want: ErrBadFraming},
	{name: "empty content-length", in: "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", want: ErrBadFraming},
	{name: "signed content-length", in: "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", want: ErrBadFraming},
	{name: "negative content-length", in: "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", want: ErrBadFraming},
	{name: "hex content-length", in: "POST / HTTP/1.1\r\nContent-Length: 0x5\r\n\r\n", want: ErrBadFraming},
	{name: "content-length with inner space", in: "POST / HTTP/1.1\r\nContent-Length: 1 0\r\n\r\n", want: ErrBadFraming},
	{name: "overflowing content-length", in: "POST / HTTP/1.1\r\nContent-Length: 18446744073709551621\r\n\r\n", want: ErrBadFraming},
	{name: "content-length trailing comma", in: "POST / HTTP/1.1\r\nContent-Length: 5,\r\n\r\n", want: ErrBadFraming},
	// Transfer-Encoding.
	{name: "content-length and chunked", in: "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", want: ErrBadFraming},
	{name: "chunked and content-length", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", want: ErrBadFraming},
	{name: "chunked then gzip", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", want: ErrBadFraming},
	{name: "chunked twice", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", want: ErrBadFraming},
	{name: "chunked in two fields", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", want: ErrBadFraming},
	{name: "chunked then gzip in two fields", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", want: ErrBadFraming},
	{name: "gzip only", in: "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", want: ErrBadFraming},
	{name: "empty transfer-encoding", in: "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n\r\n", want: ErrBadFraming},
	{name: "misspelt chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: chunk\r\n\r\n", want: ErrBadFraming},
	{name: "quoted chunked", in: "POST / HTTP/1.1\r\nTransfer-Encoding: \"chunked\"\r\n\r\n", want: ErrBadFraming},
	{name: "chunked in http 1.0", in: "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", want: ErrBadFraming},
}

func TestParseRequestRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range badRequests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parseReq(t, tc.in); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestParseRequestReuse checks a Request is fully reset between messages,
// as the proxy reuses one per connection.
func TestParseRequestReuse(t *testing.T) {
	t.Parallel()
	var r Request
	first := "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\nConnection: close, upgrade\r\nX: 1\r\n\r\n"
	if err := ParseRequest([]byte(first), &r); err != nil {
		t.Fatal(err)
	}
	if err := ParseRequest([]byte("GET /b HTTP/1.1\r\nHost: h\r\n\r\n"), &r); err != nil {
		t.Fatal(err)
	}
	want := Request{
		Message: Message{Headers: []Header{{Name: []byte("host"), Value: []byte("h")}}, Minor: 1, ContentLength: -1},
		Method:  []byte("GET"),
		URI:     []byte("/b"),
	}
	if diff := cmp.Diff(want, r); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		status  int
		reason  string
		minor   int
		cl      int64
		chunked bool
		want    error
	}{
		{name: "ok", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", status: 200, reason: "OK", minor: 1, cl: 2},
		{name: "reason with spaces", in: "HTTP/1.0 404 Not Found\r\n\r\n", status: 404, reason: "Not Found", cl: -1},
		{name: "empty reason", in: "HTTP/1.1 200 \r\n\r\n", status: 200, minor: 1, cl: -1},
		{name: "no reason", in: "HTTP/1.1 204\r\n\r\n", status: 204, minor: 1, cl: -1},
		{name: "reason with tab and obs-text", in: "HTTP/1.1 200 O\tK \xc3\xa9\r\n\r\n", status: 200, reason: "O\tK \xc3\xa9", minor: 1, cl: -1},
		{name: "100 continue", in: "HTTP/1.1 100 Continue\r\n\r\n", status: 100, reason: "Continue", minor: 1, cl: -1},
		{name: "103 early hints", in: "HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", status: 103, reason: "Early Hints", minor: 1, cl: -1},
		{name: "999", in: "HTTP/1.1 999 X\r\n\r\n", status: 999, reason: "X", minor: 1, cl: -1},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", status: 200, reason: "OK", minor: 1, cl: -1, chunked: true},
		{name: "bare lf", in: "HTTP/1.1 200 OK\nContent-Length: 0\n\n", status: 200, reason: "OK", minor: 1, cl: 0},
		{name: "two-digit status", in: "HTTP/1.1 20 OK\r\n\r\n", want: ErrBadStatus},
		{name: "four-digit status", in: "HTTP/1.1 2000 OK\r\n\r\n", want: ErrBadStatus},
		{name: "status below 100", in: "HTTP/1.1 099 X\r\n\r\n", want: ErrBadStatus},
		{name: "letters in status", in: "HTTP/1.1 2x0 OK\r\n\r\n", want: ErrBadStatus},
		{name: "signed status", in: "HTTP/1.1 +20 OK\r\n\r\n", want: ErrBadStatus},
		{name: "double space", in: "HTTP/1.1  200 OK\r\n\r\n", want: ErrBadStatus},
		{name: "tab separator", in: "HTTP/1.1\t200 OK\r\n\r\n", want: ErrBadStatus},
		{name: "http 1.2", in: "HTTP/1.2 200 OK\r\n\r\n", want: ErrBadStatus},
		{name: "http 2", in: "HTTP/2 200 OK\r\n\r\n", want: ErrBadStatus},
		{name: "lower-case version", in: "http/1.1 200 OK\r\n\r\n", want: ErrBadStatus},
		{name: "nul in reason", in: "HTTP/1.1 200 O\x00K\r\n\r\n", want: ErrBadStatus},
		{name: "cr in reason", in: "HTTP/1.1 200 O\rK\r\n\r\n", want: ErrBadStatus},
		{name: "empty", in: "", want: ErrBadStatus},
		{name: "no line end", in: "HTTP/1.1 200 OK", want: ErrBadStatus},
		{name: "bad header", in: "HTTP/1.1 200 OK\r\nX : y\r\n\r\n", want: ErrBadHeader},
		{name: "content-length and chunked", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", want: ErrBadFraming},
		{name: "different content-lengths", in: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", want: ErrBadFraming},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var r Response
			err := ParseResponse([]byte(tc.in), &r)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if err != nil {
				return
			}
			got := []any{r.Status, string(r.Reason), r.Minor, r.ContentLength, r.Chunked}
			want := []any{tc.status, tc.reason, tc.minor, tc.cl, tc.chunked}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("status, reason, minor, cl, chunked (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseContentLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want int64
		ok   bool
	}{
		{name: "zero", in: "0", want: 0, ok: true},
		{name: "plain", in: "12345", want: 12345, ok: true},
		{name: "leading zeros", in: "007", want: 7, ok: true},
		{name: "equal list", in: "5, 5", want: 5, ok: true},
		{name: "equal list without space", in: "5,5,5", want: 5, ok: true},
		{name: "equal list with tabs", in: "5\t,\t5", want: 5, ok: true},
		{name: "largest accepted", in: "999999999999999999", want: 999999999999999999, ok: true},
		{name: "different list", in: "5, 6"},
		{name: "empty", in: ""},
		{name: "empty element", in: "5,,5"},
		{name: "leading comma", in: ",5"},
		{name: "trailing comma", in: "5,"},
		{name: "plus sign", in: "+5"},
		{name: "minus one", in: "-1"},
		{name: "hex", in: "0x10"},
		{name: "decimal point", in: "5.0"},
		{name: "inner space", in: "5 5"},
		{name: "int64 overflow", in: "9223372036854775808"},
		{name: "nineteen digits", in: "1000000000000000000"},
		{name: "uint64 wrap", in: "18446744073709551617"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := parseContentLength([]byte(tc.in))
			if ok != tc.ok || (ok && got != tc.want) {
				t.Errorf("parseContentLength(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestTransferEncoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fields  []string
		minor   int
		chunked bool
		ok      bool
	}{
		{name: "chunked", fields: []string{"chunked"}, minor: 1, chunked: true, ok: true},
		{name: "gzip, chunked", fields: []string{"gzip, chunked"}, minor: 1, chunked: true, ok: true},
		{name: "empty elements ignored", fields: []string{", gzip ,, chunked ,"}, minor: 1, chunked: true, ok: true},
		{name: "coding with parameter", fields: []string{"foo;q=1, chunked"}, minor: 1, chunked: true, ok: true},
		{name: "split over fields", fields: []string{"gzip", "chunked"}, minor: 1, chunked: true, ok: true},
		{name: "chunked, gzip", fields: []string{"chunked, gzip"}, minor: 1},
		{name: "chunked twice in one field", fields: []string{"chunked,chunked"}, minor: 1},
		{name: "chunked twice over fields", fields: []string{"chunked", "chunked"}, minor: 1},
		{name: "chunked then identity over fields", fields: []string{"chunked", "identity"}, minor: 1},
		{name: "identity only", fields: []string{"identity"}, minor: 1},
		{name: "separator in coding", fields: []string{"gz(ip), chunked"}, minor: 1},
		{name: "http 1.0 request", fields: []string{"chunked"}, minor: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			head := "POST / HTTP/1." + string(rune('0'+tc.minor)) + "\r\n"
			for _, f := range tc.fields {
				head += "Transfer-Encoding: " + f + "\r\n"
			}
			r, err := parseReq(t, head+"\r\n")
			if ok := err == nil; ok != tc.ok {
				t.Fatalf("err = %v, want ok %v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrBadFraming) {
				t.Errorf("err = %v, want %v", err, ErrBadFraming)
			}
			if err == nil && r.Chunked != tc.chunked {
				t.Errorf("Chunked = %v, want %v", r.Chunked, tc.chunked)
			}
		})
	}
}

func TestConnection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                      string
		minor                     int
		fields                    []string
		close, keepAlive, upgrade bool
		wantKeepAlive             bool
		tokens                    []string
	}{
		{name: "http 1.1 default", minor: 1, wantKeepAlive: true},
		{name: "http 1.0 default", minor: 0},
		{name: "close", minor: 1, fields: []string{"close"}, close: true, tokens: []string{"close"}},
		{name: "close mixed case", minor: 1, fields: []string{"ClOsE"}, close: true, tokens: []string{"ClOsE"}},
		{name: "http 1.0 keep-alive", minor: 0, fields: []string{"Keep-Alive"}, keepAlive: true, wantKeepAlive: true, tokens: []string{"Keep-Alive"}},
		{name: "keep-alive and close", minor: 0, fields: []string{"keep-alive, close"}, close: true, keepAlive: true, tokens: []string{"keep-alive", "close"}},
		{name: "upgrade", minor: 1, fields: []string{"Upgrade"}, upgrade: true, wantKeepAlive: true, tokens: []string{"Upgrade"}},
		{name: "several fields and empty elements", minor: 1, fields: []string{" , x-a ,", "upgrade,close"},
			close: true, upgrade: true, tokens: []string{"x-a", "upgrade", "close"}},
		{name: "close as part of a token", minor: 1, fields: []string{"closed, notclose"}, wantKeepAlive: true, tokens: []string{"closed", "notclose"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			head := "GET / HTTP/1." + string(rune('0'+tc.minor)) + "\r\n"
			for _, f := range tc.fields {
				head += "Connection: " + f + "\r\n"
			}
			r, err := parseReq(t, head+"\r\n")
			if err != nil {
				t.Fatal(err)
			}
			got := []bool{r.ConnClose, r.ConnKeepAlive, r.ConnUpgrade, r.KeepAlive()}
			want := []bool{tc.close, tc.keepAlive, tc.upgrade, tc.wantKeepAlive}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("close, keep-alive, upgrade, KeepAlive() (-want +got):\n%s", diff)
			}
			var toks []string
			r.ConnectionTokens(func(tok []byte) { toks = append(toks, string(tok)) })
			if diff := cmp.Diff(tc.tokens, toks); diff != "" {
				t.Errorf("tokens (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMessageHeaders(t *testing.T) {
	t.Parallel()
	newMsg := func() *Message {
		return &Message{Headers: []Header{
			{Name: []byte("Host"), Value: []byte("a")},
			{Name: []byte("X-Dup"), Value: []byte("1")},
			{Name: []byte("Accept"), Value: []byte("*/*")},
			{Name: []byte("x-dup"), Value: []byte("2")},
		}}
	}
	tests := []struct {
		name    string
		edit    func(m *Message) any
		ret     any
		headers [][2]string
	}{
		{name: "get folds case and returns the first", edit: func(m *Message) any { return string(m.Get("X-DUP")) }, ret: "1",
			headers: [][2]string{{"Host", "a"}, {"X-Dup", "1"}, {"Accept", "*/*"}, {"x-dup", "2"}}},
		{name: "get missing", edit: func(m *Message) any { return m.Get("cookie") == nil }, ret: true,
			headers: [][2]string{{"Host", "a"}, {"X-Dup", "1"}, {"Accept", "*/*"}, {"x-dup", "2"}}},
		{name: "has", edit: func(m *Message) any { return []bool{m.Has("host"), m.Has("hos")} }, ret: []bool{true, false},
			headers: [][2]string{{"Host", "a"}, {"X-Dup", "1"}, {"Accept", "*/*"}, {"x-dup", "2"}}},
		{name: "del removes every occurrence", edit: func(m *Message) any { return m.Del("x-dup") }, ret: 2,
			headers: [][2]string{{"Host", "a"}, {"Accept", "*/*"}}},
		{name: "del missing", edit: func(m *Message) any { return m.Del("nope") }, ret: 0,
			headers: [][2]string{{"Host", "a"}, {"X-Dup", "1"}, {"Accept", "*/*"}, {"x-dup", "2"}}},
		{name: "add appends", edit: func(m *Message) any { m.Add([]byte("X-Dup"), []byte("3")); return nil },
			headers: [][2]string{{"Host", "a"}, {"X-Dup", "1"}, {"Accept", "*/*"}, {"x-dup", "2"}, {"X-Dup", "3"}}},
		{name: "set replaces every occurrence", edit: func(m *Message) any { m.Set([]byte("X-DUP"), []byte("9")); return nil },
			headers: [][2]string{{"Host", "a"}, {"Accept", "*/*"}, {"X-DUP", "9"}}},
		{name: "set new", edit: func(m *Message) any { m.Set([]byte("Via"), []byte("1.1 hawser")); return nil },
			headers: [][2]string{{"Host", "a"}, {"X-Dup", "1"}, {"Accept", "*/*"}, {"x-dup", "2"}, {"Via", "1.1 hawser"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newMsg()
			if diff := cmp.Diff(tc.ret, tc.edit(m)); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.headers, headerStrings(m.Headers)); diff != "" {
				t.Errorf("headers (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEqualFold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		b, s string
		want bool
	}{
		{name: "same", b: "host", s: "host", want: true},
		{name: "case", b: "HoSt", s: "hOsT", want: true},
		{name: "length", b: "host", s: "hos"},
		{name: "caret is not tilde", b: "a^b", s: "a~b"},
		{name: "at is not backquote", b: "@", s: "`"},
		{name: "non-letters are not folded", b: "[", s: "{"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := EqualFold([]byte(tc.b), tc.s); got != tc.want {
				t.Errorf("EqualFold(%q, %q) = %v", tc.b, tc.s, got)
			}
		})
	}
}
