package lbtest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
)

// Fault is how a FaultyBackend misbehaves once it has read a request.
type Fault int

const (
	// FaultClose closes the connection without answering.
	FaultClose Fault = iota
	// FaultJunk answers bytes that are not an HTTP response, then closes.
	FaultJunk
	// FaultStall answers nothing and keeps the connection open until the
	// test ends.
	FaultStall
)

// FaultyBackend is a server that reads each request, head and body, and
// then fails it as its Fault says. It is the server side of retry tests.
type FaultyBackend struct {
	Addr string
	// Requests counts the requests read.
	Requests atomic.Int64

	ln    net.Listener
	fault Fault
	mu    sync.Mutex
	conns []net.Conn
}

// NewFaultyBackend starts a faulty backend that stops when the test ends.
func NewFaultyBackend(t testing.TB, fault Fault) *FaultyBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("faulty backend: %v", err)
	}
	b := &FaultyBackend{Addr: ln.Addr().String(), ln: ln, fault: fault}
	go b.accept()
	t.Cleanup(func() {
		ln.Close()
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, c := range b.conns {
			c.Close()
		}
	})
	return b
}

func (b *FaultyBackend) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns = append(b.conns, c)
		b.mu.Unlock()
		go b.serve(c)
	}
}

func (b *FaultyBackend) serve(c net.Conn) {
	r, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		c.Close()
		return
	}
	io.Copy(io.Discard, r.Body)
	b.Requests.Add(1)
	switch b.fault {
	case FaultClose:
		c.Close()
	case FaultJunk:
		io.WriteString(c, "this is not HTTP\r\n\r\n")
		c.Close()
	case FaultStall:
		// Closed by the cleanup, or when hawser gives up.
		io.Copy(io.Discard, c)
		c.Close()
	}
}
