package lbtest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"testing"
	"time"

	"golang.org/x/net/http2"
)

// Proto is the protocol a test client speaks to hawser.
type Proto string

// The protocols of L7 tests: HTTP/1.1, HTTP/2 over cleartext with prior
// knowledge, and HTTP/2 over TLS (ALPN "h2").
const (
	H1  Proto = "h1"
	H2C Proto = "h2c"
	H2  Proto = "h2"
)

// ClearProtos are the protocols a cleartext HTTP bind serves: hawser
// detects the HTTP/2 preface, so every cleartext L7 test can run over both.
var ClearProtos = []Proto{H1, H2C}

// ProtoClient returns a client speaking p that does not follow redirects.
// An h2c or h2 client multiplexes every request on one connection; with
// keepAlive false each request gets a new one.
func ProtoClient(p Proto, keepAlive bool) *http.Client {
	var rt http.RoundTripper
	switch p {
	case H2C:
		rt = &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}
	case H2:
		rt = &http2.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}}
	default:
		return NewClient(keepAlive)
	}
	if !keepAlive {
		rt = oneShot{rt}
	}
	return &http.Client{
		Timeout:   15 * time.Second,
		Transport: rt,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// oneShot closes the transport's connections after each exchange, so
// that each request opens a new one.
type oneShot struct{ rt http.RoundTripper }

func (o oneShot) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := o.rt.RoundTrip(r)
	if err == nil {
		resp.Body = closeIdle{resp.Body, o.rt}
	}
	return resp, err
}

type closeIdle struct {
	body interface {
		Read([]byte) (int, error)
		Close() error
	}
	rt http.RoundTripper
}

func (c closeIdle) Read(p []byte) (int, error) { return c.body.Read(p) }
func (c closeIdle) Close() error {
	err := c.body.Close()
	if ci, ok := c.rt.(interface{ CloseIdleConnections() }); ok {
		ci.CloseIdleConnections()
	}
	return err
}

// DoProto is Do over protocol p, on a new connection.
func DoProto(t testing.TB, p Proto, method, url string, headers ...string) Response {
	t.Helper()
	r, err := DoErr(ProtoClient(p, false), method, url, headers...)
	if err != nil {
		t.Fatalf("%s %s %s: %v", p, method, url, err)
	}
	return r
}

// RunProtos runs fn as a parallel subtest for each protocol.
func RunProtos(t *testing.T, protos []Proto, fn func(t *testing.T, p Proto)) {
	for _, p := range protos {
		t.Run(string(p), func(t *testing.T) {
			t.Parallel()
			fn(t, p)
		})
	}
}

// GetProto is Get over protocol p.
func GetProto(t testing.TB, p Proto, url string, headers ...string) Response {
	t.Helper()
	return DoProto(t, p, "GET", url, headers...)
}

// LogVersion is how hawser's log shows the version of a request sent over
// p (%HV).
func (p Proto) LogVersion() string {
	if p == H1 {
		return "HTTP/1.1"
	}
	return "HTTP/2.0"
}

// LogURI is how hawser's log shows the target of a request for target
// (origin form) sent to authority over p (%HU, %r): an HTTP/2 request's
// target is its absolute URI, built from its pseudo-headers, as HAProxy
// shows it.
func (p Proto) LogURI(authority, target string) string {
	switch p {
	case H2C:
		return "http://" + authority + target
	case H2:
		return "https://" + authority + target
	}
	return target
}
