package stats

import "time"

// Version is hawser's version, for haproxy_process_build_info; main sets
// it at start.
var Version = "dev"

// Info are the process-wide figures of "show info" and of the
// haproxy_process_* metrics.
type Info struct {
	PID       int
	Start     time.Time
	Uptime    time.Duration
	NbThread  int // 0 = one per core
	MaxConn   int // global maxconn, 0 = none
	Listeners int
	CurConns  int64
	CumConns  uint64
	CumReq    uint64
	BytesOut  uint64
	ConnRate  uint32
	SessRate  uint32
	// MaxConnRate is the highest process-wide rate of accepted
	// connections (a session per connection: also MaxSessRate).
	MaxConnRate uint32
	// ConnRateLimit and SessRateLimit are the runtime rate limits, 0 for
	// none.
	ConnRateLimit, SessRateLimit int
	// SSLRateLimit is the runtime TLS handshake rate limit, 0 for none.
	SSLRateLimit int
	Stopping     bool
	// DroppedLogs counts the log lines dropped because a target could not
	// take them.
	DroppedLogs uint64
	// TLS client connections: open ones, total, handshakes per second
	// and their peak, those that computed a new key (not resumed) and
	// their peak, and the percentage of the last second's handshakes
	// that resumed a session.
	CurSSL                    int64
	CumSSL                    uint64
	SSLRate, MaxSSLRate       uint32
	SSLKeyRate, MaxSSLKeyRate uint32
	SSLReusePct               uint32
	// RecvLogs counts the messages log-forward sections received.
	RecvLogs uint64
}
