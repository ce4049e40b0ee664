package health

import (
	"testing"

	"github.com/hawser-lb/hawser/internal/server"
)

func TestApplyAgent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, desc string
		up               bool
		admin            uint32
		pct              int
		maxconn          int64
	}{
		{name: "nothing", line: "", up: true, admin: server.AdminReady, pct: 100, maxconn: -1},
		{name: "weight", line: "75%", up: true, admin: server.AdminReady, pct: 75, maxconn: -1},
		{name: "several words", line: "up, 20% maxconn:30", up: true, admin: server.AdminReady, pct: 20, maxconn: 30},
		{name: "down with reason", line: "down #disk full", desc: "disk full", up: false, admin: server.AdminReady, pct: 100, maxconn: -1},
		{name: "failed", line: "FAILED", up: false, admin: server.AdminReady, pct: 100, maxconn: -1},
		{name: "stopped", line: "stopped", up: false, admin: server.AdminReady, pct: 100, maxconn: -1},
		{name: "drain", line: "drain", up: true, admin: server.AdminDrain, pct: 100, maxconn: -1},
		{name: "maint", line: "maint\t50%", up: true, admin: server.AdminMaint, pct: 50, maxconn: -1},
		{name: "garbage ignored", line: "hello x% maxconn:y", up: true, admin: server.AdminReady, pct: 100, maxconn: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := server.NewState("b", "s")
			desc := ApplyAgent(st, tc.line)
			if desc != tc.desc || st.Up() != tc.up || st.Admin() != tc.admin || st.WeightPercent() != tc.pct || st.UserMaxConn() != tc.maxconn {
				t.Errorf("desc %q up %v admin %d pct %d maxconn %d", desc, st.Up(), st.Admin(), st.WeightPercent(), st.UserMaxConn())
			}
		})
	}
	// An agent's "up" does not override failing health checks.
	st := server.NewState("b", "s")
	st.WithCheck(func(cs *server.CheckState) { cs.Configured, cs.Rise, cs.Health = true, 2, 0 })
	ApplyAgent(st, "down")
	ApplyAgent(st, "up")
	if st.Up() {
		t.Error("agent up raised a server whose checks fail")
	}
}
