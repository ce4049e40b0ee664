package l7

import (
	"errors"
	"io"
	"net"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/logging"
)

// log emits the access log line of the request just served.
func (t *txn) log() {
	t.account()
	lg := t.fe.Log
	if t.loggedASAP {
		t.loggedASAP = false
		return
	}
	if lg == nil || t.rs.silent {
		return
	}
	e := &t.entry
	t.uniqueID()
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
	e.LogCounter = logging.NextLogCounter()
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
	e.SetTLS(s.TLS)
	e.Backend = t.fe.Cfg.Name
	e.Server = logging.NoServer
	if t.be != nil {
		e.Backend = t.be.Cfg.Name
		e.BeConn = int(t.be.Queue.Len())
	}
	// The server is named once the request reached it, or when the
	// client left while it was being connected to or answering (CC, CH).
	if t.srv != nil && (e.Status >= 0 && e.Tc >= 0 ||
		e.TermState[0] == tsClientAbort && (e.TermState[1] == phConnect || e.TermState[1] == phHeaders)) {
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
		// The line lives in the txn's buffer, without a copy per request:
		// the entry is reset (resetRequest) before the buffer is reused,
		// and the Logger copies the formatted line.
		b := append(t.reqLine[:0], t.req.Method...)
		b = append(b, ' ')
		b = append(b, t.req.URI...)
		b = append(b, " HTTP/"...)
		b = append(b, t.Version()...)
		t.reqLine = b
		e.RequestLine = unsafe.String(unsafe.SliceData(b), len(b))
	}
}

// reqCounter numbers requests for %rt, as HAProxy's global stream counter.
var reqCounter atomic.Uint32

// uniqueID builds the request's unique ID from the frontend's
// unique-id-format the first time it is needed (the header to the server,
// or the log line), as HAProxy does; it also gives the request its %rt
// number. The entry's fields the format may read are filled first.
func (t *txn) uniqueID() {
	e := &t.entry
	if e.RequestCounter == 0 {
		e.RequestCounter = reqCounter.Add(1)
	}
	uf := t.fe.UniqueID
	if uf == nil || e.UniqueID != "" {
		return
	}
	s := t.sess
	e.ClientAddr, e.FrontendAddr, e.Accept, e.ReqStart = s.Src, s.Dst, s.Accept, t.reqStart
	e.Frontend, e.PID = t.fe.Cfg.Name, t.h.pid
	var smp acl.Sample
	if !t.headAt.IsZero() {
		smp = t
	}
	t.uidBuf = uf.AppendSample(t.uidBuf[:0], e, smp)
	e.UniqueID = string(t.uidBuf)
}

// addUniqueID sends the unique ID to the server in unique-id-header.
func (t *txn) addUniqueID() {
	if t.fe.UniqueIDHeader == nil {
		return
	}
	t.uniqueID()
	t.req.Add(t.fe.UniqueIDHeader, t.uidBuf)
}

// logASAP logs the request as soon as the response head is on its way to
// the client ("option logasap"): the totals so far (%Tt, %Ta, %B) are
// marked with '+', and the log at the end of the request is skipped.
func (t *txn) logASAP() {
	t.entry.Partial = true
	t.log()
	t.loggedASAP = true
}

// serverFailed tells a server connection that closed or failed (EOF, a
// reset, any network error) from a response that could not be parsed.
func serverFailed(err error) bool {
	var ne net.Error
	return errors.Is(err, errServerGone) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne)
}
