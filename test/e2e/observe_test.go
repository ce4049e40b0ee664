package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// With "observe layer7", 5xx answers of live traffic count as errors:
// after error-limit of them in a row, "on-error mark-down" takes the
// server down although its health check still passes.
func TestObserveLayer7MarksDown(t *testing.T) {
	t.Parallel()
	lbtest.RunProtos(t, lbtest.ClearProtos, func(t *testing.T, proto lbtest.Proto) {
		bs, vars := backends(t, "app")
		p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app
backend app
    option httpchk GET /health
    server s1 ${app} check inter 1h observe layer7 error-limit 2 on-error mark-down
`, vars)
		bs["app"].SetStatus(http.StatusInternalServerError)
		for range 2 {
			lbtest.GetProto(t, proto, p.URL("fe", "/"))
		}
		p.WaitLog(t, "Server app/s1 is DOWN", 10*time.Second)
		if r := lbtest.GetProto(t, proto, p.URL("fe", "/")); r.Status != http.StatusServiceUnavailable {
			t.Fatalf("after mark-down: %d, want 503", r.Status)
		}
	})
}
