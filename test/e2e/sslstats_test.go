package e2e

import (
	"crypto/tls"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestSSLProcessStats checks the process-wide TLS figures of the
// exporter: connections open and in total, handshake rates, and the
// share of resumed sessions (a second connection resumes the first
// one's session with a TLS 1.3 ticket).
func TestSSLProcessStats(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := newPKI(t)
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	proc := lbtest.Start(t, lbtest.ClearOnly+httpDefaults+`
frontend prom
    bind ${prom}
    http-request use-service prometheus-exporter
frontend fe
    bind ${fe} ssl crt ${crt}
    default_backend app
backend app
    server s ${app}
`, vars)
	metric := func(name string) int {
		body := lbtest.Get(t, proc.URL("prom", "/metrics?scope=global")).Body
		m := regexp.MustCompile(`(?m)^haproxy_process_` + name + ` (\d+)$`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no haproxy_process_%s in:\n%s", name, body)
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	conf := &tls.Config{RootCAs: tlstest.Pool(p.ca), ServerName: "site.test", ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	dial := func() *tls.Conn {
		c, err := tls.Dial("tcp", proc.Addr("fe"), conf)
		if err != nil {
			t.Fatal(err)
		}
		// A TLS 1.3 ticket arrives after the handshake: a request and
		// its response make sure it has been read.
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := c.Write([]byte("GET / HTTP/1.1\r\nHost: site.test\r\n\r\n")); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 12)
		if _, err := c.Read(buf); err != nil || string(buf) != "HTTP/1.1 200" {
			t.Fatalf("response %q: %v", buf, err)
		}
		return c
	}
	first := dial()
	if got := metric("current_ssl_connections"); got != 1 {
		t.Errorf("current_ssl_connections with one open: %d", got)
	}
	second := dial()
	if !second.ConnectionState().DidResume {
		t.Fatal("the second connection did not resume the first one's session")
	}
	first.Close()
	second.Close()
	lbtest.WaitUntil(t, "both TLS connections closed", 10*time.Second, func() bool {
		return metric("current_ssl_connections") == 0
	})
	if got := metric("ssl_connections_total"); got != 2 {
		t.Errorf("ssl_connections_total: %d, want 2", got)
	}
	if got := metric("max_ssl_rate"); got < 1 {
		t.Errorf("max_ssl_rate: %d", got)
	}
	// One full handshake, one resumed: a single new key.
	if got := metric("max_frontend_ssl_key_rate"); got != 1 {
		t.Errorf("max_frontend_ssl_key_rate: %d, want 1", got)
	}
}

// TestSSLRateLimit: "set rate-limit ssl-sessions global 1" holds a TLS
// bind's next connection while a handshake was made in the last second,
// leaves cleartext binds alone, and shows in "show info".
func TestSSLRateLimit(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := newPKI(t)
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	proc := lbtest.Start(t, lbtest.ClearOnly+httpDefaults+`
global
    stats socket ipv4@${cli} level admin
frontend fe
    bind ${fe} ssl crt ${crt}
    bind ${plain}
    default_backend app
backend app
    server s ${app}
`, vars)
	if got := cli(t, "tcp", proc.Addr("cli"), "set rate-limit ssl-sessions global 1"); got != "\n" {
		t.Fatalf("set rate-limit: %q", got)
	}
	if info := cli(t, "tcp", proc.Addr("cli"), "show info"); !strings.Contains(info, "\nSslRateLimit: 1\n") {
		t.Errorf("show info lacks SslRateLimit: 1")
	}
	conf := &tls.Config{RootCAs: tlstest.Pool(p.ca), ServerName: "site.test"}
	// A handshake held at the accept takes more than a second to finish,
	// one allowed does not wait for the limit: keep handshaking until one
	// is held, which the limit of one per second makes the second or
	// third at the latest.
	var done chan error
	held := false
	for range 3 {
		done = make(chan error, 1)
		go func() {
			c, err := tls.Dial("tcp", proc.Addr("fe"), conf)
			if err == nil {
				c.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(300 * time.Millisecond):
			held = true
		}
		if held {
			break
		}
	}
	if !held {
		t.Fatal("three handshakes in a row went through at once under a limit of one per second")
	}
	// While it is held, the cleartext bind still serves.
	if r := lbtest.GetH1(t, "http://"+proc.Addr("plain")+"/"); r.Status != 200 {
		t.Errorf("cleartext bind: status %d", r.Status)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("held handshake: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a held handshake never went through")
	}
}
