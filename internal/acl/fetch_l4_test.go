package acl

import (
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/clienthello"
)

// contentSample is a mode tcp Sample: fakeSample without HTTP plus a
// payload.
type contentSample struct {
	fakeSample
	buf   []byte
	final bool
}

func (c *contentSample) Payload() ([]byte, bool) { return c.buf, c.final }

func (c *contentSample) Hello() (*clienthello.Hello, error) { return clienthello.Parse(c.buf) }

func tcpSample(payload []byte, final bool) *contentSample {
	s := &contentSample{buf: payload, final: final}
	s.fakeSample = *req("GET", "/")
	s.notHTTP = true
	return s
}

// clientHello captures the first record a crypto/tls client sends.
func clientHello(t *testing.T, sni string, alpn ...string) []byte {
	t.Helper()
	client, server := net.Pipe()
	go func() {
		_ = tls.Client(client, &tls.Config{ServerName: sni, NextProtos: alpn}).Handshake()
	}()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(server, hdr); err != nil {
		t.Fatal(err)
	}
	rec := make([]byte, 5+(int(hdr[3])<<8|int(hdr[4])))
	copy(rec, hdr)
	if _, err := io.ReadFull(server, rec[5:]); err != nil {
		t.Fatal(err)
	}
	server.Close()
	client.Close()
	return rec
}

func TestL4Fetches(t *testing.T) {
	t.Parallel()
	hello := clientHello(t, "www.example.com", "h2", "http/1.1")
	tests := []struct {
		name    string
		cond    string
		payload []byte
		final   bool
		want    Tri
	}{
		{name: "sni", cond: "{ req.ssl_sni -i WWW.example.com }", payload: hello, want: Pass},
		{name: "sni old name", cond: "{ req_ssl_sni -m end .example.com }", payload: hello, want: Pass},
		{name: "sni other", cond: "{ req_ssl_sni other.example.com }", payload: hello, want: Fail},
		{name: "sni partial waits", cond: "{ req_ssl_sni www.example.com }", payload: hello[:40], want: Miss},
		{name: "sni partial final fails", cond: "{ req_ssl_sni www.example.com }", payload: hello[:40], final: true, want: Fail},
		{name: "hello type", cond: "{ req_ssl_hello_type 1 }", payload: hello, want: Pass},
		{name: "hello type not tls", cond: "{ req_ssl_hello_type 1 }", payload: []byte("GET / HTTP/1.1\r\n"), want: Fail},
		{name: "hello type empty waits", cond: "{ req_ssl_hello_type 1 }", want: Miss},
		{name: "ssl ver", cond: "{ req.ssl_ver ge 196609 }", payload: hello, want: Pass},
		{name: "alpn second", cond: "{ req.ssl_alpn http/1.1 }", payload: hello, want: Pass},
		{name: "ec ext", cond: "{ req.ssl_ec_ext }", payload: hello, want: Pass},
		{name: "len grows", cond: "{ req.len ge 5 }", payload: []byte("abc"), want: Miss},
		{name: "len final", cond: "{ req.len ge 5 }", payload: []byte("abc"), final: true, want: Fail},
		{name: "len enough", cond: "{ req.len ge 3 }", payload: []byte("abc"), want: Pass},
		{name: "payload", cond: "{ req.payload(1,2) -m bin 6263 }", payload: []byte("abcd"), want: Pass},
		{name: "payload short waits", cond: "{ req.payload(2,4) -m found }", payload: []byte("abcd"), want: Miss},
		{name: "payload_lv", cond: "{ req.payload_lv(0,1) -m str bcd }", payload: []byte("\x03bcdef"), want: Pass},
		{name: "payload_lv relative", cond: "{ req.payload_lv(0,1,+1) -m str cd }", payload: []byte("\x02bcdef"), want: Pass},
		{name: "proto_http", cond: "{ req.proto_http }", payload: []byte("GET / HTTP/1.1\r\n"), want: Pass},
		{name: "proto_http tls", cond: "{ req.proto_http }", payload: hello, want: Fail},
		{name: "proto_http partial waits", cond: "{ req.proto_http }", payload: []byte("GET /ind"), want: Miss},
		{name: "wait_end waits", cond: "WAIT_END", want: Miss},
		{name: "wait_end final", cond: "WAIT_END", final: true, want: Pass},
		{name: "or passes over miss", cond: "{ req.len ge 9 } || { src 10.0.0.1 }", payload: []byte("a"), want: Pass},
		{name: "and fails over miss", cond: "{ req.len ge 9 } { src 10.9.9.9 }", payload: []byte("a"), want: Fail},
		{name: "negated miss stays miss", cond: "!{ req.len ge 9 }", payload: []byte("a"), want: Miss},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Compile(strings.Fields(tc.cond), false, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.MatchMiss(tcpSample(tc.payload, tc.final)); got != tc.want {
				t.Errorf("MatchMiss(%s) = %d, want %d", tc.cond, got, tc.want)
			}
		})
	}
}

func TestL4FetchesWithoutContent(t *testing.T) {
	t.Parallel()
	c, err := Compile(strings.Fields("{ req.len ge 0 }"), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.MatchMiss(req("GET", "/")); got != Fail {
		t.Errorf("req.len on an HTTP sample = %d, want Fail", got)
	}
}
