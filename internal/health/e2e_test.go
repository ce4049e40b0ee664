package health

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
)

// TestRealSockets runs checks over loopback: an HTTP server whose status
// flips, and a closed port. Intervals are short, timeouts long; nothing asserts timing.
func TestRealSockets(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(http.StatusServiceUnavailable)
	var mu sync.Mutex
	var seen *http.Request
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r
		mu.Unlock()
		w.WriteHeader(int(status.Load()))
	}))
	defer ts.Close()

	// A socket bound and never listening: connections are refused, and no
	// listener of a parallel test can take the port meanwhile.
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))

	// Checks follow each other every 10ms (fastinter while the state
	// changes, downinter while down), but each may take up to inter, the
	// check timeout: a loaded machine must not turn a refused connection
	// or a 503 into a timeout.
	fast := func(s *config.Server) {
		s.Inter, s.FastInter, s.DownInter, s.Fall = time.Minute, 10*time.Millisecond, 10*time.Millisecond, 2
	}
	web := newCheck(newServer("web", fast), &config.HTTPCheck{Method: "GET", URI: "/health", Version: "HTTP/1.1", Host: "app.local"})
	web.Addr = ts.Listener.Addr().String()
	tcp := newCheck(newServer("tcp", fast), nil)
	tcp.Addr = closedAddr

	notes := &noteQueue{ch: make(chan note, 64)}
	ctx, cancel := context.WithCancel(t.Context())
	// Count only web, so its messages do not depend on when tcp goes down.
	peers := func(string) []Peer { return []Peer{{web.State, web.Server}} }
	// The first checks run at once rather than within the first inter.
	k := &Checker{Spread: func(time.Duration) time.Duration { return 0 }}
	done := k.Start(ctx, []Check{web, tcp}, peers, func(msg string, up bool) { notes.ch <- note{msg, up} })

	down := notes.next("Server app/tcp is ")
	if !strings.HasPrefix(down.msg, `Server app/tcp is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: `) || down.up {
		t.Errorf("tcp note = %+v", down)
	}
	down = notes.next("Server app/web is ")
	if !strings.HasPrefix(down.msg, `Server app/web is DOWN, reason: Layer7 wrong status, code: 503, info: "Service Unavailable", check duration: `) ||
		!strings.HasSuffix(down.msg, "0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.") {
		t.Errorf("web down note = %+v", down)
	}
	status.Store(http.StatusOK)
	up := notes.next("Server app/web is ")
	if !strings.HasPrefix(up.msg, "Server app/web is UP, reason: Layer7 check passed, code: 200, check duration: ") ||
		!strings.HasSuffix(up.msg, "1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.") || !up.up {
		t.Errorf("web up note = %+v", up)
	}

	cancel()
	<-done // every checker goroutine has returned

	mu.Lock()
	defer mu.Unlock()
	if seen.Method != "GET" || seen.URL.Path != "/health" || seen.Host != "app.local" || !seen.Close {
		t.Errorf("request %s %s host %q close %v", seen.Method, seen.URL.Path, seen.Host, seen.Close)
	}
}

// noteQueue hands out notes per server while several servers report.
type noteQueue struct {
	ch      chan note
	pending []note // received while waiting for another server
}

// next returns the next note starting with prefix, keeping others for later.
func (q *noteQueue) next(prefix string) note {
	for i, n := range q.pending {
		if strings.HasPrefix(n.msg, prefix) {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
			return n
		}
	}
	for n := range q.ch {
		if strings.HasPrefix(n.msg, prefix) {
			return n
		}
		q.pending = append(q.pending, n)
	}
	return note{}
}
