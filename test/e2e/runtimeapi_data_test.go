package e2e

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

const runtimeDataCfg = `
global
    stats socket ipv4@${cli} level admin
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind ${fe}
    use_backend %[req.hdr(host),map(${map},app)]
frontend fes
    bind ${fes} ssl crt ${crt}
    default_backend app
backend app
    balance roundrobin
    server s1 ${s1}
    server s2 ${s2}
backend other
    server o1 ${o1}
`

// startDataProc runs hawser with a host map and a TLS frontend.
func startDataProc(t *testing.T) (p *lbtest.Proc, ca *tlstest.Cert, certs [2]*tlstest.Cert) {
	t.Helper()
	dir := t.TempDir()
	ca = tlstest.NewCA(t, "e2e ca")
	certs[0] = tlstest.New(t, tlstest.Opts{CN: "one.example", DNSNames: []string{"one.example"}}, ca)
	certs[1] = tlstest.New(t, tlstest.Opts{CN: "two.example", DNSNames: []string{"two.example"}}, ca)
	crt := tlstest.Write(t, dir, "site.pem", certs[0].PEM())
	mapFile := tlstest.Write(t, dir, "hosts.map", []byte("known.example other\n"))
	_, vars := backends(t, "s1", "s2", "o1")
	vars["crt"], vars["map"] = crt, mapFile
	return lbtest.Start(t, lbtest.ClearOnly+runtimeDataCfg, vars), ca, certs
}

func TestRuntimeAPIMapsAndCerts(t *testing.T) {
	t.Parallel()
	p, ca, _ := startDataProc(t)
	admin := p.Addr("cli")
	if r := lbtest.Get(t, p.URL("fe", "/"), "Host: new.example"); r.Body != "s1" && r.Body != "s2" {
		t.Fatalf("before add map: %q", r.Body)
	}
	if got := cli(t, "tcp", admin, "add map #0 new.example other"); got != "\n" {
		t.Fatalf("add map: %q", got)
	}
	if r := lbtest.Get(t, p.URL("fe", "/"), "Host: new.example"); r.Body != "o1" {
		t.Fatalf("after add map: %q", r.Body)
	}
	out := cli(t, "tcp", admin, "show ssl cert")
	crt := strings.TrimSpace(strings.TrimPrefix(out, "# filename\n"))
	c := tlstest.New(t, tlstest.Opts{CN: "three.example", DNSNames: []string{"three.example"}}, ca)
	if got := cli(t, "tcp", admin, "set ssl cert "+crt+" <<\n"+string(c.PEM())); !strings.HasPrefix(got, "Transaction created") {
		t.Fatalf("set ssl cert: %q", got)
	}
	if got := cli(t, "tcp", admin, "commit ssl cert "+crt); got != "Committing "+crt+"\nSuccess!\n\n" {
		t.Fatalf("commit: %q", got)
	}
	conn, err := tls.Dial("tcp", p.Addr("fes"), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if cn := conn.ConnectionState().PeerCertificates[0].Subject.CommonName; cn != "three.example" {
		t.Fatalf("handshake after commit got %q", cn)
	}
	// A reload re-reads the map file: the runtime entry is gone.
	if !p.Reload(t) {
		t.Fatal("reload failed")
	}
	lbtest.WaitUntil(t, "reload to drop the runtime map entry", 10*time.Second, func() bool {
		r := lbtest.Get(t, p.URL("fe", "/"), "Host: new.example")
		return r.Body == "s1" || r.Body == "s2"
	})
}

// TestRuntimeAPIChurn changes weights, server states, a map and a
// certificate 1,000 times while a bounded load runs over HTTP and TLS:
// no request may fail.
func TestRuntimeAPIChurn(t *testing.T) {
	t.Parallel()
	p, _, certs := startDataProc(t)
	admin := p.Addr("cli")
	crt := strings.TrimSpace(strings.TrimPrefix(cli(t, "tcp", admin, "show ssl cert"), "# filename\n"))
	var stop atomic.Bool
	var failed, done atomic.Int64
	var firstErr atomic.Value
	var wg sync.WaitGroup
	load := func(client *http.Client, url, host string) {
		for i := 0; i < 3000 && !stop.Load(); i++ {
			req, _ := http.NewRequest("GET", url, nil)
			req.Host = host
			resp, err := client.Do(req)
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != 200 {
					err = fmt.Errorf("status %d", resp.StatusCode)
				}
			}
			if err != nil {
				failed.Add(1)
				firstErr.CompareAndSwap(nil, err.Error())
			}
			done.Add(1)
		}
	}
	tlsClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, DisableKeepAlives: true}}
	wg.Go(func() { load(http.DefaultClient, p.URL("fe", "/"), "known.example") })
	wg.Go(func() { load(http.DefaultClient, p.URL("fe", "/"), "x.example") })
	wg.Go(func() { load(tlsClient, "https://"+p.Addr("fes")+"/", "one.example") })

	pems := [2]string{string(certs[0].PEM()), string(certs[1].PEM())}
	for i := range 1000 {
		var cmd string
		switch i % 4 {
		case 0:
			cmd = fmt.Sprintf("set server app/s1 weight %d; set server app/s2 weight %d", 1+i%7, 1+(i/4)%5)
		case 1:
			cmd = "set server app/s1 state " + []string{"drain", "ready"}[(i/4)%2]
		case 2:
			v := i/4 + 1
			be := []string{"other", "app"}[(i/4)%2]
			cmd = fmt.Sprintf("prepare map #0; add map @%d #0 known.example %s; add map @%d #0 x.example %s; commit map @%d #0", v, be, v, be, v)
		case 3:
			cli(t, "tcp", admin, "set ssl cert "+crt+" <<\n"+pems[(i/4)%2])
			cmd = "commit ssl cert " + crt
		}
		out := cli(t, "tcp", admin, cmd)
		if strings.Contains(out, "rror") || strings.Contains(out, "not") || strings.Contains(out, "Unknown") {
			t.Fatalf("%s: %q", cmd, out)
		}
	}
	stop.Store(true)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d of %d requests failed; first: %v", n, done.Load(), firstErr.Load())
	}
	t.Logf("%d requests during the churn", done.Load())
	if got := cli(t, "tcp", admin, "show map"); !strings.Contains(got, "curr_ver=250 next_ver=250 entry_cnt=2") {
		t.Errorf("show map after churn: %q", got)
	}
}

func TestRuntimeAPIAddServer(t *testing.T) {
	t.Parallel()
	p, _, _ := startDataProc(t)
	admin := p.Addr("cli")
	s3 := lbtest.NewBackend(t, "s3")
	if got := cli(t, "tcp", admin, "add server app/s3 "+s3.Addr); got != "New server registered.\n\n" {
		t.Fatalf("add server: %q", got)
	}
	url := p.URL("fe", "/")
	if got := serverCounts(t, url, 10); got["s3"] != 0 {
		t.Fatalf("new server in maintenance took traffic: %v", got)
	}
	cli(t, "tcp", admin, "enable server app/s3")
	if got := serverCounts(t, url, 30); got["s1"] != 10 || got["s2"] != 10 || got["s3"] != 10 {
		t.Fatalf("after enable server: %v", got)
	}
	if got := cli(t, "tcp", admin, "show servers state app"); !strings.Contains(got, " app 3 s3 127.0.0.1 2 0 1 1 ") {
		t.Errorf("show servers state:\n%s", got)
	}
	if got := cli(t, "tcp", admin, "del server app/s3"); got != "Only servers in maintenance mode can be deleted.\n" {
		t.Fatalf("del server in service: %q", got)
	}
	cli(t, "tcp", admin, "disable server app/s3")
	lbtest.WaitUntil(t, "del server", 5*time.Second, func() bool {
		got := cli(t, "tcp", admin, "del server app/s3")
		if got != "Server deleted.\n\n" && got != "Server still has connections attached to it, cannot remove it.\n\n" {
			t.Fatalf("del server: %q", got)
		}
		return got == "Server deleted.\n\n"
	})
	if got := serverCounts(t, url, 10); got["s1"] != 5 || got["s2"] != 5 {
		t.Fatalf("after del server: %v", got)
	}
}
