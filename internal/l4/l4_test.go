package l4

import (
	"io"
	"net"
	"testing"
	"time"
)

// tcpPair returns both ends of a loopback TCP connection.
func tcpPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	b, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	a, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestRelay checks how a relay between two TCP connections ends.
func TestRelay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		idle    time.Duration
		send    string
		close   bool // the source's peer closes after sending
		wantEnd byte
	}{
		{name: "no timeout, clean end", send: "hello", close: true, wantEnd: '-'},
		{name: "inactivity timeout, clean end", idle: time.Hour, send: "hello", close: true, wantEnd: '-'},
		{name: "silent source times out", idle: 20 * time.Millisecond, send: "hello", wantEnd: 't'},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src, srcPeer := tcpPair(t)
			dst, dstPeer := tcpPair(t)
			srcPeer.Write([]byte(tt.send))
			if tt.close {
				srcPeer.Close()
			}
			type result struct {
				n   int64
				end byte
			}
			done := make(chan result, 1)
			go func() {
				n, end := relay(dst, src, tt.idle, 'a', 't')
				done <- result{n, end}
			}()
			got, err := io.ReadAll(dstPeer)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			r := <-done
			if string(got) != tt.send || r.n != int64(len(tt.send)) || r.end != tt.wantEnd {
				t.Errorf("relayed %q (%d bytes), end %q; want %q, end %q", got, r.n, r.end, tt.send, tt.wantEnd)
			}
		})
	}
}

// TestCopyIdleKeepsActiveCopies checks that bytes arriving more often than
// the timeout keep the copy alive across several timeout periods.
func TestCopyIdleKeepsActiveCopies(t *testing.T) {
	t.Parallel()
	src, srcPeer := tcpPair(t)
	dst, dstPeer := tcpPair(t)
	const idle = 200 * time.Millisecond
	go func() {
		tick := time.NewTicker(idle / 10)
		defer tick.Stop()
		for range 15 { // one and a half timeout periods
			<-tick.C
			srcPeer.Write([]byte("x"))
		}
		srcPeer.Close()
	}()
	go io.Copy(io.Discard, dstPeer)
	n, err := copyIdle(dst, src, idle)
	if err != nil || n != 15 {
		t.Errorf("copyIdle = %d, %v; want 15, nil", n, err)
	}
}
