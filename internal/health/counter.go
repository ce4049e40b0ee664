package health

import (
	"time"

	"github.com/hawser-lb/hawser/internal/server"
)

// HAProxy's defaults for a server line without inter/rise/fall.
const (
	defaultInter = 2 * time.Second
	defaultRise  = 2
	defaultFall  = 3
)

// initHealth prepares the health counter for a checker that is starting.
//
// A server checked for the first time starts with Health = rise: UP, but
// DOWN after a single failed check. This is HAProxy's long-standing initial
// state ("up, but will fall down at first failure"), the default of its
// init-state setting; it keeps traffic flowing at startup without trusting
// an unchecked server for fall-1 more failures. Until it is fully up the
// server is checked at fastinter ("yet unchecked" in HAProxy's table).
//
// A server already checked (a reload) keeps its counter, clamped into the
// range of a possibly changed rise/fall.
func initHealth(cs *server.CheckState, rise, fall int) {
	cs.Rise = rise
	if !cs.Configured {
		cs.Configured = true
		cs.Health = rise
		return
	}
	cs.Health = max(0, min(cs.Health, rise+fall-1))
}

// nextHealth moves HAProxy's health counter after a check. Health runs from
// 0 to rise+fall-1 and the server is up while Health >= rise. A failure below
// rise drops straight to 0 (down), a success reaching rise jumps straight to
// rise+fall-1 (fully up): a server needs rise consecutive successes to come
// up and fall consecutive failures to go down from fully up.
func nextHealth(health, rise, fall int, passed bool) int {
	top := rise + fall - 1
	if passed {
		if health < top {
			health++
			if health >= rise {
				health = top
			}
		}
		return health
	}
	if health > 0 {
		health--
		if health < rise {
			health = 0
		}
	}
	return health
}

// interval picks the delay before the next check from HAProxy's table:
// inter while fully up, downinter (or inter) while fully down, fastinter (or
// inter) in between — going down, going up, or not yet checked.
func (c *Check) interval(health int, up bool) time.Duration {
	rise, fall := c.rise(), c.fall()
	switch {
	case health >= rise+fall-1:
		return c.inter()
	case health == 0 && !up:
		return orInter(c.Server.DownInter, c.inter())
	default:
		return orInter(c.Server.FastInter, c.inter())
	}
}

// currentInterval is interval for the server's present state.
func (c *Check) currentInterval() time.Duration {
	return c.interval(c.State.Check().Health, c.State.Up())
}

// maxDuration bounds how long one check can take, from its timeouts.
func (c *Check) maxDuration() time.Duration {
	if c.CheckTimeout <= 0 {
		return c.inter()
	}
	return c.connectTimeout() + c.CheckTimeout
}

// connectTimeout is how long the connect step may take when "timeout check"
// is set: min("timeout connect", inter), so a long "timeout connect" does not
// slow checks down.
func (c *Check) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 && c.ConnectTimeout < c.inter() {
		return c.ConnectTimeout
	}
	return c.inter()
}

func (c *Check) inter() time.Duration { return orInter(c.Server.Inter, defaultInter) }

func (c *Check) rise() int {
	if c.Server.Rise > 0 {
		return c.Server.Rise
	}
	return defaultRise
}

func (c *Check) fall() int {
	if c.Server.Fall > 0 {
		return c.Server.Fall
	}
	return defaultFall
}

func orInter(d, inter time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return inter
}
