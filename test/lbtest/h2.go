package lbtest

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
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

// RunProto is the protocol the whole end-to-end run speaks to hawser
// through NewClient, Get and Do, from the environment variable
// HAWSER_E2E_PROTO ("h1" when unset). The e2e package runs its tests once
// per protocol, so that every L7 test that goes through these helpers runs
// over HTTP/1.1, h2c and h2 over TLS.
func RunProto() Proto {
	switch p := Proto(os.Getenv(RunProtoEnv)); p {
	case H2C, H2:
		return p
	}
	return H1
}

// RunProtoEnv names the environment variable RunProto reads.
const RunProtoEnv = "HAWSER_E2E_PROTO"

// ClearProtos are the protocols a cleartext HTTP bind serves: hawser
// detects the HTTP/2 preface, so every cleartext L7 test can run over both.
var ClearProtos = []Proto{H1, H2C}

// ProtoClient returns a client speaking p that does not follow redirects.
// An h2c or h2 client multiplexes every request on one connection; with
// keepAlive false each request gets a new one.
//
// The scheme of the URL decides between the two HTTP/2 forms: an h2c or h2
// client sends "http://" URLs as h2c and "https://" ones over TLS. In an
// h2 run (RunProto), URL points at TLS binds, so h2c tests then run over
// TLS, and HTTP/1.1 tests over TLS too.
func ProtoClient(p Proto, keepAlive bool) *http.Client {
	var rt http.RoundTripper
	switch p {
	case H2C, H2:
		rt = h2Transport{
			clear: &http2.Transport{
				AllowHTTP: true,
				DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
					var d net.Dialer
					return d.DialContext(ctx, network, addr)
				},
			},
			tls: &http2.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2"}}},
		}
	default:
		return NewH1Client(keepAlive)
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

// h2Transport speaks h2c to "http://" URLs and HTTP/2 over TLS to
// "https://" ones.
type h2Transport struct{ clear, tls *http2.Transport }

func (t h2Transport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "https" {
		return t.tls.RoundTrip(r)
	}
	return t.clear.RoundTrip(r)
}

func (t h2Transport) CloseIdleConnections() {
	t.clear.CloseIdleConnections()
	t.tls.CloseIdleConnections()
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

// overRun is the protocol p really is in this run: an h2 run sends h2c
// tests over TLS.
func (p Proto) overRun() Proto {
	if p == H2C && RunProto() == H2 {
		return H2
	}
	return p
}

// LogRequest is how hawser's log shows the request line (%r) of a request
// for target sent to authority over p.
func (p Proto) LogRequest(method, authority, target string) string {
	return method + " " + p.LogURI(authority, target) + " " + p.LogVersion()
}

// LogURI is how hawser's log shows the target of a request for target
// (origin form) sent to authority over p (%HU, %r): an HTTP/2 request's
// target is its absolute URI, built from its pseudo-headers, as HAProxy
// shows it.
func (p Proto) LogURI(authority, target string) string {
	switch p.overRun() {
	case H2C:
		return "http://" + authority + target
	case H2:
		return "https://" + authority + target
	}
	return target
}
