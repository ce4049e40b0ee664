package l7

import (
	"net"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/stick"
)

// ruleState is the per-connection state rules work with. It lives in txn
// and keeps its buffers' capacity across requests and pooled connections.
type ruleState struct {
	scratch []byte
	// arena holds bytes that must live as long as the request head:
	// header values and targets set by rules. When it is full a bigger
	// one replaces it; slices into the old one stay valid.
	arena []byte
	// sc are the entries tracked by track-sc0..2 for this request; the
	// session's own (tcp-request connection and session rules) are in
	// t.sess.
	sc [3]*stick.Entry
	// started is set once startRequestRules counted the request, so that
	// endRequestRules counts its outcome once.
	started bool
	// inResponse is set while response rules run.
	inResponse bool
	// silent is set by "set-log-level silent".
	silent bool
	// inBackend is set while the backend's rules run, so that fetches
	// without a table argument use the backend's stick table.
	inBackend bool
	// caps are the frontend's capture slots (capture.go).
	caps captures
	// logLevel is set-log-level's level plus one; 0 keeps "info".
	logLevel int8
	// tmo are set-timeout's overrides (timeout.go).
	tmo streamTimeouts
	// local holds a generated response while http-after-response rules
	// edit it (after.go).
	local []byte
	// res is the response body "http-response wait-for-body" buffered
	// (resbody.go).
	res resBody
}

var _ rules.Txn = (*txn)(nil)

// Req returns the request head.
func (t *txn) Req() *h1.Request { return &t.req }

// Res returns the response head while response rules run.
func (t *txn) Res() *h1.Response {
	if !t.rs.inResponse {
		return nil
	}
	return &t.resp
}

// SetURI replaces the request target and re-derives path and query.
func (t *txn) SetURI(uri []byte) {
	t.req.URI = t.Own(uri)
	t.path, t.query = nil, nil
	t.splitURI()
}

// SetMethod replaces the request method.
func (t *txn) SetMethod(m []byte) { t.req.Method = t.Own(m) }

// Scratch returns the rules' scratch buffer.
func (t *txn) Scratch() *[]byte { return &t.rs.scratch }

// Own copies b into the request's arena.
func (t *txn) Own(b []byte) []byte {
	a := t.rs.arena
	if cap(a)-len(a) < len(b) {
		a = make([]byte, 0, max(2*cap(a), len(b), 512))
	}
	start := len(a)
	a = append(a, b...)
	t.rs.arena = a
	return a[start:len(a):len(a)]
}

// Vars returns the variables: they belong to the session, so that the
// tcp-request rules and every request of a keep-alive connection share
// the "sess" scope; the "txn", "req" and "res" scopes end with each
// request (endRequestRules) and "proc" is the engine's.
func (t *txn) Vars() *rules.Vars { return t.sess.Vars() }

// SocketID and SocketName serve so_id and so_name.
func (t *txn) SocketID() int      { return t.sess.SocketID() }
func (t *txn) SocketName() string { return t.sess.SocketName() }

// Var serves acl's var() fetch.
func (t *txn) Var(name string) (v acl.Value, ok bool) { return t.sess.Vars().Get(name) }

// Tracked returns the entry tracked in slot: by this request's rules, or
// else by the session's tcp-request rules, as HAProxy's stream falls back
// to its session's counters.
func (t *txn) Tracked(slot int) *stick.Entry {
	if slot < 0 || slot >= len(t.rs.sc) {
		return nil
	}
	if e := t.rs.sc[slot]; e != nil {
		return e
	}
	return t.sess.Tracked(slot)
}

// Track holds e in slot until the request ends. A slot the session
// already tracks is taken: HAProxy keeps the first tracking of a counter.
func (t *txn) Track(slot int, e *stick.Entry) bool {
	if t.Tracked(slot) != nil {
		return false
	}
	t.rs.sc[slot] = e
	return true
}

// startRequestRules runs the frontend's tcp-request content rules on a
// parsed request, as HAProxy runs them on each stream of a mode http
// connection, then counts the request on every tracked counter
// (http_req_cnt, http_req_rate). It returns true when a rule closed the
// connection.
func (t *txn) startRequestRules() bool {
	closed := t.runTCPContent(t.fe.TCP.Content)
	t.rs.started = true
	for i := range t.rs.sc {
		if e := t.Tracked(i); e != nil {
			e.Record(stick.EventHTTPReq, 1)
		}
	}
	return closed
}

// runTCPContent runs tcp-request content rules on the request. The
// request head is complete, so conditions decide at once. A reject or a
// silent-drop closes the connection without an answer.
func (t *txn) runTCPContent(set []*engine.TCPRule) bool {
	if len(set) == 0 {
		return false
	}
	if v, _ := engine.RunTCP(set, 0, t, true); v != engine.TCPReject && v != engine.TCPSilentDrop {
		return false
	}
	t.entry.TermState = [2]byte{tsProxy, phRequest}
	t.entry.Status = -1
	t.closeClient = true
	t.req.ContentLength, t.req.Chunked = 0, false
	return true
}

// countOutcome counts a finished request on the tracked counters: its
// bytes each way (bytes_in_*, bytes_out_*) and a 4xx status as an HTTP
// error (http_err_cnt, http_err_rate), as HAProxy does.
func (t *txn) countOutcome() {
	if !t.rs.started {
		return
	}
	t.rs.started = false
	in := t.entry.BytesIn
	// The log line, when there is one, already added this request's
	// bytes to BytesOut.
	out := max(t.entry.BytesOut, t.sent()-t.sentMark)
	isErr := t.entry.Status >= 400 && t.entry.Status <= 499
	for i := range t.rs.sc {
		e := t.Tracked(i)
		if e == nil {
			continue
		}
		e.Record(stick.EventBytesIn, uint64(max(in, 0)))
		e.Record(stick.EventBytesOut, uint64(max(out, 0)))
		if isErr {
			e.Record(stick.EventHTTPErr, 1)
		}
	}
}

// SetLogLevel changes the syslog level of this request's log line;
// "silent" (-1) suppresses it. Log targets drop lines above their own
// maximum level, as HAProxy's do.
func (t *txn) SetLogLevel(level int) {
	if level < 0 {
		t.rs.silent = true
		return
	}
	t.rs.logLevel = int8(level) + 1
}

// SetStatus replaces the response status and reason.
func (t *txn) SetStatus(status int, reason []byte) {
	t.resp.Status, t.resp.Reason = status, reason
}

// LogEntry returns the request's log entry, for %-aliases in rule
// formats.
func (t *txn) LogEntry() *logging.Entry { return &t.entry }

// endRequestRules releases what rules held for the request that ended:
// tracked entries and the txn, req and res variables.
func (t *txn) endRequestRules() {
	t.countOutcome()
	for i, e := range t.rs.sc {
		if e != nil {
			// track-sc counted the stream as a connection on the entry
			// (rules.Compile); it ends with the request.
			e.Dec(stick.ConnCur)
			e.Release()
			t.rs.sc[i] = nil
		}
	}
	if t.sess != nil {
		vs := t.sess.Vars()
		vs.EndScope("txn")
		vs.EndScope("req")
		vs.EndScope("res")
	}
	t.rs.arena = t.rs.arena[:0]
	t.rs.inResponse, t.rs.silent, t.rs.inBackend = false, false, false
	t.rs.caps.req, t.rs.caps.res = t.rs.caps.req[:0], t.rs.caps.res[:0]
	t.endTimeouts()
	t.rs.logLevel = 0
	t.endBody()
	t.endResBody()
}

// runRules applies an http-request rule set; it returns true when a rule
// answered the request or closed the connection.
func (t *txn) runRules(set []*rules.Rule) bool {
	if len(set) == 0 {
		return false
	}
	var o rules.Outcome
	switch rules.Run(set, t, &o) {
	case rules.Respond:
		t.answer(&o)
	case rules.Tarpit:
		t.tarpit(&o)
	case rules.Service:
		t.useService(o.Service)
	case rules.Close:
		if t.body.aborted {
			t.clientGone()
			return true
		}
		t.entry.TermState = [2]byte{tsProxy, phRequest}
		t.entry.Status = -1
		t.closeClient = true
		t.req.ContentLength, t.req.Chunked = 0, false
	default:
		return false
	}
	return true
}

// answer sends a rule's response, or the proxy's error page for its
// status when the rule has no payload.
func (t *txn) answer(o *rules.Outcome) {
	term := byte(tsLocal)
	if o.Term == 'P' {
		term = tsProxy
	}
	t.entry.TermState = [2]byte{term, phRequest}
	if o.Term == tsClientTmo {
		// The body did not come in time (wait-for-body): the rest of
		// it cannot be waited for, so the connection closes after the
		// 408, logged "cD" as in HAProxy.
		t.entry.TermState = [2]byte{tsClientTmo, phData}
		t.closeClient = true
		t.req.ContentLength, t.req.Chunked = 0, false
	}
	resp := o.Response
	if resp == nil {
		resp = engine.Page(t.fe, t.be, o.Status)
	}
	t.respondLocal(resp, o.Status)
}

// tarpit holds the request for the rule's delay, then answers, as
// HAProxy's tarpit does (the client sees a 500 by default).
//
// A client that hangs up meanwhile ends the wait: nothing is sent and the
// log says "CT", as HAProxy's does. The client's connection closes after a
// tarpit, so whatever it sends during the wait (a body) is read and
// dropped.
func (t *txn) tarpit(o *rules.Outcome) {
	t.closeClient = true
	// The body is dropped: the response must not wait for it.
	t.req.ContentLength, t.req.Chunked = 0, false
	if o.Delay > 0 && !t.holdTarpit(o.Delay) {
		t.entry.TermState = [2]byte{tsClientAbort, 'T'}
		t.entry.Status = o.Status
		return
	}
	t.answer(o)
	t.entry.TermState = [2]byte{tsProxy, 'T'}
}

// holdTarpit waits for d, or until the engine stops; it returns false
// when the client closed or failed first.
func (t *txn) holdTarpit(d time.Duration) bool {
	w := closeWatch{conn: t.conn, gone: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	tm := time.NewTimer(d)
	defer tm.Stop()
	clientLeft := false
	select {
	case <-tm.C:
	case <-t.sess.Gen.Context().Done():
	case <-w.gone:
		clientLeft = true
	}
	w.stop()
	// stop left a deadline in the past on the socket: clear it, and tell
	// the lazy deadline (deadline.go) so that the next read arms its own.
	t.conn.SetReadDeadline(time.Time{})
	t.cc.rd.armed = time.Time{}
	t.br.Reset(&t.cc)
	t.headLen = 0 // the head was in br
	return !clientLeft
}

// closeWatch reads and drops what a tarpitted client sends, straight from
// its connection, to notice when it closes. The client's connection closes
// after a tarpit, so nothing read here is needed again.
type closeWatch struct {
	conn    net.Conn
	stopped atomic.Bool
	gone    chan struct{} // closed when the client closed or failed
	done    chan struct{} // closed when run returns
}

func (w *closeWatch) run() {
	defer close(w.done)
	buf := make([]byte, 512)
	for {
		_, err := w.conn.Read(buf)
		switch {
		case err == nil:
		case !isTimeout(err):
			close(w.gone)
			return
		default:
			// A deadline armed before the tarpit fired, or stop's: clear
			// it, then look at the flag stop sets before its deadline.
			w.conn.SetReadDeadline(time.Time{})
			if w.stopped.Load() {
				return
			}
		}
	}
}

// stop interrupts run's read and waits for it to return.
func (w *closeWatch) stop() {
	w.stopped.Store(true)
	w.conn.SetReadDeadline(time.Unix(1, 0))
	<-w.done
}

// runResponseRules applies the backend's then the frontend's
// http-response rules, then the http-after-response rules. It returns the
// outcome when a rule replaced the response (deny, return, redirect) or
// closed the connection.
func (t *txn) runResponseRules(o *rules.Outcome) rules.Verdict {
	t.rs.inResponse = true
	defer func() { t.rs.inResponse = false }()
	defer func() { t.rs.inBackend = false }()
	for i, set := range [...][]*rules.Rule{t.be.Rules.Response, t.fe.Rules.Response} {
		t.rs.inBackend = i == 0
		if v := rules.Run(set, t, o); v != rules.Continue && v != rules.Stop {
			return v
		}
	}
	for i, set := range [...][]*rules.Rule{t.be.Rules.AfterResponse, t.fe.Rules.AfterResponse} {
		t.rs.inBackend = i == 0
		if v := rules.Run(set, t, o); v != rules.Continue && v != rules.Stop {
			return v
		}
	}
	return rules.Continue
}
