package health

import (
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

func TestApplyInitState(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		state      string
		wantHealth int
		wantDown   bool
	}{
		{name: "default", state: "", wantHealth: 2},
		{name: "up", state: "up", wantHealth: 2},
		{name: "fully-up", state: "fully-up", wantHealth: 4},
		{name: "down", state: "down", wantHealth: 1, wantDown: true},
		{name: "fully-down", state: "fully-down", wantHealth: 0, wantDown: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var cs server.CheckState
			initHealth(&cs, 2, 3)
			down := applyInitState(&cs, tc.state, 2, 3)
			if cs.Health != tc.wantHealth || down != tc.wantDown {
				t.Errorf("health %d down %v, want %d %v", cs.Health, down, tc.wantHealth, tc.wantDown)
			}
		})
	}
}

func TestObserveOnError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		onError    string
		observe    string
		layer      int
		errors     int
		wantUp     bool
		wantHealth int
		wantKilled int
	}{
		{name: "below the limit", onError: "mark-down", observe: "layer4", layer: server.Layer4, errors: 2, wantUp: true, wantHealth: 4},
		{name: "mark-down", onError: "mark-down", observe: "layer4", layer: server.Layer4, errors: 3, wantUp: false, wantHealth: 0, wantKilled: 1},
		{name: "fail-check", onError: "fail-check", observe: "layer4", layer: server.Layer4, errors: 3, wantUp: true, wantHealth: 3},
		{name: "sudden-death", onError: "sudden-death", observe: "layer4", layer: server.Layer4, errors: 3, wantUp: true, wantHealth: 2},
		{name: "fastinter keeps the verdict", onError: "fastinter", observe: "layer4", layer: server.Layer4, errors: 3, wantUp: true, wantHealth: 4},
		{name: "layer7 errors ignored by layer4", onError: "mark-down", observe: "layer4", layer: server.Layer7, errors: 3, wantUp: true, wantHealth: 4},
		{name: "layer4 errors count for layer7", onError: "mark-down", observe: "layer7", layer: server.Layer4, errors: 3, wantUp: false, wantHealth: 0, wantKilled: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCheck(newServer("s", func(s *config.Server) {
				s.Observe, s.OnError, s.ErrorLimit, s.OnMarkedDown = tc.observe, tc.onError, 3, "shutdown-sessions"
			}), nil)
			c.State.WithCheck(func(cs *server.CheckState) { cs.Configured, cs.Health = true, 4 })
			killed := 0
			untrack := c.State.TrackSession(func() { killed++ })
			defer untrack()
			rec := &recorder{}
			c.watchErrors(peersOf([]Check{c}), rec.notify)
			for range tc.errors {
				c.State.ReportError(tc.layer)
			}
			if c.State.Up() != tc.wantUp || c.State.Check().Health != tc.wantHealth || killed != tc.wantKilled {
				t.Errorf("up %v health %d killed %d, want %v %d %d", c.State.Up(), c.State.Check().Health, killed,
					tc.wantUp, tc.wantHealth, tc.wantKilled)
			}
			if !tc.wantUp {
				notes := rec.all()
				want := `Server app/s is DOWN, reason: Health analyze, info: "Detected 3 consecutive errors", check duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue.`
				if len(notes) != 1 || notes[0].msg != want {
					t.Errorf("notes = %+v", notes)
				}
			}
		})
	}
}

func TestReportSuccessResetsErrors(t *testing.T) {
	t.Parallel()
	c := newCheck(newServer("s", func(s *config.Server) { s.Observe, s.OnError, s.ErrorLimit = "layer4", "mark-down", 2 }), nil)
	c.State.WithCheck(func(cs *server.CheckState) { cs.Configured, cs.Health = true, 4 })
	c.watchErrors(peersOf([]Check{c}), nil)
	c.State.ReportError(server.Layer4)
	c.State.ReportSuccess()
	c.State.ReportError(server.Layer4)
	if !c.State.Up() {
		t.Error("errors separated by a success took the server down")
	}
}
