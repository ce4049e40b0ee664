package lbtest

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// HealthPath is the path a Backend answers with its health status; its
// requests are not counted in Requests.
const HealthPath = "/health"

// Backend is an HTTP/1.1 server in the test process that answers with its
// name (body and X-Server header) and counts what it sees.
//
// Special paths: HealthPath answers SetHealth's status; "/chunked" sends a
// chunked body in three flushes; "/close" closes the connection without
// answering; "/echo" returns the request body.
type Backend struct {
	Name string
	Addr string

	// Requests counts requests (except health checks); Conns counts
	// accepted connections.
	Requests atomic.Int64
	Conns    atomic.Int64

	status  atomic.Int32 // response status, 0 means 200
	health  atomic.Int32 // HealthPath status, 0 means 200
	cur     atomic.Int64 // requests in the handler now
	max     atomic.Int64 // highest cur seen
	entered chan string  // receives the path of every held request

	mu       sync.Mutex
	hold     chan struct{} // non-nil: requests wait for it to close
	srv      *http.Server
	last     *http.Request
	lastBody []byte
}

// NewBackend starts a backend on a free loopback port; it stops when the
// test ends.
func NewBackend(t testing.TB, name string) *Backend {
	t.Helper()
	b := &Backend{Name: name, entered: make(chan string, 1024)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("backend %s: %v", name, err)
	}
	b.Addr = ln.Addr().String()
	b.serve(ln)
	t.Cleanup(func() {
		b.Release()
		b.Stop()
	})
	return b
}

// serve runs a fresh http.Server on ln.
func (b *Backend) serve(ln net.Listener) {
	srv := &http.Server{
		Handler: http.HandlerFunc(b.handle),
		ConnState: func(_ net.Conn, s http.ConnState) {
			if s == http.StateNew {
				b.Conns.Add(1)
			}
		},
	}
	b.mu.Lock()
	b.srv = srv
	b.mu.Unlock()
	go srv.Serve(ln)
}

// Stop closes the listener and every connection: the server is down.
func (b *Backend) Stop() {
	b.mu.Lock()
	srv := b.srv
	b.mu.Unlock()
	srv.Close()
}

// Restart listens again on the same address after Stop.
func (b *Backend) Restart(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", b.Addr)
	if err != nil {
		t.Fatalf("backend %s: relisten: %v", b.Name, err)
	}
	b.serve(ln)
}

// SetStatus makes the backend answer status (0 restores 200).
func (b *Backend) SetStatus(status int) { b.status.Store(int32(status)) }

// SetHealth makes HealthPath answer status (0 restores 200).
func (b *Backend) SetHealth(status int) { b.health.Store(int32(status)) }

// Hold makes requests wait in the handler until Release; each held request
// is announced on Entered.
func (b *Backend) Hold() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hold == nil {
		b.hold = make(chan struct{})
	}
}

// Release lets every held request finish and stops holding.
func (b *Backend) Release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.hold != nil {
		close(b.hold)
		b.hold = nil
	}
}

// WaitEntered waits until n more held requests have entered the handler.
func (b *Backend) WaitEntered(t testing.TB, n int, timeout time.Duration) {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for i := range n {
		select {
		case <-b.entered:
		case <-timer.C:
			t.Fatalf("backend %s: %d of %d held requests arrived within %v", b.Name, i, n, timeout)
		}
	}
}

// MaxConcurrent returns the highest number of requests seen in the
// handler at once.
func (b *Backend) MaxConcurrent() int64 { return b.max.Load() }

// LastRequest returns the last request seen (not a health check) and its
// body.
func (b *Backend) LastRequest() (*http.Request, []byte) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.last, b.lastBody
}

func (b *Backend) handle(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == HealthPath {
		w.WriteHeader(statusOr200(b.health.Load()))
		return
	}
	b.Requests.Add(1)
	n := b.cur.Add(1)
	defer b.cur.Add(-1)
	for {
		m := b.max.Load()
		if n <= m || b.max.CompareAndSwap(m, n) {
			break
		}
	}
	body, _ := io.ReadAll(r.Body)
	b.mu.Lock()
	b.last, b.lastBody = r, body
	hold := b.hold
	b.mu.Unlock()
	if hold != nil {
		b.entered <- r.URL.Path
		select {
		case <-hold:
		case <-r.Context().Done():
		}
	}
	w.Header().Set("X-Server", b.Name)
	switch r.URL.Path {
	case "/close":
		if c, _, err := http.NewResponseController(w).Hijack(); err == nil {
			c.Close()
		}
		return
	case "/chunked":
		w.WriteHeader(statusOr200(b.status.Load()))
		for i := range 3 {
			io.WriteString(w, b.Name+"-part"+strconv.Itoa(i)+";")
			http.NewResponseController(w).Flush()
		}
		return
	case "/echo":
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(statusOr200(b.status.Load()))
		w.Write(body)
		return
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(b.Name)))
	w.WriteHeader(statusOr200(b.status.Load()))
	io.WriteString(w, b.Name)
}

func statusOr200(s int32) int {
	if s == 0 {
		return http.StatusOK
	}
	return int(s)
}

// InFlight returns the number of requests in the handler now.
func (b *Backend) InFlight() int64 { return b.cur.Load() }
