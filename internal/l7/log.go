package l7

import (
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/logging"
)

// log emits the access log line of the request just served.
func (t *txn) log() {
	t.account()
	lg := t.fe.Log
	if lg == nil || t.rs.silent {
		return
	}
	e := &t.entry
	t.fillEntry(e)
	t.logCaptures()
	if t.fe.Cfg.DontLogNull && e.BytesIn == 0 && e.Status < 0 || t.fe.Cfg.DontLogNormal && !e.IsError() {
		return
	}
	// %[...] reads the request: only once one was parsed.
	var smp acl.Sample
	if !t.headAt.IsZero() {
		smp = t
	}
	t.logBuf = t.fe.LogFormat.AppendSample(t.logBuf[:0], e, smp)
	sev := e.Level(t.fe.Cfg.LogSeparateErrors)
	if t.rs.logLevel > 0 {
		sev = int(t.rs.logLevel) - 1
	}
	lg.Log(sev, t.logBuf)
}

// logError logs a request that failed before it could be processed.
func (t *txn) logError() {
	if t.reqStart.IsZero() {
		t.reqStart = time.Now()
	}
	t.log()
}

func (t *txn) fillEntry(e *logging.Entry) {
	now := time.Now()
	s := t.sess
	e.ClientAddr, e.FrontendAddr = s.Src, s.Dst
	e.Accept = s.Accept
	e.ReqStart = t.reqStart
	e.Frontend = t.fe.Cfg.Name
	e.Backend = t.fe.Cfg.Name
	e.Server = logging.NoServer
	if t.be != nil {
		e.Backend = t.be.Cfg.Name
		e.BeConn = int(t.be.Queue.Len())
	}
	if t.srv != nil && e.Status >= 0 && e.Tc >= 0 {
		e.Server = t.srv.Name
		e.SrvConn = int(t.srv.State.Cur())
	}
	if t.nreq <= 1 {
		e.Ti = t.reqStart.Sub(s.Accept)
	}
	e.TR = -1
	if !t.headAt.IsZero() {
		e.TR = t.headAt.Sub(t.reqStart)
	}
	e.Ta = now.Sub(t.reqStart)
	e.BytesOut += t.sent() - t.sentMark
	e.Tt = now.Sub(s.Accept)
	e.ActConn = int(s.Gen.Engine.CurConns())
	e.FeConn = int(t.fe.CurConn.Load())
	e.PID = t.h.pid
	if t.req.Method != nil {
		e.RequestLine = string(t.req.Method) + " " + string(t.req.URI) + " HTTP/" + string(t.Version())
	}
}
