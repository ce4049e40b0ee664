// Package dataplane drives a real hawser's Data Plane API over HTTP and
// checks both the API's answers and the traffic the changes steer.
package dataplane

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "hawser-dataplane")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := lbtest.Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// baseCfg is a configuration with the API's userlist, one frontend
// "web" on ${web} and one backend "app" with server s1 at ${s1}.
const baseCfg = `# managed by the Data Plane API
global
    maxconn 1000

userlist controller
    user admin insecure-password secret

defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend web
    bind ${web}
    default_backend app

backend app
    server s1 ${s1}
`

// api is a Data Plane API client for one hawser.
type api struct {
	t    testing.TB
	base string
	proc *lbtest.Proc
	user string
	pass string
	// client is http.DefaultClient when nil.
	client *http.Client
}

// startAPI runs hawser with cfg and the API on a fresh address.
func startAPI(t testing.TB, cfg string, vars lbtest.Vars, args ...string) *api {
	t.Helper()
	p := lbtest.StartArgs(t, cfg, vars, append([]string{"--api", "${api}"}, args...)...)
	return &api{t: t, base: "http://" + p.Addr("api") + "/v3", proc: p, user: "admin", pass: "secret"}
}

// reply is an API answer.
type reply struct {
	Status int
	Header http.Header
	Body   string
}

// do sends a request; a body starting with "{" or "[" is JSON, any other
// is text/plain.
func (a *api) do(method, path, body string) reply {
	a.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		a.t.Fatal(err)
	}
	if body != "" {
		if body[0] == '{' || body[0] == '[' {
			req.Header.Set("Content-Type", "application/json")
		} else {
			req.Header.Set("Content-Type", "text/plain")
		}
	}
	if a.user != "" {
		req.SetBasicAuth(a.user, a.pass)
	}
	c := a.client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	r := reply{Status: resp.StatusCode, Header: resp.Header, Body: string(b)}
	recordReply(a, method, path, r)
	return r
}

// must sends a request and fails the test unless it answers status.
func (a *api) must(status int, method, path, body string) reply {
	a.t.Helper()
	r := a.do(method, path, body)
	if r.Status != status {
		a.t.Fatalf("%s %s: status %d, want %d; body: %s", method, path, r.Status, status, r.Body)
	}
	return r
}

// recordReply is where responses are checked against the spec (spec_test.go).
var recordReply = func(a *api, method, path string, r reply) {}
