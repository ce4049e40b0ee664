package health

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/tlsconf"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hawser-lb/hawser/internal/config"
)

// Check statuses, with HAProxy's names; they are what CheckState.LastStatus
// holds and what "show stat" prints in check_status.
const (
	StatusL4OK    = "L4OK"    // TCP connection established
	StatusL4TOUT  = "L4TOUT"  // connect timed out
	StatusL4CON   = "L4CON"   // connect failed (refused, unreachable, ...)
	StatusL7OK    = "L7OK"    // HTTP response matched the expectation
	StatusL7STS   = "L7STS"   // HTTP status did not match
	StatusL7RSP   = "L7RSP"   // invalid HTTP response, or body did not match
	StatusL7TOUT  = "L7TOUT"  // connected, but the response did not come in time
	StatusSockErr = "SOCKERR" // I/O error on an established connection
)

// descriptions are HAProxy's long names for the statuses, used as the
// "reason" of Notify messages.
var descriptions = map[string]string{
	StatusL4OK:    "Layer4 check passed",
	StatusL4TOUT:  "Layer4 timeout",
	StatusL4CON:   "Layer4 connection problem",
	StatusL7OK:    "Layer7 check passed",
	StatusL7STS:   "Layer7 wrong status",
	StatusL7RSP:   "Layer7 invalid response",
	StatusL7TOUT:  "Layer7 timeout",
	StatusSockErr: "Socket error",
}

// Description returns HAProxy's long name of a check status, e.g. "Layer4
// connection problem" for "L4CON", or "Unknown" for anything else.
func Description(status string) string {
	if d, ok := descriptions[status]; ok {
		return d
	}
	return "Unknown"
}

// result is the outcome of one check.
type result struct {
	status string
	code   int    // HTTP status, 0 if none was read
	desc   string // detail, HAProxy's "info"
	dur    time.Duration
}

func (r result) passed() bool {
	switch r.status {
	case StatusL4OK, StatusL6OK, StatusL7OK, StatusL7OKC, StatusProcOK:
		return true
	}
	return false
}

// hasCode reports whether messages show the HTTP code: HAProxy prints it
// only for statuses judged on a received status line.
func (r result) hasCode() bool { return r.status == StatusL7OK || r.status == StatusL7STS }

// probe runs one check and times it. When ctx ends during the check the
// result is meaningless and callers drop it.
func (k *Checker) probe(ctx context.Context, c *Check, exp *expectation) result {
	start := time.Now()
	r := k.connectAndCheck(ctx, c, exp, start)
	r.dur = time.Since(start)
	return r
}

func (k *Checker) connectAndCheck(ctx context.Context, c *Check, exp *expectation, start time.Time) result {
	if c.External != nil {
		return k.runExternal(ctx, c)
	}
	if c.prog != nil {
		return k.runProgram(ctx, c, c.prog)
	}
	dctx, cancel := context.WithDeadline(ctx, c.connectDeadline(start))
	defer cancel()
	conn, err := k.dialCheck(dctx, c, c.target())
	if err != nil {
		return dialFailure(dctx, err)
	}
	defer conn.Close()
	if sendsProxy(c.Server) {
		if _, err := conn.Write(proxyHeader(conn, c.Server)); err != nil {
			return ioFailure(err)
		}
	}
	if c.TLS != nil {
		tc, r := tlsHandshake(dctx, c.TLS, conn)
		if r != nil {
			return *r
		}
		conn = tc
		defer conn.Close()
	}
	if c.HTTP == nil {
		if c.TLS != nil {
			return result{status: StatusL6OK}
		}
		return result{status: StatusL4OK}
	}
	// Closing the connection unblocks I/O when the checker is cancelled.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	if err := conn.SetDeadline(c.ioDeadline(start, time.Now())); err != nil {
		return result{status: StatusSockErr, desc: errText(err)}
	}
	if checkProto(c.Server) == "h2" {
		return k.httpCheckH2(conn, c.HTTP, exp)
	}
	return k.httpCheck(conn, c.HTTP, exp)
}

// tlsHandshake starts TLS on a check connection; a failure is a layer 6
// result (L6TOUT or L6RSP), as in HAProxy.
func tlsHandshake(ctx context.Context, tc *tlsconf.Client, conn net.Conn) (net.Conn, *result) {
	c := tc.Conn(conn, "")
	if err := c.HandshakeContext(ctx); err != nil {
		if errors.Is(ctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
			return nil, &result{status: StatusL6TOUT}
		}
		return nil, &result{status: StatusL6RSP, desc: err.Error()}
	}
	return c, nil
}

// connectDeadline: with "timeout check" the connect step gets
// min("timeout connect", inter); without it inter covers the whole check.
func (c *Check) connectDeadline(start time.Time) time.Time {
	if c.CheckTimeout > 0 {
		return start.Add(c.connectTimeout())
	}
	return start.Add(c.inter())
}

// ioDeadline bounds sending the request and reading the response: "timeout
// check" from the moment the connection is up, or what is left of inter.
func (c *Check) ioDeadline(start, connected time.Time) time.Time {
	if c.CheckTimeout > 0 {
		return connected.Add(c.CheckTimeout)
	}
	return start.Add(c.inter())
}

// dialCheck opens a check connection to addr, through the server's
// SOCKS4 proxy with "check-via-socks4".
func (k *Checker) dialCheck(ctx context.Context, c *Check, addr string) (net.Conn, error) {
	if c.Server == nil || !c.Server.CheckViaSocks4 || c.Server.Socks4 == "" {
		return k.dial(ctx, "tcp", addr)
	}
	conn, err := k.dial(ctx, "tcp", c.Server.Socks4)
	if err != nil {
		return nil, err
	}
	timeout := 5 * time.Second
	if d, ok := ctx.Deadline(); ok {
		timeout = time.Until(d)
	}
	if err := balance.Socks4Connect(conn, addr, timeout); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

func (k *Checker) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if k.Dial != nil {
		return k.Dial(ctx, network, addr)
	}
	var d net.Dialer
	return d.DialContext(ctx, network, addr)
}

// dialFailure classifies a failed connect as a timeout or a connection
// problem whose info is the system error, as HAProxy's strerror() text.
func dialFailure(dctx context.Context, err error) result {
	if errors.Is(dctx.Err(), context.DeadlineExceeded) || isTimeout(err) {
		return result{status: StatusL4TOUT}
	}
	return result{status: StatusL4CON, desc: errText(err)}
}

// httpCheck sends the request and judges the response.
func (k *Checker) httpCheck(conn net.Conn, hc *config.HTTPCheck, exp *expectation) result {
	if _, err := conn.Write(buildRequest(hc)); err != nil {
		return ioFailure(err)
	}
	// The whole response (head and body) is bounded by the buffer size,
	// as HAProxy judges what fits in one buffer.
	br := bufio.NewReader(io.LimitReader(conn, int64(k.bufSize())))
	if _, err := br.Peek(1); err != nil {
		return responseFailure(err)
	}
	resp, err := http.ReadResponse(br, &http.Request{Method: methodOf(hc)})
	if err != nil {
		return responseFailure(err)
	}
	defer resp.Body.Close()
	var body []byte
	if exp.needsBody() {
		body, err = io.ReadAll(resp.Body)
		// A body cut by the buffer limit or by a close is judged as read;
		// only a timeout means the server did not answer in time.
		if err != nil && isTimeout(err) {
			return result{status: StatusL7TOUT}
		}
	}
	return exp.evaluate(resp.StatusCode, reasonPhrase(resp), body)
}

// ioFailure classifies an error on an established connection.
func ioFailure(err error) result {
	if isTimeout(err) {
		return result{status: StatusL7TOUT}
	}
	return result{status: StatusSockErr, desc: errText(err)}
}

// responseFailure classifies an error reading the response head.
func responseFailure(err error) result {
	switch {
	case isTimeout(err):
		return result{status: StatusL7TOUT}
	case errors.Is(err, io.EOF):
		return result{status: StatusL7RSP, desc: "Empty response"}
	case errors.As(err, new(syscall.Errno)):
		return result{status: StatusSockErr, desc: errText(err)}
	default:
		return result{status: StatusL7RSP, desc: "Invalid HTTP response"}
	}
}

// buildRequest renders "option httpchk" and "http-check send" as bytes:
// request line, Host, the configured headers, Content-Length for a body, and
// Connection: close so the server ends the exchange.
func buildRequest(hc *config.HTTPCheck) []byte {
	var b strings.Builder
	// A legacy "option httpchk GET / HTTP/1.1\r\nHost:\ x" carries headers
	// in the version; printing it as is keeps them.
	fmt.Fprintf(&b, "%s %s %s\r\n", methodOf(hc), orDefault(hc.URI, "/"), orDefault(hc.Version, "HTTP/1.0"))
	has := make(map[string]bool)
	for _, h := range hc.Headers {
		has[http.CanonicalHeaderKey(h[0])] = true
	}
	if hc.Host != "" && !has["Host"] {
		fmt.Fprintf(&b, "Host: %s\r\n", hc.Host)
	}
	for _, h := range hc.Headers {
		fmt.Fprintf(&b, "%s: %s\r\n", h[0], h[1])
	}
	if hc.Body != "" && !has["Content-Length"] {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(hc.Body))
	}
	if !has["Connection"] {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(hc.Body)
	return []byte(b.String())
}

func methodOf(hc *config.HTTPCheck) string { return orDefault(hc.Method, http.MethodOptions) }

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// reasonPhrase is the status line's text after the code, e.g. "Service
// Unavailable".
func reasonPhrase(resp *http.Response) string {
	_, reason, _ := strings.Cut(resp.Status, " ")
	return reason
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// errText words an error as HAProxy does with strerror(): the system error
// alone, capitalized ("Connection refused"), without Go's "dial tcp ..."
// prefix.
func errText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return capitalize(errno.Error())
	}
	return capitalize(err.Error())
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
