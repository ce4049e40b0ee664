package rules

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
)

func compileAllow(c *compileCtx, args []string) (execFunc, error) {
	if len(args) > 0 {
		return nil, c.errorf("unexpected argument '%s'", args[0])
	}
	return func(Txn, *Outcome) Verdict { return Stop }, nil
}

func compileReject(silent bool) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		if len(args) > 0 {
			return nil, c.errorf("unexpected argument '%s'", args[0])
		}
		return func(_ Txn, o *Outcome) Verdict {
			o.Term, o.Silent, o.Response, o.Status = 'P', silent, nil, 0
			return Close
		}, nil
	}
}

// payload is the response of deny, tarpit and return. A payload without
// any format is built once at compile time.
type payload struct {
	status      int
	contentType string
	body        []byte
	bodyFmt     Format
	hdrs        []fmtHeader
	// static is the complete response when nothing depends on the request;
	// nil for a bare deny/tarpit, which answers the proxy's error page.
	static []byte
	bare   bool
}

type fmtHeader struct {
	name []byte
	val  Format
}

// parsePayload parses the options shared by deny, tarpit and return.
// statusWord is "status" for return and "deny_status" for the others.
func (c *compileCtx) parsePayload(args []string, statusWord string, status int) (*payload, error) {
	p := &payload{status: status}
	hasBody := false
	for i := 0; i < len(args); i++ {
		opt := args[i]
		need := 1
		if opt == "hdr" {
			need = 2
		}
		if i+need >= len(args) {
			return nil, c.errorf("'%s' expects %d argument(s)", opt, need)
		}
		val := args[i+1]
		switch opt {
		case statusWord:
			n, err := strconv.Atoi(val)
			if err != nil || n < 200 || n > 599 {
				return nil, c.errorf("invalid status code '%s' (expected 200..599)", val)
			}
			p.status = n
		case "content-type":
			p.contentType = val
		case "string":
			p.body, hasBody = []byte(val), true
		case "lf-string":
			f, err := c.format(val)
			if err != nil {
				return nil, err
			}
			p.bodyFmt, hasBody = f, true
		case "file", "lf-file":
			data, err := c.readFile(val)
			if err != nil {
				return nil, c.errorf("cannot read file: %v", err)
			}
			hasBody = true
			if opt == "file" {
				p.body = data
				break
			}
			if p.bodyFmt, err = c.format(string(data)); err != nil {
				return nil, err
			}
		case "hdr":
			f, err := c.format(args[i+2])
			if err != nil {
				return nil, err
			}
			p.hdrs = append(p.hdrs, fmtHeader{name: []byte(strings.ToLower(val)), val: f})
		case "errorfile", "errorfiles", "default-errorfiles":
			return nil, fmt.Errorf("'%s ... %s' is not supported by hawser", c.name, opt)
		default:
			return nil, c.errorf("unknown option '%s'", opt)
		}
		i += need
	}
	switch {
	case hasBody && p.contentType == "":
		return nil, c.errorf("a payload requires 'content-type'")
	case !hasBody && p.contentType != "":
		return nil, c.errorf("'content-type' requires a payload ('string', 'lf-string' or 'file')")
	}
	p.bare = !hasBody && len(p.hdrs) == 0
	if !p.bare && p.bodyFmt == nil && p.staticHeaders() {
		p.static = p.build(nil, nil)
	}
	return p, nil
}

func (c *compileCtx) readFile(path string) ([]byte, error) {
	if c.env.ReadFile != nil {
		return c.env.ReadFile(path)
	}
	return os.ReadFile(path)
}

func (p *payload) staticHeaders() bool {
	for _, h := range p.hdrs {
		if _, ok := h.val.(constFormat); !ok {
			return false
		}
	}
	return true
}

// build appends the response for t to dst. The body is formatted first
// into the end of dst so that its length is known for content-length.
func (p *payload) build(dst []byte, t Txn) []byte {
	body := p.body
	start := len(dst)
	if p.bodyFmt != nil {
		dst = p.bodyFmt.AppendTxn(dst, t)
		body = dst[start:]
	}
	head := len(dst)
	dst = AppendStatusLine(dst, p.status, "")
	for _, h := range p.hdrs {
		dst = append(dst, h.name...)
		dst = append(dst, ": "...)
		dst = h.val.AppendTxn(dst, t)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "content-length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\n"...)
	if p.contentType != "" {
		dst = append(dst, "content-type: "...)
		dst = append(dst, p.contentType...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	if p.bodyFmt == nil {
		return append(dst, body...)
	}
	// Move the body formatted first behind the head.
	rotate(dst[start:], head-start)
	return dst
}

// rotate moves b's first k bytes to its end in place.
func rotate(b []byte, k int) {
	reverse(b[:k])
	reverse(b[k:])
	reverse(b)
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// respond fills o with p's response for t.
func (p *payload) respond(t Txn, o *Outcome) {
	o.Status = p.status
	switch {
	case p.bare:
		o.Response = nil
	case p.static != nil:
		o.Response = p.static
	default:
		buf := t.Scratch()
		*buf = p.build((*buf)[:0], t)
		o.Response = *buf
	}
}

func compileDeny(c *compileCtx, args []string) (execFunc, error) {
	status := 403
	if c.dir != Request {
		status = 502
	}
	p, err := c.parsePayload(args, "deny_status", status)
	if err != nil {
		return nil, err
	}
	return func(t Txn, o *Outcome) Verdict {
		p.respond(t, o)
		o.Term = 'P'
		return Respond
	}, nil
}

func compileTarpit(c *compileCtx, args []string) (execFunc, error) {
	p, err := c.parsePayload(args, "deny_status", 500)
	if err != nil {
		return nil, err
	}
	delay := c.env.Tarpit
	return func(t Txn, o *Outcome) Verdict {
		p.respond(t, o)
		o.Term, o.Delay = 'P', delay
		return Tarpit
	}, nil
}

func compileReturn(c *compileCtx, args []string) (execFunc, error) {
	p, err := c.parsePayload(args, "status", 200)
	if err != nil {
		return nil, err
	}
	if p.bare {
		// "return" alone answers an empty 200, not an error page.
		p.bare = false
		p.static = p.build(nil, nil)
	}
	return func(t Txn, o *Outcome) Verdict {
		p.respond(t, o)
		o.Term = 'L'
		return Respond
	}, nil
}

func compileAuth(c *compileCtx, args []string) (execFunc, error) {
	realm := c.env.Proxy
	switch {
	case len(args) == 0:
	case len(args) == 2 && args[0] == "realm":
		realm = args[1]
	default:
		return nil, c.errorf("expects nothing or 'realm <realm>'")
	}
	var resp []byte
	if c.env.Challenge != nil {
		resp = c.env.Challenge(realm)
	}
	return func(t Txn, o *Outcome) Verdict {
		o.Response, o.Status, o.Term = resp, 401, 'L'
		return Respond
	}, nil
}

// redirect is a compiled redirect action.
type redirect struct {
	kind        string // location, prefix or scheme
	to          Format
	code        int
	dropQuery   bool
	appendSlash bool
	cookie      []byte // complete "set-cookie: ...\r\n" line, or nil
}

func compileRedirect(c *compileCtx, args []string) (execFunc, error) {
	r, err := c.parseRedirect(args)
	if err != nil {
		return nil, err
	}
	return r.exec, nil
}

// CompileRedirect compiles the arguments of the standalone "redirect"
// keyword, which HAProxy treats as an http-request redirect rule.
func CompileRedirect(args []string, env *Env) (*Rule, error) {
	c := &compileCtx{dir: Request, name: "redirect", env: env}
	r, err := c.parseRedirect(args)
	if err != nil {
		return nil, err
	}
	return &Rule{exec: r.exec}, nil
}

func (c *compileCtx) parseRedirect(args []string) (*redirect, error) {
	if len(args) < 2 {
		return nil, c.errorf("expects 'location', 'prefix' or 'scheme' followed by a value")
	}
	r := &redirect{code: 302}
	switch args[0] {
	case "location", "prefix", "scheme":
		r.kind = args[0]
	default:
		return nil, c.errorf("expects 'location', 'prefix' or 'scheme', got '%s'", args[0])
	}
	var err error
	if r.to, err = c.format(args[1]); err != nil {
		return nil, err
	}
	for i := 2; i < len(args); i++ {
		switch args[i] {
		case "code":
			if i+1 == len(args) {
				return nil, c.errorf("'code' expects a status code")
			}
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n != 301 && n != 302 && n != 303 && n != 307 && n != 308 {
				return nil, c.errorf("unsupported redirect code '%s' (expected 301, 302, 303, 307 or 308)", args[i+1])
			}
			r.code = n
			i++
		case "drop-query":
			r.dropQuery = true
		case "append-slash":
			r.appendSlash = true
		case "set-cookie", "clear-cookie":
			if i+1 == len(args) {
				return nil, c.errorf("'%s' expects a cookie name", args[i])
			}
			ck := args[i+1]
			if args[i] == "clear-cookie" {
				name, _, _ := strings.Cut(ck, "=")
				ck = name + "=; Max-Age=0"
			}
			r.cookie = []byte("set-cookie: " + ck + "; path=/\r\n")
			i++
		case "ignore-empty", "keep-query", "set-cookie-fmt":
			return nil, fmt.Errorf("'%s ... %s' is not supported by hawser", c.name, args[i])
		default:
			return nil, c.errorf("unknown option '%s'", args[i])
		}
	}
	return r, nil
}

func (r *redirect) exec(t Txn, o *Outcome) Verdict {
	buf := t.Scratch()
	b := AppendStatusLine((*buf)[:0], r.code, "")
	b = append(b, "content-length: 0\r\nlocation: "...)
	path, query := t.Path(), t.Query()
	switch r.kind {
	case "location":
		b = r.to.AppendTxn(b, t)
	case "prefix":
		start := len(b)
		b = r.to.AppendTxn(b, t)
		if len(b)-start == 1 && b[start] == '/' {
			// A prefix of "/" would double the path's slash.
			b = b[:start]
		}
		b = r.appendPath(b, path, query)
	case "scheme":
		b = r.to.AppendTxn(b, t)
		b = append(b, "://"...)
		b = append(b, t.Req().Get("host")...)
		b = r.appendPath(b, path, query)
	}
	b = append(b, "\r\n"...)
	switch r.code {
	case 302, 303, 307:
		// Temporary redirects must not be cached (HAProxy adds this too;
		// 301 and 308 stay cacheable).
		b = append(b, "cache-control: no-cache\r\n"...)
	}
	b = append(b, r.cookie...)
	b = append(b, "\r\n"...)
	*buf = b
	o.Response, o.Status, o.Term = b, r.code, 'L'
	return Respond
}

func (r *redirect) appendPath(b, path, query []byte) []byte {
	b = append(b, path...)
	if r.appendSlash && !bytes.HasSuffix(path, []byte("/")) {
		b = append(b, '/')
	}
	if !r.dropQuery && query != nil {
		b = append(b, '?')
		b = append(b, query...)
	}
	return b
}

// AppendStatusLine appends "HTTP/1.1 <status> <reason>\r\n" with HAProxy's
// reason phrase when reason is empty.
func AppendStatusLine(dst []byte, status int, reason string) []byte {
	if reason == "" {
		reason = Reason(status)
	}
	dst = append(dst, "HTTP/1.1 "...)
	dst = strconv.AppendInt(dst, int64(status), 10)
	dst = append(dst, ' ')
	dst = append(dst, reason...)
	return append(dst, "\r\n"...)
}

// Reason returns the reason phrase HAProxy sends with status.
func Reason(status int) string {
	switch status {
	case 400:
		return "Bad request"
	case 408:
		return "Request Time-out"
	case 504:
		return "Gateway Time-out"
	}
	if r := http.StatusText(status); r != "" {
		return r
	}
	return "Unknown"
}

func compileSetStatus(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 1 && !(len(args) == 3 && args[1] == "reason") {
		return nil, c.errorf("expects a status code, optionally followed by 'reason <text>'")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 100 || n > 999 {
		return nil, c.errorf("invalid status code '%s'", args[0])
	}
	var reason []byte
	if len(args) == 3 {
		reason = []byte(args[2])
	} else {
		reason = []byte(Reason(n))
	}
	return func(t Txn, _ *Outcome) Verdict {
		t.SetStatus(n, reason)
		return Continue
	}, nil
}

func compileSetLogLevel(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 1 {
		return nil, c.errorf("expects a log level or 'silent'")
	}
	lvl := -1
	if args[0] != "silent" {
		lvl = logLevel(args[0])
		if lvl < 0 {
			return nil, c.errorf("unknown log level '%s'", args[0])
		}
	}
	return func(t Txn, _ *Outcome) Verdict {
		t.SetLogLevel(lvl)
		return Continue
	}, nil
}

// logLevel maps a syslog level name to its number, -1 if unknown.
func logLevel(s string) int {
	for i, n := range []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"} {
		if n == s {
			return i
		}
	}
	return -1
}

func compileSetTimeout(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 2 {
		return nil, c.errorf("expects 'server', 'tunnel' or 'client' and a time")
	}
	kind := args[0]
	if kind != "server" && kind != "tunnel" && kind != "client" {
		return nil, c.errorf("unknown timeout '%s' (expected server, tunnel or client)", kind)
	}
	if d, err := ParseTime(args[1]); err == nil {
		return func(t Txn, _ *Outcome) Verdict {
			t.SetTimeout(kind, d)
			return Continue
		}, nil
	}
	// Not a time: a sample expression giving milliseconds, as HAProxy
	// tries a time first and an expression next. A value that cannot be
	// had, or is not positive, leaves the timeout as it was.
	x, err := c.expr(args[1])
	if err != nil {
		return nil, err
	}
	return func(t Txn, _ *Outcome) Verdict {
		buf := t.Scratch()
		v, b, ok := x.Eval(t, (*buf)[:0])
		*buf = b
		if !ok {
			return Continue
		}
		if ms, ok := sampleInt(v); ok && ms > 0 {
			t.SetTimeout(kind, time.Duration(ms)*time.Millisecond)
		}
		return Continue
	}, nil
}

func compileWaitForBody(c *compileCtx, args []string) (execFunc, error) {
	if len(args) < 2 || args[0] != "time" {
		return nil, c.errorf("expects 'time <time>' [at-least <bytes>]")
	}
	d, err := ParseTime(args[1])
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	if len(args) != 2 && !(len(args) == 4 && args[2] == "at-least") {
		return nil, c.errorf("expects 'time <time>' [at-least <bytes>]")
	}
	var atLeast int64
	if len(args) == 4 {
		if atLeast, err = parseSize(args[3]); err != nil {
			return nil, c.errorf("at-least: %v", err)
		}
	}
	dir := c.dir
	return func(t Txn, o *Outcome) Verdict {
		w, ok := t.(BodyWaiter)
		if !ok || w.WaitForBody(d, atLeast) {
			return Continue
		}
		if tw, ok := t.(BodyTimeouter); ok && tw.BodyTimedOut() {
			// As HAProxy: the time ran out before the body was
			// complete, at-least bytes were in or the buffer filled.
			o.Status, o.Term = 408, 'c'
			if dir != Request {
				o.Status, o.Term = 504, 's'
			}
			return Respond
		}
		return Close
	}, nil
}

// BodyWaiter is an optional interface of a Txn that can buffer the
// request (or, in response rules, the response) body for
// "wait-for-body". A Txn without it runs the rules without waiting.
type BodyWaiter interface {
	// WaitForBody buffers the body until it is complete, atLeast bytes
	// (when positive) are in, the buffer is full or d has elapsed. It
	// reports false when the time ran out first (see BodyTimeouter) or
	// the client went away: the connection closes.
	WaitForBody(d time.Duration, atLeast int64) bool
}

// BodyTimeouter tells, after WaitForBody reported false, whether the wait
// timed out: the request is then answered 408 (the response replaced by
// a 504), as HAProxy does.
type BodyTimeouter interface {
	BodyTimedOut() bool
}

// parseSize parses a byte count with an optional k, m or g suffix, as
// HAProxy's sizes.
func parseSize(s string) (int64, error) {
	mul := int64(1)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'k', 'K':
			mul = 1 << 10
		case 'm', 'M':
			mul = 1 << 20
		case 'g', 'G':
			mul = 1 << 30
		}
		if mul > 1 {
			s = s[:n-1]
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size '%s'", s)
	}
	return n * mul, nil
}

// ParseTime parses an HAProxy time ("10s", "500", "1m"); a bare number
// is milliseconds.
func ParseTime(s string) (time.Duration, error) {
	i := len(s)
	for i > 0 && (s[i-1] < '0' || s[i-1] > '9') {
		i--
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid time '%s'", s)
	}
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond,
		"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	u, ok := unit[s[i:]]
	if !ok {
		return 0, fmt.Errorf("invalid time unit in '%s'", s)
	}
	return time.Duration(n) * u, nil
}

// sampleInt reads a sample as an integer, as HAProxy casts to sint:
// integers and booleans as they are, strings by their decimal digits.
func sampleInt(v acl.Value) (int64, bool) {
	switch v.Type {
	case acl.TypeInt, acl.TypeBool:
		return v.Int, true
	case acl.TypeStr, acl.TypeBin:
		n, err := strconv.ParseInt(string(v.Bytes), 10, 64)
		return n, err == nil
	}
	return 0, false
}
