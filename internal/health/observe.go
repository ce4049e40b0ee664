package health

import (
	"fmt"

	"github.com/hawser-lb/hawser/internal/server"
)

// StatusHANA is the status of a verdict reached from live-traffic errors
// ("observe"), not from a check.
const StatusHANA = "HANA"

func init() { descriptions[StatusHANA] = "Health analyze" }

// defaultErrorLimit is HAProxy's error-limit.
const defaultErrorLimit = 10

// applyInitState sets a server checked for the first time to its
// "init-state": fully-up (needs fall failures to go down), up (HAProxy's
// default: down at the first failure), down (up at the first success) or
// fully-down (needs rise successes). It reports whether the server starts
// down.
func applyInitState(cs *server.CheckState, state string, rise, fall int) (down bool) {
	switch state {
	case "fully-up":
		cs.Health = rise + fall - 1
	case "down":
		cs.Health = rise - 1
		return true
	case "fully-down":
		cs.Health = 0
		return true
	}
	return false
}

// watchErrors installs c's reaction to errors the data path reports with
// server.State.ReportError, per the server's observe, error-limit and
// on-error settings.
func (c *Check) watchErrors(peers PeersFunc, notify Notify) {
	layer := map[string]int{"layer4": server.Layer4, "layer7": server.Layer7}[c.Server.Observe]
	if layer == 0 {
		c.State.OnError(nil)
		return
	}
	limit := c.Server.ErrorLimit
	if limit <= 0 {
		limit = defaultErrorLimit
	}
	c.State.OnError(func(l, n int) {
		// Layer 7 observation also counts connection errors, as HAProxy.
		if l > layer || n < limit {
			return
		}
		c.State.ResetErrors()
		c.onError(n, peers, notify)
	})
}

// onError applies on-error after error-limit consecutive errors.
// fastinter (the default) only shortens the next check interval, which
// hawser's scheduler does not expose yet, so it changes nothing.
func (c *Check) onError(n int, peers PeersFunc, notify Notify) {
	r := result{status: StatusHANA, desc: fmt.Sprintf("Detected %d consecutive errors", n)}
	rise, fall := c.rise(), c.fall()
	var target int
	switch c.Server.OnError {
	case "fail-check":
		target = -1 // one ordinary failed check
	case "sudden-death":
		target = rise // one more failure takes the server down
	case "mark-down":
		target = 0
	default:
		return
	}
	c.State.WithCheck(func(cs *server.CheckState) {
		cs.LastStatus, cs.LastDesc = r.status, r.desc
		if target < 0 {
			cs.Health = nextHealth(cs.Health, rise, fall, false)
		} else {
			cs.Health = min(cs.Health, target)
		}
		target = cs.Health
	})
	if c.State.Admin() == server.AdminMaint {
		return
	}
	up := target >= rise
	if c.State.SetUp(up) {
		c.transitioned(r, up, peers, notify)
	}
}

// transitioned notifies a transition and runs on-marked-down and
// on-marked-up.
func (c *Check) transitioned(r result, up bool, peers PeersFunc, notify Notify) {
	ps := peers(c.Backend)
	notify(transitionMessage(c, r, up, ps), up)
	switch {
	case !up && c.Server.OnMarkedDown == "shutdown-sessions":
		c.State.ShutdownSessions()
	case up && !c.Server.Backup && c.Server.OnMarkedUp == "shutdown-backup-sessions":
		for _, p := range ps {
			if p.Server != nil && p.Server.Backup && p.State != nil {
				p.State.ShutdownSessions()
			}
		}
	}
}
