package l7

import "time"

// streamTimeouts are the "set-timeout" overrides of the request in
// flight; zero fields use the configuration.
type streamTimeouts struct {
	server, client, tunnel time.Duration
}

// SetTimeout applies "http-request|http-response set-timeout" to this
// stream, as HAProxy does: server and tunnel for the exchange still to
// come, client at once for the client side.
func (t *txn) SetTimeout(kind string, d time.Duration) {
	switch kind {
	case "server":
		t.rs.tmo.server = d
		if t.sc != nil {
			t.sc.c.rIdle, t.sc.c.wIdle = d, d
		}
	case "client":
		t.rs.tmo.client = d
		t.cc.wIdle = d
	case "tunnel":
		t.rs.tmo.tunnel = d
	}
}

// serverTimeout is "timeout server", or set-timeout server's.
func (t *txn) serverTimeout() time.Duration {
	return firstNonZero(t.rs.tmo.server, t.be.Cfg.Timeouts.Server)
}

// clientTimeout is "timeout client", or set-timeout client's.
func (t *txn) clientTimeout() time.Duration {
	return firstNonZero(t.rs.tmo.client, t.timeouts().Client)
}

// tunnelTimeout is the inactivity timeout of a tunnel: set-timeout
// tunnel's, else "timeout tunnel", else the larger of the client and
// server timeouts.
func (t *txn) tunnelTimeout() time.Duration {
	return firstNonZero(t.rs.tmo.tunnel, t.be.Cfg.Timeouts.Tunnel, t.fe.Cfg.Timeouts.Tunnel,
		max(t.clientTimeout(), t.serverTimeout()))
}

// endTimeouts drops the request's overrides.
func (t *txn) endTimeouts() {
	if t.rs.tmo != (streamTimeouts{}) {
		t.rs.tmo = streamTimeouts{}
		t.cc.wIdle = t.timeouts().Client
	}
}
