package e2e

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// h2cBackend is an HTTP/2 server with prior knowledge (what "server …
// proto h2" talks to), counting its connections.
type h2cBackend struct {
	addr  string
	conns atomic.Int64
}

func newH2CBackend(t *testing.T, h http.HandlerFunc) *h2cBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &h2cBackend{addr: ln.Addr().String()}
	srv := &http.Server{Handler: h}
	h2 := &http2.Server{}
	http2.ConfigureServer(srv, h2)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.conns.Add(1)
			go h2.ServeConn(c, &http2.ServeConnOpts{BaseConfig: srv, Handler: h})
		}
	}()
	t.Cleanup(func() { ln.Close(); srv.Close() })
	return b
}

// TestH2Server: HTTP/1 clients in front, an HTTP/2 server behind.
func TestH2Server(t *testing.T) {
	t.Parallel()
	be := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			<-r.Context().Done()
			return
		case "/grpc":
			// No content-length, trailers after the body: the shape of
			// a gRPC response.
			w.Header().Set("Content-Type", "application/grpc")
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			io.WriteString(w, "message")
			w.Header().Set(http2.TrailerPrefix+"Grpc-Status", "0")
			w.Header().Set(http2.TrailerPrefix+"Grpc-Message", "ok")
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Req-Trailer", r.Trailer.Get("X-Sum"))
		w.Header().Set("X-Proto", r.Proto)
		w.Header().Set("X-Host", r.Host)
		w.Header().Set("X-Uri", r.RequestURI)
		w.Header().Set("X-Len", fmt.Sprint(r.ContentLength))
		w.Header().Set("X-Req-Hdr", r.Header.Get("X-Added"))
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.Write(body)
	})
	vars := lbtest.Vars{"h2": be.addr, "dead": lbtest.DeadAddr(t)}
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    retries 0

frontend fe
    bind ${fe}
    http-request set-header x-added yes
    http-response set-header x-resp-rule yes
    default_backend h2
frontend fe_slow
    bind ${fe_slow}
    default_backend slow
frontend fe_dead
    bind ${fe_dead}
    default_backend dead
frontend fe_redisp
    bind ${fe_redisp}
    default_backend redisp

backend h2
    server s1 ${h2} proto h2
backend slow
    timeout server 200ms
    server s1 ${h2} proto h2
backend dead
    server s1 ${dead} proto h2
backend redisp
    balance first
    retries 1
    option redispatch
    server s1 ${dead} proto h2
    server s2 ${h2} proto h2
`, vars)

	t.Run("get", func(t *testing.T) {
		t.Parallel()
		r := lbtest.Get(t, p.URL("fe", "/a/b?c=d"))
		want := map[string]string{"X-Proto": "HTTP/2.0", "X-Uri": "/a/b?c=d", "X-Req-Hdr": "yes", "X-Resp-Rule": "yes", "X-Len": "0"}
		for k, v := range want {
			if got := r.Header.Get(k); got != v {
				t.Errorf("%s: %q, want %q", k, got, v)
			}
		}
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("X-Host"), "127.0.0.1:") {
			t.Errorf("status %d host %q", r.Status, r.Header.Get("X-Host"))
		}
	})
	t.Run("post bodies", func(t *testing.T) {
		t.Parallel()
		for _, req := range []string{
			"POST /p HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello",
			"POST /p HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n",
		} {
			resp := rawHTTP(t, p.Addr("fe"), req)
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != 200 || string(body) != "hello" {
				t.Errorf("%q: %d %q", req, resp.StatusCode, body)
			}
		}
	})
	t.Run("request trailers become HTTP/2 trailers", func(t *testing.T) {
		t.Parallel()
		resp := rawHTTP(t, p.Addr("fe"), "POST /p HTTP/1.1\r\nhost: x\r\ntrailer: x-sum\r\ntransfer-encoding: chunked\r\n\r\n"+
			"5\r\nhello\r\n0\r\nx-sum: 42\r\n\r\n")
		if got := resp.Header.Get("X-Req-Trailer"); got != "42" {
			t.Errorf("the server saw trailer x-sum %q", got)
		}
	})
	t.Run("trailers become chunked trailer fields", func(t *testing.T) {
		t.Parallel()
		resp := rawHTTP(t, p.Addr("fe"), "GET /grpc HTTP/1.1\r\nhost: x\r\n\r\n")
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "message" || len(resp.TransferEncoding) == 0 || resp.TransferEncoding[0] != "chunked" {
			t.Errorf("body %q te %v", body, resp.TransferEncoding)
		}
		if resp.Trailer.Get("Grpc-Status") != "0" || resp.Trailer.Get("Grpc-Message") != "ok" {
			t.Errorf("trailers %v", resp.Trailer)
		}
	})
	t.Run("one multiplexed connection", func(t *testing.T) {
		// Not parallel with the others: counts the server's connections.
		before := be.conns.Load()
		for range 5 {
			c := lbtest.NewClient(false)
			resp, err := c.Get(p.URL("fe", "/"))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if n := be.conns.Load() - before; n > 1 {
			t.Errorf("%d new server connections for 5 client connections", n)
		}
	})
	t.Run("timeout server is 504", func(t *testing.T) {
		t.Parallel()
		r := lbtest.Get(t, p.URL("fe_slow", "/slow"))
		if r.Status != 504 {
			t.Errorf("status %d", r.Status)
		}
	})
	t.Run("a chunked body survives a redispatch after a failed connect", func(t *testing.T) {
		t.Parallel()
		resp := rawHTTP(t, p.Addr("fe_redisp"), "POST /p HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n")
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || string(body) != "hello" {
			t.Errorf("%d %q", resp.StatusCode, body)
		}
	})
	t.Run("dead server is 503", func(t *testing.T) {
		t.Parallel()
		r := lbtest.Get(t, p.URL("fe_dead", "/"))
		if r.Status != 503 {
			t.Errorf("status %d", r.Status)
		}
	})
}

// rawHTTP sends a raw HTTP/1.1 request and parses the response.
func rawHTTP(t *testing.T, addr, req string) *http.Response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// TestH2ServerCheck: HTTP checks of a "proto h2" server speak HTTP/2, as
// HAProxy's inherit the server's protocol; "check-proto h1" forces
// HTTP/1, which an h2c-only server does not answer.
func TestH2ServerCheck(t *testing.T) {
	t.Parallel()
	var checks atomic.Int64
	be := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/health" {
			checks.Add(1)
		}
	})
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s
    timeout check 1s
    retries 0
    option httpchk GET /health

frontend fe_h2
    bind ${fe_h2}
    default_backend h2
frontend fe_h1
    bind ${fe_h1}
    default_backend h1

backend h2
    server s1 ${h2} proto h2 check inter 50ms rise 1 init-state down
backend h1
    server s1 ${h2} proto h2 check-proto h1 check inter 50ms rise 1 init-state down
`, lbtest.Vars{"h2": be.addr})
	lbtest.WaitUntil(t, "h2-checked server up", 10*time.Second, func() bool {
		return lbtest.Get(t, p.URL("fe_h2", "/")).Status == 200
	})
	if checks.Load() == 0 {
		t.Error("no check reached the server over HTTP/2")
	}
	if r := lbtest.Get(t, p.URL("fe_h1", "/")); r.Status != 503 {
		t.Errorf("server checked over HTTP/1: status %d, want 503 (down)", r.Status)
	}
}

// TestH2ServerRelay: what an HTTP/1 client sees of an HTTP/2 server is
// what it would see of an HTTP/1 one: keep-alive after bodies, large
// bodies both ways, persistence cookies, the access log.
func TestH2ServerRelay(t *testing.T) {
	t.Parallel()
	const big = 10 << 20
	reset := make(chan string, 4)
	entered := make(chan struct{}, 4)
	be := newH2CBackend(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/wait", "/stream":
			entered <- struct{}{}
			if r.URL.Path == "/stream" {
				io.WriteString(w, "first")
				w.(http.Flusher).Flush()
			}
			<-r.Context().Done()
			reset <- r.URL.Path
			return
		}
		if r.URL.Path == "/echo" {
			// Full duplex: each piece of the request body is answered
			// before the next one comes.
			w.WriteHeader(200)
			w.(http.Flusher).Flush()
			buf := make([]byte, 1024)
			for {
				n, err := r.Body.Read(buf)
				if n > 0 {
					w.Write(buf[:n])
					w.(http.Flusher).Flush()
				}
				if err != nil {
					return
				}
			}
		}
		if r.URL.Path == "/big" {
			// Streamed without a length: relayed chunked.
			w.WriteHeader(200)
			chunk := strings.Repeat("x", 64<<10)
			for range big / len(chunk) {
				io.WriteString(w, chunk)
			}
			return
		}
		n, _ := io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Length", fmt.Sprint(len(fmt.Sprint(n))))
		fmt.Fprint(w, n)
	})
	p := lbtest.Start(t, logDefaults+`
frontend fe
    bind ${fe}
    log-format "h2log %ST %s %ts %[path]"
    default_backend h2
backend h2
    cookie SRV insert indirect nocache
    server s1 ${h2} proto h2 cookie a
`, lbtest.Vars{"h2": be.addr})

	t.Run("keep-alive after a body", func(t *testing.T) {
		t.Parallel()
		c, err := net.DialTimeout("tcp", p.Addr("fe"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		br := bufio.NewReader(c)
		for i := range 3 {
			io.WriteString(c, "POST /ka HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello")
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
			b, _ := io.ReadAll(resp.Body)
			if string(b) != "5" || resp.Close {
				t.Fatalf("request %d: body %q close %v", i, b, resp.Close)
			}
		}
	})
	t.Run("10 MB request body", func(t *testing.T) {
		t.Parallel()
		resp, err := lbtest.NewClient(false).Post(p.URL("fe", "/up"), "application/octet-stream", strings.NewReader(strings.Repeat("y", big)))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != fmt.Sprint(big) {
			t.Errorf("server read %s bytes, want %d", b, big)
		}
	})
	t.Run("10 MB streamed response", func(t *testing.T) {
		t.Parallel()
		resp, err := lbtest.NewClient(false).Get(p.URL("fe", "/big"))
		if err != nil {
			t.Fatal(err)
		}
		n, err := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err != nil || n != big {
			t.Errorf("%d bytes, err %v", n, err)
		}
		if sc := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, "SRV=a") {
			t.Errorf("set-cookie %q", sc)
		}
		p.WaitLog(t, "h2log 200 s1 -- /big", 5*time.Second)
	})
	t.Run("full duplex over chunked HTTP/1", func(t *testing.T) {
		t.Parallel()
		c, err := net.DialTimeout("tcp", p.Addr("fe"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.WriteString(c, "POST /echo HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n")
		br := bufio.NewReader(c)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, msg := range []string{"ping1", "ping2", "ping3"} {
			fmt.Fprintf(c, "%x\r\n%s\r\n", len(msg), msg)
			got := make([]byte, len(msg))
			if _, err := io.ReadFull(resp.Body, got); err != nil || string(got) != msg {
				t.Fatalf("echo %q, err %v", got, err)
			}
		}
		io.WriteString(c, "0\r\n\r\n")
		if rest, err := io.ReadAll(resp.Body); err != nil || len(rest) != 0 {
			t.Errorf("after the end: %q, %v", rest, err)
		}
	})
	t.Run("client leaving resets the stream", func(t *testing.T) {
		// Not parallel: reads the reset channel.
		for _, path := range []string{"/wait", "/stream"} {
			c, err := net.DialTimeout("tcp", p.Addr("fe"), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			io.WriteString(c, "GET "+path+" HTTP/1.1\r\nhost: x\r\n\r\n")
			<-entered
			if path == "/stream" {
				// Wait for the first bytes of the response.
				c.SetReadDeadline(time.Now().Add(10 * time.Second))
				if _, err := c.Read(make([]byte, 1)); err != nil {
					t.Fatal(err)
				}
			}
			c.Close()
			select {
			case got := <-reset:
				if got != path {
					t.Errorf("reset %s, want %s", got, path)
				}
			case <-time.After(10 * time.Second):
				t.Fatalf("%s: the server's stream was not reset", path)
			}
		}
		p.WaitLog(t, " CH /wait", 5*time.Second)
		p.WaitLog(t, "h2log 200 s1 CD /stream", 5*time.Second)
	})
}

// TestH2ServerTLS: "ssl alpn h2" and "ssl proto h2" speak HTTP/2 to a TLS
// server that negotiates h2 (as gRPC servers over TLS require), with the
// server's certificate verified against ca-file.
func TestH2ServerTLS(t *testing.T) {
	t.Parallel()
	ca := tlstest.NewCA(t, "h2 test CA")
	cert := tlstest.New(t, tlstest.Opts{CN: "backend.test", DNSNames: []string{"backend.test"}}, ca)
	dir := t.TempDir()
	caFile := tlstest.Write(t, dir, "ca.pem", ca.CertPEM)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(cert.CertPEM, cert.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("X-Proto", r.Proto)
			w.Header().Set("X-Alpn", r.TLS.NegotiatedProtocol)
			w.Header().Set("X-Sni", r.TLS.ServerName)
		}),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{pair}, NextProtos: []string{"h2"}},
	}
	go srv.ServeTLS(ln, "", "")
	t.Cleanup(func() { srv.Close() })
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 1s
    timeout client 10s
    timeout server 10s

frontend fe_alpn
    bind ${fe_alpn}
    default_backend alpn
frontend fe_proto
    bind ${fe_proto}
    default_backend proto

backend alpn
    server s1 ${tls} ssl ca-file ${ca} verifyhost backend.test alpn h2
backend proto
    server s1 ${tls} ssl ca-file ${ca} sni str(backend.test) proto h2
`, lbtest.Vars{"tls": ln.Addr().String(), "ca": caFile})
	for _, tc := range []struct{ fe, sni string }{{"fe_alpn", ""}, {"fe_proto", "backend.test"}} {
		r := lbtest.Get(t, p.URL(tc.fe, "/"))
		if r.Status != 200 || r.Header.Get("X-Proto") != "HTTP/2.0" || r.Header.Get("X-Alpn") != "h2" || r.Header.Get("X-Sni") != tc.sni {
			t.Errorf("%s: status %d, proto %q, alpn %q, sni %q", tc.fe, r.Status, r.Header.Get("X-Proto"), r.Header.Get("X-Alpn"), r.Header.Get("X-Sni"))
		}
	}
}
