package engine

import (
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/freq"
	"github.com/hawser-lb/hawser/internal/stats"
)

// sslStats are the process-wide TLS figures of "show info" and the
// haproxy_process_*ssl* metrics, for client connections: updated once
// per handshake and once per TLS session end, never per request.
type sslStats struct {
	cur atomic.Int64  // CurrSslConns: open TLS client connections
	cum atomic.Uint64 // CumSslConns
	// rate is the handshakes per second (SslRate), keyRate those that
	// did not resume a session and so computed a new key
	// (SslFrontendKeyRate); their maxima are MaxSslRate and
	// SslFrontendMaxKeyRate.
	rate, keyRate       freq.Ctr
	rateMax, keyRateMax atomic.Uint32
}

// handshake counts a completed client handshake.
func (s *sslStats) handshake(resumed bool) {
	now := freq.Now()
	s.cur.Add(1)
	s.cum.Add(1)
	s.rate.Add(now, 1000, 1)
	freq.Max(&s.rateMax, s.rate.Read(now, 1000))
	if !resumed {
		s.keyRate.Add(now, 1000, 1)
		freq.Max(&s.keyRateMax, s.keyRate.Read(now, 1000))
	}
}

// fill copies the figures into in.
func (s *sslStats) fill(in *stats.Info) {
	now := freq.Now()
	in.CurSSL = s.cur.Load()
	in.CumSSL = s.cum.Load()
	in.SSLRate = s.rate.Read(now, 1000)
	in.MaxSSLRate = s.rateMax.Load()
	in.SSLKeyRate = s.keyRate.Read(now, 1000)
	in.MaxSSLKeyRate = s.keyRateMax.Load()
	// HAProxy's SslFrontendSessionReuse_pct: the share of the last
	// second's handshakes that resumed a session.
	if in.SSLRate > 0 {
		in.SSLReusePct = 100 - min(in.SSLKeyRate*100/in.SSLRate, 100)
	}
}
