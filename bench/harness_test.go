package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/l4"
	"github.com/hawser-lb/hawser/internal/l7"
)

// The harness keeps the client and the backend allocation-free and
// goroutine-light, so that ns/op and allocs/op are (almost) the proxy's
// own: BenchmarkDirect measures what the harness costs without a proxy.

// backendResponse is what the backend answers to every request: the same
// 13-byte body as the NGINX backend of run.sh.
const backendResponse = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello world!\n"

// request is a minimal keep-alive GET, as wrk sends it.
const request = "GET / HTTP/1.1\r\nHost: bench\r\n\r\n"

// rawBackend answers every request on every connection with
// backendResponse. It understands only requests without a body.
type rawBackend struct {
	ln    net.Listener
	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

// startBackend listens on a loopback port and stops when the test ends,
// closing every connection it accepted.
func startBackend(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	b := &rawBackend{ln: ln, conns: map[net.Conn]struct{}{}}
	b.wg.Add(1)
	go b.accept()
	tb.Cleanup(b.close)
	return ln.Addr().String()
}

func (b *rawBackend) accept() {
	defer b.wg.Done()
	for {
		c, err := b.ln.Accept()
		if err != nil {
			return
		}
		b.mu.Lock()
		b.conns[c] = struct{}{}
		b.mu.Unlock()
		b.wg.Add(1)
		go b.serve(c)
	}
}

func (b *rawBackend) serve(c net.Conn) {
	defer b.wg.Done()
	defer func() {
		b.mu.Lock()
		delete(b.conns, c)
		b.mu.Unlock()
		c.Close()
	}()
	br := bufio.NewReader(c)
	resp := []byte(backendResponse)
	for {
		large, length, err := readRequest(br)
		if err != nil {
			return
		}
		if _, err := br.Discard(length); err != nil {
			return
		}
		out := resp
		if large {
			out = largeResponse
		}
		if _, err := c.Write(out); err != nil {
			return
		}
	}
}

// largePath is the path the backend answers with largeResponse, a 1 MiB
// body, as /files/1m of run.sh.
const largePath = "/1m"

var largeResponse = func() []byte {
	const size = 1 << 20
	head := fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n", size)
	return append([]byte(head), bytes.Repeat([]byte("a"), size)...)
}()

// readRequest reads one request head and reports whether it asks for
// largePath and the length of its body (Content-Length only).
func readRequest(br *bufio.Reader) (large bool, length int, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return false, 0, err
	}
	large = bytes.Contains(line, []byte(" "+largePath+" "))
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return false, 0, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return large, length, nil
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = atoi(bytes.TrimSpace(value)); err != nil {
				return false, 0, err
			}
		}
	}
}

func (b *rawBackend) close() {
	b.ln.Close()
	b.mu.Lock()
	for c := range b.conns {
		c.Close()
	}
	b.mu.Unlock()
	b.wg.Wait()
}

// proxyConfig is the haproxy.cfg of run.sh with the given server address.
// Its bind port is a placeholder: startProxy binds an ephemeral one.
func proxyConfig(server string) string {
	return fmt.Sprintf(`global
  maxconn 4096

defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s

frontend fe
  bind 127.0.0.1:1
  default_backend be

backend be
  server s1 %s
`, server)
}

// startProxy runs an engine in-process with cfg and returns the engine and
// the address of its first frontend's first bind. Every bind listens on an
// ephemeral loopback port instead of the configured one: haproxy.cfg does
// not accept port 0, and a port picked in advance could be taken by
// another test in between. Everything stops when the test ends.
func startProxy(tb testing.TB, cfg string) (*engine.Engine, string) {
	tb.Helper()
	f, err := cfgfile.Parse("bench.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		tb.Fatal(err)
	}
	loaded, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		tb.Fatal(err)
	}
	snap := loaded.Clone()
	for _, fe := range snap.Frontends {
		for _, b := range fe.Binds {
			b.Address = "127.0.0.1:0"
		}
	}
	log := slog.New(slog.DiscardHandler)
	h := l7.NewHandler(log)
	eng := engine.New(engine.Options{HTTP: h, TCP: l4.NewHandler(), Log: log})
	if err := eng.Apply(snap); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		eng.Close()
		h.Close()
	})
	addr := eng.ListenerAddr(snap.Frontends[0].Binds[0])
	if addr == nil {
		tb.Fatal("no listener for the frontend bind")
	}
	return eng, addr.String()
}

// client is a raw HTTP/1.1 keep-alive client that reuses its buffers, so
// a round trip allocates nothing.
type client struct {
	c   net.Conn
	br  *bufio.Reader
	req []byte
}

func dial(tb testing.TB, addr string) *client {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return &client{c: c, br: bufio.NewReader(c), req: []byte(request)}
}

var errStatus = errors.New("response status is not 200")

// roundTrip sends one request and reads the whole response.
func (cl *client) roundTrip() error {
	if _, err := cl.c.Write(cl.req); err != nil {
		return err
	}
	return readResponse(cl.br)
}

// readResponse reads a response with a Content-Length body and checks
// that its status is 200.
func readResponse(br *bufio.Reader) error {
	status, err := br.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(status, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("%w: %q", errStatus, status)
	}
	length := -1
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		if name, value, ok := bytes.Cut(line, []byte(":")); ok && bytes.EqualFold(name, []byte("Content-Length")) {
			if length, err = atoi(bytes.TrimSpace(value)); err != nil {
				return err
			}
		}
	}
	if length < 0 {
		return errors.New("response without content-length")
	}
	_, err = br.Discard(length)
	return err
}

// atoi parses a decimal length without converting to a string first.
func atoi(b []byte) (int, error) {
	if len(b) == 0 || len(b) > 18 {
		return 0, fmt.Errorf("bad content-length %q", b)
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("bad content-length %q", b)
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// oneShot opens a connection, sends one request with "Connection: close",
// reads the answer and closes: a new client connection per request.
func oneShot(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n"); err != nil {
		return err
	}
	return readResponse(bufio.NewReaderSize(c, 512))
}
