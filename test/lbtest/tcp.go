package lbtest

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TCPBackend is a raw TCP server that greets each connection with
// "NAME\n", echoes every byte back, and on the client's half-close writes
// "bye NAME\n" and closes.
type TCPBackend struct {
	Name  string
	Addr  string
	Conns atomic.Int64
	ln    net.Listener
}

// NewTCPBackend starts a TCP backend that stops when the test ends.
func NewTCPBackend(t testing.TB, name string) *TCPBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("tcp backend %s: %v", name, err)
	}
	b := &TCPBackend{Name: name, Addr: ln.Addr().String(), ln: ln}
	go b.accept()
	t.Cleanup(func() { ln.Close() })
	return b
}

func (b *TCPBackend) accept() {
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.Conns.Add(1)
		go func() {
			defer c.Close()
			io.WriteString(c, b.Name+"\n")
			io.Copy(c, c)
			io.WriteString(c, "bye "+b.Name+"\n")
		}()
	}
}

// Raw sends data on a new connection to addr and returns everything read
// until the peer closes or timeout passes.
func Raw(t testing.TB, addr, data string, timeout time.Duration) string {
	t.Helper()
	c := Dial(t, addr)
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := io.WriteString(c, data); err != nil {
		t.Fatalf("write: %v", err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}

// Dial opens a TCP connection that closes when the test ends.
func Dial(t testing.TB, addr string) *net.TCPConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

// Conn is a raw client connection that sends requests as bytes and reads
// responses with net/http's parser, for keep-alive and pipelining tests.
type Conn struct {
	*net.TCPConn
	R *bufio.Reader
}

// DialConn opens a Conn to addr.
func DialConn(t testing.TB, addr string) *Conn {
	t.Helper()
	c := Dial(t, addr)
	return &Conn{TCPConn: c, R: bufio.NewReader(c)}
}

// RoundTrip writes a raw request and reads one response, its body fully
// read into the returned string. method is needed to parse HEAD responses.
func (c *Conn) RoundTrip(t testing.TB, method, raw string) (*http.Response, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	return c.ReadResponse(t, method)
}

// ReadResponse reads one response to a request with this method.
func (c *Conn) ReadResponse(t testing.TB, method string) (*http.Response, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(c.R, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	return resp, string(body)
}

// UpgradeGreeting is what an UpgradeBackend sends first after its 101.
const UpgradeGreeting = "hello from upgraded server\n"

// NewUpgradeBackend starts a raw server that answers any request head with
// "101 Switching Protocols" for the requested Upgrade, sends
// UpgradeGreeting and then echoes bytes, like a WebSocket server would
// after its handshake. It returns the address; the head it received is
// sent on heads.
func NewUpgradeBackend(t testing.TB) (addr string, heads <-chan string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("upgrade backend: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	ch := make(chan string, 16)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveUpgrade(c, ch)
		}
	}()
	return ln.Addr().String(), ch
}

func serveUpgrade(c net.Conn, heads chan<- string) {
	defer c.Close()
	br := bufio.NewReader(c)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	var head strings.Builder
	req.Header.Write(&head)
	select {
	case heads <- head.String():
	default:
	}
	io.WriteString(c, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: "+req.Header.Get("Upgrade")+
		"\r\nConnection: Upgrade\r\n\r\n"+UpgradeGreeting)
	io.Copy(c, br)
}
