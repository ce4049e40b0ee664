package peerclose

import (
	"io"
	"net"
	"testing"
	"time"
)

// pair returns the two ends of a loopback TCP connection.
func pair(t *testing.T) (client, server net.Conn) {
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
	t.Cleanup(func() { client.Close(); server.Close() })
	return client, server
}

func TestWatch(t *testing.T) {
	t.Parallel()
	if !Supported {
		t.Skip("no POLLRDHUP here")
	}
	tests := []struct {
		name    string
		send    string // written by the client before anything else
		close   bool   // the client closes
		reset   bool   // ... with a reset
		want    bool
		wantBuf string // what the server reads after Stop
	}{
		{name: "client stays", send: "GET / HTTP/1.1\r\n\r\n", want: false, wantBuf: "GET / HTTP/1.1\r\n\r\n"},
		{name: "client closes", close: true, want: true},
		{name: "pending bytes then close", send: "body", close: true, want: true, wantBuf: "body"},
		{name: "reset", reset: true, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, server := pair(t)
			if tc.send != "" {
				io.WriteString(client, tc.send)
			}
			w := Start(server)
			if w == nil {
				t.Fatal("a TCP connection cannot be watched")
			}
			switch {
			case tc.reset:
				client.(*net.TCPConn).SetLinger(0)
				client.Close()
			case tc.close:
				client.Close()
			}
			if tc.want {
				select {
				case <-w.Context().Done():
				case <-time.After(10 * time.Second):
					t.Fatal("the close was not noticed")
				}
			}
			if got := w.Stop(); got != tc.want {
				t.Fatalf("Stop() = %v, want %v", got, tc.want)
			}
			if tc.wantBuf != "" {
				// The watch read nothing, and left no deadline behind.
				buf := make([]byte, len(tc.wantBuf))
				if _, err := io.ReadFull(server, buf); err != nil || string(buf) != tc.wantBuf {
					t.Fatalf("read after Stop: %q %v", buf, err)
				}
			}
		})
	}
}
