package l7

import (
	"github.com/hawser-lb/hawser/internal/auth"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/statspage"
)

// statsFor returns the stats page the request is for, or nil: the proxy
// declares one and the URI starts with its stats URI. It costs one nil
// check for the proxies without a page.
func (t *txn) statsFor(sp *engine.StatsPage) *engine.StatsPage {
	if sp == nil || !sp.Match(t.req.Method, t.originForm()) {
		return nil
	}
	return sp
}

// statsAccess runs the stats page's access rules ("stats http-request",
// then "stats auth"), as HAProxy does before the proxy's http-request
// rules. It reports true when the request was answered: denied (403) or
// challenged (401).
func (t *txn) statsAccess(sp *engine.StatsPage) bool {
	v, realm := sp.Check(t, t.req.Get("authorization"))
	switch v {
	case engine.StatsDeny:
		t.entry.TermState = [2]byte{tsProxy, phRequest}
		t.localError(403)
		return true
	case engine.StatsAuth:
		t.entry.TermState = [2]byte{tsProxy, phRequest}
		t.respondLocal(auth.Challenge(realm), 401)
		return true
	}
	return false
}

// serveStats answers the request with the stats page: the report, its
// exports, or, for a POST, the admin action and a redirect to the result.
func (t *txn) serveStats(sp *engine.StatsPage) {
	r := &statspage.Request{
		Gen:     t.sess.Gen,
		Page:    sp,
		Version: t.h.Version,
		Method:  t.req.Method,
		URI:     t.originForm(),
	}
	r.Admin = sp.Admin(t)
	if string(t.req.Method) == "POST" {
		if r.Admin {
			to := t.timeouts()
			if !t.WaitForBody(firstNonZero(to.HTTPRequest, to.Client), 0) {
				t.clientGone()
				return
			}
			r.Body, _, _ = t.ReqBody()
		}
	}
	resp, status := statspage.Serve(r)
	// Answered by the proxy itself: "LR" in the log, counted as
	// intercepted, as HAProxy's stats applet.
	t.entry.TermState = [2]byte{tsLocal, phRequest}
	t.respondLocal(resp, status)
	t.entry.Server = "<STATS>"
}
