package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// monitor-uri is answered by hawser itself with HAProxy's "200 OK" page,
// never reaches a server and is not logged; any other URI, even with a
// query string, is proxied.
func TestMonitorURI(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "app")
		p := lbtest.Start(t, `
global
    log stdout format raw local0

defaults
    mode http
    log global
    option httplog
    timeout connect 5s
    timeout client 30s
    timeout server 30s

frontend fe
    bind ${fe}
    monitor-uri /monitor
    default_backend app
backend app
    server s1 ${app}
`, vars)
		r := lbtest.GetProto(t, proto, p.URL("fe", "/monitor"))
		if r.Status != http.StatusOK || r.Body != "<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n" {
			t.Fatalf("monitor-uri: %d %q", r.Status, r.Body)
		}
		if n := bs["app"].Requests.Load(); n != 0 {
			t.Fatalf("monitor request reached the server (%d requests)", n)
		}
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/monitor?x")); r.Body != "app" {
			t.Fatalf("/monitor?x: %d %q, want the server", r.Status, r.Body)
		}
		p.WaitLog(t, `"GET `+proto.LogURI(p.Authority("fe"), "/monitor?x")+` `+proto.LogVersion()+`"`, 5*time.Second)
		if strings.Contains(p.Log(), `"GET `+proto.LogURI(p.Authority("fe"), "/monitor")+` `+proto.LogVersion()+`"`) {
			t.Fatal("the monitor request was logged")
		}
	})
}
