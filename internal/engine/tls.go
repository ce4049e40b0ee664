package engine

import (
	"context"
	"crypto/tls"
	"fmt"
	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/balance"
	"net"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/sockio"
	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// ALPNer is implemented by a Handler that chooses the ALPN protocols its
// TLS listeners offer when a bind line sets neither alpn nor no-alpn
// (HAProxy offers h2,http/1.1 in mode http). A handler without it gets
// none: clients then speak HTTP/1.1.
type ALPNer interface {
	ALPN() []string
}

// Certs returns the certificate store shared by every generation: the
// runtime API replaces certificates through it.
func (e *Engine) Certs() *tlsconf.Store { return e.certs }

// compileTLSBind builds the TLS side of a bind line with "ssl".
func (e *Engine) compileTLSBind(b *config.Bind, fc *config.Frontend, snap *config.Snapshot) (*tlsconf.Bind, error) {
	var alpn []string
	h := e.opts.TCP
	if fc.Mode == config.ModeHTTP {
		h = e.opts.HTTP
	}
	if a, ok := h.(ALPNer); ok {
		alpn = a.ALPN()
	}
	tb, err := tlsconf.NewBind(e.certs, b.TLS, &snap.Global, alpn, fmt.Sprintf("%s:%d", b.Pos.File, b.Pos.Line))
	if err != nil {
		return nil, fmt.Errorf("bind %s: %w", b.Address, err)
	}
	for _, w := range tb.Warnings {
		e.log.Warn("tls setting adjusted", "file", b.Pos.File, "line", b.Pos.Line, "bind", b.Address, "detail", w)
	}
	return tb, nil
}

// compileTLSServer builds the TLS side of a server line with "ssl" (and
// of its checks with "check-ssl"); nil, nil when it has neither.
func (e *Engine) compileTLSServer(sc *config.Server, snap *config.Snapshot, check bool) (*tlsconf.Client, error) {
	t := sc.TLS
	if t == nil || !check && !t.SSL || check && !t.CheckSSL && !(t.SSL && sc.CheckPort == 0) {
		return nil, nil
	}
	c, err := tlsconf.NewClient(e.certs, t, &snap.Global, check)
	if err != nil {
		return nil, &config.Error{Pos: sc.Pos, Msg: fmt.Sprintf("server '%s': %v", sc.Name, err)}
	}
	if !check {
		for _, w := range c.Warnings {
			e.log.Warn("tls setting adjusted", "file", sc.Pos.File, "line", sc.Pos.Line, "server", sc.Name, "detail", w)
		}
	}
	return c, nil
}

// handshake runs the TLS handshake of a client connection on a TLS bind,
// in the connection's goroutine and bounded by timeout client, so that
// the handler gets a *tls.Conn whose ConnectionState is final.
func handshake(c net.Conn, s *Session, tb *tlsconf.Bind, timeout time.Duration) (*tls.Conn, error) {
	// The TLS records go through raw socket calls (package sockio).
	tc := tls.Server(sockio.Wrap(c), tb.Config())
	ctx := context.Background()
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	served := &tlsconf.Served{}
	if err := tc.HandshakeContext(tlsconf.WithServed(ctx, served)); err != nil {
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	st := tc.ConnectionState()
	s.TLS, s.TLSCert, s.TLSVerify = &st, served.Cert, served.Verify
	return tc, nil
}

// compileServerTLS sets the TLS client and SNI expression of a server
// with "ssl".
func (e *Engine) compileServerTLS(sv *balance.Server, sc *config.Server, snap *config.Snapshot) error {
	c, err := e.compileTLSServer(sc, snap, false)
	if err != nil || c == nil {
		return err
	}
	sv.TLS = c
	if sc.TLS.SNI != "" {
		x, err := acl.CompileExpr(sc.TLS.SNI)
		if err != nil {
			return &config.Error{Pos: sc.Pos, Msg: fmt.Sprintf("server '%s': sni: %v", sc.Name, err)}
		}
		sv.SNI = x
	}
	return nil
}
