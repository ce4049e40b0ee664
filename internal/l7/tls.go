package l7

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/sockio"
	"github.com/hawser-lb/hawser/internal/tlsconf"
)

var (
	_           acl.TLSSample   = (*txn)(nil)
	_           acl.ProxySample = (*txn)(nil)
	_           acl.BackendTLS  = (*txn)(nil)
	_           engine.ALPNer   = (*Handler)(nil)
	defaultALPN                 = []string{"h2", "http/1.1"}
)

// ALPN is what a TLS bind of a mode http frontend offers when its line
// sets neither alpn nor no-alpn: h2 and http/1.1, as HAProxy does since
// 2.8. ServeConn serves HTTP/2 when the client picked h2.
func (h *Handler) ALPN() []string { return defaultALPN }

// ProxyHeader serves the fc_rcvd_proxy and fc_pp_* fetches.
func (t *txn) ProxyHeader() ([]byte, bool) { return t.sess.ProxyTLVs, t.sess.ProxyRcvd }

// TLSState serves the ssl_fc* and ssl_c_* fetches.
func (t *txn) TLSState() *tls.ConnectionState { return t.sess.TLS }

// TLSCert serves the ssl_f_* fetches.
func (t *txn) TLSCert() *x509.Certificate { return t.sess.ServedCert() }

// TLSVerify serves ssl_c_verify and the ssl_c_*err fetches.
func (t *txn) TLSVerify() (int, int, int, int) { return t.sess.VerifyResult() }

// BackendTLSState serves the ssl_bc* fetches: the TLS state of the
// server connection the request uses.
func (t *txn) BackendTLSState() *tls.ConnectionState {
	if t.sc == nil {
		return nil
	}
	return t.sc.tls
}

// serverName evaluates the server's "sni" expression for this request.
func (t *txn) serverName() string {
	b, ok := t.srv.SNI.AppendString(nil, t)
	if !ok {
		return ""
	}
	return string(b)
}

// tlsClient runs the TLS handshake with a server, bounded by timeout
// connect. The *tls.Conn replaces the socket, so idle.go and more.go,
// which need a bare *net.TCPConn, fall back to plain reads and writes.
func tlsClient(c net.Conn, tc *tlsconf.Client, sni string, timeout time.Duration) (net.Conn, *tls.ConnectionState, error) {
	// The TLS records go through raw socket calls (package sockio).
	conn := tc.Conn(sockio.Wrap(c), sni)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := conn.HandshakeContext(ctx); err != nil {
		c.Close()
		return nil, nil, fmt.Errorf("TLS handshake with server: %w", err)
	}
	st := conn.ConnectionState()
	return conn, &st, nil
}
