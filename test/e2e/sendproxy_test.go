package e2e

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/proxyproto"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// proxyBackend is an HTTP server that requires a PROXY header on each
// connection (closing connections without one) and answers with the
// header's version and source address.
type proxyBackend struct {
	Addr string
	mu   sync.Mutex
	seen map[string]int // request path -> requests with a header
}

type ppKey struct{}

func newProxyBackend(t *testing.T) *proxyBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &proxyBackend{Addr: ln.Addr().String(), seen: map[string]int{}}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Context().Value(ppKey{}).(*proxyproto.Header)
			b.mu.Lock()
			b.seen[r.URL.Path]++
			b.mu.Unlock()
			fmt.Fprintf(w, "v%d %s", h.Version, h.Src)
		}),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			return context.WithValue(ctx, ppKey{}, c.(*ppConn).h)
		},
	}
	go srv.Serve(ppListener{ln})
	t.Cleanup(func() { srv.Close() })
	return b
}

func (b *proxyBackend) count(path string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen[path]
}

type ppListener struct{ net.Listener }

type ppConn struct {
	net.Conn
	r io.Reader
	h *proxyproto.Header
}

func (c *ppConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Accept reads the header before handing the connection on; a
// connection without a valid one is closed.
func (l ppListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		br := bufio.NewReader(c)
		h, err := proxyproto.Read(br)
		if err != nil {
			c.Close()
			continue
		}
		c.SetReadDeadline(time.Time{})
		return &ppConn{Conn: c, r: br, h: h}, nil
	}
}

// TestSendProxy checks that a server with send-proxy (v1 or v2) gets the
// client's address in a PROXY header, in mode http and mode tcp, and that
// health checks of such a server send one too.
func TestSendProxy(t *testing.T) {
	t.Parallel()
	be := newProxyBackend(t)
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend v1
    bind ${v1} accept-proxy
    default_backend v1
frontend v2
    bind ${v2} accept-proxy
    default_backend v2
frontend tcp
    bind ${tcp} accept-proxy
    mode tcp
    default_backend tcp

backend v1
    option httpchk GET /check
    server s ${be} send-proxy check inter 200ms
backend v2
    server s ${be} send-proxy-v2
backend tcp
    mode tcp
    server s ${be} send-proxy-v2
`, lbtest.Vars{"be": be.Addr})
	dst := netip.MustParseAddrPort("198.51.100.1:80")
	tests := []struct {
		name, fe string
		src      string
		want     string
	}{
		{name: "http v1", fe: "v1", src: "203.0.113.9:4000", want: "v1 203.0.113.9:4000"},
		{name: "http v2", fe: "v2", src: "203.0.113.10:4001", want: "v2 203.0.113.10:4001"},
		{name: "http v2 ipv6", fe: "v2", src: "[2001:db8::5]:4002", want: "v2 [2001:db8::5]:4002"},
		{name: "tcp v2", fe: "tcp", src: "192.0.2.7:4003", want: "v2 192.0.2.7:4003"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := netip.MustParseAddrPort(tc.src)
			d := dst
			if src.Addr().Is6() {
				d = netip.MustParseAddrPort("[2001:db8::1]:80")
			}
			c := lbtest.Dial(t, p.Addr(tc.fe))
			c.SetDeadline(time.Now().Add(10 * time.Second))
			hdr := proxyproto.AppendV1(nil, src, d)
			// Two requests on one connection: the second may reuse the
			// server connection, which must still be this client's.
			req := "GET /x HTTP/1.1\r\nHost: a\r\n\r\n"
			c.Write([]byte(string(hdr) + req + req))
			br := bufio.NewReader(c)
			for i := range 2 {
				resp, err := http.ReadResponse(br, nil)
				if err != nil {
					t.Fatalf("response %d: %v", i, err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(body) != tc.want {
					t.Errorf("response %d: %d %q, want %q", i, resp.StatusCode, body, tc.want)
				}
			}
		})
	}
	t.Run("check", func(t *testing.T) {
		t.Parallel()
		lbtest.WaitUntil(t, "a health check with a PROXY header", 10*time.Second, func() bool { return be.count("/check") > 0 })
	})
}

// TestProxyUniqueID reads the unique id TLV of a received PROXY v2
// header (fc_pp_unique_id), as AWS and Azure load balancers send it.
func TestProxyUniqueID(t *testing.T) {
	t.Parallel()
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind ${fe} accept-proxy
    http-request set-var(req.id) fc_pp_unique_id
    http-request return status 200 content-type text/plain lf-string "id=%[var(req.id)] rcvd=%[fc_rcvd_proxy]"
`, nil)
	tlv := []byte{0x05, 0, 6}
	tlv = append(tlv, "vpce-1"...)
	hdr := proxyproto.AppendV2(nil, netip.MustParseAddrPort("192.0.2.1:1000"), netip.MustParseAddrPort("192.0.2.2:80"), tlv)
	c := lbtest.Dial(t, p.Addr("fe"))
	c.SetDeadline(time.Now().Add(10 * time.Second))
	c.Write(append(hdr, "GET / HTTP/1.1\r\nHost: a\r\n\r\n"...))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "id=vpce-1 rcvd=1" {
		t.Errorf("body %q", body)
	}
}

// TestSource binds server connections to a source address: a backend's
// "source" line, a server's own, and "usesrc clientip" (the client's
// address, bindable here because loopback addresses are local).
func TestSource(t *testing.T) {
	t.Parallel()
	be := newAddrBackend(t)
	p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend bk
    bind ${bk}
    default_backend bk
frontend srv
    bind ${srv}
    default_backend srv
frontend cli
    bind ${cli}
    default_backend cli
frontend tcp
    bind ${tcp}
    mode tcp
    default_backend tcp
backend bk
    source 127.0.0.3
    server s ${be}
backend srv
    source 127.0.0.3
    server s ${be} source 127.0.0.4
backend cli
    source 0.0.0.0 usesrc clientip
    server s ${be}
backend tcp
    mode tcp
    source 127.0.0.5
    server s ${be}
`, lbtest.Vars{"be": be})
	tests := []struct {
		name, fe, from, want string
	}{
		{name: "backend source", fe: "bk", from: "127.0.0.1", want: "127.0.0.3"},
		{name: "server source", fe: "srv", from: "127.0.0.1", want: "127.0.0.4"},
		{name: "usesrc clientip", fe: "cli", from: "127.0.0.7", want: "127.0.0.7"},
		{name: "tcp source", fe: "tcp", from: "127.0.0.1", want: "127.0.0.5"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.fe == "cli" && os.Geteuid() != 0 {
				t.Skip("usesrc sets IP_TRANSPARENT, which needs CAP_NET_ADMIN")
			}
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(tc.from)}, Timeout: 5 * time.Second}
			c, err := d.Dial("tcp", p.Addr(tc.fe))
			if err != nil {
				t.Skipf("cannot dial from %s: %v", tc.from, err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write([]byte("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			if string(body) != tc.want {
				t.Errorf("server saw %q, want %q", body, tc.want)
			}
		})
	}
}

// newAddrBackend answers each request with the address it came from.
func newAddrBackend(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		fmt.Fprint(w, host)
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return "127.0.0.1:" + port
}
