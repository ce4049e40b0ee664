package h1

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"testing"
)

// browserRequest is a typical browser GET with ten header fields.
const browserRequest = "GET /assets/app.js?v=3 HTTP/1.1\r\n" +
	"Host: www.example.com\r\n" +
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" +
	"Accept: */*\r\n" +
	"Accept-Language: en-GB,en;q=0.5\r\n" +
	"Accept-Encoding: gzip, deflate, br, zstd\r\n" +
	"Referer: https://www.example.com/\r\n" +
	"Connection: keep-alive\r\n" +
	"Cookie: session=0123456789abcdef; theme=dark\r\n" +
	"Sec-Fetch-Dest: script\r\n" +
	"If-None-Match: \"5f3a-1c2b\"\r\n" +
	"\r\n"

// TestParseRequestAllocs pins the zero-allocation property the benchmark
// reports: once the header slice has grown, parsing allocates nothing.
func TestParseRequestAllocs(t *testing.T) {
	head := []byte(browserRequest)
	var r Request
	if err := ParseRequest(head, &r); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { ParseRequest(head, &r) }); n != 0 {
		t.Errorf("ParseRequest allocates %v times per run", n)
	}
}

func BenchmarkParseRequest(b *testing.B) {
	head := []byte(browserRequest)
	var r Request
	if err := ParseRequest(head, &r); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(head)))
	b.ReportAllocs()
	for b.Loop() {
		ParseRequest(head, &r)
	}
}

func BenchmarkHeadEnd(b *testing.B) {
	buf := []byte(browserRequest + "body bytes after the head")
	b.SetBytes(int64(len(browserRequest)))
	b.ReportAllocs()
	for b.Loop() {
		HeadEnd(buf, 0)
	}
}

func BenchmarkCopyChunked(b *testing.B) {
	// 64 KiB in 1 KiB chunks, some with extensions, and a trailer.
	var body bytes.Buffer
	chunk := strings.Repeat("x", 1024)
	for i := range 64 {
		if i%8 == 0 {
			body.WriteString("400;ext=1\r\n")
		} else {
			body.WriteString("400\r\n")
		}
		body.WriteString(chunk)
		body.WriteString("\r\n")
	}
	body.WriteString("0\r\nX-Sum: 1\r\n\r\n")
	data := body.Bytes()
	rd := bytes.NewReader(data)
	src := bufio.NewReaderSize(rd, 16384)
	dst := bufio.NewWriterSize(io.Discard, 16384)
	b.SetBytes(64 * 1024)
	b.ReportAllocs()
	for b.Loop() {
		rd.Reset(data)
		src.Reset(rd)
		if _, err := CopyChunked(dst, src, false); err != nil {
			b.Fatal(err)
		}
	}
}
