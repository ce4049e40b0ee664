package h1

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
)

// errMustNotRead is returned by onceReader when asked for more data than it
// had: on a socket that Read would block until the peer sends more.
var errMustNotRead = errors.New("read past the data the peer sent")

// onceReader delivers its data in one Read and then behaves like a peer that
// waits for an answer: any further Read is a bug in the caller, which
// overRead records (bufio may hide the returned error).
type onceReader struct {
	data     []byte
	overRead bool
}

func (r *onceReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		r.overRead = true
		return 0, errMustNotRead
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// errWriter fails every write.
type errWriter struct{}

var errWrite = errors.New("write failed")

func (errWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestCopyFixed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		n       int64
		bufSize int
		want    string
		rest    string
		err     error
	}{
		{name: "exact", in: "hello", n: 5, want: "hello"},
		{name: "leaves the next message", in: "helloGET / HTTP/1.1", n: 5, want: "hello", rest: "GET / HTTP/1.1"},
		{name: "zero", in: "abc", n: 0, rest: "abc"},
		{name: "larger than the buffer", in: strings.Repeat("x", 100), n: 100, bufSize: 16, want: strings.Repeat("x", 100)},
		{name: "truncated", in: "hel", n: 5, want: "hel", err: io.ErrUnexpectedEOF},
		{name: "empty source", in: "", n: 1, err: io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := bufio.NewReaderSize(strings.NewReader(tc.in), max(tc.bufSize, 16))
			var out bytes.Buffer
			n, err := CopyFixed(&out, src, tc.n)
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			rest, _ := io.ReadAll(src)
			got := []any{n, out.String(), string(rest)}
			want := []any{int64(len(tc.want)), tc.want, tc.rest}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("n, out, rest (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCopyFixedWriteError(t *testing.T) {
	t.Parallel()
	src := bufio.NewReader(strings.NewReader("hello"))
	if _, err := CopyFixed(errWriter{}, src, 5); !errors.Is(err, errWrite) {
		t.Errorf("err = %v, want %v", err, errWrite)
	}
}

// validChunked lists well-formed chunked bodies with their canonical form
// and payload. Shared with the fuzz seeds.
var validChunked = []struct {
	name      string
	in        string
	canonical string
	payload   string
	rest      string
}{
	{name: "one chunk", in: "5\r\nhello\r\n0\r\n\r\n", canonical: "5\r\nhello\r\n0\r\n\r\n", payload: "hello"},
	{name: "empty body", in: "0\r\n\r\n", canonical: "0\r\n\r\n"},
	{name: "several chunks", in: "3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n",
		canonical: "3\r\nabc\r\n1\r\nd\r\n2\r\nef\r\n0\r\n\r\n", payload: "abcdef"},
	{name: "upper and lower hex", in: "A\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n",
		canonical: "a\r\n0123456789\r\nb\r\nabcdefghijk\r\n0\r\n\r\n", payload: "0123456789abcdefghijk"},
	{name: "leading zeros", in: "0005\r\nhello\r\n000\r\n\r\n", canonical: "5\r\nhello\r\n0\r\n\r\n", payload: "hello"},
	{name: "extensions dropped", in: "5;name=value;flag\r\nhello\r\n0;last=\"q\"\r\n\r\n",
		canonical: "5\r\nhello\r\n0\r\n\r\n", payload: "hello"},
	{name: "whitespace before extension", in: "5 \t;a=b\r\nhello\r\n0\r\n\r\n", canonical: "5\r\nhello\r\n0\r\n\r\n", payload: "hello"},
	{name: "crlf inside data", in: "4\r\n\r\n\r\n\r\n0\r\n\r\n", canonical: "4\r\n\r\n\r\n\r\n0\r\n\r\n", payload: "\r\n\r\n"},
	{name: "trailers", in: "5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-Other:\tb c\r\n\r\n",
		canonical: "5\r\nhello\r\n0\r\nX-Sum: 1\r\nX-Other:\tb c\r\n\r\n", payload: "hello"},
	{name: "next message stays buffered", in: "1\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\n\r\n",
		canonical: "1\r\na\r\n0\r\n\r\n", payload: "a", rest: "GET / HTTP/1.1\r\n\r\n"},
}

func TestCopyChunked(t *testing.T) {
	t.Parallel()
	for _, tc := range validChunked {
		for _, decode := range []bool{false, true} {
			name := tc.name
			if decode {
				name += " decoded"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				src := bufio.NewReader(strings.NewReader(tc.in))
				var out bytes.Buffer
				n, err := CopyChunked(&out, src, decode)
				if err != nil {
					t.Fatal(err)
				}
				want := tc.canonical
				if decode {
					want = tc.payload
				}
				rest, _ := io.ReadAll(src)
				got := []any{n, out.String(), string(rest)}
				if diff := cmp.Diff([]any{int64(len(tc.payload)), want, tc.rest}, got); diff != "" {
					t.Errorf("n, out, rest (-want +got):\n%s", diff)
				}
			})
		}
	}
}

// TestCopyChunkedDoesNotOverRead checks that a complete body already in the
// buffer is forwarded without reading further: the client is now waiting
// for the response, so a further Read would hang the transaction.
func TestCopyChunkedDoesNotOverRead(t *testing.T) {
	t.Parallel()
	for _, tc := range validChunked {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			peer := &onceReader{data: []byte(tc.in)}
			if _, err := CopyChunked(io.Discard, bufio.NewReader(peer), false); err != nil {
				t.Fatal(err)
			}
			if peer.overRead {
				t.Error("read past the end of a complete body")
			}
		})
	}
}

// TestCopyChunkedSmallBuffer checks bodies whose lines straddle buffer
// refills.
func TestCopyChunkedSmallBuffer(t *testing.T) {
	t.Parallel()
	in := "10;ext=aaaa\r\n0123456789abcdef\r\n3\r\nxyz\r\n0\r\nX-T: 1234567\r\n\r\n"
	src := bufio.NewReaderSize(iotest.OneByteReader(strings.NewReader(in)), 16)
	var out bytes.Buffer
	n, err := CopyChunked(&out, src, false)
	if err != nil {
		t.Fatal(err)
	}
	want := "10\r\n0123456789abcdef\r\n3\r\nxyz\r\n0\r\nX-T: 1234567\r\n\r\n"
	if n != 19 || out.String() != want {
		t.Errorf("got %d, %q; want 19, %q", n, out.String(), want)
	}
}

// badChunked lists malformed chunked bodies. Shared with the fuzz seeds.
var badChunked = []struct {
	name string
	in   string
	err  error
}{
	{name: "missing crlf after data", in: "5\r\nhelloX\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "data shorter than size", in: "6\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "bare lf after data", in: "5\r\nhello\n0\r\n\r\n", err: ErrBadChunk},
	{name: "bare cr after data", in: "5\r\nhello\r0\r\n\r\n", err: ErrBadChunk},
	{name: "bare lf after size", in: "5\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "bare lf after last chunk", in: "5\r\nhello\r\n0\n\r\n", err: ErrBadChunk},
	{name: "bare lf ending trailers", in: "0\r\n\n", err: ErrBadChunk},
	{name: "bare lf in extension", in: "5;a\nb\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "cr in extension", in: "5;a\rb\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "nul in extension", in: "5;a\x00\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "empty size", in: "\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "non-hex size", in: "g\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "hex prefix", in: "0x5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "negative size", in: "-5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "signed size", in: "+5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "space inside size", in: "5 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "leading space", in: " 5\r\nhello\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "overflowing size", in: "10000000000000000\r\nx\r\n", err: ErrBadChunk},
	{name: "sixteen hex digits", in: "ffffffffffffffff\r\nx\r\n", err: ErrBadChunk},
	{name: "size line too long", in: "1;" + strings.Repeat("a", 5000) + "\r\nx\r\n0\r\n\r\n", err: ErrBadChunk},
	{name: "trailer without colon", in: "0\r\nX-T 1\r\n\r\n", err: ErrBadChunk},
	{name: "trailer with empty name", in: "0\r\n: 1\r\n\r\n", err: ErrBadChunk},
	{name: "folded trailer", in: "0\r\nX-T: 1\r\n 2\r\n\r\n", err: ErrBadChunk},
	{name: "space before trailer colon", in: "0\r\nX-T : 1\r\n\r\n", err: ErrBadChunk},
	{name: "nul in trailer value", in: "0\r\nX-T: a\x00b\r\n\r\n", err: ErrBadChunk},
	{name: "cr in trailer value", in: "0\r\nX-T: a\rb\r\n\r\n", err: ErrBadChunk},
	{name: "truncated size line", in: "5", err: io.ErrUnexpectedEOF},
	{name: "truncated data", in: "5\r\nhel", err: io.ErrUnexpectedEOF},
	{name: "truncated after data", in: "5\r\nhello", err: io.ErrUnexpectedEOF},
	{name: "truncated after data cr", in: "5\r\nhello\r", err: io.ErrUnexpectedEOF},
	{name: "no last chunk", in: "5\r\nhello\r\n", err: io.ErrUnexpectedEOF},
	{name: "truncated trailers", in: "0\r\n", err: io.ErrUnexpectedEOF},
	{name: "truncated trailer field", in: "0\r\nX-T: 1\r\n", err: io.ErrUnexpectedEOF},
	{name: "empty", in: "", err: io.ErrUnexpectedEOF},
}

func TestCopyChunkedRejects(t *testing.T) {
	t.Parallel()
	for _, tc := range badChunked {
		for _, decode := range []bool{false, true} {
			name := tc.name
			if decode {
				name += " decoded"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				src := bufio.NewReaderSize(strings.NewReader(tc.in), 8192)
				if _, err := CopyChunked(io.Discard, src, decode); !errors.Is(err, tc.err) {
					t.Errorf("err = %v, want %v", err, tc.err)
				}
			})
		}
	}
}

func TestCopyChunkedWriteError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		decode bool
	}{
		{name: "framing", in: "5\r\nhello\r\n0\r\n\r\n"},
		{name: "decoded data", in: "5\r\nhello\r\n0\r\n\r\n", decode: true},
		{name: "last chunk", in: "0\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := bufio.NewReader(strings.NewReader(tc.in))
			if _, err := CopyChunked(errWriter{}, src, tc.decode); !errors.Is(err, errWrite) {
				t.Errorf("err = %v, want %v", err, errWrite)
			}
		})
	}
}

func TestCopyUntilEOF(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty", in: ""},
		{name: "short", in: "hello"},
		{name: "larger than the buffer", in: strings.Repeat("0123456789", 1000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := bufio.NewReaderSize(strings.NewReader(tc.in), 16)
			var out bytes.Buffer
			n, err := CopyUntilEOF(&out, src)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tc.in)) || out.String() != tc.in {
				t.Errorf("got %d bytes, want %d", n, len(tc.in))
			}
		})
	}
}

func TestCopyUntilEOFReadError(t *testing.T) {
	t.Parallel()
	errRead := errors.New("connection reset")
	src := bufio.NewReader(io.MultiReader(strings.NewReader("abc"), &failReader{err: errRead}))
	var out bytes.Buffer
	n, err := CopyUntilEOF(&out, src)
	if !errors.Is(err, errRead) || n != 3 || out.String() != "abc" {
		t.Errorf("got %d, %q, %v; want 3, \"abc\", %v", n, out.String(), err, errRead)
	}
}

type failReader struct{ err error }

func (r *failReader) Read([]byte) (int, error) { return 0, r.err }

func TestDecodeChunked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		want     string
		trailers string
		err      bool
	}{
		{name: "no trailers", in: "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", want: "abcde"},
		{name: "trailers", in: "3\r\nabc\r\n0\r\nGrpc-Status: 0\r\nx-sum:  42 \r\n\r\n", want: "abc", trailers: "Grpc-Status=0;x-sum=42;"},
		{name: "extension dropped", in: "3;ext=1\r\nabc\r\n0\r\n\r\n", want: "abc"},
		{name: "bad trailer", in: "0\r\nno colon\r\n\r\n", err: true},
		{name: "cut", in: "3\r\nab", want: "ab", err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			var tr strings.Builder
			n, err := DecodeChunked(&out, bufio.NewReader(strings.NewReader(tc.in)), func(name, value []byte) {
				tr.WriteString(string(name) + "=" + string(value) + ";")
			})
			if (err != nil) != tc.err {
				t.Fatalf("err %v, want error %v", err, tc.err)
			}
			if out.String() != tc.want || n != int64(len(tc.want)) || tr.String() != tc.trailers {
				t.Errorf("got %q (%d) trailers %q, want %q trailers %q", out.String(), n, tr.String(), tc.want, tc.trailers)
			}
		})
	}
}
