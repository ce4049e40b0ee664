package lbtest

import (
	"crypto/tls"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Response is what a test usually checks of an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// NewClient returns an HTTP client that does not follow redirects; with
// keepAlive false every request uses a new connection. It speaks the
// protocol of the run (see RunProto): HTTP/1.1 unless HAWSER_E2E_PROTO
// says h2c or h2.
func NewClient(keepAlive bool) *http.Client {
	if p := RunProto(); p != H1 {
		return ProtoClient(p, keepAlive)
	}
	return NewH1Client(keepAlive)
}

// NewH1Client is NewClient speaking HTTP/1.1 whatever the run's protocol:
// for what is not an HTTP frontend of hawser (a mode tcp frontend, the
// Data Plane API, a backend).
func NewH1Client(keepAlive bool) *http.Client {
	return &http.Client{
		Timeout: 15 * time.Second,
		Transport: &http.Transport{
			DisableKeepAlives: !keepAlive, MaxIdleConnsPerHost: 64,
			// For the TLS binds of an h2 run; HTTP/1.1 is kept since a
			// custom TLS configuration turns off HTTP/2.
			TLSClientConfig: &tls.Config{InsecureSkipVerify: true},
		},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Do sends a request with the given method, URL and headers ("Name: value"
// strings; "Host: x" sets the host) on a new connection and fails the test
// on transport errors.
func Do(t testing.TB, method, url string, headers ...string) Response {
	t.Helper()
	r, err := DoErr(NewClient(false), method, url, headers...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return r
}

// Get is Do with GET.
func Get(t testing.TB, url string, headers ...string) Response {
	t.Helper()
	return Do(t, http.MethodGet, url, headers...)
}

// GetH1 is Get over HTTP/1.1 whatever the run's protocol (see NewH1Client).
func GetH1(t testing.TB, url string, headers ...string) Response {
	t.Helper()
	r, err := DoErr(NewH1Client(false), http.MethodGet, url, headers...)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return r
}

// DoErr is Do with a given client, returning transport errors.
func DoErr(c *http.Client, method, url string, headers ...string) (Response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return Response{}, err
	}
	for _, h := range headers {
		name, value, _ := strings.Cut(h, ":")
		value = strings.TrimSpace(value)
		if strings.EqualFold(name, "host") {
			req.Host = value
			continue
		}
		req.Header.Add(name, value)
	}
	resp, err := c.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, err
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}, nil
}
