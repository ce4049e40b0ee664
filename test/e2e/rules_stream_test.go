package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// set-log-level raises a request's log line above the target's maximum
// level, or lowers it below; silent drops it.
func TestSetLogLevel(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		_, vars := backends(t, "app")
		p := lbtest.Start(t, `
global
    log stdout format raw local0 notice

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    log-format "lvl %HP"
    http-request set-log-level err if { path /err }
    http-request set-log-level silent if { path /silent }
    default_backend app
backend app
    server s1 ${app}
`, vars)
		for _, path := range []string{"/info", "/silent", "/err"} {
			lbtest.GetProto(t, proto, p.URL("fe", path))
		}
		p.WaitLog(t, "lvl "+proto.LogURI(p.Authority("fe"), "/err"), 5*time.Second)
		for _, path := range []string{"/info", "/silent"} {
			if got := p.Log(); strings.Contains(got, "lvl "+proto.LogURI(p.Authority("fe"), path)) {
				t.Errorf("%s was logged at a level the target drops:\n%s", path, got)
			}
		}
	})
}

// set-timeout server replaces "timeout server" for the request: a server
// that never answers gives 504 long before the configured hour.
func TestSetTimeoutServer(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() }) // never answers
			}
		}()
		p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend fe
    bind ${fe}
    http-request set-timeout server 50ms
    default_backend mute
backend mute
    server s1 ${mute}
`, lbtest.Vars{"mute": ln.Addr().String()})
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/")); r.Status != 504 {
			t.Fatalf("status %d, want 504", r.Status)
		}
	})
}

// set-timeout also takes a sample expression giving milliseconds, as
// HAProxy does when the argument is not a time.
func TestSetTimeoutExpr(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ln.Close() })
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				t.Cleanup(func() { c.Close() }) // never answers
			}
		}()
		p := lbtest.Start(t, `
defaults
    mode http
    timeout connect 5s
    timeout client 1h
    timeout server 1h

frontend fe
    bind ${fe}
    http-request set-timeout server req.hdr(x-timeout-ms)
    default_backend mute
backend mute
    server s1 ${mute}
`, lbtest.Vars{"mute": ln.Addr().String()})
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/"), "X-Timeout-Ms: 50"); r.Status != 504 {
			t.Fatalf("status %d, want 504", r.Status)
		}
	})
}
