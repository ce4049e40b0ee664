package bench

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
)

// TestHarness checks that every path the benchmarks drive answers 200, so
// a broken harness fails in `go test` rather than as a silent benchmark.
func TestHarness(t *testing.T) {
	checkGoroutines(t)
	backend := startBackend(t)
	_, proxy := startProxy(t, proxyConfig(backend))
	tests := []struct {
		name string
		do   func(t *testing.T) error
	}{
		{name: "direct keep-alive", do: keepAlive(backend)},
		{name: "proxy keep-alive", do: keepAlive(proxy)},
		{name: "proxy new connection", do: func(*testing.T) error { return oneShot(proxy) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if err := tc.do(t); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// keepAlive returns a check that sends three requests on one connection.
func keepAlive(addr string) func(t *testing.T) error {
	return func(t *testing.T) error {
		cl := dial(t, addr)
		for range 3 {
			if err := cl.roundTrip(); err != nil {
				return err
			}
		}
		return nil
	}
}

// BenchmarkDirect is the harness alone: client to backend, no proxy. Its
// ns/op and allocs/op are the floor to subtract from the proxy benchmarks.
func BenchmarkDirect(b *testing.B) {
	cl := dial(b, startBackend(b))
	b.ReportAllocs()
	for b.Loop() {
		if err := cl.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxyKeepAlive is one request at a time through hawser on a
// keep-alive client connection with a reused server connection: the
// latency of the HTTP/1 hot path.
func BenchmarkProxyKeepAlive(b *testing.B) {
	_, proxy := startProxy(b, proxyConfig(startBackend(b)))
	cl := dial(b, proxy)
	b.ReportAllocs()
	for b.Loop() {
		if err := cl.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxyKeepAliveParallel drives hawser with one keep-alive
// connection per goroutine (GOMAXPROCS of them; raise with -cpu): the
// throughput of the hot path and its contention on shared state.
func BenchmarkProxyKeepAliveParallel(b *testing.B) {
	_, proxy := startProxy(b, proxyConfig(startBackend(b)))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		cl := dial(b, proxy)
		for pb.Next() {
			if err := cl.roundTrip(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkProxyLargeResponse relays 1 MiB responses on a keep-alive
// connection (run.sh's get_1m): the body path from server to client.
func BenchmarkProxyLargeResponse(b *testing.B) {
	_, proxy := startProxy(b, proxyConfig(startBackend(b)))
	cl := dial(b, proxy)
	cl.req = []byte("GET " + largePath + " HTTP/1.1\r\nHost: bench\r\n\r\n")
	b.SetBytes(1 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if err := cl.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxyLargeRequest sends 1 MiB request bodies on a keep-alive
// connection: the body path from client to server.
func BenchmarkProxyLargeRequest(b *testing.B) {
	_, proxy := startProxy(b, proxyConfig(startBackend(b)))
	cl := dial(b, proxy)
	const size = 1 << 20
	cl.req = append([]byte(fmt.Sprintf("POST / HTTP/1.1\r\nHost: bench\r\nContent-Length: %d\r\n\r\n", size)),
		bytes.Repeat([]byte("a"), size)...)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if err := cl.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProxyNewConn opens a client connection per request
// ("Connection: close"): accept, session setup and teardown on top of the
// request path. The server connection is still reused.
func BenchmarkProxyNewConn(b *testing.B) {
	_, proxy := startProxy(b, proxyConfig(startBackend(b)))
	b.ReportAllocs()
	for b.Loop() {
		if err := oneShot(proxy); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEngineActive is the one generation load every connection makes
// (DESIGN.md: no lock on the read path), under parallel readers.
func BenchmarkEngineActive(b *testing.B) {
	eng, _ := startProxy(b, proxyConfig("127.0.0.1:1"))
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if eng.Active() == nil {
				b.Error("no active generation")
				return
			}
		}
	})
}

// checkGoroutines fails the test if goroutines it started outlive it. It
// must be called first: cleanups run last-in first-out, so its check runs
// after the engine, backend and clients are closed. Goroutines may take a
// moment to return after their sockets close, hence the bounded wait.
func checkGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(5 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				buf := make([]byte, 1<<20)
				buf = buf[:runtime.Stack(buf, true)]
				t.Errorf("%d goroutines leaked:\n%s", runtime.NumGoroutine()-before, buf)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

// BenchmarkProxyKeepAliveTLS is BenchmarkProxyKeepAlive on a TLS bind
// (ECDSA P-256, TLS 1.3): the hot path plus record encryption. idle.go
// and more.go step aside on a *tls.Conn and allocate nothing; crypto/tls
// itself allocates one small reader per record read (readFromUntil, Go
// 1.26), so a round trip shows 2 allocations: hawser reading the request
// and the benchmark's client reading the response.
func BenchmarkProxyKeepAliveTLS(b *testing.B) {
	ca := tlstest.NewCA(b, "bench CA")
	crt := tlstest.Write(b, b.TempDir(), "site.pem", tlstest.New(b, tlstest.Opts{CN: "bench.test", DNSNames: []string{"bench.test"}}, ca).PEM())
	cfg := strings.Replace(proxyConfig(startBackend(b)), "bind 127.0.0.1:1", "bind 127.0.0.1:1 ssl crt "+crt, 1)
	_, proxy := startProxy(b, cfg)
	c, err := tls.Dial("tcp", proxy, &tls.Config{RootCAs: tlstest.Pool(ca), ServerName: "bench.test"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	cl := &client{c: c, br: bufio.NewReader(c), req: []byte(request)}
	b.ReportAllocs()
	for b.Loop() {
		if err := cl.roundTrip(); err != nil {
			b.Fatal(err)
		}
	}
}
