package l7

import (
	"errors"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/h2up"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/server"
)

// Retries, as HAProxy does them ("retries", "retry-on", "option
// redispatch", "http-request disable-l7-retry" and "set-retries").
//
// A failed connection is retried when retry-on has conn-failure (the
// default). The other conditions (an empty, junk or late response, a
// status code) are layer-7 retries: they send the request again after it
// was sent, so the request must be kept. Like HAProxy, hawser keeps it
// only when the whole request, head and body, is already buffered when it
// is first sent and fits in a buffer (tune.bufsize); it is then copied into
// a pooled replay buffer and sent from there on every attempt. A request
// whose body did not fit, or that sent an interim response to the client,
// is never sent twice. Nothing of a response that is retried reaches the
// client: the server connection is closed with whatever it sent.

// retryState is the retry bookkeeping of the request in flight.
type retryState struct {
	// setIn is the proxy whose rules ran set-retries (setMax); the value
	// applies only when that proxy is the backend, as in HAProxy.
	setIn  string
	setMax int
	// disabled is set by http-request disable-l7-retry: only connection
	// failures are retried.
	disabled bool
	// replay is the request as sent to the server, for a layer-7 retry;
	// nil when the request cannot be replayed.
	replay *replayBuf
	// relayed is set once an interim response went to the client: the
	// request is no longer retried at layer 7.
	relayed bool
	// noBody is set while a bodyless request to an HTTP/2 server is
	// considered for a retry: it is sent again from t.req, without a
	// replay buffer.
	noBody bool
}

// errRetry is an attempt that failed in a way retry-on retries; forward
// has already prepared the next one.
var errRetry = errors.New("retrying the request")

// replayBuf holds a copy of a request as sent to the server.
type replayBuf struct{ b []byte }

func (r *replayBuf) Write(p []byte) (int, error) {
	r.b = append(r.b, p...)
	return len(p), nil
}

var replayPool = sync.Pool{New: func() any { return new(replayBuf) }}

// DisableL7Retry is "http-request disable-l7-retry".
func (t *txn) DisableL7Retry() { t.rt.disabled = true }

// SetRetries is "http-request set-retries", run in proxy's rules.
func (t *txn) SetRetries(proxy string, n int) { t.rt.setIn, t.rt.setMax = proxy, n }

var _ rules.Retrier = (*txn)(nil)

// maxRetries is "retries", or set-retries' value when the backend's own
// rules (or a listen section's) set it.
func (t *txn) maxRetries() int {
	if t.rt.setIn != "" && t.rt.setIn == t.be.Cfg.Name {
		return t.rt.setMax
	}
	return t.be.Cfg.Retries
}

// wantReplay reports whether the request should be kept for a layer-7
// retry: the backend retries on more than connection failures, the rules
// did not disable it, and the whole body is buffered. A body with a
// Content-Length that fits in the buffer is waited for (within "timeout
// http-request", or "timeout client"): HAProxy sends the request once
// connected, by when such a body has usually arrived, and a client that
// sends its body apart from the head (HTTP/2 DATA frames) would otherwise
// never get retries. gone is set when the client went away meanwhile.
func (t *txn) wantReplay() (want, gone bool) {
	if !t.be.Cfg.RetryOn.Layer7() || t.rt.disabled || t.maxRetries() == 0 {
		return false, false
	}
	if !t.hasReqBody() {
		return true, false
	}
	buf, _ := t.br.Peek(t.br.Buffered())
	raw := buf[t.headLen:]
	if t.req.Chunked {
		_, complete := chunksEnd(raw)
		return complete, false
	}
	if int64(len(raw)) >= t.req.ContentLength {
		return true, false
	}
	if int64(t.headLen)+t.req.ContentLength > int64(t.br.Size()) {
		return false, false
	}
	to := t.timeouts()
	if !t.WaitForBody(firstNonZero(to.HTTPRequest, to.Client), 0) {
		return false, true
	}
	return t.br.Buffered()-t.headLen >= int(t.req.ContentLength), false
}

// chunksEnd reports whether raw holds a whole chunked body, trailers
// included, and where it ends.
func chunksEnd(raw []byte) (int, bool) {
	p := 0
	for {
		line, ok := crlfLine(raw[p:])
		if !ok {
			return 0, false
		}
		size, ok := chunkSize(line)
		if !ok {
			return 0, false
		}
		p += len(line) + 2
		if size == 0 {
			_, end, complete := trailersEnd(nil, raw, p)
			return end, complete
		}
		p += size + 2
		if p > len(raw) {
			return 0, false
		}
	}
}

// captureRequest writes the request, head and whole body, into a replay
// buffer, consuming the body from the client's buffer (wantReplay checked
// it is all there). An Expect header is dropped: the body goes with the
// head.
func (t *txn) captureRequest() error {
	if t.hasReqBody() && t.req.Has("expect") {
		t.req.Del("expect")
	}
	rb := replayPool.Get().(*replayBuf)
	rb.b = rb.b[:0]
	w := getWriter(rb, t.pool.bufSize)
	t.writeRequestHead(w)
	t.br.Discard(t.headLen)
	t.headLen = 0
	var err error
	var n int64
	switch {
	case t.req.Chunked:
		n, err = h1.CopyChunked(w, t.br, false)
	case t.req.ContentLength > 0:
		n, err = h1.CopyFixed(w, t.br, t.req.ContentLength)
	}
	w.Flush()
	putWriter(w)
	t.entry.BytesIn += n
	if err != nil {
		replayPool.Put(rb)
		return err
	}
	t.bodyDone = true
	t.rt.replay = rb
	return nil
}

// endReplay gives the replay buffer back.
func (t *txn) endReplay() {
	if rb := t.rt.replay; rb != nil {
		t.rt.replay = nil
		if cap(rb.b) <= 4*t.pool.bufSize {
			replayPool.Put(rb)
		}
	}
}

// retry decides, after an attempt failed with cond, whether the request
// is tried again, and prepares the attempt: it counts the retry (in the
// log entry for %rc, and in wretr or wredis), moves the
// request to another server when option redispatch says so, and waits
// HAProxy's turn-around time before connecting again to a server that
// refused a connection (turnAround). It reports false when the request
// must fail.
func (t *txn) retry(cond config.RetryOn, turnAround bool) bool {
	be := t.be
	if be.Cfg.RetryOn.Effective()&cond == 0 || t.entry.Retries >= t.maxRetries() {
		return false
	}
	if cond != config.RetryConnFailure && (t.rt.replay == nil && !t.rt.noBody || t.rt.relayed || t.rt.disabled) {
		return false
	}
	t.entry.Retries++
	prev := t.srv
	if t.shouldRedispatch() {
		t.redispatch()
	}
	countRetry(be, prev, t.srv != prev)
	if turnAround && (t.srv == prev || be.Pool.ActiveUsable() <= 1) {
		// HAProxy waits min("timeout connect", 1s) before connecting
		// again to the same server, which may be restarting.
		time.Sleep(min(firstNonZero(be.Cfg.Timeouts.Connect, time.Second), time.Second))
	}
	return true
}

// shouldRedispatch is HAProxy's choice to move a retry to another server:
// with option redispatch, unless force-persist matched, when the server is
// down, when the redispatch interval says so, or when the server was
// picked freely (no persistence, a non-hashing algorithm, several active
// servers).
func (t *txn) shouldRedispatch() bool {
	be := t.be
	if !be.Cfg.Redispatch || t.ps.force && be.Persist != nil {
		return false
	}
	if !t.srv.State.Usable() || be.Cfg.RedispatchOn(t.entry.Retries, t.maxRetries()) {
		return true
	}
	direct := be.Persist != nil && t.ps.direct != nil
	return !direct && !be.Pool.Deterministic() && be.Pool.ActiveUsable() > 1
}

// countRetry counts one retry away from srv: wredis of the backend and of
// srv when the request moved to another server, wretr otherwise. HAProxy
// counts a connection retry as one or the other on the server that
// failed (a layer-7 retry it counts twice; hawser counts every retry once).
func countRetry(be *engine.Backend, srv *balance.Server, moved bool) {
	if moved {
		be.Counters.Redisp.Add(1)
		srv.State.Counters.Redisp.Add(1)
		return
	}
	be.Counters.Retries.Add(1)
	srv.State.Counters.Retries.Add(1)
}

// retryH2 decides whether a bodyless request to an HTTP/2 server ("proto
// h2") is sent again, after its stream failed with err, or, err nil,
// after the server answered status. The failed server's health is told
// as for any failure or response. (Requests with a body to such servers
// get connection retries only so far.)
func (t *txn) retryH2(err error, status int) bool {
	if !t.be.Cfg.RetryOn.Layer7() {
		return false
	}
	cond := config.RetryStatus(status)
	switch {
	case err == nil:
	case errors.Is(err, h2up.ErrTimeout):
		cond = config.RetryResponseTimeout
	default:
		// A reset or closed stream, or a connection lost, before the
		// response head: nothing came back.
		cond = config.RetryEmptyResponse
	}
	srv := t.srv
	t.rt.noBody = true
	ok := t.retry(cond, false)
	t.rt.noBody = false
	if ok && srv.Observe {
		if err != nil || status >= 500 && status != 501 && status != 505 {
			srv.State.ReportError(server.Layer7)
		} else {
			srv.State.ReportSuccess()
		}
	}
	return ok
}
