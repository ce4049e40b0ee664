package logging

import (
	"crypto/tls"
	"crypto/x509"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/acl"
)

// fakeTLSReq is a request on a TLS connection, or one whose handshake
// failed (err set).
type fakeTLSReq struct {
	fakeReq
	st      *tls.ConnectionState
	crtErr  int
	caErr   int
	errCode int
	errText string
}

func (r *fakeTLSReq) TLSState() *tls.ConnectionState { return r.st }
func (r *fakeTLSReq) TLSCert() *x509.Certificate     { return nil }
func (r *fakeTLSReq) TLSVerify() (int, int, int, int) {
	return max(r.crtErr, r.caErr), r.crtErr, r.caErr, 0
}
func (r *fakeTLSReq) ConnErr() (int, string) { return r.errCode, r.errText }

func TestHTTPSLogFormat(t *testing.T) {
	t.Parallel()
	httpsLine := func(s *fakeTLSReq) string {
		e := httpEntry()
		e.TLSVersion, e.TLSCipher = "TLSv1.3", "TLS_AES_128_GCM_SHA256"
		return string(httpsLog.AppendSample(nil, e, s))
	}
	plain := string(httpLog.AppendSample(nil, httpEntry(), &fakeReq{path: "/"}))
	tests := []struct {
		name string
		smp  *fakeTLSReq
		tail string
	}{
		{"new session", &fakeTLSReq{st: &tls.ConnectionState{ServerName: "www.test"}}, " 0/0000000000000000/0/0/0 www.test/TLSv1.3/TLS_AES_128_GCM_SHA256"},
		{"resumed, no SNI", &fakeTLSReq{st: &tls.ConnectionState{DidResume: true}}, " 0/0000000000000000/0/0/1 -/TLSv1.3/TLS_AES_128_GCM_SHA256"},
		{"ignored verify errors", &fakeTLSReq{st: &tls.ConnectionState{}, crtErr: 10, caErr: 20}, " 0/0000000000000000/10/20/0 -/TLSv1.3/TLS_AES_128_GCM_SHA256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := httpsLine(tc.smp)
			// httpslog is the httplog line plus the TLS fields; ssl_fc_err,hex
			// is 8 bytes as HAProxy casts integers to binary (c_int2bin).
			if want := plain + tc.tail; got != want {
				t.Errorf("httpslog line\n got %q\nwant %q", got, want)
			}
		})
	}
}

func TestErrorLogFetches(t *testing.T) {
	t.Parallel()
	failed := &fakeTLSReq{errCode: acl.ConnErrSSLHandshake, errText: "tls: client didn't provide a certificate"}
	tests := []struct {
		name, format string
		smp          acl.Sample
		want         string
	}{
		{"handshake failure", "%[fc_err] %{+Q}[fc_err_str] %[ssl_fc_err] %{+Q}[ssl_fc_err_str]", failed,
			`34 "SSL handshake failure" - "tls: client didn't provide a certificate"`},
		{"timeout", "%[fc_err]:%[fc_err_str]", &fakeTLSReq{errCode: acl.ConnErrSSLTimeout}, "26:Timeout during SSL handshake"},
		{"no error on TLS", "%[fc_err] %[fc_err_str] %[ssl_fc_err] %[ssl_fc_err_str]", &fakeTLSReq{st: &tls.ConnectionState{}}, "0 - 0 -"},
		{"cleartext", "%[fc_err] %[fc_err_str] %[ssl_fc_err]", &fakeReq{path: "/"}, "0 - -"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := ParseFormat(tc.format)
			if err != nil {
				t.Fatal(err)
			}
			if got := string(f.AppendSample(nil, httpEntry(), tc.smp)); got != tc.want {
				t.Errorf("%s = %q, want %q", tc.format, got, tc.want)
			}
		})
	}
	if !strings.HasSuffix(HTTPSLogFormat, "%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc") {
		t.Errorf("HTTPSLogFormat = %q", HTTPSLogFormat)
	}
}
