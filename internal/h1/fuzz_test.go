package h1

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// checkFields asserts the invariants every accepted head must satisfy,
// whatever bytes produced it.
func checkFields(t *testing.T, m *Message) {
	t.Helper()
	if m.ContentLength < -1 {
		t.Fatalf("ContentLength = %d", m.ContentLength)
	}
	if m.Chunked && m.Has("content-length") {
		t.Fatal("chunked with a Content-Length header")
	}
	for _, h := range m.Headers {
		if len(h.Name) == 0 {
			t.Fatal("empty header name")
		}
		for _, c := range h.Name {
			if !tchar[c] {
				t.Fatalf("header name %q is not a token", h.Name)
			}
		}
		if bytes.ContainsAny(h.Value, "\r\n\x00") {
			t.Fatalf("header value %q holds CR, LF or NUL", h.Value)
		}
	}
}

// framing is what must survive re-serialisation for the proxy and the
// server to agree on the message.
type framing struct {
	Headers       [][2]string
	ContentLength int64
	Chunked       bool
}

func framingOf(m *Message) framing {
	return framing{Headers: headerStrings(m.Headers), ContentLength: m.ContentLength, Chunked: m.Chunked}
}

func FuzzParseRequest(f *testing.F) {
	for _, tc := range validRequests {
		f.Add([]byte(tc.in))
	}
	for _, tc := range badRequests {
		f.Add([]byte(tc.in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Request
		if ParseRequest(data, &r) != nil {
			return
		}
		checkFields(t, &r.Message)
		got := []string{string(r.Method), string(r.URI)}
		fr := framingOf(&r.Message)

		// The head HeadEnd delimits must parse the same: otherwise the
		// proxy and the parser disagree on where the body starts.
		end := HeadEnd(data, 0)
		if end < 0 {
			t.Fatal("accepted a head HeadEnd finds no end for")
		}
		var r2 Request
		if err := ParseRequest(data[:end], &r2); err != nil {
			t.Fatalf("delimited head rejected: %v", err)
		}
		if diff := cmp.Diff(got, []string{string(r2.Method), string(r2.URI)}); diff != "" {
			t.Fatalf("delimited head differs (-full +delimited):\n%s", diff)
		}

		// What the proxy writes must re-parse to what it read.
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		WriteRequestLine(w, r.Method, r.URI)
		for _, h := range r.Headers {
			WriteHeader(w, h.Name, h.Value)
		}
		w.WriteString("\r\n")
		w.Flush()
		if e := HeadEnd(out.Bytes(), 0); e != out.Len() {
			t.Fatalf("HeadEnd of re-serialised head = %d, want %d", e, out.Len())
		}
		var r3 Request
		if err := ParseRequest(out.Bytes(), &r3); err != nil {
			t.Fatalf("re-serialised head %q rejected: %v", out.Bytes(), err)
		}
		if diff := cmp.Diff(got, []string{string(r3.Method), string(r3.URI)}); diff != "" {
			t.Fatalf("request line changed (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(fr, framingOf(&r3.Message)); diff != "" {
			t.Fatalf("headers changed (-before +after):\n%s", diff)
		}
	})
}

func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
		"HTTP/1.0 404 Not Found\r\nConnection: keep-alive\r\n\r\n",
		"HTTP/1.1 204\r\n\r\n",
		"HTTP/1.1 200 \r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
		"HTTP/1.1 100 Continue\n\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\nX : y\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var r Response
		if ParseResponse(data, &r) != nil {
			return
		}
		checkFields(t, &r.Message)
		if r.Status < 100 || r.Status > 999 {
			t.Fatalf("status %d", r.Status)
		}
		if HeadEnd(data, 0) < 0 {
			t.Fatal("accepted a head HeadEnd finds no end for")
		}
		var out bytes.Buffer
		w := bufio.NewWriter(&out)
		WriteStatusLine(w, r.Status, r.Reason)
		for _, h := range r.Headers {
			WriteHeader(w, h.Name, h.Value)
		}
		w.WriteString("\r\n")
		w.Flush()
		var r2 Response
		if err := ParseResponse(out.Bytes(), &r2); err != nil {
			t.Fatalf("re-serialised head %q rejected: %v", out.Bytes(), err)
		}
		if r2.Status != r.Status || !bytes.Equal(r2.Reason, r.Reason) {
			t.Fatalf("status line changed: %d %q, was %d %q", r2.Status, r2.Reason, r.Status, r.Reason)
		}
		if diff := cmp.Diff(framingOf(&r.Message), framingOf(&r2.Message)); diff != "" {
			t.Fatalf("headers changed (-before +after):\n%s", diff)
		}
	})
}

// copyChunked runs CopyChunked over data with a buffer large enough for
// every line the parser accepts.
func copyChunked(data []byte, decode bool) ([]byte, int64, error) {
	var out bytes.Buffer
	n, err := CopyChunked(&out, bufio.NewReaderSize(bytes.NewReader(data), 8192), decode)
	return out.Bytes(), n, err
}

func FuzzCopyChunked(f *testing.F) {
	for _, tc := range validChunked {
		f.Add([]byte(tc.in))
	}
	for _, tc := range badChunked {
		// A multi-kilobyte seed stalls the fuzzer for minutes while it
		// minimises every mutation of it; short seeds find the same paths.
		if len(tc.in) <= 1024 {
			f.Add([]byte(tc.in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		canon, n, err := copyChunked(data, false)
		payload, n2, err2 := copyChunked(data, true)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("decode changes acceptance: %v vs %v", err, err2)
		}
		if err != nil {
			return
		}
		if n != n2 || int64(len(payload)) != n {
			t.Fatalf("payload lengths %d, %d, %d", n, n2, len(payload))
		}
		// The canonical form is what the server sees: it must carry the
		// same payload and be its own canonical form.
		again, n3, err := copyChunked(canon, false)
		if err != nil {
			t.Fatalf("canonical body %q rejected: %v", canon, err)
		}
		if n3 != n || !bytes.Equal(again, canon) {
			t.Fatalf("canonical body not stable: %q -> %q", canon, again)
		}
		decoded, _, err := copyChunked(canon, true)
		if err != nil || !bytes.Equal(decoded, payload) {
			t.Fatalf("canonical body decodes to %q (%v), want %q", decoded, err, payload)
		}
		// Reading must stop at the end of the body, not one byte later.
		src := bufio.NewReader(bytes.NewReader(append(canon, 'X')))
		if _, err := CopyChunked(io.Discard, src, false); err != nil {
			t.Fatal(err)
		}
		if rest, _ := io.ReadAll(src); string(rest) != "X" {
			t.Fatalf("left %q after the body, want \"X\"", rest)
		}
	})
}
