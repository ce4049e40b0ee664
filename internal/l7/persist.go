package l7

import (
	"bytes"
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/h1"
)

// persistState is one request's server persistence (engine.Persist).
type persistState struct {
	// direct is the server persistence chose (use-server, cookie, stick
	// match), nil when load balancing picked. HAProxy's SF_DIRECT: a
	// response from that server needs no new cookie.
	direct *balance.Server
	force  bool // force-persist matched
	ignore bool // ignore-persist matched
	stored bool // stick store-request rules have run
	// cookieFound is set when the client presented the persistence
	// cookie.
	cookieFound bool
	// lastDate and firstDate are the dates (Unix seconds, 4-second
	// resolution) the client's cookie carried after the server id
	// ("SRV|<last seen>|<first seen>"), 0 when absent or expired.
	lastDate, firstDate int64
}

// Cookie status letters for logs (%tsc, configuration.txt 8.5): what the
// client's persistence cookie was, what happened to the server's.
const (
	ckNone    = 'N' // no cookie
	ckInvalid = 'I' // names no server
	ckDown    = 'D' // names a server that is down: redispatched
	ckValid   = 'V' // names the server that got the request
	ckUnused  = 'U' // persistence ignored or server already assigned
	ckExpired = 'E' // idle for longer than maxidle: ignored
	ckOld     = 'O' // first set longer than maxlife ago: ignored

	sckNone      = 'N' // the server set none and none was inserted
	sckInserted  = 'I' // the proxy inserted one
	sckProvided  = 'P' // the server set one, passed as is
	sckRewritten = 'R' // the server's was rewritten or prefixed
	sckDeleted   = 'D' // the server's was removed
	sckUpdated   = 'U' // only the dates of the client's were refreshed
)

// acquire takes a slot on the server for this request: the one
// persistence names if any, else the one load balancing picks. Without
// persistence it is exactly Pool.Acquire, so the hot path is unchanged.
func (t *txn) acquire(be *engine.Backend, ctx context.Context) (*balance.Server, error) {
	p := be.Persist
	if p == nil {
		if be.Cfg.PreferLastServer {
			return t.acquireLast(be, ctx)
		}
		return be.Pool.Acquire(ctx, t)
	}
	t.ps = persistState{}
	t.ps.force, t.ps.ignore = p.Flags(t)
	// HAProxy's order: use-server rules, then the cookie, then stick
	// match rules; the first that can be used assigns the server.
	sv := p.UseServer(t, t.ps.force)
	if p.Cookie != nil {
		if c := t.requestCookie(p, sv != nil); sv == nil {
			sv = c
		}
	}
	if p.HasSticks() {
		if m := p.StickMatch(t, t.ps.force); sv == nil {
			sv = m
		}
	}
	if sv == nil {
		if be.Cfg.PreferLastServer {
			return t.acquireLast(be, ctx)
		}
		return be.Pool.Acquire(ctx, t)
	}
	t.ps.direct = sv
	return be.Pool.AcquireServer(ctx, sv)
}

// acquireLast is acquire for "option prefer-last-server": the server the
// client connection's last request used, when it can take this one, else
// load balancing. An HTTP/1 connection's last server is that of its
// attached server connection; the streams of an HTTP/2 connection share
// theirs, as HAProxy's streams share their session's server list.
func (t *txn) acquireLast(be *engine.Backend, ctx context.Context) (*balance.Server, error) {
	var last *atomic.Pointer[balance.Server]
	if s, ok := t.conn.(*h2s); ok && t.h2 {
		last = &s.c.lastSrv
	}
	switch {
	case t.sc != nil:
		if be.Pool.TryAcquireLast(t.sc.srv) {
			return t.sc.srv, nil
		}
	case last != nil:
		if sv := last.Load(); sv != nil && be.Pool.TryAcquireLast(sv) {
			return sv, nil
		}
	}
	sv, err := be.Pool.Acquire(ctx, t)
	if err == nil && last != nil {
		last.Store(sv)
	}
	return sv, err
}

// persistConnected runs the stick store-request rules once the request
// has a server connection, with the server it finally got (after
// redispatch), as HAProxy stores at connection establishment.
func (t *txn) persistConnected() {
	p := t.be.Persist
	if p == nil || t.ps.stored || !p.HasSticks() {
		return
	}
	t.ps.stored = true
	p.StoreRequest(t, t.srv)
}

// requestCookie finds the persistence cookie in the request, edits it as
// the mode says (indirect removes it, prefix strips the server part) and
// returns the server it names when the request may go there. assigned
// means a use-server rule already chose.
func (t *txn) requestCookie(p *engine.Persist, assigned bool) *balance.Server {
	ck := p.Cookie
	state := byte(ckNone)
	var found *balance.Server
	for i := range t.req.Headers {
		h := &t.req.Headers[i]
		if !h1.EqualFold(h.Name, "cookie") {
			continue
		}
		sp, ok := findCookie(h.Value, ck.Name)
		if !ok {
			continue
		}
		t.ps.cookieFound = true
		val := h.Value[sp.valStart:sp.valEnd]
		id := val
		delim := -1
		if ck.Mode == config.CookiePrefix {
			if delim = bytes.IndexByte(val, '~'); delim >= 0 {
				id = val[:delim]
			}
		} else if bar := bytes.IndexByte(val, '|'); bar >= 0 {
			// In the other modes the value may carry dates after the
			// server id, whatever the current maxidle and maxlife.
			id = val[:bar]
			t.ps.lastDate, t.ps.firstDate = cookieDates(val[bar+1:])
		}
		switch sv := p.ServerByCookie(id); {
		case t.cookieTooOld(ck):
			state = ckOld
		case t.cookieIdle(ck):
			state = ckExpired
		case t.ps.ignore || assigned:
			state = ckUnused
		case sv == nil:
			state = ckInvalid
		case p.Usable(sv, t.ps.force):
			found = sv
			state = ckValid
			if !sv.State.Up() {
				// Sent to a server that is down (option persist,
				// force-persist): logged as such.
				state = ckDown
			}
		default:
			state = ckDown
		}
		switch {
		case ck.Mode == config.CookiePrefix && delim >= 0:
			h.Value = t.Own(cutBytes(t.rs.scratch[:0], h.Value, sp.valStart, sp.valStart+delim+1))
		case ck.Indirect:
			h.Value = t.Own(removeCookie(t.rs.scratch[:0], h.Value, sp))
		}
		// Only the first occurrence counts.
		break
	}
	t.req.Headers = dropEmptyCookies(t.req.Headers)
	t.entry.CookieState = [2]byte{state, sckNone}
	return found
}

// cookieTooOld reports whether the client's cookie was first set longer
// than maxlife ago, or claims a first date more than a day ahead; the
// cookie is then ignored and its dates dropped, as HAProxy does.
func (t *txn) cookieTooOld(ck *config.Cookie) bool {
	if t.ps.firstDate == 0 || ck.MaxLife <= 0 {
		return false
	}
	now := time.Now().Unix()
	if now-t.ps.firstDate > int64(ck.MaxLife/time.Second) || t.ps.firstDate-now > 86400 {
		t.ps.firstDate, t.ps.lastDate = 0, 0
		return true
	}
	return false
}

// cookieIdle is cookieTooOld for the last-seen date and maxidle.
func (t *txn) cookieIdle(ck *config.Cookie) bool {
	if t.ps.lastDate == 0 || ck.MaxIdle <= 0 {
		return false
	}
	now := time.Now().Unix()
	if now-t.ps.lastDate > int64(ck.MaxIdle/time.Second) || t.ps.lastDate-now > 86400 {
		t.ps.firstDate, t.ps.lastDate = 0, 0
		return true
	}
	return false
}

// cookieStale reports whether a cookie that already names the right
// server must still be sent again: its last-seen date is due for a
// refresh, or the dates it carries do not match maxidle and maxlife any
// more (HAProxy's conditions).
func (t *txn) cookieStale(ck *config.Cookie, now int64) bool {
	last, first := t.ps.lastDate, t.ps.firstDate
	return (ck.MaxIdle > 0 || last != 0) && (last == 0 || last < now) ||
		ck.MaxLife > 0 && first == 0 ||
		ck.MaxLife == 0 && first != 0
}

// cookieDates decodes the dates after the server id of a cookie value:
// the last-seen date, then optionally "|" and the first-seen date, each
// five characters of HAProxy's 30-bit base64 (4-second units).
func cookieDates(b []byte) (last, first int64) {
	if len(b) >= 5 {
		if v := b64ToS30(b[:5]); v > 0 {
			last = v << 2
		}
	}
	if i := bytes.IndexByte(b, '|'); i >= 0 && len(b)-i > 5 {
		if v := b64ToS30(b[i+1 : i+6]); v > 0 {
			first = v << 2
		}
	}
	return last, first
}

// cookieB64 is the alphabet of HAProxy's date encoding in cookies.
const cookieB64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// appendS30 appends the low 30 bits of v as five base64 digits, most
// significant first (HAProxy's s30tob64).
func appendS30(dst []byte, v int64) []byte {
	for shift := 24; shift >= 0; shift -= 6 {
		dst = append(dst, cookieB64[(v>>shift)&0x3f])
	}
	return dst
}

// b64ToS30 decodes five digits written by appendS30; it returns -1 for a
// character outside the alphabet.
func b64ToS30(b []byte) int64 {
	var v int64
	for _, c := range b[:5] {
		i := strings.IndexByte(cookieB64, c)
		if i < 0 {
			return -1
		}
		v = v<<6 | int64(i)
	}
	return v
}

// dropEmptyCookies removes Cookie headers left empty by removeCookie.
func dropEmptyCookies(hs []h1.Header) []h1.Header {
	out := hs[:0]
	for _, h := range hs {
		if len(h.Value) == 0 && h1.EqualFold(h.Name, "cookie") {
			continue
		}
		out = append(out, h)
	}
	return out
}

// persistResponse applies the cookie to the response (rewrite, prefix,
// insert, nocache) and runs the stick store-response rules.
func (t *txn) persistResponse() {
	p := t.be.Persist
	if p.HasStoreResponse() {
		t.rs.inResponse = true
		p.StoreResponse(t, t.srv)
		t.rs.inResponse = false
	}
	if p.Cookie == nil || t.srv == nil {
		return
	}
	direct := t.ps.direct != nil && t.ps.direct == t.srv
	state, serverSet := t.serverCookies(p.Cookie, direct)
	ck := p.Cookie
	var now int64
	dated := ck.MaxIdle > 0 || ck.MaxLife > 0 || t.ps.lastDate != 0 || t.ps.firstDate != 0
	if dated {
		now = time.Now().Unix()
	}
	if ck.Mode == config.CookieInsert && !(serverSet && ck.Preserve) && (!direct || dated && t.cookieStale(ck, now)) && !t.ps.ignore &&
		(!ck.PostOnly || h1.EqualFold(t.req.Method, "POST")) {
		val := p.CookieOf(t.srv)
		t.resp.Add([]byte("set-cookie"), t.Own(appendSetCookie(t.rs.scratch[:0], ck, val, now, t.ps.firstDate)))
		state = sckInserted
		if direct && val != "" {
			state = sckUpdated
		}
		if ck.NoCache && responseCacheable(t.resp.Status, &t.resp) {
			t.resp.Add([]byte("cache-control"), []byte("private"))
		}
	}
	t.entry.CookieState[1] = state
}

// serverCookies handles the Set-Cookie headers the server sent for the
// persistence cookie: kept with "preserve", removed in insert mode (and
// with indirect when the client already had a valid cookie), rewritten
// with the server's value in rewrite mode, prefixed in prefix mode. It
// returns the server-side cookie status and whether the server set it.
func (t *txn) serverCookies(ck *config.Cookie, direct bool) (byte, bool) {
	state, found := byte(sckNone), false
	hs := t.resp.Headers
	out := hs[:0]
	own := t.be.Persist.CookieOf(t.srv)
	for _, h := range hs {
		if !h1.EqualFold(h.Name, "set-cookie") {
			out = append(out, h)
			continue
		}
		name, vs, ve := setCookiePair(h.Value)
		if string(name) != ck.Name {
			out = append(out, h)
			continue
		}
		found = true
		state = sckProvided
		switch {
		case ck.Preserve:
		case ck.Mode == config.CookieInsert || direct && ck.Indirect:
			state = sckDeleted
			continue
		case own != "" && ck.Mode == config.CookieRewrite:
			h.Value = t.Own(replaceBytes(t.rs.scratch[:0], h.Value, vs, ve, own))
			state = sckRewritten
		case own != "" && ck.Mode == config.CookiePrefix:
			h.Value = t.Own(replaceBytes(t.rs.scratch[:0], h.Value, vs, vs, own+"~"))
			state = sckRewritten
		}
		out = append(out, h)
	}
	t.resp.Headers = out
	return state, found
}

// cookieSpan locates one name=value pair in a Cookie header value.
type cookieSpan struct {
	start, end       int // the pair, without surrounding blanks
	valStart, valEnd int // its value
}

// findCookie returns the first cookie called name in a Cookie header
// value ("a=1; SRV=s1; b=2").
func findCookie(h []byte, name string) (cookieSpan, bool) {
	for pos := 0; pos < len(h); {
		for pos < len(h) && (h[pos] == ' ' || h[pos] == '\t' || h[pos] == ';') {
			pos++
		}
		start := pos
		end := start + bytes.IndexByte(h[start:], ';')
		if end < start {
			end = len(h)
		}
		pos = end
		item := bytes.TrimRight(h[start:end], " \t")
		eq := bytes.IndexByte(item, '=')
		if eq < 0 || string(bytes.TrimRight(item[:eq], " \t")) != name {
			continue
		}
		vs := start + eq + 1
		for vs < start+len(item) && (h[vs] == ' ' || h[vs] == '\t') {
			vs++
		}
		return cookieSpan{start: start, end: start + len(item), valStart: vs, valEnd: start + len(item)}, true
	}
	return cookieSpan{}, false
}

// removeCookie appends to dst the header value without the pair at sp
// and its separator.
func removeCookie(dst, h []byte, sp cookieSpan) []byte {
	left := bytes.TrimRight(h[:sp.start], " \t;")
	right := bytes.TrimLeft(h[sp.end:], " \t;")
	dst = append(dst, left...)
	if len(left) > 0 && len(right) > 0 {
		dst = append(dst, "; "...)
	}
	return append(dst, right...)
}

// cutBytes appends to dst the value h without h[from:to].
func cutBytes(dst, h []byte, from, to int) []byte {
	return append(append(dst, h[:from]...), h[to:]...)
}

// replaceBytes appends to dst the value h with h[from:to] replaced by s.
func replaceBytes(dst, h []byte, from, to int, s string) []byte {
	return append(append(append(dst, h[:from]...), s...), h[to:]...)
}

// setCookiePair returns the name of a Set-Cookie header's cookie and
// the bounds of its value.
func setCookiePair(h []byte) (name []byte, vs, ve int) {
	end := bytes.IndexByte(h, ';')
	if end < 0 {
		end = len(h)
	}
	eq := bytes.IndexByte(h[:end], '=')
	if eq < 0 {
		return nil, 0, 0
	}
	name = bytes.Trim(h[:eq], " \t")
	vs = eq + 1
	for vs < end && (h[vs] == ' ' || h[vs] == '\t') {
		vs++
	}
	ve = end
	for ve > vs && (h[ve-1] == ' ' || h[ve-1] == '\t') {
		ve--
	}
	return name, vs, ve
}

// appendSetCookie appends the Set-Cookie value HAProxy inserts for a
// server whose cookie value is val; a server without one gets an expired
// cookie, which removes the client's. With maxidle or maxlife the value
// carries the last-seen date (now, rounded up to HAProxy's 4 seconds)
// and with maxlife the first-seen one (first, else now).
func appendSetCookie(dst []byte, ck *config.Cookie, val string, now, first int64) []byte {
	dst = append(dst, ck.Name...)
	dst = append(dst, '=')
	if val == "" {
		dst = append(dst, "; Expires=Thu, 01-Jan-1970 00:00:01 GMT"...)
	} else {
		dst = append(dst, val...)
		if ck.MaxIdle > 0 || ck.MaxLife > 0 {
			dst = appendS30(append(dst, '|'), (now+3)>>2)
			if ck.MaxLife > 0 {
				f := (now + 3) >> 2
				if first != 0 {
					f = first >> 2
				}
				dst = appendS30(append(dst, '|'), f)
			}
		}
	}
	dst = append(dst, "; path=/"...)
	for _, d := range ck.Domains {
		dst = append(append(dst, "; domain="...), d...)
	}
	if ck.HTTPOnly {
		dst = append(dst, "; HttpOnly"...)
	}
	if ck.Secure {
		dst = append(dst, "; Secure"...)
	}
	for _, a := range ck.Attrs {
		dst = append(append(dst, "; "...), a...)
	}
	return dst
}

// responseCacheable approximates HAProxy's TX_CACHEABLE for "nocache":
// the status is cacheable by default and the response says explicitly
// that it may be cached (Cache-Control public, max-age or s-maxage, or an
// Expires header) without forbidding it. HAProxy adds "Cache-control:
// private" to such responses only.
func responseCacheable(status int, r *h1.Response) bool {
	switch status {
	case 200, 203, 204, 206, 300, 301, 404, 405, 410, 414, 501:
	default:
		return false
	}
	explicit := false
	for _, h := range r.Headers {
		switch {
		case h1.EqualFold(h.Name, "cache-control"):
			v := bytes.ToLower(h.Value)
			if bytes.Contains(v, []byte("private")) || bytes.Contains(v, []byte("no-cache")) || bytes.Contains(v, []byte("no-store")) {
				return false
			}
			if bytes.Contains(v, []byte("public")) || bytes.Contains(v, []byte("max-age")) {
				explicit = true
			}
		case h1.EqualFold(h.Name, "expires"):
			explicit = true
		case h1.EqualFold(h.Name, "pragma") && bytes.Contains(bytes.ToLower(h.Value), []byte("no-cache")):
			return false
		}
	}
	return explicit
}
