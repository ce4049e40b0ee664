package l7

import (
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/rules"
)

// hasLocalAfterRules reports whether http-after-response rules apply to
// a response hawser generates for the request in flight. They need a
// parsed request: a head that failed to parse leaves the previous
// request's fields behind, which rules must not read.
func (t *txn) hasLocalAfterRules() bool {
	if t.headAt.IsZero() {
		return false
	}
	n := len(t.fe.Rules.AfterResponse)
	if t.be != nil {
		n += len(t.be.Rules.AfterResponse)
	}
	return n > 0
}

// writeLocalAfter runs the http-after-response rules on a response
// hawser generated (error page, deny, return, redirect, auth challenge),
// as HAProxy does for every response, then writes it. resp is a complete
// prebuilt response; it is copied first because error pages are shared
// by every request.
func (t *txn) writeLocalAfter(resp []byte) {
	t.rs.local = append(t.rs.local[:0], resp...)
	buf := t.rs.local
	end := h1.HeadEnd(buf, 0)
	if end < 0 || h1.ParseResponse(buf[:end], &t.resp) != nil {
		// hawser's own responses always parse; send it untouched if not.
		t.writeRaw(resp)
		return
	}
	t.rs.inResponse = true
	var o rules.Outcome
	v := rules.Continue
	if t.be != nil {
		t.rs.inBackend = true
		v = rules.Run(t.be.Rules.AfterResponse, t, &o)
		t.rs.inBackend = false
	}
	if v == rules.Continue || v == rules.Stop {
		v = rules.Run(t.fe.Rules.AfterResponse, t, &o)
	}
	t.rs.inResponse = false
	if v == rules.Close {
		t.closeClient = true
		return
	}
	if t.entry.Status >= 0 {
		t.entry.Status = t.resp.Status
	}
	w := t.bw
	h1.WriteStatusLine(w, t.resp.Status, t.resp.Reason)
	for _, h := range t.resp.Headers {
		h1.WriteHeader(w, h.Name, h.Value)
	}
	if t.closeClient {
		h1.WriteHeaderString(w, "connection", "close")
	}
	w.WriteString("\r\n")
	w.Write(buf[end:])
	t.flushLocal()
}
