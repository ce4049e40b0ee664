package health

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/http2"

	"github.com/hawser-lb/hawser/internal/config"
)

// checkProto is the protocol of a server's HTTP checks: "check-proto",
// else the server's (HAProxy lets HTTP checks inherit the server's HTTP
// protocol), else HTTP/1.
func checkProto(s *config.Server) string {
	if s.CheckProto != "" {
		return s.CheckProto
	}
	if s.HTTP2() {
		return "h2"
	}
	return "h1"
}

// httpCheckH2 sends the check request as one HTTP/2 stream (h2c with prior
// knowledge) on conn and judges the response, as httpCheck does over
// HTTP/1. The connection's deadline bounds the exchange.
func (k *Checker) httpCheckH2(conn net.Conn, hc *config.HTTPCheck, exp *expectation) result {
	tr := &http2.Transport{DisableCompression: true}
	cc, err := tr.NewClientConn(conn)
	if err != nil {
		return ioFailure(err)
	}
	defer cc.Close()
	host := hc.Host
	hdr := http.Header{"User-Agent": {""}}
	for _, h := range hc.Headers {
		if strings.EqualFold(h[0], "host") {
			host = h[1]
			continue
		}
		hdr.Add(h[0], h[1])
	}
	uri := orDefault(hc.URI, "/")
	u, err := url.ParseRequestURI(uri)
	if err != nil {
		return result{status: StatusL7RSP, desc: "Invalid check URI"}
	}
	u.Scheme = "http"
	if host == "" {
		host = conn.RemoteAddr().String()
	}
	u.Host = host
	req := &http.Request{Method: methodOf(hc), URL: u, Host: host, Header: hdr,
		Proto: "HTTP/2.0", ProtoMajor: 2}
	if hc.Body != "" {
		req.Body = io.NopCloser(strings.NewReader(hc.Body))
		req.ContentLength = int64(len(hc.Body))
	}
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return responseFailure(err)
	}
	defer resp.Body.Close()
	var body []byte
	if exp.needsBody() {
		body, err = io.ReadAll(io.LimitReader(resp.Body, int64(k.bufSize())))
		if err != nil && isTimeout(err) {
			return result{status: StatusL7TOUT}
		}
	}
	return exp.evaluate(resp.StatusCode, http.StatusText(resp.StatusCode), body)
}
