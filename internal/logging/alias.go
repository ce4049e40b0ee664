package logging

import (
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"
)

// alias is one "%name" log-format variable.
type alias struct {
	// render appends the value; nil marks an alias HAProxy has and hawser
	// does not implement yet.
	render func(dst []byte, e *Entry, fl flags) []byte
	// global marks %o, which only changes the flags of later items.
	global bool
}

// aliases is HAProxy's log-format alias table (configuration.txt section
// 8.2.6), keyed by name.
var aliases = map[string]*alias{
	"o":  {global: true},
	"OG": {}, // log origin: needs the logging call site

	// dates
	"t":   {render: func(d []byte, e *Entry, _ flags) []byte { return AppendDate(d, e.Accept) }},
	"tr":  {render: func(d []byte, e *Entry, _ flags) []byte { return AppendDate(d, e.requestDate()) }},
	"T":   {render: func(d []byte, e *Entry, _ flags) []byte { return AppendDateZone(d, e.Accept.UTC()) }},
	"trg": {render: func(d []byte, e *Entry, _ flags) []byte { return AppendDateZone(d, e.requestDate().UTC()) }},
	"Tl":  {render: func(d []byte, e *Entry, _ flags) []byte { return AppendDateZone(d, e.Accept) }},
	"trl": {render: func(d []byte, e *Entry, _ flags) []byte { return AppendDateZone(d, e.requestDate()) }},
	"Ts":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendCounter(d, e.Accept.Unix(), fl, 4) }},
	"ms": {render: func(d []byte, e *Entry, fl flags) []byte {
		ms := int64(e.Accept.Nanosecond() / int(time.Millisecond))
		if fl&flagHex != 0 {
			return appendHex(d, uint64(ms), 2)
		}
		return appendPadded(d, int(ms), 3)
	}},

	// timers
	"TR": {render: timer(func(e *Entry) time.Duration { return e.TR })},
	"Tw": {render: timer(func(e *Entry) time.Duration { return e.Tw })},
	"Tc": {render: timer(func(e *Entry) time.Duration { return e.Tc })},
	"Tr": {render: timer(func(e *Entry) time.Duration { return e.Tr })},
	"Th": {render: timer(func(e *Entry) time.Duration { return e.Th })},
	"Ti": {render: timer(func(e *Entry) time.Duration { return e.Ti })},
	"Tq": {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, tq(e)) }},
	"Td": {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, td(e)) }},
	"Ta": {render: partial(func(e *Entry) int64 { return millis(e.Ta) })},
	"Tt": {render: partial(func(e *Entry) int64 { return millis(e.Tt) })},
	"Tu": {render: partial(func(e *Entry) int64 { return millis(e.Tt) - max(millis(e.Ti), 0) })},

	// addresses
	"ci": {render: func(d []byte, e *Entry, fl flags) []byte { return appendIP(d, e.ClientAddr, fl) }},
	"cp": {render: func(d []byte, e *Entry, fl flags) []byte { return appendPort(d, e.ClientAddr, fl) }},
	"fi": {render: func(d []byte, e *Entry, fl flags) []byte { return appendIP(d, e.FrontendAddr, fl) }},
	"fp": {render: func(d []byte, e *Entry, fl flags) []byte { return appendPort(d, e.FrontendAddr, fl) }},
	"bi": {render: func(d []byte, e *Entry, fl flags) []byte { return appendIP(d, e.BackendSrcAddr, fl) }},
	"bp": {render: func(d []byte, e *Entry, fl flags) []byte { return appendPort(d, e.BackendSrcAddr, fl) }},
	"si": {render: func(d []byte, e *Entry, fl flags) []byte { return appendIP(d, e.ServerAddr, fl) }},
	"sp": {render: func(d []byte, e *Entry, fl flags) []byte { return appendPort(d, e.ServerAddr, fl) }},

	// names
	"f": {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.Frontend, fl) }},
	"b": {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.Backend, fl) }},
	"s": {render: func(d []byte, e *Entry, fl flags) []byte {
		if e.Server == "" {
			return appendText(d, NoServer, fl)
		}
		return appendText(d, e.Server, fl)
	}},
	"ft": {render: appendFrontendTransport},
	"H":  {render: func(d []byte, _ *Entry, fl flags) []byte { return appendText(d, hostname(), fl) }},

	// counters
	"ST":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.Status)) }},
	"B":   {render: partial(func(e *Entry) int64 { return e.BytesOut })},
	"U":   {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, e.BytesIn) }},
	"ac":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.ActConn)) }},
	"fc":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.FeConn)) }},
	"bc":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.BeConn)) }},
	"sc":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.SrvConn)) }},
	"sq":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.SrvQueue)) }},
	"bq":  {render: func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, int64(e.BackendQueue)) }},
	"rc":  {render: appendRetries},
	"rt":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendCounter(d, int64(e.RequestCounter), fl, 4) }},
	"lc":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendCounter(d, int64(e.LogCounter), fl, 4) }},
	"pid": {render: func(d []byte, e *Entry, fl flags) []byte { return appendCounter(d, int64(e.PID), fl, 4) }},

	// states
	"ts": {render: func(d []byte, e *Entry, _ flags) []byte { return appendState(d, e.TermState) }},
	"tsc": {render: func(d []byte, e *Entry, _ flags) []byte {
		return appendState(appendState(d, e.TermState), e.CookieState)
	}},

	// HTTP
	"r":   {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestLine(e), fl, &urlEncode) }},
	"HM":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestMethod(e), fl, &urlEncode) }},
	"HU":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestURI(e), fl, &urlEncode) }},
	"HP":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestPath(e), fl, &urlEncode) }},
	"HPO": {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestPathOnly(e), fl, &urlEncode) }},
	"HQ":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestQuery(e), fl, &urlEncode) }},
	"HV":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendEncoded(d, requestVersion(e), fl, &urlEncode) }},
	"CC":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.ReqCookie, fl) }},
	"CS":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.ResCookie, fl) }},
	"hr":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendCaptures(d, e.CapturedReq, fl) }},
	"hs":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendCaptures(d, e.CapturedRes, fl) }},
	"hrl": {render: func(d []byte, e *Entry, fl flags) []byte { return appendCaptureList(d, e.CapturedReq, fl) }},
	"hsl": {render: func(d []byte, e *Entry, fl flags) []byte { return appendCaptureList(d, e.CapturedRes, fl) }},
	"ID":  {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.UniqueID, fl) }},

	// TLS
	"sslv": {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.TLSVersion, fl) }},
	"sslc": {render: func(d []byte, e *Entry, fl flags) []byte { return appendText(d, e.TLSCipher, fl) }},
}

// hostname is the system host name for %H, looked up once.
var hostname = sync.OnceValue(func() string {
	h, _ := os.Hostname()
	return h
})

// millis converts a timer to HAProxy's milliseconds, -1 if it did not run.
func millis(d time.Duration) int64 {
	if d < 0 {
		return -1
	}
	return d.Milliseconds()
}

// timer renders a plain millisecond timer.
func timer(get func(*Entry) time.Duration) func([]byte, *Entry, flags) []byte {
	return func(d []byte, e *Entry, _ flags) []byte { return appendInt(d, millis(get(e))) }
}

// partial renders a value that "option logasap" may log before it is
// final, which HAProxy marks with a leading '+'.
func partial(get func(*Entry) int64) func([]byte, *Entry, flags) []byte {
	return func(d []byte, e *Entry, _ flags) []byte {
		if e.Partial {
			d = append(d, '+')
		}
		return appendInt(d, get(e))
	}
}

// tq is %Tq = Th + Ti + TR, -1 when the request head never completed.
func tq(e *Entry) int64 {
	if e.TR < 0 {
		return -1
	}
	return max(millis(e.Th), 0) + max(millis(e.Ti), 0) + millis(e.TR)
}

// td is %Td, the data transfer time: what is left of Tt once the request,
// queue, connect and response-head times are removed. It is -1 when no
// data phase started: no connection, or in HTTP no response head.
func td(e *Entry) int64 {
	if e.Tc < 0 || (e.RequestLine != "" && e.Tr < 0) {
		return -1
	}
	return millis(e.Tt) - max(tq(e), 0) - max(millis(e.Tw), 0) - millis(e.Tc) - max(millis(e.Tr), 0)
}

func appendFrontendTransport(d []byte, e *Entry, fl flags) []byte {
	q := fl&flagQuote != 0
	if q {
		d = append(d, '"')
	}
	d = append(d, e.Frontend...)
	if e.FrontendTLS {
		d = append(d, '~')
	}
	if q {
		d = append(d, '"')
	}
	return d
}

func appendRetries(d []byte, e *Entry, _ flags) []byte {
	if e.Redispatched {
		d = append(d, '+')
	}
	return appendInt(d, int64(e.Retries))
}

// appendState appends a two-character state, '-' for unset characters.
func appendState(d []byte, s [2]byte) []byte {
	for _, c := range s {
		if c == 0 {
			c = '-'
		}
		d = append(d, c)
	}
	return d
}

// appendIP appends an address's IP: text (quoted with Q, "-" if unknown),
// or upper-case hex with X.
func appendIP(d []byte, ap netip.AddrPort, fl flags) []byte {
	if !ap.IsValid() {
		return appendText(d, "", fl)
	}
	a := ap.Addr()
	if fl&flagHex != 0 {
		if a.Is4() {
			b := a.As4()
			return appendHexBytes(d, b[:])
		}
		b := a.As16()
		return appendHexBytes(d, b[:])
	}
	q := fl&flagQuote != 0
	if q {
		d = append(d, '"')
	}
	d = a.AppendTo(d)
	if q {
		d = append(d, '"')
	}
	return d
}

// appendPort appends an address's port, decimal or 4-digit hex with X.
func appendPort(d []byte, ap netip.AddrPort, fl flags) []byte {
	if !ap.IsValid() {
		return appendText(d, "", fl)
	}
	if fl&flagHex != 0 {
		return appendHex(d, uint64(ap.Port()), 4)
	}
	return appendInt(d, int64(ap.Port()))
}

// appendCounter appends a counter, decimal or at-least-width hex with X.
func appendCounter(d []byte, v int64, fl flags, width int) []byte {
	if fl&flagHex != 0 {
		return appendHex(d, uint64(v), width)
	}
	return appendInt(d, v)
}

// appendCaptures appends captured headers as HAProxy's "{a|b}", nothing at
// all when no capture is configured.
func appendCaptures(d []byte, caps []string, fl flags) []byte {
	if caps == nil {
		return d
	}
	q := fl&flagQuote != 0
	if q {
		d = append(d, '"')
	}
	d = append(d, '{')
	for i, c := range caps {
		if i > 0 {
			d = append(d, '|')
		}
		d = appendEscaped(d, c, fl, &hdrEncode)
	}
	d = append(d, '}')
	if q {
		d = append(d, '"')
	}
	return d
}

// appendCaptureList appends captured headers as CLF fields, one per
// header separated by spaces, "-" (or "" when quoted) for a missing one.
func appendCaptureList(d []byte, caps []string, fl flags) []byte {
	q := fl&flagQuote != 0
	for i, c := range caps {
		if i > 0 {
			d = append(d, ' ')
		}
		switch {
		case q:
			d = append(d, '"')
			d = appendEscaped(d, c, fl, &hdrEncode)
			d = append(d, '"')
		case c == "":
			d = append(d, '-')
		default:
			d = appendEscaped(d, c, fl, &hdrEncode)
		}
	}
	return d
}

// badRequest is what HAProxy logs for a missing or unparsable request.
const badRequest = "<BADREQ>"

func requestLine(e *Entry) string {
	if e.RequestLine == "" {
		return badRequest
	}
	return e.RequestLine
}

// requestParts splits the request line into method, URI and version the
// way HAProxy's log code does: on runs of spaces and tabs. ok is false
// when there is no URI.
func requestParts(e *Entry) (method, uri, version string, ok bool) {
	line := e.RequestLine
	if line == "" {
		return "", "", "", false
	}
	method, rest, ok := cutBlank(line)
	if !ok {
		return method, "", "", false
	}
	uri, version, _ = cutBlank(rest)
	return method, uri, version, true
}

// cutBlank splits s at its first run of spaces or tabs.
func cutBlank(s string) (before, after string, found bool) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, "", false
	}
	return s[:i], strings.TrimLeft(s[i:], " \t"), true
}

func requestMethod(e *Entry) string {
	m, _, _, ok := requestParts(e)
	if !ok {
		return badRequest
	}
	return m
}

func requestURI(e *Entry) string {
	_, u, _, ok := requestParts(e)
	if !ok {
		return badRequest
	}
	return u
}

func requestPath(e *Entry) string {
	_, u, _, ok := requestParts(e)
	if !ok {
		return badRequest
	}
	p, _, _ := strings.Cut(u, "?")
	return p
}

// requestPathOnly is %HPO: the path without scheme, authority or query.
func requestPathOnly(e *Entry) string {
	_, u, _, ok := requestParts(e)
	if !ok {
		return badRequest
	}
	if i := strings.Index(u, "://"); i >= 0 && !strings.HasPrefix(u, "/") {
		rest := u[i+3:]
		j := strings.IndexAny(rest, "/?")
		if j < 0 {
			return ""
		}
		u = rest[j:]
	}
	p, _, _ := strings.Cut(u, "?")
	return p
}

// requestQuery is %HQ: the query string with its '?', empty if none.
func requestQuery(e *Entry) string {
	if e.RequestLine == "" {
		return badRequest
	}
	_, u, _, _ := requestParts(e)
	if i := strings.IndexByte(u, '?'); i >= 0 {
		return u[i:]
	}
	return ""
}

// requestVersion is %HV; a request line without a version is HTTP/0.9.
func requestVersion(e *Entry) string {
	_, _, v, ok := requestParts(e)
	switch {
	case !ok:
		return badRequest
	case v == "":
		return "HTTP/0.9"
	}
	return v
}
