package l4

import (
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/freq"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/stats"
)

// tally accounts one TCP session in the statistics: ServeConn sets be and
// srv as they are chosen and calls done once, at the end.
type tally struct {
	be  *engine.Backend
	srv *balance.Server
	li  *stats.Counters // the listening socket's (option socket-stats)
}

// backend counts the session on the backend it was routed to.
func (a *tally) backend(be *engine.Backend) {
	a.be = be
	be.Counters.OpenSession(freq.Now())
}

// server counts the session on the server picked for it.
func (a *tally) server(srv *balance.Server) {
	a.srv = srv
	srv.State.Counters.Assign(freq.Now(), srv.State.Cur())
}

// done adds the session's bytes, errors and times.
func (a *tally) done(fe *engine.Frontend, e *logging.Entry, start time.Time) {
	in, out := uint64(e.BytesIn), uint64(e.BytesOut)
	fe.Counters.BytesIn.Add(in)
	fe.Counters.BytesOut.Add(out)
	if li := a.li; li != nil {
		li.BytesIn.Add(in)
		li.BytesOut.Add(out)
	}
	if a.be == nil {
		if e.TermState[0] == 'I' {
			fe.Counters.InternalErr.Add(1)
		}
		return
	}
	be := a.be.Counters
	be.CloseSession()
	be.BytesIn.Add(in)
	be.BytesOut.Add(out)
	if a.srv == nil {
		return
	}
	sc := &a.srv.State.Counters
	sc.BytesIn.Add(in)
	sc.BytesOut.Add(out)
	switch who, phase := e.TermState[0], e.TermState[1]; {
	case who == 'S' && phase == 'C':
		be.ErrConn.Add(1)
		sc.ErrConn.Add(1)
		return
	case (who == 'C' || who == 'c') && phase == 'D', who == 'C' && phase == 'C':
		be.CliAborts.Add(1)
		sc.CliAborts.Add(1)
	case (who == 'S' || who == 's') && phase == 'D':
		be.SrvAborts.Add(1)
		sc.SrvAborts.Add(1)
	}
	q, c := ms(e.Tw), ms(e.Tc)
	total := ms(time.Since(start))
	be.AddTimes(q, c, 0, total)
	sc.AddTimes(q, c, 0, total)
}

func ms(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(d / time.Millisecond)
}
