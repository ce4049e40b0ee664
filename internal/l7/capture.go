package l7

import (
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/h1"
)

// captures holds the values of a frontend's capture slots for the
// request in flight. The slices keep their capacity across requests; a
// frontend without captures leaves them empty and costs nothing.
type captures struct {
	req, res []string
}

// startCaptures sizes the slots for the request that just began and fills
// the "capture request header" ones, from the head as the client sent it
// (before any rule edits it), as HAProxy does.
func (t *txn) startCaptures() {
	slots := t.fe.Cfg.ReqCaptures
	t.rs.caps.req = resetSlots(t.rs.caps.req, len(slots))
	t.rs.caps.res = t.rs.caps.res[:0]
	captureHeaders(t.rs.caps.req, slots, &t.req.Message)
}

// captureResponse fills the "capture response header" slots from the
// server's response head, before http-response rules run.
func (t *txn) captureResponse() {
	slots := t.fe.Cfg.ResCaptures
	if len(slots) == 0 {
		return
	}
	t.rs.caps.res = resetSlots(t.rs.caps.res, len(slots))
	captureHeaders(t.rs.caps.res, slots, &t.resp.Message)
}

// resetSlots returns s with n empty slots.
func resetSlots(s []string, n int) []string {
	s = s[:0]
	for range n {
		s = append(s, "")
	}
	return s
}

// captureHeaders stores, for each header slot, the last value of its
// header, truncated to the slot's length.
func captureHeaders(dst []string, slots []config.Capture, m *h1.Message) {
	for i, c := range slots {
		if c.Header == "" {
			continue
		}
		var last []byte
		for _, h := range m.Headers {
			if h1.EqualFold(h.Name, c.Header) {
				last = h.Value
			}
		}
		if last != nil {
			dst[i] = truncString(last, c.Len)
		}
	}
}

func truncString(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// Capture stores v in a capture slot of the frontend; slots it does not
// have are ignored (a backend rule may name one that only some frontends
// declare).
func (t *txn) Capture(res bool, id int, v []byte) {
	slots, vals := t.fe.Cfg.ReqCaptures, t.rs.caps.req
	if res {
		slots = t.fe.Cfg.ResCaptures
		if len(t.rs.caps.res) != len(slots) {
			t.rs.caps.res = resetSlots(t.rs.caps.res, len(slots))
		}
		vals = t.rs.caps.res
	}
	if id < 0 || id >= len(slots) || id >= len(vals) {
		return
	}
	vals[id] = truncString(v, slots[id].Len)
}

// Captured serves capture.req.hdr(n) and capture.res.hdr(n).
func (t *txn) Captured(res bool, id int) ([]byte, bool) {
	vals := t.rs.caps.req
	if res {
		vals = t.rs.caps.res
	}
	if id < 0 || id >= len(vals) || vals[id] == "" {
		return nil, false
	}
	return []byte(vals[id]), true
}

// logCaptures hands the slots to the log entry: nil (no field in %hr) for
// a frontend without slots.
func (t *txn) logCaptures() {
	if n := len(t.fe.Cfg.ReqCaptures); n > 0 {
		if len(t.rs.caps.req) != n {
			// The request failed before startCaptures.
			t.rs.caps.req = resetSlots(t.rs.caps.req, n)
		}
		t.entry.CapturedReq = t.rs.caps.req
	}
	if n := len(t.fe.Cfg.ResCaptures); n > 0 {
		if len(t.rs.caps.res) != n {
			t.rs.caps.res = resetSlots(t.rs.caps.res, n)
		}
		t.entry.CapturedRes = t.rs.caps.res
	}
}
