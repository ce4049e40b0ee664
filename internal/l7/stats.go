package l7

import (
	"time"

	"github.com/hawser-lb/hawser/internal/freq"
)

// statTxn is what the statistics need to know about the request in
// flight beyond its log entry.
type statTxn struct {
	// beOpen is set while the request counts as a session of t.be.
	beOpen bool
	// deniedResp is set when a response rule denied the response.
	deniedResp bool
	// done is set once the request has been accounted for.
	done bool
	// asapOut is what the early log of option logasap added to the log
	// entry's BytesOut, which the final count must not add twice.
	asapOut int64
}

// assigned counts the request on its backend, and on its server once one
// is picked (forward).
func (t *txn) assigned(now uint32) {
	if t.srv != nil {
		t.srv.State.Counters.Assign(now, t.srv.State.Cur())
		return
	}
	t.be.Counters.OpenSession(now)
	t.be.Counters.AddRequest(now)
	t.st.beOpen = true
}

// account updates the frontend, backend and server counters for the
// request just served, from its log entry: one call per request, from log.
// It only does atomic adds: no lock, no allocation.
func (t *txn) account() {
	if t.st.done {
		return
	}
	e := &t.entry
	if e.Partial && !t.loggedASAP {
		// option logasap logs before the body is sent; the request is
		// counted at its real end. That log adds what was sent so far
		// to BytesOut.
		t.st.asapOut = t.sent() - t.sentMark
		return
	}
	t.st.done = true
	parsed := !t.headAt.IsZero()
	if !parsed && e.Status < 0 {
		// The client left before sending anything.
		return
	}
	now := freq.Now()
	fe := t.fe.Counters
	in := uint64(e.BytesIn)
	out := uint64(e.BytesOut - t.st.asapOut + t.sent() - t.sentMark)
	fe.BytesIn.Add(in)
	fe.BytesOut.Add(out)
	status := e.Status
	if status > 0 {
		fe.AddStatus(status)
	}
	who, phase := e.TermState[0], e.TermState[1]
	li := t.sess.Listener // option socket-stats, else nil
	if li != nil {
		li.BytesIn.Add(in)
		li.BytesOut.Add(out)
	}
	if !parsed {
		// An invalid, cut or late request head (400, 408).
		fe.ErrReq.Add(1)
		if li != nil {
			li.ErrReq.Add(1)
		}
		return
	}
	fe.AddRequest(now)
	switch {
	case who == tsProxy && (phase == phRequest || phase == 'T'):
		fe.DeniedReq.Add(1)
		if li != nil {
			li.DeniedReq.Add(1)
		}
		if t.be != nil {
			t.be.Counters.DeniedReq.Add(1)
		}
	case who == tsInternal:
		fe.InternalErr.Add(1)
		if li != nil {
			li.InternalErr.Add(1)
		}
	case t.srv == nil && (who == tsLocal || who == phNone) && status > 0:
		fe.Intercepted.Add(1)
	}
	if t.st.deniedResp {
		fe.DeniedResp.Add(1)
		if li != nil {
			li.DeniedResp.Add(1)
		}
	}
	if t.be == nil || !t.st.beOpen {
		return
	}
	be := t.be.Counters
	t.st.beOpen = false
	be.CloseSession()
	be.BytesIn.Add(in)
	be.BytesOut.Add(out)
	if status > 0 {
		be.AddStatus(status)
	}
	if t.st.deniedResp {
		be.DeniedResp.Add(1)
	}
	if t.srv == nil {
		return
	}
	sc := &t.srv.State.Counters
	sc.BytesIn.Add(in)
	sc.BytesOut.Add(out)
	if t.st.deniedResp {
		sc.DeniedResp.Add(1)
	}
	answered := e.Tr >= 0
	switch {
	case who == tsServerAbort && phase == phConnect:
		be.ErrConn.Add(1)
		sc.ErrConn.Add(1)
	case (who == tsClientAbort || who == tsClientTmo) && phase == phData,
		who == tsClientAbort && (phase == phConnect || phase == phHeaders):
		be.CliAborts.Add(1)
		sc.CliAborts.Add(1)
	case (who == tsServerAbort || who == tsServerTmo) && phase == phData:
		be.SrvAborts.Add(1)
		sc.SrvAborts.Add(1)
		be.ErrResp.Add(1)
		sc.ErrResp.Add(1)
	case !answered && (phase == phHeaders || phase == phData) && !t.st.deniedResp:
		// No valid response head: cut, invalid or late (502, 504).
		be.ErrResp.Add(1)
		sc.ErrResp.Add(1)
	}
	if !answered {
		return
	}
	if status > 0 {
		sc.AddStatus(status)
	}
	total := time.Since(t.reqStart)
	q, c, r := ms(e.Tw), ms(e.Tc), ms(e.Tr)
	be.AddTimes(q, c, r, ms(total))
	sc.AddTimes(q, c, r, ms(total))
}

// ms converts a duration to whole milliseconds, 0 when negative.
func ms(d time.Duration) uint32 {
	if d <= 0 {
		return 0
	}
	return uint32(d / time.Millisecond)
}

// connected counts a connection to the server: a new one or a reused one.
func (t *txn) connected(reused bool) {
	if reused {
		t.srv.State.Counters.Reuses.Add(1)
		t.be.Counters.Reuses.Add(1)
		return
	}
	t.srv.State.Counters.Connects.Add(1)
	t.be.Counters.Connects.Add(1)
}
