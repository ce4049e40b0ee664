package stats

import "time"

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
	Stopping  bool
}
