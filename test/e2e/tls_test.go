package e2e

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// tlsGet sends GET path over TLS to addr with the given SNI and client
// config, and returns the response body and the certificate's CN.
func tlsGet(t *testing.T, addr, sni, path string, conf *tls.Config) (body, cn string, err error) {
	t.Helper()
	conf = conf.Clone()
	conf.ServerName = sni
	var servedCN string
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig:   conf,
		DisableKeepAlives: true,
		ForceAttemptHTTP2: false,
		TLSNextProto:      map[string]func(string, *tls.Conn) http.RoundTripper{},
	}}
	host := sni
	if host == "" {
		host = addr
	}
	req, _ := http.NewRequest("GET", "https://"+addr+path, nil)
	req.Host = host
	resp, err := c.Do(req)
	if err != nil {
		return "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.TLS != nil && len(resp.TLS.PeerCertificates) > 0 {
		servedCN = resp.TLS.PeerCertificates[0].Subject.CommonName
	}
	return string(b), servedCN, nil
}

// pki writes a CA and server certificates to a directory.
type pki struct {
	dir string
	ca  *tlstest.Cert
}

func newPKI(t *testing.T) *pki {
	return &pki{dir: t.TempDir(), ca: tlstest.NewCA(t, "Test CA")}
}

func (p *pki) write(t *testing.T, name string, o tlstest.Opts) (string, *tlstest.Cert) {
	c := tlstest.New(t, o, p.ca)
	return tlstest.Write(t, p.dir, name, c.PEM()), c
}

func (p *pki) caFile(t *testing.T) string {
	return tlstest.Write(t, p.dir, "ca.pem", p.ca.CertPEM)
}

func TestTLSBindSNIAndFetches(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := newPKI(t)
	vars["a"], _ = p.write(t, "a.pem", tlstest.Opts{CN: "a", DNSNames: []string{"a.test"}})
	vars["wild"], _ = p.write(t, "wild.pem", tlstest.Opts{CN: "wild", DNSNames: []string{"*.b.test"}})
	vars["list"] = tlstest.Write(t, p.dir, "list.txt", []byte(vars["a"]+" [alpn http/1.1] listed.test\n"))
	proc := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} ssl crt ${a} crt ${wild} crt-list ${list}
    http-request set-header X-SSL %[ssl_fc]
    http-request set-header X-SNI %[ssl_fc_sni]
    http-request set-header X-Proto %[ssl_fc_protocol]
    http-request set-header X-Cipher %[ssl_fc_cipher]
    http-request set-header X-Has-SNI %[ssl_fc_has_sni]
    http-request set-header X-Front-CN %[ssl_f_s_dn(CN)]
    http-request set-header X-ALPN %[ssl_fc_alpn]
    use_backend app if { ssl_fc_sni -m end .b.test } || { ssl_fc_sni a.test }
    default_backend app
backend app
    server s ${app}
`, vars)
	client := &tls.Config{RootCAs: tlstest.Pool(p.ca), MinVersion: tls.VersionTLS12, NextProtos: []string{"http/1.1"}}
	tests := []struct {
		name, sni, cn, hdrSNI, alpn string
	}{
		{name: "exact", sni: "a.test", cn: "a", hdrSNI: "a.test", alpn: "http/1.1"},
		{name: "wildcard", sni: "x.b.test", cn: "wild", hdrSNI: "x.b.test", alpn: "http/1.1"},
		{name: "crt-list filter and alpn", sni: "listed.test", cn: "a", hdrSNI: "listed.test", alpn: "http/1.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := client.Clone()
			if tc.sni == "listed.test" {
				conf.InsecureSkipVerify = true // the certificate names a.test
			}
			body, cn, err := tlsGet(t, proc.Addr("fe"), tc.sni, "/", conf)
			if err != nil {
				t.Fatal(err)
			}
			if body != "app" || cn != tc.cn {
				t.Fatalf("body %q cn %q, want app %q", body, cn, tc.cn)
			}
			r, _ := bs["app"].LastRequest()
			want := map[string]string{"X-SSL": "1", "X-SNI": tc.hdrSNI, "X-Proto": "TLSv1.3", "X-Cipher": "TLS_AES_128_GCM_SHA256",
				"X-Has-SNI": "1", "X-Front-CN": tc.cn, "X-ALPN": tc.alpn}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
	// TLS 1.2 with a chosen suite shows OpenSSL's suite name.
	conf := client.Clone()
	conf.MaxVersion = tls.VersionTLS12
	conf.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}
	if _, _, err := tlsGet(t, proc.Addr("fe"), "a.test", "/", conf); err != nil {
		t.Fatal(err)
	}
	r, _ := bs["app"].LastRequest()
	if r.Header.Get("X-Proto") != "TLSv1.2" || r.Header.Get("X-Cipher") != "ECDHE-ECDSA-AES256-GCM-SHA384" {
		t.Errorf("TLS 1.2: proto %q cipher %q", r.Header.Get("X-Proto"), r.Header.Get("X-Cipher"))
	}
	// Cleartext on the TLS port fails the handshake: no HTTP answer.
	if out := lbtest.Raw(t, proc.Addr("fe"), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 5*time.Second); strings.Contains(out, "HTTP/1.1") {
		t.Errorf("cleartext request answered: %q", out)
	}
}

func TestTLSStrictSNI(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := newPKI(t)
	vars["a"], _ = p.write(t, "a.pem", tlstest.Opts{CN: "a", DNSNames: []string{"a.test"}})
	proc := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} ssl crt ${a} strict-sni
    default_backend app
backend app
    server s ${app}
`, vars)
	client := &tls.Config{RootCAs: tlstest.Pool(p.ca)}
	if body, _, err := tlsGet(t, proc.Addr("fe"), "a.test", "/", client); err != nil || body != "app" {
		t.Fatalf("matching SNI: %q %v", body, err)
	}
	insecure := &tls.Config{InsecureSkipVerify: true}
	if _, _, err := tlsGet(t, proc.Addr("fe"), "other.test", "/", insecure); err == nil {
		t.Error("strict-sni served an unknown name")
	}
}

func TestTLSMutualAuth(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := newPKI(t)
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	vars["ca"] = p.caFile(t)
	proc := lbtest.Start(t, httpDefaults+`
frontend req
    bind ${req} ssl crt ${crt} ca-file ${ca} verify required
    http-request set-header X-SSL-Client-CN %{+Q}[ssl_c_s_dn(cn)]
    http-request set-header X-SSL-Client-DN %[ssl_c_s_dn]
    http-request set-header X-SSL-Issuer %[ssl_c_i_dn]
    http-request set-header X-SSL-Verify %[ssl_c_verify]
    http-request set-header X-SSL-Serial %[ssl_c_serial,hex]
    http-request set-header X-SSL-Not-After %[ssl_c_notafter]
    default_backend app
frontend opt
    bind ${opt} ssl crt ${crt} ca-file ${ca} verify optional
    http-request set-header X-SSL-Used %[ssl_c_used]
    http-request set-header X-SSL-Has-Crt %[ssl_fc_has_crt]
    default_backend app
backend app
    server s ${app}
`, vars)
	subj := pkix.Name{Country: []string{"FR"}, Organization: []string{"Acme"}, CommonName: "alice"}
	cc := tlstest.New(t, tlstest.Opts{Subject: &subj, Client: true}, p.ca)
	pair, err := tls.X509KeyPair(cc.CertPEM, cc.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	withCert := &tls.Config{RootCAs: tlstest.Pool(p.ca), Certificates: []tls.Certificate{pair}}
	noCert := &tls.Config{RootCAs: tlstest.Pool(p.ca)}
	rogueCA := tlstest.NewCA(t, "rogue")
	rc := tlstest.New(t, tlstest.Opts{CN: "mallory", Client: true}, rogueCA)
	roguePair, _ := tls.X509KeyPair(rc.CertPEM, rc.KeyPEM)
	rogue := &tls.Config{RootCAs: tlstest.Pool(p.ca), Certificates: []tls.Certificate{roguePair}}

	if _, _, err := tlsGet(t, proc.Addr("req"), "site.test", "/", withCert); err != nil {
		t.Fatal(err)
	}
	r, _ := bs["app"].LastRequest()
	want := map[string]string{
		"X-SSL-Client-CN": `"alice"`, "X-SSL-Client-DN": "/C=FR/O=Acme/CN=alice", "X-SSL-Issuer": "/CN=Test CA",
		"X-SSL-Verify": "0", "X-SSL-Serial": strings.ToUpper(cc.X509.SerialNumber.Text(16)),
		"X-SSL-Not-After": cc.X509.NotAfter.UTC().Format("060102150405Z"),
	}
	if len(want["X-SSL-Serial"])%2 == 1 {
		want["X-SSL-Serial"] = "0" + want["X-SSL-Serial"]
	}
	for k, v := range want {
		if got := r.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if _, _, err := tlsGet(t, proc.Addr("req"), "site.test", "/", noCert); err == nil {
		t.Error("verify required accepted a client without certificate")
	}
	if _, _, err := tlsGet(t, proc.Addr("req"), "site.test", "/", rogue); err == nil {
		t.Error("verify required accepted a certificate from another CA")
	}
	for _, tc := range []struct {
		conf *tls.Config
		used string
	}{{noCert, "0"}, {withCert, "1"}} {
		if _, _, err := tlsGet(t, proc.Addr("opt"), "site.test", "/", tc.conf); err != nil {
			t.Fatal(err)
		}
		r, _ := bs["app"].LastRequest()
		if r.Header.Get("X-SSL-Used") != tc.used || r.Header.Get("X-SSL-Has-Crt") != tc.used {
			t.Errorf("verify optional: used %q has_crt %q, want %q", r.Header.Get("X-SSL-Used"), r.Header.Get("X-SSL-Has-Crt"), tc.used)
		}
	}
}

// httpsBackend starts an HTTPS backend whose certificate names
// backend.test and echoes the SNI it got and the client certificate's CN.
func httpsBackend(t *testing.T, p *pki, clientCAs *x509.CertPool) string {
	c := tlstest.New(t, tlstest.Opts{CN: "backend", DNSNames: []string{"backend.test"}}, p.ca)
	pair, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cn := ""
		if len(r.TLS.PeerCertificates) > 0 {
			cn = r.TLS.PeerCertificates[0].Subject.CommonName
		}
		io.WriteString(w, "sni="+r.TLS.ServerName+" client="+cn+" resumed="+map[bool]string{true: "1", false: "0"}[r.TLS.DidResume])
	}))
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pair}}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // refused handshakes are expected
	if clientCAs != nil {
		srv.TLS.ClientCAs, srv.TLS.ClientAuth = clientCAs, tls.VerifyClientCertIfGiven
	}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "https://")
}

func TestTLSToServer(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := newPKI(t)
	vars := lbtest.Vars{"be": httpsBackend(t, p, tlstest.Pool(p.ca)), "ca": p.caFile(t), "otherca": other.caFile(t)}
	vars["client"], _ = p.write(t, "client.pem", tlstest.Opts{CN: "hawser-client", Client: true})
	proc := lbtest.Start(t, httpDefaults+`
frontend ok
    bind ${ok}
    default_backend ok
frontend host
    bind ${host}
    default_backend host
frontend badca
    bind ${badca}
    default_backend badca
frontend badname
    bind ${badname}
    default_backend badname
frontend noverify
    bind ${noverify}
    http-response set-header X-BC %[ssl_bc]
    http-response set-header X-BC-Proto %[ssl_bc_protocol]
    default_backend noverify
backend ok
    server s ${be} ssl verify required ca-file ${ca} sni str(backend.test) crt ${client}
backend host
    server s ${be} ssl ca-file ${ca} sni req.hdr(host)
backend badca
    server s ${be} ssl verify required ca-file ${otherca} sni str(backend.test)
backend badname
    server s ${be} ssl ca-file ${ca} verifyhost other.test
backend noverify
    server s ${be} ssl verify none
`, vars)
	tests := []struct {
		name, fe, host string
		status         int
		body           string
	}{
		{name: "verified with sni and client cert", fe: "ok", status: 200, body: "sni=backend.test client=hawser-client"},
		{name: "sni from host header", fe: "host", host: "backend.test", status: 200, body: "sni=backend.test client="},
		{name: "wrong ca", fe: "badca", status: 503},
		{name: "verifyhost mismatch", fe: "badname", status: 503},
		{name: "verify none", fe: "noverify", status: 200, body: "sni= client="},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var hdr []string
			if tc.host != "" {
				hdr = []string{"Host: " + tc.host}
			}
			r := lbtest.Get(t, proc.URL(tc.fe, "/"), hdr...)
			if r.Status != tc.status || tc.body != "" && !strings.HasPrefix(r.Body, tc.body) {
				t.Fatalf("got %d %q, want %d %q", r.Status, r.Body, tc.status, tc.body)
			}
			if tc.fe == "noverify" && (r.Header.Get("X-BC") != "1" || r.Header.Get("X-BC-Proto") != "TLSv1.3") {
				t.Errorf("ssl_bc %q ssl_bc_protocol %q", r.Header.Get("X-BC"), r.Header.Get("X-BC-Proto"))
			}
		})
	}
}

func TestTLSModeTCP(t *testing.T) {
	t.Parallel()
	tb := lbtest.NewTCPBackend(t, "echo")
	p := newPKI(t)
	vars := lbtest.Vars{"echo": tb.Addr}
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	proc := lbtest.Start(t, `
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind ${fe} ssl crt ${crt} alpn imap
    tcp-request content reject unless { ssl_fc_sni site.test }
    default_backend echo
backend echo
    server s ${echo}
`, vars)
	conn, err := tls.Dial("tcp", proc.Addr("fe"), &tls.Config{RootCAs: tlstest.Pool(p.ca), ServerName: "site.test", NextProtos: []string{"imap"}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if conn.ConnectionState().NegotiatedProtocol != "imap" {
		t.Errorf("alpn %q", conn.ConnectionState().NegotiatedProtocol)
	}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	br := bufio.NewReader(conn)
	if l, _ := br.ReadString('\n'); l != "echo\n" {
		t.Fatalf("greeting %q", l)
	}
	io.WriteString(conn, "ping\n")
	if l, _ := br.ReadString('\n'); l != "ping\n" {
		t.Fatalf("echo %q", l)
	}
	// Another SNI is rejected by the content rule after the handshake.
	c2, err := tls.Dial("tcp", proc.Addr("fe"), &tls.Config{InsecureSkipVerify: true, ServerName: "other.test"})
	if err == nil {
		c2.SetDeadline(time.Now().Add(10 * time.Second))
		if b, _ := io.ReadAll(c2); len(b) != 0 {
			t.Errorf("rejected connection got %q", b)
		}
		c2.Close()
	}
}

// hawser -c refuses bad TLS material, naming the config line and the
// file at fault.
func TestTLSCheckErrors(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	good, c := p.write(t, "good.pem", tlstest.Opts{CN: "good"})
	other := tlstest.New(t, tlstest.Opts{CN: "other"}, p.ca)
	nokey := tlstest.Write(t, p.dir, "nokey.pem", c.CertPEM)
	mismatch := tlstest.Write(t, p.dir, "mismatch.pem", append(append([]byte(nil), c.CertPEM...), other.KeyPEM...))
	empty := tlstest.Write(t, p.dir, "empty.pem", []byte("not a certificate\n"))
	badList := tlstest.Write(t, p.dir, "bad.list", []byte(good+"\n"+filepath.Join(p.dir, "missing.pem")+" a.test\n"))
	tests := []struct {
		name, line string
		want       []string
	}{
		{name: "missing file", line: "bind :8443 ssl crt " + filepath.Join(p.dir, "missing.pem"), want: []string{"hawser.cfg:3", "missing.pem", "no such file"}},
		{name: "no key", line: "bind :8443 ssl crt " + nokey, want: []string{"hawser.cfg:3", "nokey.pem", "no private key"}},
		{name: "key mismatch", line: "bind :8443 ssl crt " + mismatch, want: []string{"hawser.cfg:3", "mismatch.pem", "does not match"}},
		{name: "no certificate", line: "bind :8443 ssl crt " + empty, want: []string{"hawser.cfg:3", "empty.pem", "no certificate"}},
		{name: "crt-list line", line: "bind :8443 ssl crt-list " + badList, want: []string{"hawser.cfg:3", "bad.list", "line 2", "missing.pem"}},
		{name: "ssl without certificate", line: "bind :8443 ssl", want: []string{"hawser.cfg:3", "at least one certificate"}},
		{name: "verify without ca-file", line: "bind :8443 ssl crt " + good + " verify required", want: []string{"hawser.cfg:3", "ca-file"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := "frontend fe\n    mode tcp\n    " + tc.line + "\n    default_backend be\nbackend be\n    mode tcp\n    server s 127.0.0.1:9\n"
			path := tlstest.Write(t, t.TempDir(), "hawser.cfg", []byte(cfg))
			out, err := exec.Command(lbtest.Binary(), "-c", "-f", path).CombinedOutput()
			if err == nil {
				t.Fatalf("hawser -c accepted it:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
	t.Run("server verify without ca-file", func(t *testing.T) {
		t.Parallel()
		cfg := "backend be\n    mode http\n    server s 127.0.0.1:443 ssl\n"
		path := tlstest.Write(t, t.TempDir(), "hawser.cfg", []byte(cfg))
		out, err := exec.Command(lbtest.Binary(), "-c", "-f", path).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "hawser.cfg:3") || !strings.Contains(string(out), "ca-file") {
			t.Errorf("err %v:\n%s", err, out)
		}
	})
}

// A mode http TLS bind offers h2 and http/1.1 by default, as HAProxy
// does: an HTTP/2 client gets HTTP/2 and the ssl fetches work in its
// streams; alpn http/1.1 keeps it on HTTP/1.1.
func TestTLSDefaultALPNServesHTTP2(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := newPKI(t)
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	proc := lbtest.Start(t, httpDefaults+`
frontend def
    bind ${def} ssl crt ${crt}
    http-request set-header X-ALPN %[ssl_fc_alpn]
    http-request set-header X-SNI %[ssl_fc_sni]
    default_backend app
frontend h1
    bind ${h1} ssl crt ${crt} alpn http/1.1
    default_backend app
backend app
    server s ${app}
`, vars)
	for _, tc := range []struct{ fe, proto string }{{"def", "HTTP/2.0"}, {"h1", "HTTP/1.1"}} {
		c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: tlstest.Pool(p.ca), ServerName: "site.test"},
			ForceAttemptHTTP2: true,
		}}
		resp, err := c.Get("https://" + proc.Addr(tc.fe) + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c.CloseIdleConnections()
		if resp.Proto != tc.proto || string(body) != "app" {
			t.Errorf("%s: %s %q, want %s app", tc.fe, resp.Proto, body, tc.proto)
		}
		if tc.fe == "def" {
			r, _ := bs["app"].LastRequest()
			if r.Header.Get("X-ALPN") != "h2" || r.Header.Get("X-SNI") != "site.test" {
				t.Errorf("h2 stream fetches: alpn %q sni %q", r.Header.Get("X-ALPN"), r.Header.Get("X-SNI"))
			}
		}
	}
}

// Health checks run over TLS with check-ssl (or ssl without a check
// port): a verified HTTPS check keeps the server up, a handshake that
// fails verification takes it down as a layer 6 error.
func TestTLSHealthChecks(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	other := newPKI(t)
	vars := lbtest.Vars{"be": httpsBackend(t, p, nil), "ca": p.caFile(t), "otherca": other.caFile(t)}
	proc := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    use_backend bad if { path_beg /bad }
    default_backend good
backend good
    option httpchk GET /
    server ok ${be} ssl ca-file ${ca} verifyhost backend.test check inter 100ms
backend bad
    server ko ${be} ssl ca-file ${otherca} check check-ssl inter 100ms fall 1
`, vars)
	proc.WaitLog(t, "Server bad/ko is DOWN", healthWait)
	if !strings.Contains(proc.Log(), "Layer6") {
		t.Errorf("down reason is not a layer 6 error:\n%s", proc.Log())
	}
	if strings.Contains(proc.Log(), "Server good/ok is DOWN") {
		t.Errorf("verified TLS check failed:\n%s", proc.Log())
	}
	if r := lbtest.Get(t, proc.URL("fe", "/")); r.Status != 200 {
		t.Errorf("good backend: %d", r.Status)
	}
}

// Keep-alive requests share one TLS connection on each side, and a new
// server connection resumes the TLS session of the previous one.
func TestTLSKeepAliveAndServerResumption(t *testing.T) {
	t.Parallel()
	p := newPKI(t)
	vars := lbtest.Vars{"be": httpsBackend(t, p, nil), "ca": p.caFile(t)}
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	proc := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} ssl crt ${crt} alpn http/1.1
    default_backend be
backend be
    http-reuse never
    server s ${be} ssl ca-file ${ca} sni str(backend.test)
`, vars)
	var conns []string
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: tlstest.Pool(p.ca), ServerName: "site.test"},
	}}
	defer c.CloseIdleConnections()
	var bodies []string
	for range 3 {
		req, _ := http.NewRequest("GET", "https://"+proc.Addr("fe")+"/", nil)
		req = req.WithContext(httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
			GotConn: func(i httptrace.GotConnInfo) { conns = append(conns, i.Conn.LocalAddr().String()) },
		}))
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		bodies = append(bodies, string(b))
	}
	if conns[0] != conns[1] || conns[1] != conns[2] {
		t.Errorf("keep-alive requests used several connections: %v", conns)
	}
	// The server connection stays attached to the client connection, so
	// a second client connection makes hawser dial again: that one
	// resumes the session of the first.
	body, _, err := tlsGet(t, proc.Addr("fe"), "site.test", "/", &tls.Config{RootCAs: tlstest.Pool(p.ca)})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(bodies[0], "resumed=0") || !strings.HasSuffix(body, "resumed=1") {
		t.Errorf("server sessions: %q then %q", bodies, body)
	}
}

// crt-ignore-err lets a client certificate with that error through, and
// ssl_c_verify / ssl_c_err tell the backend which error it was; other
// errors still fail the handshake.
func TestTLSClientCertIgnoreErr(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "app")
	p := newPKI(t)
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	vars["ca"] = p.caFile(t)
	proc := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe} ssl crt ${crt} ca-file ${ca} verify required crt-ignore-err 10
    http-request set-header X-Verify %[ssl_c_verify]
    http-request set-header X-Err %[ssl_c_err]
    http-request set-header X-CN %[ssl_c_s_dn(CN)]
    default_backend app
backend app
    server s ${app}
`, vars)
	pair := func(c *tlstest.Cert) *tls.Config {
		kp, err := tls.X509KeyPair(c.CertPEM, c.KeyPEM)
		if err != nil {
			t.Fatal(err)
		}
		return &tls.Config{RootCAs: tlstest.Pool(p.ca), Certificates: []tls.Certificate{kp}}
	}
	expired := tlstest.New(t, tlstest.Opts{CN: "old", Client: true, NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(-24 * time.Hour)}, p.ca)
	valid := tlstest.New(t, tlstest.Opts{CN: "ok", Client: true}, p.ca)
	rogue := tlstest.New(t, tlstest.Opts{CN: "rogue", Client: true}, tlstest.NewCA(t, "rogue CA"))
	for _, tc := range []struct {
		name      string
		cert      *tlstest.Cert
		verify    string
		handshake bool
	}{
		{name: "expired is let through", cert: expired, verify: "10", handshake: true},
		{name: "valid", cert: valid, verify: "0", handshake: true},
		{name: "unknown CA still refused", cert: rogue},
	} {
		_, _, err := tlsGet(t, proc.Addr("fe"), "site.test", "/", pair(tc.cert))
		if !tc.handshake {
			if err == nil {
				t.Errorf("%s: accepted", tc.name)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		r, _ := bs["app"].LastRequest()
		if r.Header.Get("X-Verify") != tc.verify || r.Header.Get("X-Err") != tc.verify || r.Header.Get("X-CN") != tc.cert.X509.Subject.CommonName {
			t.Errorf("%s: verify %q err %q cn %q", tc.name, r.Header.Get("X-Verify"), r.Header.Get("X-Err"), r.Header.Get("X-CN"))
		}
	}
}
