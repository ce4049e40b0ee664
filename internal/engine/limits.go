package engine

import (
	"fmt"
	"syscall"

	"github.com/hawser-lb/hawser/internal/config"
)

// checkStrictLimits enforces "strict-limits": with a global maxconn, the
// open file limit (which Go raises to the hard limit at start) must hold
// two sockets per connection, a client's and a server's, plus a margin
// for listeners, checks and logs, as HAProxy's maxsock does.
func checkStrictLimits(g config.Global) error {
	if !g.StrictLimits || g.MaxConn <= 0 {
		return nil
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return fmt.Errorf("strict-limits: %w", err)
	}
	need := uint64(2*g.MaxConn) + 100
	if rl.Cur < need {
		return fmt.Errorf("strict-limits: the open file limit is %d, maxconn %d needs %d", rl.Cur, g.MaxConn, need)
	}
	return nil
}
