package engine

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/proxyproto"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/stick"
)

// TCPRule is a compiled tcp-request or tcp-response rule.
type TCPRule struct {
	Cfg  *config.TCPRule
	Cond *acl.Cond
	// Key is track-sc's key or set-var's expression; Table is
	// track-sc's stick table.
	Key   *acl.Expr
	Table *stick.Table
}

// TCPRules are a proxy's compiled tcp-request and tcp-response rules.
type TCPRules struct {
	Connection, Session, Content, ResponseContent []*TCPRule
	// InspectDelay is "tcp-request inspect-delay".
	InspectDelay time.Duration
	// ResponseInspectDelay is "tcp-response inspect-delay": how long the
	// response content rules wait for the server's data.
	ResponseInspectDelay time.Duration
}

// TCPVerdict is what a tcp rule set decided.
type TCPVerdict uint8

// Verdicts of RunTCP.
const (
	// TCPContinue: no rule decided; the connection goes on.
	TCPContinue TCPVerdict = iota
	// TCPAccept: an accept rule matched; later rules of the set are skipped.
	TCPAccept
	// TCPReject: close the connection.
	TCPReject
	// TCPSilentDrop: close the connection without telling the client.
	TCPSilentDrop
	// TCPWait: a condition needs more data; call again with the index
	// returned once more data arrived or the delay expired.
	TCPWait
	// TCPClose: a tcp-response close rule matched; the server connection
	// ends at once, what the server already sent still reaches the client.
	TCPClose
)

// TCPSample is what tcp rules run against: the connection's fetches, its
// stick counters and its variables.
type TCPSample interface {
	acl.Sample
	acl.Tracker
	acl.VarReader
	// Vars returns the connection's variables, for set-var and unset-var.
	Vars() *rules.Vars
	// Track starts tracking e in slot; it reports false when the slot is
	// taken (the caller then releases e).
	Track(slot int, e *stick.Entry) bool
}

// compileTCP compiles a proxy's tcp rules. table resolves a track-sc
// table name ("" for the proxy's own table).
func compileTCP(p *config.Proxy, defs acl.Defs, table func(name string) (*stick.Table, bool)) (TCPRules, error) {
	out := TCPRules{InspectDelay: p.TCP.InspectDelay, ResponseInspectDelay: p.TCP.ResponseInspectDelay}
	sets := []struct {
		in  []*config.TCPRule
		out *[]*TCPRule
	}{
		{p.TCP.Connection, &out.Connection},
		{p.TCP.Session, &out.Session},
		{p.TCP.Content, &out.Content},
		{p.TCP.ResponseContent, &out.ResponseContent},
	}
	var errs compileErrors
	for _, set := range sets {
		for _, rc := range set.in {
			r, err := compileTCPRule(rc, defs, table)
			if err != nil {
				errs.add("", rc.Pos, err)
				continue
			}
			*set.out = append(*set.out, r)
		}
	}
	return out, errs.err()
}

func compileTCPRule(rc *config.TCPRule, defs acl.Defs, table func(string) (*stick.Table, bool)) (*TCPRule, error) {
	var cond *acl.Cond
	if rc.Cond != nil {
		var err error
		if cond, err = acl.Compile(rc.Cond.Words, rc.Cond.Unless, defs); err != nil {
			return nil, err
		}
	}
	r := &TCPRule{Cfg: rc, Cond: cond}
	var err error
	if rc.Action == config.TCPSetVar {
		if r.Key, err = acl.CompileExpr(rc.Key); err != nil {
			return nil, err
		}
	}
	if rc.Action == config.TCPTrackSC {
		if r.Key, err = acl.CompileExpr(rc.Key); err != nil {
			return nil, err
		}
		t, ok := table(rc.Table)
		if !ok {
			return nil, fmt.Errorf("track-sc%d: no stick table %q", rc.Slot, rc.Table)
		}
		r.Table = t
	}
	return r, nil
}

// RunTCP evaluates rules from index from on. With final false, a
// condition that needs more data stops the run with TCPWait and the index
// to resume at; with final true conditions decide with what they have.
// Connection and session rules always run with final true.
func RunTCP(rules []*TCPRule, from int, s TCPSample, final bool) (TCPVerdict, int) {
	for i := from; i < len(rules); i++ {
		r := rules[i]
		if r.Cond != nil {
			switch r.Cond.MatchMiss(s) {
			case acl.Fail:
				continue
			case acl.Miss:
				if !final {
					return TCPWait, i
				}
				continue
			}
		}
		if v := runTCPAction(r, s); v != TCPContinue {
			return v, i + 1
		}
	}
	return TCPContinue, len(rules)
}

// runTCPAction runs one rule whose condition held.
func runTCPAction(r *TCPRule, s TCPSample) TCPVerdict {
	switch r.Cfg.Action {
	case config.TCPAccept:
		return TCPAccept
	case config.TCPReject:
		return TCPReject
	case config.TCPClose:
		return TCPClose
	case config.TCPSilentDrop:
		return TCPSilentDrop
	case config.TCPTrackSC:
		trackSC(r, s)
	case config.TCPExpectProxy:
		// The header is read once the connection rules are done.
		if x, ok := s.(interface{ expectPROXY() }); ok {
			x.expectPROXY()
		}
	case config.TCPIncGPC0:
		if e := s.Tracked(r.Cfg.Slot); e != nil {
			e.IncGPC0()
		}
	case config.TCPSetVar:
		// As in HAProxy, an expression without a value leaves the
		// variable as it was.
		if v, _, ok := r.Key.Eval(s, nil); ok {
			s.Vars().Set(r.Cfg.Var, v)
		}
	case config.TCPUnsetVar:
		s.Vars().Unset(r.Cfg.Var)
	}
	return TCPContinue
}

// trackSC tracks the rule's key in its table, unless the slot is already
// tracked (HAProxy keeps the first tracking of a counter). A key the
// sample cannot give is not tracked.
func trackSC(r *TCPRule, s TCPSample) {
	if s.Tracked(r.Cfg.Slot) != nil {
		return
	}
	v, _, ok := r.Key.Eval(s, nil)
	if !ok {
		return
	}
	key, ok := stickKey(v)
	if !ok {
		return
	}
	e := r.Table.Track(key)
	if e == nil {
		return
	}
	e.Record(stick.EventConn, 1)
	e.Inc(stick.ConnCur, 1)
	if !s.Track(r.Cfg.Slot, e) {
		e.Dec(stick.ConnCur)
		e.Release()
	}
}

// stickKey converts a sample value to a stick-table key.
func stickKey(v acl.Value) (stick.Key, bool) {
	switch v.Type {
	case acl.TypeIP:
		return stick.IPKey(v.IP), true
	case acl.TypeInt, acl.TypeBool:
		return stick.IntKey(v.Int), true
	case acl.TypeStr:
		return stick.StringKey(string(v.Bytes)), true
	case acl.TypeBin:
		return stick.BinaryKey(v.Bytes), true
	}
	return stick.Key{}, false
}

// Tracked returns the stick counter tracked in slot, or nil.
func (s *Session) Tracked(slot int) *stick.Entry {
	if slot < 0 || slot >= len(s.sc) {
		return nil
	}
	return s.sc[slot]
}

// Track starts tracking e in slot for the rest of the session. It reports
// false when the slot is taken.
func (s *Session) Track(slot int, e *stick.Entry) bool {
	if slot < 0 || slot >= len(s.sc) || s.sc[slot] != nil {
		return false
	}
	s.sc[slot] = e
	return true
}

// Vars returns the variables set by the session's tcp rules.
func (s *Session) Vars() *rules.Vars { return &s.vars }

// CountBytes adds a finished session's traffic to its tracked counters.
func (s *Session) CountBytes(in, out int64) {
	for _, e := range s.sc {
		if e != nil {
			e.Record(stick.EventBytesIn, uint64(in))
			e.Record(stick.EventBytesOut, uint64(out))
		}
	}
}

// releaseTracked ends the session's stick counters: conn_cur drops and
// the entries may expire again.
func (s *Session) releaseTracked() {
	for i, e := range s.sc {
		if e != nil {
			e.Dec(stick.ConnCur)
			e.Release()
			s.sc[i] = nil
		}
	}
}

// sessSample exposes a session to tcp-request connection and session
// rules: addresses and stick counters, no payload yet.
type sessSample struct{ s *Session }

var _ TCPSample = sessSample{}

func (m sessSample) Src() netip.AddrPort                 { return m.s.Src }
func (m sessSample) Dst() netip.AddrPort                 { return m.s.Dst }
func (sessSample) HTTP() bool                            { return false }
func (sessSample) Method() []byte                        { return nil }
func (sessSample) URI() []byte                           { return nil }
func (sessSample) Path() []byte                          { return nil }
func (sessSample) Query() []byte                         { return nil }
func (sessSample) Version() []byte                       { return nil }
func (sessSample) Headers(func(name, value []byte) bool) {}
func (m sessSample) Tracked(slot int) *stick.Entry       { return m.s.Tracked(slot) }
func (m sessSample) Track(slot int, e *stick.Entry) bool { return m.s.Track(slot, e) }
func (m sessSample) expectPROXY()                        { m.s.expectProxy = true }
func (m sessSample) Vars() *rules.Vars                   { return &m.s.vars }
func (m sessSample) TLSState() *tls.ConnectionState      { return m.s.TLS }
func (m sessSample) TLSCert() *x509.Certificate          { return m.s.ServedCert() }
func (m sessSample) TLSVerify() (int, int, int, int)     { return m.s.VerifyResult() }
func (m sessSample) Var(name string) (acl.Value, bool)   { return m.s.vars.Get(name) }
func (m sessSample) SocketID() int                       { return m.s.SocketID() }
func (m sessSample) SocketName() string                  { return m.s.SocketName() }

// errDropped is returned by startSession for connections the rules closed.
var errDropped = errors.New("connection dropped by tcp-request rules")

// startSession runs what HAProxy does between accept and the stream: the
// tcp-request connection rules, the PROXY header (accept-proxy or
// expect-proxy layer4), then the tcp-request session rules, and counts
// the session on the tracked counters. It returns an error when the
// connection must be closed. On a bind with "ssl" the TLS handshake runs
// after the PROXY header and before the session rules, as in HAProxy,
// and the connection returned is the *tls.Conn.
func (e *Engine) startSession(c net.Conn, s *Session) (net.Conn, error) {
	fe := s.Frontend
	smp := sessSample{s}
	s.expectProxy = s.Gen.proxyKeys[s.Key]
	s.H2 = s.Gen.h2Keys[s.Key]
	if v, _ := RunTCP(fe.TCP.Connection, 0, smp, true); v == TCPReject || v == TCPSilentDrop {
		fe.Counters.DeniedConn.Add(1)
		if s.Listener != nil {
			s.Listener.DeniedConn.Add(1)
		}
		return nil, drop(c, v)
	}
	if s.expectProxy {
		if err := readProxy(c, s, fe.Cfg.Timeouts.Client); err != nil {
			return nil, err
		}
	}
	if tb := s.Gen.tlsBinds[s.Key]; tb != nil {
		tc, err := handshake(c, s, tb, fe.Cfg.Timeouts.Client)
		if err != nil {
			s.connErr, s.tlsErr = classifyHandshake(err), errors.Unwrap(err).Error()
			e.logConnError(s)
			return nil, err
		}
		e.ssl.handshake(s.TLS.DidResume)
		c = tc
	}
	if v, _ := RunTCP(fe.TCP.Session, 0, smp, true); v == TCPReject || v == TCPSilentDrop {
		fe.Counters.DeniedSess.Add(1)
		if s.Listener != nil {
			s.Listener.DeniedSess.Add(1)
		}
		return nil, drop(c, v)
	}
	for _, ent := range s.sc {
		if ent != nil {
			ent.Record(stick.EventSess, 1)
		}
	}
	return c, nil
}

// drop closes a connection the rules refused. silent-drop resets it
// without a FIN so the client learns nothing (HAProxy also lowers the
// TTL; hawser only sets linger 0).
func drop(c net.Conn, v TCPVerdict) error {
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	return errDropped
}

// readProxy reads the PROXY header and replaces the session's addresses
// with the ones it carries, under the client timeout.
func readProxy(c net.Conn, s *Session, timeout time.Duration) error {
	if timeout > 0 {
		c.SetReadDeadline(time.Now().Add(timeout))
		defer c.SetReadDeadline(time.Time{})
	}
	h, err := proxyproto.Read(c)
	if err != nil {
		return fmt.Errorf("PROXY header: %w", err)
	}
	s.ProxyRcvd, s.ProxyTLVs = true, h.TLVs
	if !h.Local {
		s.Src = netip.AddrPortFrom(h.Src.Addr().Unmap(), h.Src.Port())
		s.Dst = netip.AddrPortFrom(h.Dst.Addr().Unmap(), h.Dst.Port())
	}
	return nil
}

// compileTCPProxy compiles the tcp rules of a frontend or backend. In mode
// http the connection and session rules run before the HTTP layer and the
// content rules on each request (l7); tcp-response content rules there are
// refused rather than ignored.
func compileTCPProxy(p *config.Proxy, table func(string) (*stick.Table, bool)) (TCPRules, error) {
	if p.Mode == config.ModeHTTP && len(p.TCP.ResponseContent) > 0 {
		r := p.TCP.ResponseContent[0]
		return TCPRules{}, at(r.Pos, errors.New("tcp-response content rules in mode http are not supported by hawser yet"))
	}
	own, err := compileTCP(p, aclDefs(p), table)
	d := p.DefaultsRules
	if err != nil || d == nil {
		return own, err
	}
	// The defaults section's rules run first, with its own ACLs.
	def, err := compileTCP(&config.Proxy{TCP: d.TCP}, aclDefs(&config.Proxy{ACLs: d.ACLs}), table)
	if err != nil {
		return TCPRules{}, err
	}
	own.Connection = append(def.Connection, own.Connection...)
	own.Session = append(def.Session, own.Session...)
	own.Content = append(def.Content, own.Content...)
	own.ResponseContent = append(def.ResponseContent, own.ResponseContent...)
	return own, nil
}
