package l7

// HTTP/2 client connections: h2c with prior knowledge ("bind … proto h2"),
// h2c detected by its connection preface on any cleartext HTTP bind (as
// HAProxy's h1 mux upgrades on "PRI * HTTP/2.0"), and h2 over TLS when ALPN
// chose "h2".
//
// The connection loop is hawser's own (h2c in h2conn.go), in the manner of
// HAProxy's mux_h2: golang.org/x/net/http2's Framer and hpack do the
// framing and header compression, and this package keeps the stream state
// machine, flow control, SETTINGS, GOAWAY and the abuse limits. Each
// stream then runs the same transaction as an HTTP/1 request (txn) over
// its h2s (h2stream.go), which presents the stream as an HTTP/1.1
// connection carrying one request: the request is read as an HTTP/1.1
// head (":authority" becomes "host", fields in the order received)
// followed by its body, chunked when the client gave no content-length;
// the HTTP/1 response the transaction writes back is parsed and sent as
// HEADERS and DATA frames (connection-specific fields dropped, chunked
// trailers as HTTP/2 trailers). Rules, routing, balancing, persistence,
// error pages and logs are thus the HTTP/1 code, and the HTTP/1
// keep-alive path pays nothing for HTTP/2 beyond a flag test.

import (
	"bytes"
	"crypto/tls"
	"net"
	"time"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/config"
)

// HAProxy's defaults for tune.h2.*.
const (
	defaultH2MaxStreams = 100
	defaultH2Window     = 65535
)

// h2Preface is the client connection preface (RFC 9113 section 3.4).
const h2Preface = http2.ClientPreface

// negotiatedH2 reports whether c is a TLS connection whose handshake chose
// HTTP/2 by ALPN.
func negotiatedH2(c net.Conn) bool {
	tc, ok := c.(*tls.Conn)
	return ok && tc.ConnectionState().NegotiatedProtocol == http2.NextProtoTLS
}

// h2Settings derives the advertised settings from the global tune.h2.*
// values.
func h2Settings(g *config.Global) (streams uint32, window int32) {
	n := firstPositive(g.H2.FeMaxConcurrentStreams, g.H2.MaxConcurrentStreams, defaultH2MaxStreams)
	w := firstPositive(g.H2.FeInitialWindowSize, g.H2.InitialWindowSize, defaultH2Window)
	return uint32(n), int32(min(w, 1<<31-1))
}

func firstPositive(vs ...int) int {
	for _, v := range vs {
		if v > 0 {
			return v
		}
	}
	return 0
}

// prefaceConn replays the bytes read while detecting the HTTP/2 preface
// before reading the connection again.
type prefaceConn struct {
	net.Conn
	pre []byte
}

func (c *prefaceConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

// CloseWrite half-closes the underlying connection when it can.
func (c *prefaceConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return c.Conn.Close()
}

// h2PrefaceAhead reports whether the client opened the connection with
// the HTTP/2 preface. It reads only while what arrived is a prefix of the
// preface, so an HTTP/1 request is never waited on.
func (t *txn) h2PrefaceAhead() bool {
	for {
		buf, _ := t.br.Peek(t.br.Buffered())
		n := min(len(buf), len(h2Preface))
		if !bytes.Equal(buf[:n], []byte(h2Preface[:n])) {
			return false
		}
		if n == len(h2Preface) {
			return true
		}
		if _, err := t.br.Peek(len(buf) + 1); err != nil {
			return false
		}
	}
}

// upgradeH2 serves the connection as HTTP/2 after its preface was seen
// where an HTTP/1 request was expected.
func (t *txn) upgradeH2() {
	buf, _ := t.br.Peek(t.br.Buffered())
	pre := bytes.Clone(buf)
	t.br.Discard(len(buf))
	t.conn.SetDeadline(time.Time{})
	t.h.serveH2(&prefaceConn{Conn: t.conn, pre: pre}, t.sess)
	t.closeClient = true
}

// Glitches serves fc_glitches: the glitches counted on the client's
// HTTP/2 connection, 0 for HTTP/1.
func (t *txn) Glitches() int64 {
	if s, ok := t.conn.(*h2s); ok && t.h2 {
		return s.c.glitches.Load()
	}
	return 0
}
