package engine

import (
	"errors"
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/freq"
)

// Process-wide limits changed through the runtime API ("set maxconn
// global", "set rate-limit connections|sessions global"). They live on
// the Engine, so a reload keeps them, as other runtime changes.
type runtimeLimits struct {
	// maxConn is the global maxconn set at run time; 0 while the
	// configured one applies.
	maxConn atomic.Int64
	// connRate and sessRate are the per-second limits (0: none); hawser
	// counts a session when a connection is accepted, so both limit the
	// accept rate.
	connRate, sessRate atomic.Int64
	// sslRate limits the TLS handshakes per second (0: none): TLS binds
	// stop accepting while the last second's handshakes reach it.
	sslRate atomic.Int64
	// accepted counts accepted connections per second while a rate
	// limit is set.
	accepted freq.Ctr
}

// ErrOutOfRange is returned by SetMaxConnGlobal for a value above the
// configured global maxconn.
var ErrOutOfRange = errors.New("value out of range")

// MaxConnGlobal returns the global maxconn in force: the one set at run
// time, else the configured one (0: none).
func (e *Engine) MaxConnGlobal() int {
	if n := e.limits.maxConn.Load(); n > 0 {
		return int(n)
	}
	if g := e.active.Load(); g != nil {
		return g.Snap.Global.MaxConn
	}
	return 0
}

// SetMaxConnGlobal changes the global maxconn, within the configured one
// when there is one (HAProxy's range is up to the initial maxconn); 0
// restores the configured one. New connections wait in the listen
// backlog while the process holds n.
func (e *Engine) SetMaxConnGlobal(n int) error {
	if n < 0 {
		return ErrOutOfRange
	}
	if g := e.active.Load(); g != nil && g.Snap.Global.MaxConn > 0 && n > g.Snap.Global.MaxConn {
		return ErrOutOfRange
	}
	e.limits.maxConn.Store(int64(n))
	return nil
}

// SetRateLimit sets the per-second limit of accepted connections
// ("connections") or sessions ("sessions"); 0 removes it.
func (e *Engine) SetRateLimit(what string, n int) error {
	switch what {
	case "connections":
		e.limits.connRate.Store(int64(n))
	case "sessions":
		e.limits.sessRate.Store(int64(n))
	case "ssl-sessions":
		e.limits.sslRate.Store(int64(n))
	default:
		return errors.New("unknown rate limit")
	}
	return nil
}

// RateLimits returns the per-second limits of connections and sessions
// (0: none), for "show info".
func (e *Engine) RateLimits() (conn, sess int) {
	return int(e.limits.connRate.Load()), int(e.limits.sessRate.Load())
}

// SSLRateLimit is the per-second limit of TLS handshakes (0: none).
func (e *Engine) SSLRateLimit() int { return int(e.limits.sslRate.Load()) }

// sslAcceptAllowed reports whether a TLS bind may accept one more
// connection under "set rate-limit ssl-sessions".
func (e *Engine) sslAcceptAllowed() bool {
	n := e.limits.sslRate.Load()
	return n <= 0 || int64(e.ssl.rate.Read(freq.Now(), 1000)) < n
}

// acceptAllowed reports whether the runtime limits let one more
// connection in now. It runs in the accept path only while a runtime
// limit is set, and is a few atomic loads otherwise.
func (e *Engine) acceptAllowed() bool {
	if n := e.limits.maxConn.Load(); n > 0 && e.curConn.Load() >= n {
		return false
	}
	rate := e.limits.connRate.Load()
	if s := e.limits.sessRate.Load(); s > 0 && (rate == 0 || s < rate) {
		rate = s
	}
	return rate <= 0 || int64(e.limits.accepted.Read(freq.Now(), 1000)) < rate
}

// countAccept records an accepted connection for the rate limits.
func (e *Engine) countAccept() {
	if e.limits.connRate.Load() > 0 || e.limits.sessRate.Load() > 0 {
		e.limits.accepted.Add(freq.Now(), 1000, 1)
	}
}

// IdleCounter is implemented by a Handler that keeps idle server
// connections: it reports how many are idle for a pool key
// ("backend/server@addr", balance.Server.Key), for "show servers conn".
type IdleCounter interface {
	IdleConns(key string) int
}

// IdleConns returns the number of idle connections kept for a server's
// pool key, 0 when the HTTP handler keeps none.
func (e *Engine) IdleConns(key string) int {
	if ic, ok := e.opts.HTTP.(IdleCounter); ok {
		return ic.IdleConns(key)
	}
	return 0
}
