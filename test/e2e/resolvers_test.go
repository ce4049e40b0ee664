package e2e

import (
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// samePortServers starts HTTP servers answering their name on 127.0.0.1
// and 127.0.0.2 with one port, so that only the address tells them apart.
func samePortServers(t *testing.T) string {
	t.Helper()
	ln1, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(ln1.Addr().String())
	ln2, err := net.Listen("tcp", "127.0.0.2:"+port)
	if err != nil {
		ln1.Close()
		t.Skipf("127.0.0.2 not usable: %v", err)
	}
	for _, ln := range []net.Listener{ln1, ln2} {
		host, _, _ := net.SplitHostPort(ln.Addr().String())
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, host)
		})}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}
	return port
}

// TestResolvers resolves a server's name through a resolvers section
// (an in-process DNS server) and follows the name when its address
// changes, health checks included.
func TestResolvers(t *testing.T) {
	t.Parallel()
	port := samePortServers(t)
	dns := lbtest.NewDNS(t)
	dns.Set("app.test", "127.0.0.1")
	p := lbtest.Start(t, `
resolvers dns
    nameserver ns1 ${dns}
    resolve_retries 3
    timeout resolve 100ms
    timeout retry 1s
    hold valid 10s
    accepted_payload_size 8192

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    default_backend be
backend be
    option httpchk GET /
    server s1 app.test:${port} resolvers dns resolve-prefer ipv4 init-addr none check inter 100ms
`, lbtest.Vars{"dns": dns.Addr, "port": port})
	body := func() string {
		r, err := lbtest.DoErr(lbtest.NewClient(false), "GET", p.URL("fe", "/"))
		if err != nil {
			return err.Error()
		}
		return fmt.Sprintf("%d %s", r.Status, r.Body)
	}
	lbtest.WaitUntil(t, "the first address", 10*time.Second, func() bool { return body() == "200 127.0.0.1" })
	dns.Set("app.test", "127.0.0.2")
	lbtest.WaitUntil(t, "the new address", 10*time.Second, func() bool { return body() == "200 127.0.0.2" })
}

// TestServerTemplate spreads a server-template over the addresses of the
// answer: two addresses for three servers, the third staying in
// maintenance, so every request succeeds and both addresses serve.
func TestServerTemplate(t *testing.T) {
	t.Parallel()
	port := samePortServers(t)
	dns := lbtest.NewDNS(t)
	dns.Set("pool.test", "127.0.0.1", "127.0.0.2")
	p := lbtest.Start(t, `
resolvers dns
    nameserver ns1 ${dns}
    timeout resolve 100ms

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    default_backend be
backend be
    server-template app 1-3 pool.test:${port} resolvers dns resolve-prefer ipv4 init-addr none
`, lbtest.Vars{"dns": dns.Addr, "port": port})
	c := lbtest.NewClient(false)
	lbtest.WaitUntil(t, "both addresses in use", 10*time.Second, func() bool {
		seen := map[string]int{}
		for range 6 {
			r, err := lbtest.DoErr(c, "GET", p.URL("fe", "/"))
			if err != nil || r.Status != 200 {
				return false
			}
			seen[r.Body]++
		}
		return len(seen) == 2
	})
}

// TestResolverMetrics checks promex's resolver module: each nameserver's
// queries and answers, labelled with its section and name.
func TestResolverMetrics(t *testing.T) {
	t.Parallel()
	dns := lbtest.NewDNS(t)
	dns.Set("app.test", "127.0.0.1")
	p := lbtest.Start(t, `
resolvers dns
    nameserver ns1 ${dns}
    timeout resolve 100ms
    timeout retry 1s

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend prom
    bind ${prom}
    http-request use-service prometheus-exporter
backend be
    server s1 app.test:80 resolvers dns init-addr none
    server s2 missing.test:80 resolvers dns init-addr none
`, lbtest.Vars{"dns": dns.Addr})
	value := func(body, name string) int {
		m := regexp.MustCompile(`(?m)^haproxy_resolver_` + name + `\{resolver="dns",nameserver="ns1"\} (\d+)$`).FindStringSubmatch(body)
		if m == nil {
			return -1
		}
		n, _ := strconv.Atoi(m[1])
		return n
	}
	var body string
	lbtest.WaitUntil(t, "answers from the nameserver", 10*time.Second, func() bool {
		body = lbtest.Get(t, p.URL("prom", "/metrics?scope=resolver")).Body
		return value(body, "valid") > 0 && value(body, "nx") > 0
	})
	if sent, valid, nx := value(body, "sent"), value(body, "valid"), value(body, "nx"); sent < valid+nx || value(body, "any_err") < nx || value(body, "timeout") != 0 {
		t.Errorf("sent %d, valid %d, nx %d:\n%s", sent, valid, nx, body)
	}
	if strings.Contains(body, "haproxy_process_") || !strings.Contains(body, "# TYPE haproxy_resolver_sent counter") {
		t.Errorf("scope=resolver:\n%s", body)
	}
}
