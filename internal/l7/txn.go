package l7

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/freq"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/server"
)

// txn is one client connection and the request being processed on it. It
// is owned by the connection's goroutine.
type txn struct {
	h    *Handler
	sess *engine.Session
	fe   *engine.Frontend
	conn net.Conn
	cc   idleConn // conn with inactivity timeouts; br and bw use it
	// br and bw are taken from pools when a request begins and, on a
	// bare TCP socket, given back while the connection waits for the next
	// one (see idleReader).
	br      *bufio.Reader
	bw      *bufio.Writer
	bufSize int
	idle    idleReader
	canIdle bool // idle is usable
	more    moreWriter
	lr      io.LimitedReader // the source of a splice (splice.go)
	pool    *connPool
	// h2 is set when the connection is one HTTP/2 stream (h2.go): one
	// request, version 2.0, and the server connection goes back to the
	// pool after it.
	h2 bool

	// sc is the server connection attached to this client connection: it
	// serves the next request again if it goes to the same server.
	sc *serverConn
	// ab watches for the client leaving while a request waits, for
	// "option abortonclose" (abort.go); nil until first needed.
	ab   *abortWatch
	nreq int
	// parked is set when the connection waited parkAfter for its next
	// request and is to be parked (park.go). resumed is set on a txn that
	// resumes a parked connection, whose keep-alive deadline resumeUntil
	// was set before it parked.
	parked, resumed bool
	resumeUntil     time.Time

	// Per request.
	be          *engine.Backend
	srv         *balance.Server
	req         h1.Request
	resp        h1.Response
	headLen     int
	headBuf     []byte // the request head, parsed in place
	path, query []byte
	upgrade     []byte // the Upgrade header value, kept across StripHopByHop
	closeClient bool
	reqStart    time.Time
	headAt      time.Time // when the request head was complete
	sentMark    int64     // t.sent() when the request began
	entry       logging.Entry
	logBuf      []byte
	uidBuf      []byte // the unique ID of the request (log.go)
	reqLine     []byte // the request line of the log entry (log.go)
	loggedASAP  bool   // option logasap logged this request already (log.go)
	// bodyDone is set once the request body has been fully read from the
	// client.
	bodyDone bool
	rs       ruleState
	rt       retryState   // retry.go
	ps       persistState // persist.go
	body     reqBody      // body.go
	h2w      h2Wake       // h2server.go
	st       statTxn      // stats.go
}

// Termination states for logs: who ended the session and in which phase.
const (
	tsClientAbort  = 'C'
	tsServerAbort  = 'S'
	tsProxy        = 'P'
	tsClientTmo    = 'c'
	tsServerTmo    = 's'
	tsLocal        = 'L'
	tsInternal     = 'I'
	phRequest      = 'R'
	phQueue        = 'Q'
	phConnect      = 'C'
	phHeaders      = 'H'
	phData         = 'D'
	phNone         = '-'
	maxDrainOnDeny = 64 << 10
)

func (t *txn) timeouts() *config.Timeouts { return &t.fe.Cfg.Timeouts }

// draining reports whether the connection should close after the request
// in flight: the process is stopping softly.
func (t *txn) draining() bool {
	return t.sess.Gen.Engine.Stopping()
}

// follow moves the connection to the configuration a reload published, if
// any, before its next request; it reports false when the new configuration
// no longer serves this socket.
func (t *txn) follow() bool {
	if t.h2 || !t.sess.Gen.Retired() {
		return true
	}
	if !t.sess.Gen.Engine.Rebind(t.sess) {
		return false
	}
	t.fe = t.sess.Frontend
	t.cc.wIdle = t.fe.Cfg.Timeouts.Client
	return true
}

func (t *txn) serve() {
	for {
		if t.nreq > 0 && (t.closeClient || t.h2 || t.draining()) {
			return
		}
		if !t.readRequest() {
			return
		}
		t.nreq++
		t.handle()
		t.log()
		t.endRequestRules()
	}
}

// readRequest waits for and parses the next request head. It answers
// malformed or late requests itself and returns false when the connection
// must close.
func (t *txn) readRequest() bool {
	to := t.timeouts()
	t.resetRequest()
	var wait time.Duration
	if t.nreq == 0 {
		wait = firstNonZero(to.HTTPRequest, to.Client)
	} else {
		wait = firstNonZero(to.HTTPKeepAlive, to.HTTPRequest, to.Client)
	}
	if t.br.Buffered() == 0 {
		// Only a connection that has served a request counts as idle: a
		// new one may have its first request on the way, and a reload or
		// soft stop must not cut it off.
		t.sess.Idle.Store(t.nreq > 0)
		now := time.Now()
		switch {
		case t.resumed:
			t.cc.setReadDeadline(t.resumeUntil)
			t.resumed = false
		case wait > 0:
			t.cc.setReadDeadline(now.Add(wait))
		default:
			t.cc.setReadDeadline(time.Time{})
		}
		// A new connection parks too: browsers open connections ahead of
		// their requests. Its timeout http-request still applies (408).
		var park time.Time
		if t.canIdle && !t.h2 && t.h.parker() != nil {
			park = now.Add(parkAfter)
		}
		err := t.waitRequest(park)
		if err == errPark {
			// Idle stays as it is: the engine finds an idle session
			// to wake it, and leaves a new one alone.
			t.parked = true
			return false
		}
		t.sess.Idle.Store(false)
		if err != nil {
			if isTimeout(err) && t.nreq == 0 && to.HTTPRequest > 0 && !t.draining() {
				t.entry.TermState = [2]byte{tsClientTmo, phRequest}
				t.sendError(408)
				t.logError()
			}
			return false
		}
	}
	if !t.follow() {
		return false
	}
	if t.nreq == 0 && !t.h2 {
		// HAProxy serves HTTP/2 on a cleartext HTTP bind when the client
		// starts with the HTTP/2 preface (h2c with prior knowledge).
		if b, _ := t.br.Peek(1); len(b) == 1 && b[0] == h2Preface[0] && t.h2PrefaceAhead() {
			t.upgradeH2()
			return false
		}
	}
	t.reqStart = time.Now()
	t.sentMark = t.sent()
	if d := firstNonZero(to.HTTPRequest, to.Client); d > 0 {
		t.cc.setReadDeadline(t.reqStart.Add(d))
	} else {
		t.cc.setReadDeadline(time.Time{})
	}
	scanned := 0
	for {
		buf, _ := t.br.Peek(t.br.Buffered())
		if end := h1.HeadEnd(buf, scanned-3); end >= 0 {
			t.headLen = end
			break
		}
		scanned = len(buf)
		if len(buf) >= t.br.Size() {
			t.failRequest(400, tsProxy)
			return false
		}
		if _, err := t.br.Peek(len(buf) + 1); err != nil {
			switch {
			case isTimeout(err):
				t.entry.TermState = [2]byte{tsClientTmo, phRequest}
				t.sendError(408)
				t.logError()
			default:
				// The client closed in the middle of a head: HAProxy
				// answers 400 if anything was received.
				if len(buf) > 0 {
					t.failRequest(400, tsClientAbort)
				}
			}
			return false
		}
	}
	// Parse a copy of the head: the parsed fields must outlive the read
	// buffer, which the request body overwrites, because response rules and
	// the log read them after the body is gone. A head is a few hundred
	// bytes; the copy is cheap next to the syscalls.
	head, _ := t.br.Peek(t.headLen)
	t.headBuf = append(t.headBuf[:0], head...)
	if err := h1.ParseRequest(t.headBuf, &t.req); err != nil {
		t.failRequest(400, tsProxy)
		return false
	}
	t.headAt = time.Now()
	t.entry.BytesIn = int64(t.headLen)
	t.splitURI()
	return true
}

// stamp returns the time for a timer (Tw, Tc, Tr): the log and the
// statistics' average times (qtime, ctime, rtime) both use them.
func (t *txn) stamp() time.Time {
	return time.Now()
}

// since returns the time elapsed since a stamp, zero for a zero stamp.
func (t *txn) since(start time.Time) time.Duration {
	if start.IsZero() {
		return 0
	}
	return time.Since(start)
}

// waitRequest waits for the first bytes of the next request. On a bare
// TCP socket the connection's buffers go back to the pools for the wait,
// and come back, whatever the outcome, before it returns.
//
// When park is set and passes before a request begins, it returns errPark
// and leaves the buffers released.
func (t *txn) waitRequest(park time.Time) error {
	if !t.canIdle || t.bw.Buffered() > 0 {
		_, err := t.br.Peek(1)
		return err
	}
	putReader(t.br)
	putWriter(t.bw)
	t.br, t.bw = nil, nil
	err := t.idle.wait(&t.cc, park)
	if err == errPark {
		return err
	}
	t.br = getReader(&t.cc, t.bufSize)
	t.bw = getWriter(&t.cc, t.bufSize)
	if err != nil {
		return err
	}
	// Moves the bytes read into br, without a system call.
	_, err = t.br.Peek(1)
	return err
}

func (t *txn) failRequest(status int, who byte) {
	t.entry.TermState = [2]byte{who, phRequest}
	t.sendError(status)
	t.logError()
}

func (t *txn) resetRequest() {
	t.be, t.srv = nil, nil
	t.path, t.query, t.upgrade = nil, nil, nil
	t.headLen = 0
	t.bodyDone = false
	t.rt = retryState{}
	t.reqStart, t.headAt = time.Time{}, time.Time{}
	t.st = statTxn{}
	t.entry = logging.Entry{Status: -1, TermState: [2]byte{phNone, phNone}, CookieState: [2]byte{phNone, phNone}}
	t.entry.Tw, t.entry.Tc, t.entry.Tr = -1, -1, -1
}

// originForm is the request target as an HTTP/1 server gets it. An
// HTTP/2 stream's target is in absolute form, built from its
// pseudo-headers (h2stream.go); as HAProxy does with such "normalized"
// targets, the server gets the path and query ("/" when empty, "*" for
// OPTIONS). Other targets go as received.
func (t *txn) originForm() []byte {
	u := t.req.URI
	if !t.h2 || len(u) == 0 || u[0] == '/' || u[0] == '*' {
		return u
	}
	if !bytes.HasPrefix(u, []byte("http://")) && !bytes.HasPrefix(u, []byte("https://")) {
		return u
	}
	rest := u[bytes.Index(u, []byte("://"))+3:]
	if i := bytes.IndexAny(rest, "/?"); i >= 0 {
		if rest[i] == '/' {
			return rest[i:]
		}
	}
	if h1.EqualFold(t.req.Method, "OPTIONS") {
		return []byte("*")
	}
	if i := bytes.IndexByte(rest, '?'); i >= 0 {
		return append([]byte("/"), rest[i:]...)
	}
	return []byte("/")
}

// splitURI derives the path and query from the request target.
func (t *txn) splitURI() {
	u := t.req.URI
	if len(u) > 0 && u[0] != '/' && u[0] != '*' {
		// Absolute form: skip scheme://authority.
		if i := bytes.Index(u, []byte("://")); i >= 0 {
			rest := u[i+3:]
			if j := bytes.IndexByte(rest, '/'); j >= 0 {
				u = rest[j:]
			} else if j := bytes.IndexByte(rest, '?'); j >= 0 {
				u = rest[j:]
			} else {
				u = nil
			}
		}
	}
	if i := bytes.IndexByte(u, '?'); i >= 0 {
		t.path, t.query = u[:i], u[i+1:]
	} else {
		t.path = u
	}
}

// handle processes one parsed request to the end of its response.
func (t *txn) handle() {
	if !t.req.KeepAlive() || t.fe.Cfg.ConnMode == config.HTTPClose || t.h2 {
		t.closeClient = true
	}
	if len(t.fe.Cfg.ReqCaptures) > 0 {
		t.startCaptures()
	}
	if t.req.ConnUpgrade {
		t.upgrade = t.req.Get("upgrade")
	}
	t.req.StripHopByHop()
	if uri := t.fe.Cfg.MonitorURI; uri != "" && string(t.originForm()) == uri {
		// monitor-uri: HAProxy answers "200 OK" itself, neither
		// forwarding nor logging the request; "monitor fail" turns the
		// answer into a 503 so that the monitor takes the site out.
		t.rs.silent = true
		status := 200
		if t.fe.MonitorFailed(t) {
			status = 503
		}
		t.respondLocal(engine.Page(t.fe, nil, status), status)
		return
	}
	// A stats page request passes the page's access rules, then the
	// proxy's http-request rules, and is answered locally (HAProxy).
	stats := t.statsFor(t.fe.Stats)
	if stats != nil && t.statsAccess(stats) {
		return
	}
	if !t.bufferRequest(&t.fe.Cfg.Proxy) || t.startRequestRules() || t.runRules(t.fe.Rules.Request) {
		return
	}
	if stats != nil {
		t.serveStats(stats)
		return
	}
	t.be = t.fe.Route(t)
	if t.be == nil {
		t.entry.TermState = [2]byte{tsInternal, phRequest}
		t.localError(503)
		return
	}
	if !t.bufferRequest(&t.be.Cfg.Proxy) {
		return
	}
	t.rs.inBackend = true
	if t.runTCPContent(t.be.TCP.Content) {
		return
	}
	// Stats declared in a backend serve the requests routed to it.
	stats = t.statsFor(t.be.Stats)
	if stats != nil && t.statsAccess(stats) {
		t.rs.inBackend = false
		return
	}
	answered := t.runRules(t.be.Rules.Request)
	t.rs.inBackend = false
	if answered {
		return
	}
	if stats != nil {
		t.serveStats(stats)
		return
	}
	t.addUniqueID()
	t.addForwardedFor()
	t.forward()
}

func (t *txn) hasResponseRules() bool {
	return len(t.be.Rules.Response)+len(t.fe.Rules.Response)+len(t.be.Rules.AfterResponse)+len(t.fe.Rules.AfterResponse) > 0
}

// replaceResponse drops the server's response for the one a response rule
// decided (deny, return, redirect), or closes (silent-drop).
func (t *txn) replaceResponse(v rules.Verdict, o *rules.Outcome) {
	t.releaseServerConn(false)
	t.headLen = 0
	t.closeClient = t.closeClient || !t.bodyDone
	term := byte(tsLocal)
	if o.Term == 'P' {
		term = tsProxy
		t.st.deniedResp = true
	}
	t.entry.TermState = [2]byte{term, phHeaders}
	if o.Term == tsServerTmo {
		t.entry.TermState = [2]byte{tsServerTmo, phData} // wait-for-body
	}
	if v == rules.Close {
		t.closeClient = true
		return
	}
	resp := o.Response
	if resp == nil {
		resp = engine.Page(t.fe, t.be, o.Status)
	}
	t.entry.Status = o.Status
	t.writeLocal(resp)
}

func (t *txn) addForwardedFor() {
	ff := t.fe.Cfg.Forwardfor
	if !ff.Enabled {
		ff = t.be.Cfg.Forwardfor
	}
	if !ff.Enabled || !t.sess.Src.IsValid() {
		return
	}
	name := ff.Header
	if name == "" {
		name = "x-forwarded-for"
	}
	if ff.IfNone && t.req.Has(name) {
		return
	}
	if ff.Except != "" {
		if p, err := netip.ParsePrefix(ff.Except); err == nil && p.Contains(t.sess.Src.Addr()) {
			return
		} else if a, err := netip.ParseAddr(ff.Except); err == nil && a == t.sess.Src.Addr() {
			return
		}
	}
	t.req.Add([]byte(name), t.sess.Src.Addr().AppendTo(nil))
}

// consumeBody discards the request body of a request answered locally, so
// that the connection can serve the next one; if the body is chunked or
// too large, the connection is closed instead.
func (t *txn) consumeBody() {
	if t.bodyDone {
		// Already forwarded (an error after the request was sent).
		t.headLen = 0
		return
	}
	t.br.Discard(t.headLen)
	t.headLen = 0
	switch {
	case t.req.Chunked:
		t.closeClient = true
	case t.req.ContentLength > 0:
		if !drain(t.br, t.req.ContentLength, maxDrainOnDeny) {
			t.closeClient = true
		}
	}
	t.bodyDone = true
}

// respondLocal sends a response built by the proxy.
func (t *txn) respondLocal(resp []byte, status int) {
	t.consumeBody()
	t.entry.Status = status
	t.entry.Server = "<NOSRV>"
	t.writeLocal(resp)
}

// localError sends one of the proxy's error pages for this request.
func (t *txn) localError(status int) {
	t.respondLocal(engine.Page(t.fe, t.be, status), status)
}

// sendError answers with an error page and closes (parse errors and
// timeouts, where the request cannot be trusted).
func (t *txn) sendError(status int) {
	t.closeClient = true
	t.entry.Status = status
	t.writeLocal(engine.Page(t.fe, nil, status))
}

// writeLocal writes a complete prebuilt response, after the
// http-after-response rules if any (after.go).
func (t *txn) writeLocal(resp []byte) {
	if t.hasLocalAfterRules() {
		t.writeLocalAfter(resp)
		return
	}
	t.writeRaw(resp)
}

// writeRaw writes a complete prebuilt response, inserting
// "connection: close" after the status line when the connection will
// close.
func (t *txn) writeRaw(resp []byte) {
	if t.closeClient {
		i := bytes.Index(resp, []byte("\r\n"))
		if i > 0 {
			t.bw.Write(resp[:i+2])
			t.bw.WriteString("connection: close\r\n")
			t.bw.Write(resp[i+2:])
		}
	} else {
		t.bw.Write(resp)
	}
	t.flushLocal()
}

func (t *txn) flushLocal() {
	if err := t.bw.Flush(); err != nil {
		t.closeClient = true
	}
}

// errServerGone is a server connection that failed before any response
// byte: a reused connection the server had closed.
var errServerGone = errors.New("server closed the connection before responding")

// forward sends the request to a server of t.be and relays the response.
func (t *txn) forward() {
	be := t.be
	qStart := t.stamp()
	t.assigned(freq.Now())
	t.entry.BackendQueue = be.Queue.Len()
	ctx := context.Background()
	ab := t.watchAborts()
	if ab != nil {
		ab.start(nil)
		ctx = ab.ctx
	}
	srv, err := t.acquire(be, ctx)
	t.entry.Tw = t.since(qStart)
	if ab != nil && ab.stop(t) {
		// "CQ": the client left while the request was queued.
		if err == nil {
			be.Pool.Release(srv)
		}
		t.clientAborted(phQueue)
		return
	}
	if err != nil {
		if errors.Is(err, balance.ErrQueueTimeout) {
			t.entry.TermState = [2]byte{tsServerTmo, phQueue}
		} else {
			t.entry.TermState = [2]byte{tsServerAbort, phConnect}
		}
		t.localError(503)
		return
	}
	t.srv = srv
	t.assigned(freq.Now())
	defer func() { be.Pool.Release(t.srv) }()
	if srv.TrackSessions {
		// on-marked-down shutdown-sessions: the health checker may abort
		// this request when the server goes down.
		conn := t.conn
		defer srv.State.TrackSession(func() { conn.Close() })()
	}

	t.attempt()
	if t.rt.replay != nil {
		t.endReplay()
	}
}

// attempt connects to t.srv and exchanges the request, as many times as
// the retry settings allow (retry.go).
func (t *txn) attempt() {
	freshOnly := false
	for {
		var err error
		if t.srv.H2 {
			// "proto h2": a stream on a shared HTTP/2 connection
			// (h2server.go); only a failed dial comes back here, or
			// errRetry.
			if err = t.exchangeH2(); err == nil {
				return
			}
			if errors.Is(err, errRetry) {
				continue
			}
		} else {
			cStart := t.stamp()
			var sc *serverConn
			sc, err = t.connect(freshOnly)
			if errors.Is(err, errClientAborted) {
				// "CC": the client left while the server connection
				// was being set up.
				t.clientAborted(phConnect)
				return
			}
			t.entry.Tc = t.since(cStart)
			if err == nil {
				t.sc = sc
				t.persistConnected()
				err = t.exchange()
				switch {
				case errors.Is(err, errServerGone) && !freshOnly:
					// The server closed an idle connection as we reused
					// it. The request had no body, or is kept for a
					// replay, so it can be sent again on a new one.
					freshOnly = true
					continue
				case errors.Is(err, errRetry):
					freshOnly = false
					continue
				}
				return
			}
		}
		// A refused connection waits HAProxy's turn-around time before
		// the same server is tried again; a timeout has waited already.
		if t.retry(config.RetryConnFailure, !isTimeout(err)) {
			continue
		}
		// HAProxy's "sC" is "timeout connect" expiring, "SC" a refusal.
		t.entry.TermState = [2]byte{tsServerAbort, phConnect}
		if isTimeout(err) {
			t.entry.TermState[0] = tsServerTmo
		}
		t.localError(503)
		return
	}
}

// redispatch moves the request to another server (option redispatch).
// When no other server can take it, it stays where it is.
func (t *txn) redispatch() {
	other, err := t.be.Pool.AcquireExcept(context.Background(), t, t.srv)
	if err != nil {
		return
	}
	t.be.Pool.Release(t.srv)
	if other != t.srv {
		t.entry.Redispatched = true
		t.ps.direct = nil
	}
	t.srv = other
}

// connect returns a connection to t.srv: the attached one, an idle one
// from the pool when http-reuse allows, or a new one.
func (t *txn) connect(freshOnly bool) (*serverConn, error) {
	_, key := t.srv.Target()
	var sni string
	if t.srv.SNI != nil {
		// Connections are shared only between requests sending the same
		// SNI; this costs an allocation per request, on such servers only.
		sni = t.serverName()
		key += "\x00" + sni
	}
	if perClient(t.srv) {
		// The PROXY header names one client: its connections serve
		// that client alone (HAProxy hashes the header's addresses
		// into the connection's identity).
		key += proxyKey(t.sess)
	}
	if t.sc != nil {
		if t.sc.key == key && !freshOnly {
			t.connected(true)
			return t.sc, nil
		}
		t.releaseServerConn(false)
	}
	// Every connection in the idle pool has already carried a complete
	// request and response: HAProxy calls these "safe" connections, and
	// "http-reuse safe" (the default) lets even the first request of a
	// client connection use them. Only "never" dials for every request.
	// (Requiring a fresh connection for first requests would dial once per
	// client connection and exhaust ephemeral ports under connection churn.)
	mayReuse := !freshOnly && t.be.Cfg.HTTPReuse != "never"
	if mayReuse {
		if sc := t.pool.get(key); sc != nil {
			t.connected(true)
			return sc, nil
		}
	}
	t.connected(false)
	timeout := firstNonZero(t.be.Cfg.Timeouts.Connect, 5*time.Second)
	ctx := context.Background()
	ab := t.watchAborts()
	if ab != nil {
		ab.start(nil)
		ctx = ab.ctx
	}
	c, err := dialProxyContext(ctx, t.srv, t.sess, timeout)
	if ab != nil && ab.stop(t) {
		if err == nil {
			c.Close()
		}
		return nil, errClientAborted
	}
	if err != nil {
		if t.srv.Observe {
			t.srv.State.ReportError(server.Layer4)
		}
		return nil, err
	}
	sc := &serverConn{key: key, srv: t.srv}
	if t.srv.TLS != nil {
		tc, st, err := tlsClient(c, t.srv.TLS, sni, timeout)
		if err != nil {
			if t.srv.Observe {
				t.srv.State.ReportError(server.Layer4)
			}
			return nil, err
		}
		c, sc.tls = tc, st
	}
	sc.c = idleConn{Conn: c}
	if sc.raw.init(c) {
		sc.c.more = &sc.raw
	}
	return sc, nil
}

// releaseServerConn detaches the server connection: back to the pool if it
// can carry another request, closed otherwise.
func (t *txn) releaseServerConn(reusable bool) {
	sc := t.sc
	if sc == nil {
		return
	}
	t.sc = nil
	if reusable && sc.dropBuffers() {
		t.pool.put(sc)
		return
	}
	sc.close()
}

// exchange sends the request on t.sc and relays the response. It returns
// errServerGone when the request can be sent again on a fresh connection,
// errRetry when retry-on asks for another attempt (prepared by t.retry).
func (t *txn) exchange() error {
	sc := t.sc
	sc.takeBuffers(t.pool.bufSize)
	// "timeout server" is an inactivity timeout on the server side, for
	// the response head as for the bodies.
	sc.c.rIdle = t.serverTimeout()
	sc.c.wIdle = t.serverTimeout()
	hasBody := t.req.Chunked || t.req.ContentLength > 0
	reused := sc.used
	sc.used = true
	if t.rt.replay == nil && !t.bodyDone {
		switch want, gone := t.wantReplay(); {
		case gone:
			t.releaseServerConn(false)
			t.clientGone()
			return nil
		case want:
			if err := t.captureRequest(); err != nil {
				return t.sendFailed(err, reused, hasBody)
			}
		}
	}
	replay := t.rt.replay != nil
	// readResponse reuses t.headLen for each response head; the request
	// head's length is needed again to skip it before a body sent after
	// 100 Continue.
	reqHeadLen := t.headLen
	expect := false
	if replay {
		sc.bw.Write(t.rt.replay.b)
		if err := sc.bw.Flush(); err != nil {
			return t.replayFailed(reused)
		}
	} else {
		t.writeRequestHead(sc.bw)
		expect = hasBody && h1.EqualFold(t.req.Get("expect"), "100-continue")
		if !expect {
			if err := t.sendBody(sc); err != nil {
				return t.sendFailed(err, reused, hasBody)
			}
		} else if err := sc.bw.Flush(); err != nil {
			return t.sendFailed(err, reused, hasBody)
		}
	}

	rStart := t.stamp()
	for {
		err, aborted := t.readResponseWatched(sc)
		if aborted {
			// "CH": the client left while the server prepared its
			// answer; the server connection may be closed already.
			t.releaseServerConn(false)
			t.clientAborted(phHeaders)
			return nil
		}
		if err != nil {
			if errors.Is(err, errServerGone) && reused && (!hasBody || replay) {
				t.releaseServerConn(false)
				return errServerGone
			}
			t.releaseServerConn(false)
			if t.srv.Observe {
				// An invalid, cut or late response: a layer 7 error.
				t.srv.State.ReportError(server.Layer7)
			}
			// The request head is out of the client's buffer, or, when
			// the body was held back for a 100 Continue that never came,
			// the client connection closes below with it.
			t.headLen = 0
			t.bodyDone = true
			cond := config.RetryJunkResponse
			switch {
			case isTimeout(err):
				cond = config.RetryResponseTimeout
			case errors.Is(err, errServerGone):
				cond = config.RetryEmptyResponse
			}
			if t.retry(cond, false) {
				return errRetry
			}
			switch {
			case isTimeout(err):
				t.entry.TermState = [2]byte{tsServerTmo, phHeaders}
				t.localError(504)
			default:
				// HAProxy's "SH" is the server closing or failing before
				// the head was complete, "PH" a head it refused.
				if serverFailed(err) {
					t.entry.TermState = [2]byte{tsServerAbort, phHeaders}
				} else {
					t.entry.TermState = [2]byte{tsProxy, phHeaders}
				}
				t.localError(502)
			}
			t.closeClient = true
			return nil
		}
		if t.resp.Status >= 200 || t.resp.Status == 101 {
			break
		}
		// An interim response: relay it (HTTP/1.1 clients only) and wait
		// for the final one. After a 100 Continue the client sends its
		// body.
		sc.br.Discard(t.headLen)
		if t.req.Minor == 1 {
			t.writeResponseHead(false, false)
			t.bw.Flush()
			// The client has seen part of this attempt's answer.
			t.rt.relayed = true
		}
		if expect && t.resp.Status == 100 {
			expect = false
			t.headLen = reqHeadLen
			if err := t.sendBody(sc); err != nil {
				return t.sendFailed(err, reused, true)
			}
		}
	}
	t.entry.Tr = t.since(rStart)
	if replay && t.be.Cfg.RetryOn.Status(t.resp.Status) && t.retryStatus() {
		return errRetry
	}
	if expect {
		// The server answered without asking for the body: the client
		// may still send it, so its connection closes after this response
		// (bodyDone stays false, so the server connection closes too).
		t.closeClient = true
	}
	return t.relayResponse(sc)
}

// retryStatus drops a response whose status retry-on retries, when
// another attempt is allowed: the server's health is told as for any
// response, and its connection closes with whatever it sent, so that none
// of it reaches the client.
func (t *txn) retryStatus() bool {
	status := t.resp.Status
	srv := t.srv
	if !t.retry(config.RetryStatus(status), false) {
		return false
	}
	if srv.Observe {
		if status >= 500 && status != 501 && status != 505 {
			srv.State.ReportError(server.Layer7)
		} else {
			srv.State.ReportSuccess()
		}
	}
	t.headLen = 0
	t.releaseServerConn(false)
	return true
}

// replayFailed handles a failure to write a kept request to the server: a
// reused connection is replaced, a new one counts as an empty response.
func (t *txn) replayFailed(reused bool) error {
	t.releaseServerConn(false)
	if reused {
		return errServerGone
	}
	if t.retry(config.RetryEmptyResponse, false) {
		return errRetry
	}
	t.entry.TermState = [2]byte{tsServerAbort, phData}
	t.localError(502)
	t.closeClient = true
	return nil
}

func (t *txn) sendFailed(err error, reused, hasBody bool) error {
	t.releaseServerConn(false)
	if t.bodyDone || !hasBody {
		if reused && !hasBody {
			return errServerGone
		}
		t.entry.TermState = [2]byte{tsServerAbort, phData}
		t.localError(502)
		t.closeClient = true
		return nil
	}
	// Reading the client's body failed, or writing it to the server did:
	// the client side cannot be resynchronised.
	t.entry.TermState = [2]byte{tsClientAbort, phData}
	if isTimeout(err) {
		t.entry.TermState = [2]byte{tsClientTmo, phData}
	}
	t.closeClient = true
	return nil
}

// writeRequestHead writes the (edited) request head for the server.
func (t *txn) writeRequestHead(w *bufio.Writer) {
	h1.WriteRequestLine(w, t.req.Method, t.originForm())
	for _, h := range t.req.Headers {
		h1.WriteHeader(w, h.Name, h.Value)
	}
	switch {
	case t.upgrade != nil:
		h1.WriteHeaderString(w, "connection", "upgrade")
		h1.WriteHeader(w, []byte("upgrade"), t.upgrade)
	case t.be.Cfg.ConnMode != config.KeepAlive || t.fe.Cfg.ConnMode != config.KeepAlive:
		h1.WriteHeaderString(w, "connection", "close")
	}
	if t.req.Chunked {
		h1.WriteHeaderString(w, "transfer-encoding", "chunked")
	}
	w.WriteString("\r\n")
}

// sendBody forwards the request body from the client to the server and
// flushes.
func (t *txn) sendBody(sc *serverConn) error {
	t.br.Discard(t.headLen)
	t.headLen = 0
	// The body is read under "timeout client", an inactivity timeout,
	// rather than the absolute deadline that bounded the head.
	t.cc.rIdle = t.clientTimeout()
	t.cc.setReadDeadline(time.Time{})
	defer func() { t.cc.rIdle = 0 }()
	var err error
	var n int64
	switch {
	case t.req.Chunked:
		n, err = h1.CopyChunked(sc.bw, t.br, false)
	case t.req.ContentLength > 0:
		if !t.noSplice() {
			var ok bool
			if n, ok, err = spliceBody(&sc.c, &t.cc, sc.bw, t.br, t.req.ContentLength, &t.lr); ok {
				t.entry.BytesIn += n
				if err != nil {
					return err
				}
				t.bodyDone = true
				return nil
			}
		}
		n, err = h1.CopyFixed(sc.bw, t.br, t.req.ContentLength)
	}
	t.entry.BytesIn += n
	if err != nil {
		return err
	}
	t.bodyDone = true
	return sc.bw.Flush()
}

// readResponse reads and parses the next response head from sc. The head
// stays in sc.br until relayed; t.headLen is its length.
func (t *txn) readResponse(sc *serverConn) error {
	scanned := 0
	for {
		buf, _ := sc.br.Peek(sc.br.Buffered())
		if end := h1.HeadEnd(buf, scanned-3); end >= 0 {
			t.headLen = end
			break
		}
		scanned = len(buf)
		if len(buf) >= sc.br.Size() {
			return h1.ErrHeadTooLarge
		}
		if _, err := sc.br.Peek(len(buf) + 1); err != nil {
			if len(buf) == 0 && !isTimeout(err) {
				return errServerGone
			}
			return err
		}
	}
	head, _ := sc.br.Peek(t.headLen)
	if err := h1.ParseResponse(head, &t.resp); err != nil {
		return err
	}
	return nil
}

// writeResponseHead writes t.resp's head for the client; final adds the
// connection management fields, chunked the transfer-encoding.
func (t *txn) writeResponseHead(final, chunked bool) {
	w := t.bw
	h1.WriteStatusLine(w, t.resp.Status, t.resp.Reason)
	for _, h := range t.resp.Headers {
		h1.WriteHeader(w, h.Name, h.Value)
	}
	if final {
		switch {
		case t.resp.Status == 101:
			h1.WriteHeaderString(w, "connection", "upgrade")
			if up := t.upgrade; up != nil {
				h1.WriteHeader(w, []byte("upgrade"), up)
			}
		case t.closeClient && t.req.Minor == 1:
			h1.WriteHeaderString(w, "connection", "close")
		case !t.closeClient && t.req.Minor == 0:
			h1.WriteHeaderString(w, "connection", "keep-alive")
		}
	}
	if chunked {
		h1.WriteHeaderString(w, "transfer-encoding", "chunked")
	}
	w.WriteString("\r\n")
	if final && t.fe.Cfg.LogASAP {
		t.logASAP()
	}
}

// relayResponse streams the final response to the client and decides what
// happens to both connections.
func (t *txn) relayResponse(sc *serverConn) error {
	resp := &t.resp
	t.entry.Status = resp.Status
	status := resp.Status
	if t.srv.Observe {
		// observe layer7 counts 5xx answers as errors, except 501 and
		// 505, which say nothing about the server's health.
		if status >= 500 && status != 501 && status != 505 {
			t.srv.State.ReportError(server.Layer7)
		} else {
			t.srv.State.ReportSuccess()
		}
	}
	if status == 101 || (status/100 == 2 && h1.EqualFold(t.req.Method, "CONNECT")) {
		return t.tunnel(sc)
	}
	serverKeepAlive := resp.KeepAlive() &&
		t.be.Cfg.ConnMode == config.KeepAlive && t.fe.Cfg.ConnMode == config.KeepAlive
	resp.StripHopByHop()
	t.captureResponse()
	if t.hasResponseRules() {
		var o rules.Outcome
		if v := t.runResponseRules(&o); v != rules.Continue {
			t.replaceResponse(v, &o)
			return nil
		}
		status = resp.Status
		t.entry.Status = status
	}
	if t.be.Persist != nil {
		t.persistResponse()
	}

	noBody := h1.EqualFold(t.req.Method, "HEAD") || status == 204 || status == 304
	untilClose := !noBody && !resp.Chunked && resp.ContentLength < 0
	dechunk := resp.Chunked && t.req.Minor == 0
	if untilClose || dechunk {
		// The client learns where the body ends only from the close.
		t.closeClient = true
		serverKeepAlive = serverKeepAlive && !untilClose
	}
	if t.draining() {
		t.closeClient = true
	}
	t.writeResponseHead(true, resp.Chunked && !noBody && !dechunk)
	sc.br.Discard(t.headLen)
	t.headLen = 0

	var err error
	switch {
	case noBody:
	case resp.Chunked:
		_, err = h1.CopyChunked(t.bw, sc.br, dechunk)
	case resp.ContentLength >= 0:
		err = t.copyFixedBody(sc, resp.ContentLength)
	default:
		_, err = h1.CopyUntilEOF(t.bw, sc.br)
	}
	if err != nil {
		// Mid-body failure: the client cannot be told anything but a
		// close.
		t.closeClient = true
		t.releaseServerConn(false)
		t.entry.TermState = [2]byte{tsServerAbort, phData}
		if isTimeout(err) {
			t.entry.TermState = [2]byte{tsServerTmo, phData}
		}
		t.bw.Flush()
		return nil
	}
	switch {
	case !serverKeepAlive || !t.bodyDone:
		t.releaseServerConn(false)
	case t.closeClient:
		t.releaseServerConn(true)
	case !sc.dropBuffers():
		// Stays attached for the client's next request, but not with
		// bytes the server sent beyond its response.
		t.releaseServerConn(false)
	}
	// Hold the response back while a pipelined request is already
	// buffered, so that several responses leave in one write.
	if t.br.Buffered() == 0 || t.closeClient {
		if err := t.bw.Flush(); err != nil {
			t.closeClient = true
			t.entry.TermState = [2]byte{tsClientAbort, phData}
		}
	}
	return nil
}

// Sample: acl.Sample over the current request.

func (t *txn) Src() netip.AddrPort { return t.sess.Src }
func (t *txn) Dst() netip.AddrPort { return t.sess.Dst }
func (t *txn) HTTP() bool          { return true }
func (t *txn) Method() []byte      { return t.req.Method }
func (t *txn) URI() []byte         { return t.req.URI }
func (t *txn) Path() []byte        { return t.path }
func (t *txn) Query() []byte       { return t.query }
func (t *txn) Version() []byte {
	if t.h2 {
		return version20
	}
	if t.req.Minor == 0 {
		return version10
	}
	return version11
}
func (t *txn) Headers(fn func(name, value []byte) bool) {
	for _, h := range t.req.Headers {
		if !fn(h.Name, h.Value) {
			return
		}
	}
}
