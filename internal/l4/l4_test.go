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
// the timeout keep the copy alive across several timeout periods. Each byte
// is sent once the previous one came through, so that the gaps are the
// machine's latency rather than a ticker a loaded machine may not keep.
func TestCopyIdleKeepsActiveCopies(t *testing.T) {
	t.Parallel()
	src, srcPeer := tcpPair(t)
	dst, dstPeer := tcpPair(t)
	const idle = time.Second
	sent := make(chan int64, 1)
	go func() {
		var n int64
		b := make([]byte, 1)
		for start := time.Now(); time.Since(start) < idle*3/2; n++ { // one and a half timeout periods
			if _, err := srcPeer.Write([]byte("x")); err != nil {
				break
			}
			if _, err := io.ReadFull(dstPeer, b); err != nil {
				break
			}
		}
		srcPeer.Close()
		sent <- n
		io.Copy(io.Discard, dstPeer)
	}()
	n, err := copyIdle(dst, src, idle)
	if want := <-sent; err != nil || n != want {
		t.Errorf("copyIdle = %d, %v; want %d, nil", n, err, want)
	}
}
