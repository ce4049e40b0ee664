package e2e

import (
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// logDefaults sends the access log to stdout, where the tests read it.
const logDefaults = `
global
    log stdout format raw local0

defaults
    mode http
    log global
    timeout connect 5s
    timeout client 30s
    timeout server 30s
`

// Header captures, "declare capture" slots filled by rules, and
// http-request capture ... len show in %hr/%hs and in capture.req.hdr().
func TestCapturesInLog(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		_, vars := backends(t, "app")
		p := lbtest.Start(t, logDefaults+`
frontend fe
    bind ${fe}
    option httplog
    capture request header Host len 9
    declare capture request len 20
    capture response header X-Server len 20
    declare capture response len 8
    http-request capture req.hdr(x-tag) len 3
    http-request capture path id 1
    http-request set-header X-Cap0 %[capture.req.hdr(0)]
    http-response capture res.hdr(x-server),upper id 1
    default_backend app
backend app
    server s1 ${app}
`, vars)
		r := lbtest.GetProto(t, proto, p.URL("fe", "/some/path"), "Host: example.com:8080", "X-Tag: abcdef")
		if r.Status != 200 {
			t.Fatalf("status %d", r.Status)
		}
		p.WaitLog(t, ` {example.c|/some/path|abc} {app|APP} "GET `+proto.LogURI("example.com:8080", "/some/path")+` `+proto.LogVersion()+`"`, 5*time.Second)
	})
}

// %[sample] items in a log-format line.
func TestLogFormatSamples(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		_, vars := backends(t, "app")
		p := lbtest.Start(t, logDefaults+`
frontend fe
    bind ${fe}
    log-format "fmt %ST host=%[req.hdr(host),lower] path=%[path] cap=%[capture.req.hdr(0)]"
    declare capture request len 4
    http-request capture req.hdr(x-id) id 0
    default_backend app
backend app
    server s1 ${app}
`, vars)
		lbtest.GetProto(t, proto, p.URL("fe", "/p?q=1"), "Host: WWW.Example.ORG", "X-Id: 123456")
		p.WaitLog(t, "fmt 200 host=www.example.org path=/p cap=1234", 5*time.Second)
	})
}
