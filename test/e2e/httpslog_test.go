package e2e

import (
	"crypto/tls"
	"regexp"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/tlsconf/tlstest"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestHTTPSLogAndErrorLogFormat checks "option httpslog" lines for
// requests over TLS, and the lines logged for failed handshakes: with
// error-log-format, and HAProxy's default error line without it.
func TestHTTPSLogAndErrorLogFormat(t *testing.T) {
	t.Parallel()
	_, vars := backends(t, "app")
	p := newPKI(t)
	vars["crt"], _ = p.write(t, "site.pem", tlstest.Opts{CN: "site", DNSNames: []string{"site.test"}})
	vars["ca"] = p.caFile(t)
	proc := lbtest.Start(t, `
global
    log stdout format raw local0

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe} ssl crt ${crt} ssl-min-ver TLSv1.3
    option httpslog
    error-log-format "ERR %ci %ft %[fc_err]/%{+Q}[fc_err_str] %{+Q}[ssl_fc_err_str] %[fc_err_name] %{+Q}[ssl_fc_hsk_err_str]"
    default_backend app
frontend mtls
    bind ${mtls} ssl crt ${crt} ca-file ${ca} verify required name mtls-bind
    option httpslog
    default_backend app
backend app
    server s ${app}
`, vars)
	roots := &tls.Config{RootCAs: tlstest.Pool(p.ca)}
	if _, _, err := tlsGet(t, proc.Addr("fe"), "site.test", "/hello", roots); err != nil {
		t.Fatal(err)
	}
	// httplog fields, then fc_err/ssl_fc_err,hex/ssl_c_err/ssl_c_ca_err/
	// ssl_fc_is_resumed and sni/version/cipher.
	proc.WaitLog(t, `fe~ app/s `, 5*time.Second)
	line := regexp.MustCompile(`(?m)^.* fe~ app/s .*$`).FindString(proc.Log())
	want := regexp.MustCompile(`^127\.0\.0\.1:\d+ \[[^]]+\] fe~ app/s \d+/\d+/\d+/\d+/\d+ 200 \d+ - - ---- \S+ 0/0 "GET /hello HTTP/1\.1" 0/0000000000000000/0/0/0 site\.test/TLSv1\.3/TLS_[A-Z0-9_]+$`)
	if !want.MatchString(line) {
		t.Errorf("httpslog line %q does not match %s", line, want)
	}

	// A client offering only TLS 1.2 to a TLS 1.3-only bind: error-log-format.
	old := &tls.Config{RootCAs: tlstest.Pool(p.ca), MaxVersion: tls.VersionTLS12}
	if _, _, err := tlsGet(t, proc.Addr("fe"), "site.test", "/", old); err == nil {
		t.Fatal("a TLS 1.2 client got through a TLS 1.3-only bind")
	}
	proc.WaitLog(t, `ERR 127.0.0.1 fe~ 34/"SSL handshake failure" "tls: client offered only unsupported versions`, 5*time.Second)
	proc.WaitLog(t, ` SSL_HANDSHAKE "tls: client offered only unsupported versions`, 5*time.Second)

	// No client certificate where one is required: the default error line.
	if _, _, err := tlsGet(t, proc.Addr("mtls"), "site.test", "/", roots); err == nil {
		t.Fatal("verify required accepted a client without certificate")
	}
	proc.WaitLog(t, `] mtls/mtls-bind: SSL handshake failure`, 5*time.Second)
	if !regexp.MustCompile(`(?m)^127\.0\.0\.1:\d+ \[\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] mtls/mtls-bind: SSL handshake failure$`).MatchString(proc.Log()) {
		t.Errorf("default error line not found in:\n%s", proc.Log())
	}
}
