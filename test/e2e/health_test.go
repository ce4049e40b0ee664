package e2e

import (
	"net/http"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// healthWait bounds waits for checks (inter 100ms) to change a state.
const healthWait = 15 * time.Second

func TestBackupTakesOverAndHandsBack(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "s1", "s2", "b1")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend app

backend app
    option httpchk GET /health
    default-server check inter 100ms fall 2 rise 2
    server s1 ${s1}
    server s2 ${s2}
    server b1 ${b1} backup
`, vars)
	spread := func() map[string]int {
		got := map[string]int{}
		for range 6 {
			r := lbtest.Get(t, p.URL("fe", "/"))
			got[r.Body+"/"+http.StatusText(r.Status)]++
		}
		return got
	}
	if got := spread(); got["s1/OK"] != 3 || got["s2/OK"] != 3 {
		t.Fatalf("all up: got %v, want s1 and s2 only", got)
	}

	bs["s1"].SetHealth(http.StatusServiceUnavailable)
	bs["s2"].SetHealth(http.StatusServiceUnavailable)
	p.WaitLog(t, "Server app/s1 is DOWN", healthWait)
	p.WaitLog(t, "Server app/s2 is DOWN", healthWait)
	p.WaitLog(t, "Running on backup.", healthWait)
	if got := spread(); got["b1/OK"] != 6 {
		t.Fatalf("actives down: got %v, want b1 only", got)
	}

	bs["s1"].SetHealth(0)
	p.WaitLog(t, "Server app/s1 is UP", healthWait)
	if got := spread(); got["s1/OK"] != 6 {
		t.Fatalf("s1 back: got %v, want s1 only", got)
	}

	bs["s1"].SetHealth(http.StatusServiceUnavailable)
	bs["b1"].SetHealth(http.StatusServiceUnavailable)
	p.WaitLog(t, "Backup Server app/b1 is DOWN", healthWait)
	p.WaitLogCount(t, "Server app/s1 is DOWN", 2, healthWait)
	r := lbtest.Get(t, p.URL("fe", "/"))
	if r.Status != http.StatusServiceUnavailable || r.Body != body503 {
		t.Errorf("all down: got %d %q, want 503 page", r.Status, r.Body)
	}
}

func TestHealthCheckTransitions(t *testing.T) {
	t.Parallel()
	bs, vars := backends(t, "tcp", "expect")
	p := lbtest.Start(t, httpDefaults+`
frontend fe
    bind ${fe}
    default_backend tcpchk

frontend fe2
    bind ${fe2}
    default_backend httpchk

backend tcpchk
    server tcp ${tcp} check inter 100ms fall 3 rise 2

backend httpchk
    option httpchk GET /health
    http-check expect status 204
    server expect ${expect} check inter 100ms fall 2 rise 2
`, vars)

	t.Run("tcp check follows the listener", func(t *testing.T) {
		t.Parallel()
		bs["tcp"].Stop()
		p.WaitLog(t, "Server tcpchk/tcp is DOWN", healthWait)
		if r := lbtest.Get(t, p.URL("fe", "/")); r.Status != http.StatusServiceUnavailable {
			t.Errorf("server down: got %d, want 503", r.Status)
		}
		bs["tcp"].Restart(t)
		p.WaitLog(t, "Server tcpchk/tcp is UP", healthWait)
		if r := lbtest.Get(t, p.URL("fe", "/")); r.Status != http.StatusOK || r.Body != "tcp" {
			t.Errorf("server up: got %d %q", r.Status, r.Body)
		}
	})

	t.Run("http-check expect status", func(t *testing.T) {
		t.Parallel()
		// The check answers 200, not the expected 204: the server starts
		// up (HAProxy assumes up) and goes down after fall failures.
		p.WaitLog(t, "Server httpchk/expect is DOWN", healthWait)
		bs["expect"].SetHealth(http.StatusNoContent)
		p.WaitLog(t, "Server httpchk/expect is UP", healthWait)
		if r := lbtest.Get(t, p.URL("fe2", "/")); r.Status != http.StatusOK || r.Body != "expect" {
			t.Errorf("server up: got %d %q", r.Status, r.Body)
		}
	})
}
