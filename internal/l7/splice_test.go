package l7

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"
	"time"
)

// TestSpliceBody checks that a body moved with splice reaches the
// destination whole, after what was buffered before it, that the source
// keeps the bytes that follow the body (the next response on a kept-alive
// connection), and that a body cut short is an error.
func TestSpliceBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     int   // body bytes the source sends
		n        int64 // the body's content-length
		extra    string
		buffered int // body bytes read into the buffer before the splice
		wantOK   bool
		wantErr  error
	}{
		{name: "too short to splice", body: 1000, n: 1000, wantOK: false},
		{name: "one chunk", body: 100000, n: 100000, wantOK: true},
		{name: "many chunks", body: 3<<20 + 7, n: 3<<20 + 7, wantOK: true},
		{name: "bytes buffered first", body: 500000, n: 500000, buffered: 16384, wantOK: true},
		{name: "next response stays", body: 300000, n: 300000, extra: "HTTP/1.1 200 OK\r\n", wantOK: true},
		{name: "source stops early", body: 200000, n: 400000, wantOK: true, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := make([]byte, tt.body)
			for i := range body {
				body[i] = byte(i * 7 >> 3)
			}
			srcConn, srcPeer := tcpPair(t)
			dstConn, dstPeer := tcpPair(t)
			src := &idleConn{Conn: srcConn, rIdle: time.Minute}
			dst := &idleConn{Conn: dstConn, wIdle: time.Minute}
			go func() {
				srcPeer.Write(body)
				srcPeer.Write([]byte(tt.extra))
				if tt.extra == "" {
					srcPeer.Close()
				}
			}()
			br := bufio.NewReaderSize(src, 16384)
			if tt.buffered > 0 {
				if _, err := br.Peek(tt.buffered); err != nil {
					t.Fatal(err)
				}
			}
			w := bufio.NewWriterSize(dst, 16384)
			w.WriteString("HEAD\r\n")
			got := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(dstPeer)
				got <- b
			}()
			var lr io.LimitedReader
			done, ok, err := spliceBody(dst, src, w, br, tt.n, &lr)
			if ok != tt.wantOK {
				t.Fatalf("spliced = %v, want %v", ok, tt.wantOK)
			}
			if !ok {
				dstConn.Close()
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("spliceBody: %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == nil && done != tt.n {
				t.Errorf("done = %d, want %d", done, tt.n)
			}
			if tt.extra != "" {
				next := make([]byte, len(tt.extra))
				if _, err := io.ReadFull(br, next); err != nil || string(next) != tt.extra {
					t.Errorf("after the body the source has %q, %v; want %q", next, err, tt.extra)
				}
			}
			dstConn.Close()
			b := <-got
			if !bytes.HasPrefix(b, []byte("HEAD\r\n")) || !bytes.Equal(b[6:], body[:min(len(body), int(tt.n))]) {
				t.Errorf("destination got %d bytes, want the head and %d body bytes", len(b), len(body))
			}
			if dst.written != int64(len(b)) {
				t.Errorf("written = %d, want %d", dst.written, len(b))
			}
		})
	}
}
