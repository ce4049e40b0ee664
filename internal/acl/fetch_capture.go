package acl

// Captures is an optional interface a Sample implements to serve the
// capture.req.hdr(n) and capture.res.hdr(n) fetches: the values held in
// the frontend's capture slots ("capture request header", "declare
// capture", "http-request capture"). A Sample without it, or a slot that
// holds nothing, gives no value.
type Captures interface {
	// Captured returns request slot id, or response slot id when res is
	// set.
	Captured(res bool, id int) ([]byte, bool)
}

func init() {
	fetches["capture.req.hdr"] = &fetchDef{name: "capture.req.hdr", args: []argType{argInt}, minArgs: 1, out: TypeStr, http: true, fn: fetchCapture(false)}
	fetches["capture.res.hdr"] = &fetchDef{name: "capture.res.hdr", args: []argType{argInt}, minArgs: 1, out: TypeStr, http: true, fn: fetchCapture(true)}
}

// fetchCapture returns the fetch of request or response capture slots.
func fetchCapture(res bool) fetchFunc {
	return func(e *eval, a []arg) {
		c, ok := e.s.(Captures)
		if !ok || a[0].i < 0 {
			return
		}
		if b, ok := c.Captured(res, int(a[0].i)); ok {
			e.emit(strValue(b))
		}
	}
}
