package l7

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

// TestCopyFixedBody checks that a response body reaches the client whole
// and after its head, whether it fits in what the server side buffered or
// goes out in MSG_MORE writes, and that a short body is an error.
func TestCopyFixedBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		bufSize int
		body    int   // bytes the server sends
		n       int64 // the body's content-length
		wantErr error
	}{
		{name: "fits the buffer", bufSize: 4096, body: 100, n: 100},
		{name: "many buffers", bufSize: 4096, body: 300000, n: 300000},
		{name: "not a multiple of the buffer", bufSize: 4096, body: 10001, n: 10001},
		{name: "server stops early", bufSize: 4096, body: 10000, n: 20000, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, cli := tcpPair(t)
			var tx txn
			tx.cc = idleConn{Conn: srv, wIdle: time.Minute}
			if !tx.more.init(srv) {
				t.Fatal("init refused a TCP connection")
			}
			tx.cc.more = &tx.more
			tx.bw = bufio.NewWriterSize(&tx.cc, tt.bufSize)
			tx.bw.WriteString("HEAD\r\n")
			body := bytes.Repeat([]byte("0123456789abcdef"), tt.body/16+1)[:tt.body]
			sc := &serverConn{br: bufio.NewReaderSize(bytes.NewReader(body), tt.bufSize)}

			got := make(chan []byte, 1)
			go func() {
				b, _ := io.ReadAll(cli)
				got <- b
			}()
			err := tx.copyFixedBody(sc, tt.n)
			tx.bw.Flush()
			srv.Close()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("copyFixedBody: %v, want %v", err, tt.wantErr)
			}
			b := <-got
			if !strings.HasPrefix(string(b), "HEAD\r\n") || !bytes.Equal(b[6:], body) {
				t.Errorf("client got %d bytes, want the head and %d body bytes", len(b), len(body))
			}
			if tx.more.on {
				t.Error("MSG_MORE still on after the body")
			}
			if tx.cc.written != int64(len(b)) {
				t.Errorf("written = %d, want %d", tx.cc.written, len(b))
			}
		})
	}
}

// TestRawSocketFullDuplex reads and writes one bare TCP connection at
// once through its raw system calls, as a tunnel or a streamed request
// does: every byte written comes back from an echoing peer, in order, and
// a close reads as io.EOF.
func TestRawSocketFullDuplex(t *testing.T) {
	t.Parallel()
	conn, peer := tcpPair(t)
	var m moreWriter
	if !m.init(conn) {
		t.Fatal("init refused a TCP connection")
	}
	c := &idleConn{Conn: conn, more: &m, rIdle: time.Minute, wIdle: time.Minute}
	go io.Copy(peer, peer)
	want := bytes.Repeat([]byte("full duplex 0123456789\n"), 50000)
	werr := make(chan error, 1)
	go func() {
		_, err := c.Write(want)
		werr <- err
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read: %v", err)
	}
	if err := <-werr; err != nil {
		t.Fatalf("write: %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("the bytes read back differ from those written")
	}
	peer.Close()
	if n, err := c.Read(got); n != 0 || err != io.EOF {
		t.Errorf("read after the peer closed: %d, %v; want io.EOF", n, err)
	}
}
