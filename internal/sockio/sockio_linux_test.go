//go:build linux

package sockio

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

func tcpPair(t *testing.T) (a, b net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	a, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

// TestConn checks what a user of a wrapped connection sees: bytes both
// ways at once and in order, io.EOF at the peer's close, a timeout error
// at the read deadline, an error (not a signal) writing to a closed peer,
// and the connection's other methods untouched.
func TestConn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		run  func(t *testing.T, c net.Conn, peer net.Conn)
	}{
		{name: "full duplex", run: func(t *testing.T, c, peer net.Conn) {
			go io.Copy(peer, peer)
			want := bytes.Repeat([]byte("0123456789abcdef"), 100000)
			werr := make(chan error, 1)
			go func() {
				_, err := c.Write(want)
				werr <- err
			}()
			got := make([]byte, len(want))
			if _, err := io.ReadFull(c, got); err != nil {
				t.Fatal(err)
			}
			if err := <-werr; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatal("echoed bytes differ")
			}
		}},
		{name: "EOF", run: func(t *testing.T, c, peer net.Conn) {
			peer.Write([]byte("bye"))
			peer.Close()
			b, err := io.ReadAll(c)
			if err != nil || string(b) != "bye" {
				t.Fatalf("ReadAll: %q, %v", b, err)
			}
		}},
		{name: "read deadline", run: func(t *testing.T, c, peer net.Conn) {
			c.SetReadDeadline(time.Now().Add(10 * time.Millisecond))
			_, err := c.Read(make([]byte, 10))
			var ne net.Error
			if !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
				t.Fatalf("Read: %v, want a timeout", err)
			}
		}},
		{name: "write to a closed peer", run: func(t *testing.T, c, peer net.Conn) {
			peer.(*net.TCPConn).SetLinger(0)
			peer.Close()
			var err error
			for i := 0; i < 100 && err == nil; i++ {
				_, err = c.Write(make([]byte, 64<<10))
			}
			var ne net.Error
			if !errors.As(err, &ne) {
				t.Fatalf("Write: %v, want a net.Error", err)
			}
		}},
		{name: "other methods", run: func(t *testing.T, c, peer net.Conn) {
			if c.RemoteAddr().String() != peer.LocalAddr().String() {
				t.Errorf("RemoteAddr %v, want %v", c.RemoteAddr(), peer.LocalAddr())
			}
			c.(*Conn).CloseWrite()
			if n, err := peer.Read(make([]byte, 1)); n != 0 || err != io.EOF {
				t.Errorf("after CloseWrite the peer read %d, %v", n, err)
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, b := tcpPair(t)
			c := Wrap(a)
			if _, ok := c.(*Conn); !ok {
				t.Fatalf("Wrap(%T) = %T", a, c)
			}
			tc.run(t, c, b)
		})
	}
}

// TestWrapLeavesOthers checks that a connection that is not a bare TCP
// socket is returned as it is.
func TestWrapLeavesOthers(t *testing.T) {
	t.Parallel()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if c := Wrap(a); c != a {
		t.Errorf("Wrap(net.Pipe) = %T, want it unchanged", c)
	}
}

// BenchmarkConn is a 64-byte ping-pong with an echoing peer, through a
// wrapped connection and through the bare TCPConn: the raw calls must
// stay allocation-free, and cost no more than net's.
func BenchmarkConn(b *testing.B) {
	for _, raw := range []bool{true, false} {
		name := "net"
		if raw {
			name = "raw"
		}
		b.Run(name, func(b *testing.B) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			defer ln.Close()
			go func() {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				defer c.Close()
				io.Copy(c, c)
			}()
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			if raw {
				c = Wrap(c)
			}
			msg := make([]byte, 64)
			buf := make([]byte, 64)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.Write(msg); err != nil {
					b.Fatal(err)
				}
				if _, err := io.ReadFull(c, buf); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
