package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/proxyproto"
	"github.com/hawser-lb/hawser/test/lbtest"
)

const tcpDefaults = `
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
`

// tlsBackend is an HTTPS server that answers its name.
func tlsBackend(t *testing.T, name string) string {
	t.Helper()
	s := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

// getSNI does one HTTPS request through addr with the given SNI and
// returns the body.
func getSNI(t *testing.T, addr, sni string) (string, error) {
	t.Helper()
	tr := &http.Transport{
		TLSClientConfig: &tls.Config{ServerName: sni, InsecureSkipVerify: true},
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "tcp", addr)
		},
	}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	res, err := c.Get("https://" + sni + "/")
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return string(b), err
}

// TestSNIRouting is the classic config: TLS passes through untouched and
// the backend is chosen from the ClientHello's server name.
func TestSNIRouting(t *testing.T) {
	t.Parallel()
	vars := lbtest.Vars{"a": tlsBackend(t, "a"), "b": tlsBackend(t, "b")}
	p := lbtest.Start(t, tcpDefaults+`
frontend fe
    bind ${fe}
    tcp-request inspect-delay 5s
    tcp-request content accept if { req_ssl_hello_type 1 }
    use_backend b if { req_ssl_sni -i b.example.com }
    use_backend a if { req.ssl_sni -m end .a.example.com }
    default_backend a

backend a
    server a ${a}
backend b
    server b ${b}
`, vars)
	tests := []struct {
		name, sni, want string
	}{
		{name: "b by exact name, case-insensitive", sni: "B.Example.com", want: "b"},
		{name: "a by suffix", sni: "www.a.example.com", want: "a"},
		{name: "default", sni: "other.example.net", want: "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := getSNI(t, p.Addr("fe"), tc.sni)
			if err != nil || got != tc.want {
				t.Errorf("SNI %s: %q, %v; want %q", tc.sni, got, err, tc.want)
			}
		})
	}
}

// TestTCPContentReject rejects what is not TLS once the inspect-delay has
// given the client a chance to speak.
func TestTCPContentReject(t *testing.T) {
	t.Parallel()
	a := lbtest.NewTCPBackend(t, "a")
	p := lbtest.Start(t, tcpDefaults+`
frontend fe
    bind ${fe}
    tcp-request inspect-delay 5s
    tcp-request content reject if { req.payload(0,4) -m bin 50524f58 }
    tcp-request content accept if { req.len ge 4 }
    default_backend a

backend a
    server a ${a}
`, lbtest.Vars{"a": a.Addr})
	if got := lbtest.Raw(t, p.Addr("fe"), "PROXY", 10*time.Second); got != "" {
		t.Errorf("rejected connection got %q", got)
	}
	// Bytes arriving in pieces are waited for, then forwarded untouched.
	c := lbtest.Dial(t, p.Addr("fe"))
	c.SetDeadline(time.Now().Add(10 * time.Second))
	io.WriteString(c, "he")
	br := bufio.NewReader(c)
	io.WriteString(c, "llo\n")
	if greet, err := br.ReadString('\n'); err != nil || greet != "a\n" {
		t.Fatalf("greeting %q, %v", greet, err)
	}
	if echo, err := br.ReadString('\n'); err != nil || echo != "hello\n" {
		t.Errorf("echo %q, %v", echo, err)
	}
}

// TestTCPConnectionRejectBySrc closes connections from a source before
// reading anything.
func TestTCPConnectionRejectBySrc(t *testing.T) {
	t.Parallel()
	a := lbtest.NewTCPBackend(t, "a")
	p := lbtest.Start(t, tcpDefaults+`
frontend blocked
    bind ${blocked}
    tcp-request connection reject if { src 127.0.0.0/8 }
    default_backend a
frontend open
    bind ${open}
    tcp-request connection reject if { src 10.0.0.0/8 }
    tcp-request connection accept
    default_backend a

backend a
    server a ${a}
`, lbtest.Vars{"a": a.Addr})
	// A rejected connection is closed at once: the write or the read may
	// fail with a reset, but no byte of the server may arrive.
	if c, err := net.DialTimeout("tcp", p.Addr("blocked"), 10*time.Second); err == nil {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		c.Write([]byte("x"))
		got, _ := io.ReadAll(c)
		c.Close()
		if len(got) != 0 {
			t.Errorf("blocked source got %q", got)
		}
	}
	c := lbtest.Dial(t, p.Addr("open"))
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if greet, err := bufio.NewReader(c).ReadString('\n'); err != nil || greet != "a\n" {
		t.Errorf("allowed source: %q, %v", greet, err)
	}
}

// TestExpectProxy sends PROXY v1 and v2 headers and checks that the
// addresses they carry drive ACLs and the log.
func TestExpectProxy(t *testing.T) {
	t.Parallel()
	a, b := lbtest.NewTCPBackend(t, "a"), lbtest.NewTCPBackend(t, "b")
	p := lbtest.Start(t, tcpDefaults+`
frontend rule
    bind ${rule}
    log stdout format raw local0
    log-format "client=%ci:%cp fe=%f"
    tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }
    use_backend b if { src 203.0.113.0/24 }
    default_backend a

frontend bindopt
    bind ${bindopt} accept-proxy
    log stdout format raw local0
    log-format "client=%ci:%cp fe=%f"
    use_backend b if { src 2001:db8::/32 }
    default_backend a

backend a
    server a ${a}
backend b
    server b ${b}
`, lbtest.Vars{"a": a.Addr, "b": b.Addr})
	dst := netip.MustParseAddrPort("198.51.100.1:443")
	tests := []struct {
		name, fe string
		hdr      []byte
		want     string
		log      string
	}{
		{name: "v1 rule", fe: "rule", hdr: proxyproto.AppendV1(nil, netip.MustParseAddrPort("203.0.113.9:4000"), dst),
			want: "b", log: "client=203.0.113.9:4000 fe=rule"},
		{name: "v2 rule", fe: "rule", hdr: proxyproto.AppendV2(nil, netip.MustParseAddrPort("192.0.2.77:4001"), dst, nil),
			want: "a", log: "client=192.0.2.77:4001 fe=rule"},
		{name: "v2 bind ipv6", fe: "bindopt",
			hdr:  proxyproto.AppendV2(nil, netip.MustParseAddrPort("[2001:db8::5]:4002"), netip.MustParseAddrPort("[2001:db8::1]:443"), nil),
			want: "b", log: "client=2001:db8::5:4002 fe=bindopt"},
		{name: "v1 bind", fe: "bindopt", hdr: proxyproto.AppendV1(nil, netip.MustParseAddrPort("192.0.2.78:4003"), dst),
			want: "a", log: "client=192.0.2.78:4003 fe=bindopt"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := lbtest.Dial(t, p.Addr(tc.fe))
			c.SetDeadline(time.Now().Add(10 * time.Second))
			c.Write(append(tc.hdr, "ping\n"...))
			br := bufio.NewReader(c)
			if greet, err := br.ReadString('\n'); err != nil || greet != tc.want+"\n" {
				t.Fatalf("greeting %q, %v; want %q", greet, err, tc.want)
			}
			if echo, err := br.ReadString('\n'); err != nil || echo != "ping\n" {
				t.Errorf("echo %q, %v", echo, err)
			}
			c.Close()
			p.WaitLog(t, tc.log, 10*time.Second)
		})
	}

	t.Run("garbage instead of a header closes", func(t *testing.T) {
		t.Parallel()
		if got := lbtest.Raw(t, p.Addr("bindopt"), "GET / HTTP/1.0\r\n\r\n", 10*time.Second); got != "" {
			t.Errorf("got %q", got)
		}
	})
}

// TestTCPConnRateLimit is the per-IP connection rate limit recipe in mode
// tcp: the fourth connection within the period is refused.
func TestTCPConnRateLimit(t *testing.T) {
	t.Parallel()
	a := lbtest.NewTCPBackend(t, "a")
	p := lbtest.Start(t, tcpDefaults+`
frontend fe
    bind ${fe}
    stick-table type ip size 100 expire 10m store conn_rate(10m),conn_cur,gpc0
    tcp-request connection track-sc0 src
    tcp-request connection reject if { sc0_conn_rate gt 4 }
    tcp-request session sc-inc-gpc0(0)
    default_backend a

backend a
    server a ${a}
`, lbtest.Vars{"a": a.Addr})
	// Connect from 127.0.0.2 so that Start's readiness probes (from
	// 127.0.0.1) do not count against this source's rate.
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 10 * time.Second}
	for i := range 6 {
		want := "a\n"
		if i >= 4 {
			want = ""
		}
		var greet string
		c, err := d.Dial("tcp", p.Addr("fe"))
		if err == nil {
			c.SetDeadline(time.Now().Add(10 * time.Second))
			greet, _ = bufio.NewReader(c).ReadString('\n')
			c.Close()
		} else if want != "" {
			t.Fatalf("connection %d: %v", i, err)
		}
		// A rejected connection may also fail at connect time (reset):
		// either way no greeting arrives.
		if greet != want {
			t.Errorf("connection %d (rate %d): got %q, want %q", i, i+1, greet, want)
		}
	}
}

// TestTCPStickOnSrc: in mode tcp, "stick on src" keeps a client on the
// server it first reached, where roundrobin alone would alternate.
func TestTCPStickOnSrc(t *testing.T) {
	t.Parallel()
	a, b := lbtest.NewTCPBackend(t, "a"), lbtest.NewTCPBackend(t, "b")
	p := lbtest.Start(t, tcpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    balance roundrobin
    stick-table type ip size 100 expire 10m
    stick on src
    server a ${a}
    server b ${b}
`, lbtest.Vars{"a": a.Addr, "b": b.Addr})
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.3")}, Timeout: 10 * time.Second}
	var first string
	for i := range 5 {
		c, err := d.Dial("tcp", p.Addr("fe"))
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(10 * time.Second))
		greet, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		if i == 0 {
			first = greet
		} else if greet != first {
			t.Fatalf("connection %d went to %q, want %q (stuck)", i, greet, first)
		}
	}
}

// TestTCPObserveLayer4MarksDown: with "observe layer4", failed connections
// of live traffic count towards the server's health, and "on-error
// mark-down" takes it out at once, although its health check (on another
// port) still passes.
func TestTCPObserveLayer4MarksDown(t *testing.T) {
	t.Parallel()
	alive := lbtest.NewTCPBackend(t, "alive")
	_, checkPort, _ := net.SplitHostPort(alive.Addr)
	p := lbtest.Start(t, tcpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    retries 0
    server s1 ${dead} check port `+checkPort+` inter 1h observe layer4 error-limit 1 on-error mark-down
`, lbtest.Vars{"dead": lbtest.DeadAddr(t)})
	c, err := net.DialTimeout("tcp", p.Addr("fe"), 10*time.Second)
	if err == nil {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		io.ReadAll(c)
		c.Close()
	}
	p.WaitLog(t, "Server app/s1 is DOWN", 10*time.Second)
}
