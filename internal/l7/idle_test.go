package l7

import (
	"bufio"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (server, client net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close(); client.Close() })
	return server, client
}

// TestIdleReaderKeepsEveryByte checks that bytes read during the wait,
// including more than the scratch buffer holds and pipelined requests,
// reach the bufio.Reader in order.
func TestIdleReaderKeepsEveryByte(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int
		sent string
	}{
		{name: "one request", size: 64, sent: "GET / HTTP/1.1\r\n\r\n"},
		{name: "pipelined requests", size: 64, sent: "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n"},
		{name: "more than the scratch buffer", size: 16, sent: "GET /a-rather-long-path HTTP/1.1\r\nhost: example.com\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, cli := tcpPair(t)
			var r idleReader
			if !r.init(srv, tt.size) {
				t.Fatal("init refused a TCP connection")
			}
			c := &idleConn{Conn: srv}
			go cli.Write([]byte(tt.sent))
			if err := r.wait(c, time.Time{}); err != nil {
				t.Fatalf("wait: %v", err)
			}
			br := bufio.NewReaderSize(c, 16)
			got := make([]byte, len(tt.sent))
			if _, err := io.ReadFull(br, got); err != nil {
				t.Fatalf("read: %v", err)
			}
			if string(got) != tt.sent {
				t.Errorf("read %q, want %q", got, tt.sent)
			}
		})
	}
}

// TestIdleReaderEnds checks the ways a wait ends without data.
func TestIdleReaderEnds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(c *idleConn, peer net.Conn)
		check   func(error) bool
	}{
		{
			name:    "peer closes",
			prepare: func(c *idleConn, peer net.Conn) { peer.Close() },
			check:   func(err error) bool { return errors.Is(err, io.EOF) },
		},
		{
			name:    "deadline passed",
			prepare: func(c *idleConn, peer net.Conn) { c.setReadDeadline(time.Now().Add(-time.Second)) },
			check:   isTimeout,
		},
		{
			name: "woken by the engine",
			prepare: func(c *idleConn, peer net.Conn) {
				c.setReadDeadline(time.Now().Add(time.Hour))
				c.waker = fakeWaker(true)
				c.Conn.SetReadDeadline(time.Now())
			},
			check: isTimeout,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, cli := tcpPair(t)
			var r idleReader
			r.init(srv, 64)
			c := &idleConn{Conn: srv}
			tt.prepare(c, cli)
			if err := r.wait(c, time.Time{}); !tt.check(err) {
				t.Errorf("wait = %v", err)
			}
			if c.pending != nil || r.buf != nil {
				t.Error("a scratch buffer is still held")
			}
		})
	}
}

// TestIdleReaderOnlyTCP checks that a wrapped connection is refused: its
// wrapper may hold bytes a socket read would skip.
func TestIdleReaderOnlyTCP(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	var r idleReader
	if r.init(a, 64) {
		t.Error("init accepted a net.Pipe")
	}
}
