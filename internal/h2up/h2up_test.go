package h2up

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/h1"
)

// h2cServer is a real x/net HTTP/2 server speaking h2c with prior
// knowledge, as a "server … proto h2" backend does.
type h2cServer struct {
	ln    net.Listener
	srv   *http.Server
	h2    *http2.Server
	dials atomic.Int64
	wg    sync.WaitGroup
}

func newH2CServer(t *testing.T, maxStreams uint32, h http.HandlerFunc) *h2cServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &h2cServer{ln: ln, srv: &http.Server{Handler: h}, h2: &http2.Server{MaxConcurrentStreams: maxStreams}}
	// Lets srv.Shutdown send GOAWAY on the connections ServeConn serves.
	if err := http2.ConfigureServer(s.srv, s.h2); err != nil {
		t.Fatal(err)
	}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.dials.Add(1)
			s.wg.Go(func() {
				s.h2.ServeConn(c, &http2.ServeConnOpts{BaseConfig: s.srv, Handler: h})
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.srv.Close()
	})
	return s
}

func (s *h2cServer) dialer() Dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", s.ln.Addr().String())
	}
}

func get(target string, hdr ...string) *Request {
	r := &Request{Method: []byte("GET"), Target: []byte(target), Authority: []byte("example.test"), Scheme: "http"}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Headers = append(r.Headers, h1.Header{Name: []byte(hdr[i]), Value: []byte(hdr[i+1])})
	}
	return r
}

func headerMap(hs []h1.Header) map[string]string {
	m := map[string]string{}
	for _, h := range hs {
		m[string(h.Name)] = string(h.Value)
	}
	return m
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	srv := newH2CServer(t, 0, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		w.Header().Set("X-Method", r.Method)
		w.Header().Set("X-Uri", r.RequestURI)
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-Proto", r.Proto)
		w.Header().Set("X-Ua", fmt.Sprint(r.Header["User-Agent"]))
		w.Header().Set("X-Te", r.Header.Get("Te"))
		w.Header().Set("X-Conn", r.Header.Get("Connection"))
		w.Header().Set("X-Len", fmt.Sprint(r.ContentLength))
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Trailer", r.Trailer.Get("X-Sum"))
		w.WriteHeader(201)
		w.Write(body)
		w.Header().Set("Grpc-Status", "0")
	})
	tests := []struct {
		name     string
		req      *Request
		body     string
		length   int64
		trailers []h1.Header
		want     map[string]string
	}{
		{name: "get", req: get("/a/b?x=1", "te", "trailers", "connection", "close", "user-agent", "ua/1"),
			want: map[string]string{"x-method": "GET", "x-uri": "/a/b?x=1", "x-host": "example.test", "x-proto": "HTTP/2.0",
				"x-ua": "[ua/1]", "x-te": "trailers", "x-conn": "", "x-len": "0"}},
		{name: "no user-agent is added", req: get("/"), want: map[string]string{"x-ua": "[]"}},
		{name: "te other than trailers is dropped", req: get("/", "te", "gzip"), want: map[string]string{"x-te": ""}},
		{name: "escaped path kept as sent", req: get("/a%2Fb//c?q"), want: map[string]string{"x-uri": "/a%2Fb//c?q"}},
		{name: "known length body", req: &Request{Method: []byte("POST"), Target: []byte("/p"), Authority: []byte("h")},
			body: "hello", length: 5, want: map[string]string{"x-len": "5", "x-method": "POST"}},
		{name: "unknown length body with trailers", req: &Request{Method: []byte("POST"), Target: []byte("/p"), Authority: []byte("h"),
			Headers: []h1.Header{{Name: []byte("trailer"), Value: []byte("x-sum")}}},
			body: "chunks", length: -1, trailers: []h1.Header{{Name: []byte("x-sum"), Value: []byte("42")}},
			want: map[string]string{"x-len": "-1", "x-trailer": "42"}},
	}
	pool := NewPool()
	defer pool.Close()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			req := *tc.req
			if req.Scheme == "" {
				req.Scheme = "http"
			}
			if tc.body != "" {
				req.Body, req.ContentLength = strings.NewReader(tc.body), tc.length
			}
			if tc.trailers != nil {
				req.Trailers = func() []h1.Header { return tc.trailers }
			}
			resp, err := pool.RoundTrip(context.Background(), "be/s1", time.Minute, srv.dialer(), &req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Close()
			body, err := io.ReadAll(resp)
			if err != nil {
				t.Fatal(err)
			}
			got := headerMap(resp.Headers)
			if resp.Status != 201 || string(body) != tc.body {
				t.Errorf("status %d body %q", resp.Status, body)
			}
			for k, v := range tc.want {
				if got[k] != v {
					t.Errorf("%s: %q, want %q", k, got[k], v)
				}
			}
			if tr := headerMap(resp.Trailer()); tr["grpc-status"] != "0" {
				t.Errorf("trailers %v", tr)
			}
		})
	}
}

// TestMultiplex: concurrent requests share one connection until the
// server's stream limit, then a second connection opens.
func TestMultiplex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		maxStreams uint32
		n          int
		wantConns  int64
	}{
		{name: "one connection", maxStreams: 100, n: 8, wantConns: 1},
		{name: "stream limit opens more", maxStreams: 2, n: 6, wantConns: 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var arrived atomic.Int64
			srv := newH2CServer(t, tc.maxStreams, func(w http.ResponseWriter, r *http.Request) {
				arrived.Add(1)
				<-release
				io.WriteString(w, "ok")
			})
			pool := NewPool()
			defer pool.Close()
			var wg sync.WaitGroup
			errs := make(chan error, tc.n)
			for range tc.n {
				wg.Go(func() {
					resp, err := pool.RoundTrip(context.Background(), "k", time.Minute, srv.dialer(), get("/"))
					if err != nil {
						errs <- err
						return
					}
					b, _ := io.ReadAll(resp)
					resp.Close()
					if string(b) != "ok" {
						errs <- fmt.Errorf("body %q", b)
					}
				})
			}
			waitFor(t, func() bool { return arrived.Load() == int64(tc.n) })
			close(release)
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if got := srv.dials.Load(); got != tc.wantConns {
				t.Errorf("%d connections, want %d", got, tc.wantConns)
			}
		})
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCancel: the client going away (ctx) or the inactivity timeout
// resets the stream, and the server's handler sees its context end.
func TestCancel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		cancel  bool
		inBody  bool
		want    error
	}{
		{name: "client gone before head", cancel: true, want: context.Canceled},
		{name: "client gone in body", cancel: true, inBody: true, want: context.Canceled},
		{name: "timeout server before head", timeout: 200 * time.Millisecond, want: ErrTimeout},
		{name: "timeout server in body", timeout: 200 * time.Millisecond, inBody: true, want: ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A head slower than the timeout (a loaded machine) ends
			// the stream before its body: try again with a longer one.
			for timeout := tc.timeout; !cancelCase(t, tc.cancel, tc.inBody, timeout, tc.want); timeout *= 2 {
				if timeout > 10*time.Second {
					t.Fatal("no response head within the timeout")
				}
			}
		})
	}
}

// cancelCase runs one TestCancel case. It returns false, having checked
// nothing, when the inactivity timeout fired before the response head of a
// case meant to time out in the body.
func cancelCase(t *testing.T, cancelIt, inBody bool, timeout time.Duration, want error) bool {
	reset := make(chan struct{})
	started := make(chan struct{})
	srv := newH2CServer(t, 0, func(w http.ResponseWriter, r *http.Request) {
		if inBody {
			io.WriteString(w, "partial")
			w.(http.Flusher).Flush()
		}
		close(started)
		<-r.Context().Done()
		close(reset)
	})
	pool := NewPool()
	defer pool.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := get("/")
	req.Timeout = timeout
	if cancelIt && !inBody {
		go func() { <-started; cancel() }()
	}
	resp, err := pool.RoundTrip(ctx, "k", time.Minute, srv.dialer(), req)
	if inBody {
		if err != nil {
			if errors.Is(err, ErrTimeout) && !cancelIt {
				return false
			}
			t.Fatal(err)
		}
		if cancelIt {
			go func() { <-started; cancel() }()
		}
		_, err = io.ReadAll(resp)
		resp.Close()
	}
	if !errors.Is(err, want) {
		t.Errorf("error %v, want %v", err, want)
	}
	select {
	case <-started:
		// The stream reached the server: it must be reset.
		<-reset
	default:
		// Ended before the request left (a slow machine).
	}
	return true
}

// TestGoAway: a server shutting down gracefully sends GOAWAY; the next
// request dials a new connection.
func TestGoAway(t *testing.T) {
	t.Parallel()
	srv := newH2CServer(t, 0, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	pool := NewPool()
	defer pool.Close()
	do := func() {
		t.Helper()
		resp, err := pool.RoundTrip(context.Background(), "k", time.Minute, srv.dialer(), get("/"))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp)
		resp.Close()
	}
	do()
	do()
	if n := srv.dials.Load(); n != 1 {
		t.Fatalf("%d dials before GOAWAY", n)
	}
	// Shutdown sends GOAWAY on the idle connection and closes it; the
	// listener is separate and keeps accepting.
	go srv.srv.Shutdown(context.Background())
	waitFor(t, func() bool { return pool.Conns("k") == 0 })
	do()
	if n := srv.dials.Load(); n != 2 {
		t.Fatalf("%d dials after GOAWAY, want 2", n)
	}
}

// TestIdleClose: a connection without streams closes after the idle
// timeout (pool-purge-delay / timeout server).
func TestIdleClose(t *testing.T) {
	t.Parallel()
	srv := newH2CServer(t, 0, func(w http.ResponseWriter, r *http.Request) {})
	pool := NewPool()
	defer pool.Close()
	resp, err := pool.RoundTrip(context.Background(), "k", 20*time.Millisecond, srv.dialer(), get("/"))
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp)
	resp.Close()
	waitFor(t, func() bool { return pool.Conns("k") == 0 })
}

// TestLargeBodies: 10 MB each way through flow control.
func TestLargeBodies(t *testing.T) {
	t.Parallel()
	srv := newH2CServer(t, 0, func(w http.ResponseWriter, r *http.Request) {
		io.Copy(w, r.Body)
	})
	pool := NewPool()
	defer pool.Close()
	payload := bytes.Repeat([]byte("0123456789abcdef"), 10<<20/16)
	req := &Request{Method: []byte("PUT"), Target: []byte("/"), Authority: []byte("h"), Scheme: "http",
		Body: bytes.NewReader(payload), ContentLength: -1}
	resp, err := pool.RoundTrip(context.Background(), "k", time.Minute, srv.dialer(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Close()
	got, err := io.ReadAll(resp)
	if err != nil || !bytes.Equal(got, payload) {
		t.Fatalf("%d bytes back, err %v", len(got), err)
	}
}

func TestDialError(t *testing.T) {
	t.Parallel()
	pool := NewPool()
	defer pool.Close()
	dial := func(ctx context.Context) (net.Conn, error) { return nil, errors.New("refused") }
	_, err := pool.RoundTrip(context.Background(), "k", time.Minute, dial, get("/"))
	var de *DialError
	if !errors.As(err, &de) {
		t.Fatalf("error %v, want a DialError", err)
	}
}

func TestReused(t *testing.T) {
	t.Parallel()
	srv := newH2CServer(t, 0, func(w http.ResponseWriter, r *http.Request) {})
	pool := NewPool()
	defer pool.Close()
	for i, want := range []bool{false, true, true} {
		resp, err := pool.RoundTrip(context.Background(), "k", time.Minute, srv.dialer(), get("/"))
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp)
		resp.Close()
		if resp.Reused != want {
			t.Errorf("request %d: Reused %v", i, resp.Reused)
		}
	}
}
