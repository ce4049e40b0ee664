package health

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/proxyproto"
)

// More check statuses, for tcp-check rules and protocol checks.
const (
	StatusL6OK   = "L6OK"   // SSL handshake record received (ssl-hello-chk)
	StatusL6TOUT = "L6TOUT" // no SSL answer in time
	StatusL6RSP  = "L6RSP"  // not an SSL answer
	StatusL7OKC  = "L7OKC"  // conditionally passed: disable-on-404
)

func init() {
	descriptions[StatusL6OK] = "Layer6 check passed"
	descriptions[StatusL6TOUT] = "Layer6 timeout"
	descriptions[StatusL6RSP] = "Layer6 invalid response"
	descriptions[StatusL7OKC] = "Layer7 check conditionally passed"
}

// Step actions of a check program.
const (
	actConnect = iota
	actSend
	actExpect
)

// step is one compiled tcp-check rule.
type step struct {
	action  int
	id      int // HAProxy's step number; 0 for an implicit connect
	comment string

	// connect
	port      int
	addr      string
	sendProxy bool

	// send: data, or build for data computed when the check runs
	data  []byte
	build func() []byte

	exp *matcher
}

// matcher is a compiled expect rule.
type matcher struct {
	kind    string // string, rstring, binary, rbinary, custom
	negate  bool
	pattern []byte
	re      *regexp.Regexp
	minRecv int // -1: wait for a match, the end of the data or a full buffer

	okStatus, errStatus, toutStatus string
	// onSuccess and onError word the check's info from the received data;
	// nil means HAProxy's generic text.
	onSuccess, onError func(buf []byte) string
	// code extracts a status code to report, e.g. an SMTP reply code.
	code func(buf []byte) int
	// custom judges protocol answers (mysql, ldap): more=true asks for
	// more data unless last.
	custom func(buf []byte, last bool) (r result, more bool)
}

// program is a compiled check: a sequence of steps, the first a connect.
type program struct {
	steps []step
	// proto is set for protocol checks (redis, mysql, ...): HAProxy does
	// not append step details to their failure messages.
	proto bool
}

// compileProgram builds the check program of c, or nil when c runs a
// plain connect or a single-request HTTP check.
func compileProgram(c *Check) (*program, error) {
	if c.Spec == nil {
		return nil, nil
	}
	switch c.Spec.Type {
	case config.CheckTCP:
		return compileRules(c.Spec.Rules)
	case config.CheckRedis:
		return redisProgram(), nil
	case config.CheckSSLHello:
		return sslHelloProgram(), nil
	case config.CheckSMTP:
		return smtpProgram(c.Spec.SMTPHello), nil
	case config.CheckPgSQL:
		return pgsqlProgram(c.Spec.User), nil
	case config.CheckMySQL:
		return mysqlProgram(c.Spec.User, c.Spec.MySQLVariant), nil
	case config.CheckLDAP:
		return ldapProgram(), nil
	case config.CheckSPOP:
		return spopProgram(), nil
	}
	return nil, fmt.Errorf("check type %q is not supported by hawser", c.Spec.Type)
}

// compileRules compiles tcp-check rules. A comment rule gives its text to
// the rules after it of the same action (a connect takes it alone), and a
// program not starting with a connect gets an implicit one, as in HAProxy.
// Step numbers count every line, comments included, from 1.
func compileRules(rules []*config.CheckRule) (*program, error) {
	p := &program{}
	comment, prev := "", ""
	for i, r := range rules {
		if r.Action != prev && prev != "comment" {
			comment = ""
		}
		prev = r.Action
		s := step{id: i + 1, comment: r.Comment}
		if s.comment == "" {
			s.comment = comment
		}
		switch r.Action {
		case "comment":
			comment = r.Comment
			continue
		case "connect":
			s.action, s.port, s.addr, s.sendProxy = actConnect, r.Port, r.Addr, r.SendProxy
			comment = ""
		case "send", "send-binary":
			s.action, s.data = actSend, []byte(r.Data)
		case "expect":
			m, err := compileMatcher(r.Expect)
			if err != nil {
				return nil, fmt.Errorf("tcp-check expect at step %d: %w", s.id, err)
			}
			s.action, s.exp = actExpect, m
		default:
			return nil, fmt.Errorf("tcp-check %s is not supported by hawser", r.Action)
		}
		p.steps = append(p.steps, s)
	}
	p.steps = withImplicitConnect(p.steps)
	return p, nil
}

func withImplicitConnect(steps []step) []step {
	if len(steps) > 0 && steps[0].action == actConnect {
		return steps
	}
	return append([]step{{action: actConnect}}, steps...)
}

func compileMatcher(e *config.CheckExpect) (*matcher, error) {
	m := &matcher{kind: e.Kind, negate: e.Negate, pattern: []byte(e.Pattern), minRecv: e.MinRecv,
		okStatus: e.OkStatus, errStatus: e.ErrorStatus, toutStatus: e.ToutStatus}
	if e.OnSuccess != "" {
		m.onSuccess = literal(e.OnSuccess)
	}
	if e.OnError != "" {
		m.onError = literal(e.OnError)
	}
	switch e.Kind {
	case "string", "binary":
	case "rstring", "rbinary":
		re, err := regexp.Compile(e.Pattern)
		if err != nil {
			return nil, err
		}
		m.re = re
	default:
		return nil, fmt.Errorf("expect %q is not supported by hawser", e.Kind)
	}
	return m, nil
}

func literal(s string) func([]byte) string { return func([]byte) string { return s } }

// session is one run of a program: the connection and what was read since
// the last send.
type session struct {
	k     *Checker
	c     *Check
	p     *program
	start time.Time
	conn  net.Conn
	buf   []byte
	eof   bool
	// fresh is set by connect and send: the next expect must read before
	// judging, as the data in the buffer, if any, predates the request.
	fresh bool
	code  int
}

// runProgram runs p against c's server.
func (k *Checker) runProgram(ctx context.Context, c *Check, p *program) result {
	s := &session{k: k, c: c, p: p, start: time.Now()}
	defer s.close()
	var last *step
	for i := range p.steps {
		st := &p.steps[i]
		var r *result
		switch st.action {
		case actConnect:
			r = s.connect(ctx, st)
		case actSend:
			r = s.send(st)
		case actExpect:
			r = s.expect(st)
		}
		if r != nil {
			return *r
		}
		last = st
	}
	return s.passed(last)
}

// passed is the result of a program that ran to its end.
func (s *session) passed(last *step) result {
	switch {
	case last == nil:
		return result{status: StatusL7OK, desc: "(tcp-check)"}
	case last.action == actConnect:
		r := result{status: StatusL4OK}
		if last.id != 0 {
			r.desc = "(tcp-check)"
		}
		return r
	case last.action == actExpect:
		m := last.exp
		r := result{status: orDefault(m.okStatus, StatusL7OK), code: s.code}
		if m.onSuccess != nil {
			r.desc = m.onSuccess(s.buf)
		}
		return r
	}
	return result{status: StatusL7OK, desc: "(tcp-check)"}
}

func (s *session) close() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
}

// connect opens the step's connection, closing any previous one.
func (s *session) connect(ctx context.Context, st *step) *result {
	s.close()
	s.buf, s.eof, s.fresh = s.buf[:0], false, true
	addr := s.stepAddr(st)
	dctx, cancel := context.WithDeadline(ctx, s.c.connectDeadline(s.start))
	defer cancel()
	conn, err := s.k.dialCheck(dctx, s.c, addr)
	if err != nil {
		r := dialFailure(dctx, err)
		r.desc = s.at(st, r.desc)
		return &r
	}
	s.conn = conn
	// Closing the connection unblocks I/O when the checker is cancelled.
	context.AfterFunc(ctx, func() { conn.Close() })
	if err := conn.SetDeadline(s.c.ioDeadline(s.start, time.Now())); err != nil {
		return &result{status: StatusSockErr, desc: errText(err)}
	}
	if st.sendProxy || sendsProxy(s.c.Server) {
		if _, err := conn.Write(proxyHeader(conn, s.c.Server)); err != nil {
			r := ioFailure(err)
			return &r
		}
	}
	if s.c.TLS != nil && st.port == 0 {
		tc, r := tlsHandshake(dctx, s.c.TLS, conn)
		if r != nil {
			r.desc = s.at(st, r.desc)
			return r
		}
		s.conn = tc
	}
	return nil
}

// stepAddr applies a connect rule's port and addr to the check address.
func (s *session) stepAddr(st *step) string {
	addr := s.c.target()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	if st.addr != "" {
		host = st.addr
	}
	if st.port != 0 {
		port = fmt.Sprint(st.port)
	}
	return net.JoinHostPort(host, port)
}

// proxyHeader is the PROXY header of a check connection, with the
// connection's own addresses (a check has no client): version 2 when the
// server line says "send-proxy-v2", version 1 otherwise.
func proxyHeader(conn net.Conn, srv *config.Server) []byte {
	la, lok := conn.LocalAddr().(*net.TCPAddr)
	ra, rok := conn.RemoteAddr().(*net.TCPAddr)
	var src, dst netip.AddrPort
	if lok && rok {
		src, dst = la.AddrPort(), ra.AddrPort()
	}
	if srv.SendProxy == 2 {
		return proxyproto.AppendV2(nil, src, dst, nil)
	}
	return proxyproto.AppendV1(nil, src, dst)
}

// sendsProxy reports whether checks of srv start with a PROXY header:
// "check-send-proxy", or a server with "send-proxy" whose checks go to
// the traffic address (no "port" nor "addr"), as HAProxy does.
func sendsProxy(srv *config.Server) bool {
	return srv.CheckSendProxy || srv.SendProxy != 0 && srv.CheckPort == 0 && srv.CheckAddr == ""
}

func (s *session) send(st *step) *result {
	data := st.data
	if st.build != nil {
		data = st.build()
	}
	// A send starts a new exchange: what was read belongs to the last one.
	s.buf, s.fresh = s.buf[:0], true
	if _, err := s.conn.Write(data); err != nil {
		r := ioFailure(err)
		r.desc = s.at(st, r.desc)
		return &r
	}
	return nil
}

// expect reads until the step's matcher can decide, then judges.
func (s *session) expect(st *step) *result {
	m := st.exp
	for {
		if !s.fresh || s.eof {
			last := s.eof || len(s.buf) >= s.k.bufSize()
			if r, done := s.judge(st, m, last); done {
				return r
			}
		}
		if err := s.read(); err != nil {
			if isTimeout(err) {
				r := result{status: orDefault(m.toutStatus, StatusL7TOUT), desc: s.at(st, "")}
				return &r
			}
			if !errors.Is(err, io.EOF) {
				r := result{status: StatusSockErr, desc: s.at(st, errText(err))}
				return &r
			}
		}
	}
}

// read appends what the server sends next to the buffer.
func (s *session) read() error {
	s.fresh = false
	if s.eof {
		return io.EOF
	}
	room := s.k.bufSize() - len(s.buf)
	if room <= 0 {
		return nil
	}
	tmp := make([]byte, room)
	n, err := s.conn.Read(tmp)
	s.buf = append(s.buf, tmp[:n]...)
	if errors.Is(err, io.EOF) {
		s.eof = true
		return nil
	}
	return err
}

// judge evaluates m on the buffer. done=false asks for more data; a nil
// result with done=true passes the step.
func (s *session) judge(st *step, m *matcher, last bool) (*result, bool) {
	if m.custom != nil {
		if len(s.buf) == 0 && !last {
			return nil, false
		}
		r, more := m.custom(s.buf, last)
		if more && !last {
			return nil, false
		}
		if r.status == "" {
			return nil, true
		}
		r.desc = s.withComment(st, r.desc)
		return &r, true
	}
	if !last && (len(s.buf) < len(m.pattern) && (m.kind == "string" || m.kind == "binary") || m.minRecv > 0 && len(s.buf) < m.minRecv) {
		return nil, false
	}
	match := m.match(s.buf)
	if !match && !last && m.minRecv == -1 {
		return nil, false
	}
	if m.code != nil {
		s.code = m.code(s.buf)
	}
	if match != m.negate {
		return nil, true
	}
	r := result{status: orDefault(m.errStatus, StatusL7RSP), code: s.code, desc: s.expectFailure(st, m, match)}
	return &r, true
}

func (m *matcher) match(buf []byte) bool {
	switch m.kind {
	case "string", "binary":
		return bytes.Contains(buf, m.pattern)
	case "rstring":
		return m.re.Match(buf)
	case "rbinary":
		// HAProxy matches binary regexes against the uppercase hex dump.
		return m.re.MatchString(strings.ToUpper(hex.EncodeToString(buf)))
	}
	return false
}

// expectFailure words a failed expect as HAProxy does.
func (s *session) expectFailure(st *step, m *matcher, matched bool) string {
	var msg string
	switch {
	case m.onError != nil:
		msg = m.onError(s.buf)
	case len(s.buf) == 0:
		msg = fmt.Sprintf("TCPCHK got an empty response at step %d", st.id)
	case s.p.proto:
	default:
		msg = "TCPCHK did not match content"
		if matched {
			msg = "TCPCHK matched unwanted content"
		}
		switch m.kind {
		case "string":
			msg += fmt.Sprintf(" '%s' at step %d", m.pattern, st.id)
		case "binary":
			msg += fmt.Sprintf(" (binary) at step %d", st.id)
		case "rstring":
			msg += fmt.Sprintf(" (regex) at step %d", st.id)
		case "rbinary":
			msg += fmt.Sprintf(" (binary regex) at step %d", st.id)
		}
	}
	return s.withComment(st, msg)
}

func (s *session) withComment(st *step, msg string) string {
	if st.comment != "" {
		msg += " comment: " + st.comment
	}
	return msg
}

// at appends HAProxy's location of a connection-level failure to info:
// " at step N of tcp-check (connect port P)", or " at initial connection
// step of tcp-check" for the implicit connect. Protocol checks get no
// location.
func (s *session) at(st *step, info string) string {
	if s.p.proto {
		return info
	}
	if st.id == 0 {
		return info + " at initial connection step of tcp-check"
	}
	loc := fmt.Sprintf(" at step %d of tcp-check", st.id)
	switch st.action {
	case actConnect:
		if st.port != 0 {
			loc += fmt.Sprintf(" (connect port %d)", st.port)
		} else {
			loc += " (connect)"
		}
	case actSend:
		loc += " (send)"
	case actExpect:
		switch st.exp.kind {
		case "string":
			loc += fmt.Sprintf(" (expect string '%s')", st.exp.pattern)
		case "binary":
			loc += fmt.Sprintf(" (expect binary '%s')", strings.ToUpper(hex.EncodeToString(st.exp.pattern)))
		case "rstring":
			loc += " (expect regex)"
		case "rbinary":
			loc += " (expect binary regex)"
		default:
			loc += " (expect custom function)"
		}
	}
	if st.comment != "" {
		loc += fmt.Sprintf(" comment: '%s'", st.comment)
	}
	return info + loc
}
