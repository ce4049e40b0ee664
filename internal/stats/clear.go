package stats

import "sync/atomic"

// Clear resets the maximum values (smax, qmax, the rate and time maxima),
// as the runtime API's "clear counters"; with all it also resets every
// cumulative counter, as "clear counters all". Current values (scur,
// rates, averages) and the availability history are kept. Concurrent
// updates may land just before or after the reset, as in HAProxy.
func (c *Counters) Clear(all bool) {
	c.Max.Store(c.Cur.Load())
	c.QMax.Store(0)
	c.SessRateMax.Store(0)
	c.ReqRateMax.Store(0)
	c.ConnRateMax.Store(0)
	c.QTimeMax.Store(0)
	c.CTimeMax.Store(0)
	c.RTimeMax.Store(0)
	c.TTimeMax.Store(0)
	if !all {
		return
	}
	for _, u := range []*atomic.Uint64{
		&c.Sessions, &c.Conns, &c.BytesIn, &c.BytesOut, &c.DeniedReq, &c.DeniedResp,
		&c.DeniedConn, &c.DeniedSess, &c.ErrReq, &c.ErrConn, &c.ErrResp, &c.Retries,
		&c.Redisp, &c.Intercepted, &c.FailedRew, &c.InternalErr, &c.Requests,
		&c.CliAborts, &c.SrvAborts, &c.LBTotal, &c.Connects, &c.Reuses, &c.ChkFail, &c.ChkDown,
	} {
		u.Store(0)
	}
	for i := range c.HRsp {
		c.HRsp[i].Store(0)
	}
}

// Each calls fn with every registered frontend, backend and listener's
// counters.
func (r *Registry) Each(fn func(*Counters)) {
	r.mu.Lock()
	cs := make([]*Counters, 0, len(r.m))
	for _, c := range r.m {
		cs = append(cs, c)
	}
	r.mu.Unlock()
	for _, c := range cs {
		fn(c)
	}
}
