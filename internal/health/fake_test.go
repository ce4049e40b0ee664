package health

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// outcome is what the fake network does with one dial.
type outcome int

const (
	accept outcome = iota // connect succeeds; serve handles the server side
	refuse                // ECONNREFUSED
	hang                  // connect never completes
)

// fakeNet is a net.Pipe-based network for synctest bubbles: no real
// sockets, so fake time drives every timeout.
type fakeNet struct {
	start  time.Time
	script []outcome           // one per dial; the last repeats
	serve  func(conn net.Conn) // server side of accepted connections; must close conn
	limit  int                 // reached is closed at this many dials
	// reached is closed when the dial count reaches limit.
	reached chan struct{}

	mu    sync.Mutex
	dials []time.Duration // offsets from start
}

func newFakeNet(limit int, serve func(net.Conn), script ...outcome) *fakeNet {
	if serve == nil {
		serve = drain
	}
	return &fakeNet{start: time.Now(), script: script, serve: serve, limit: limit, reached: make(chan struct{})}
}

func (f *fakeNet) Dial(ctx context.Context, network, _ string) (net.Conn, error) {
	f.mu.Lock()
	n := len(f.dials)
	f.dials = append(f.dials, time.Since(f.start))
	if len(f.dials) == f.limit {
		close(f.reached)
	}
	o := f.script[min(n, len(f.script)-1)]
	f.mu.Unlock()
	switch o {
	case refuse:
		return nil, &net.OpError{Op: "dial", Net: network, Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	case hang:
		<-ctx.Done()
		return nil, &net.OpError{Op: "dial", Net: network, Err: ctx.Err()}
	}
	cli, srv := net.Pipe()
	go f.serve(srv)
	return cli, nil
}

func (f *fakeNet) dialTimes() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.dials...)
}

// drain is a TCP server that reads until the client closes.
func drain(c net.Conn) {
	io.Copy(io.Discard, c)
	c.Close()
}

// respond is an HTTP server that reads the request and answers raw.
func respond(raw string) func(net.Conn) {
	return func(c net.Conn) {
		defer c.Close()
		if readRequest(c) {
			io.WriteString(c, raw)
		}
	}
}

// stall is an HTTP server that reads the request and never answers.
func stall(c net.Conn) {
	defer c.Close()
	readRequest(c)
	io.Copy(io.Discard, c)
}

func readRequest(c net.Conn) bool {
	req, err := http.ReadRequest(bufio.NewReader(c))
	if err != nil {
		return false
	}
	io.Copy(io.Discard, req.Body)
	return true
}

func noSpread(time.Duration) time.Duration { return 0 }

// note is one Notify call.
type note struct {
	msg string
	up  bool
}

// recorder collects Notify calls.
type recorder struct {
	mu    sync.Mutex
	notes []note
}

func (r *recorder) notify(msg string, up bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, note{msg, up})
}

func (r *recorder) all() []note {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]note(nil), r.notes...)
}

func newServer(name string, mods ...func(*config.Server)) *config.Server {
	s := &config.Server{Name: name, Weight: 1, Check: true, Inter: 2 * time.Second, Rise: 2, Fall: 3}
	for _, m := range mods {
		m(s)
	}
	return s
}

func newCheck(srv *config.Server, hc *config.HTTPCheck) Check {
	return Check{Backend: "app", Server: srv, State: server.NewState("app", srv.Name), Addr: srv.Name + ":80", HTTP: hc}
}
