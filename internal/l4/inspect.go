package l4

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/netip"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/clienthello"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/stick"
)

// defaultBufSize is tune.bufsize's default: the most the content rules
// buffer before deciding with what they have.
const defaultBufSize = 16384

// inspect runs a proxy's tcp-request content rules (HAProxy's
// tcp_inspect_request): the rules are evaluated on the bytes received so
// far; a rule whose condition needs more data waits for them, until the
// inspect-delay expires, the buffer fills or the client closes, and then
// the rules decide with what they have. It reports false when the
// connection must end (reject, silent-drop), with the log state set.
func (h *Handler) inspect(c net.Conn, rules engine.TCPRules, smp *sample, e *logging.Entry) bool {
	if len(rules.Content) == 0 {
		return true
	}
	smp.final = rules.InspectDelay <= 0 || smp.eof || len(smp.buf) >= smp.bufSize()
	deadline := time.Now().Add(rules.InspectDelay)
	i := 0
	for {
		var v engine.TCPVerdict
		v, i = engine.RunTCP(rules.Content, i, smp, smp.final)
		switch v {
		case engine.TCPReject, engine.TCPSilentDrop:
			if tc, ok := c.(*net.TCPConn); ok && v == engine.TCPSilentDrop {
				tc.SetLinger(0)
			}
			e.TermState = [2]byte{'P', 'R'}
			smp.final = true
			return false
		case engine.TCPWait:
			smp.readMore(c, deadline)
			continue
		}
		// Later fetches (use_backend, logs) see the buffer as it is.
		smp.final = true
		return true
	}
}

// sample exposes a TCP connection to ACLs and tcp rules: addresses, the
// bytes buffered by the content rules and the session's stick counters.
type sample struct {
	s *engine.Session
	// inspectBuf holds the client bytes read for inspection, forwarded
	// to the server before the relay starts.
	inspectBuf
	// hello caches the ClientHello parse for helloLen bytes.
	hello    *clienthello.Hello
	helloErr error
	helloLen int
	// bc is the TLS state of the server connection (ssl_bc*).
	bc *tls.ConnectionState
}

var (
	_ acl.TLSSample   = (*sample)(nil)
	_ acl.ProxySample = (*sample)(nil)
	_ acl.BackendTLS  = (*sample)(nil)
	_ acl.TLSVerifier = (*sample)(nil)
)

// ProxyHeader serves the fc_rcvd_proxy and fc_pp_* fetches.
func (m *sample) ProxyHeader() ([]byte, bool) { return m.s.ProxyTLVs, m.s.ProxyRcvd }

// TLSState serves the ssl_fc* and ssl_c_* fetches.
func (m *sample) TLSState() *tls.ConnectionState { return m.s.TLS }

// TLSCert serves the ssl_f_* fetches.
func (m *sample) TLSCert() *x509.Certificate { return m.s.ServedCert() }

// TLSVerify serves ssl_c_verify and the ssl_c_*err fetches.
func (m *sample) TLSVerify() (int, int, int, int) { return m.s.VerifyResult() }

// BackendTLSState serves the ssl_bc* fetches.
func (m *sample) BackendTLSState() *tls.ConnectionState { return m.bc }

var (
	_ acl.Content      = (*sample)(nil)
	_ engine.TCPSample = (*sample)(nil)
	_ acl.BackendState = (*sample)(nil)
	_ acl.Listener     = (*sample)(nil)
)

// SocketID and SocketName serve so_id and so_name.
func (m *sample) SocketID() int      { return m.s.SocketID() }
func (m *sample) SocketName() string { return m.s.SocketName() }

func (m *sample) bufSize() int {
	if n := m.s.Gen.Snap.Global.BufSize; n > 0 {
		return n
	}
	return defaultBufSize
}

// readMore reads what the client sends next, until deadline.
func (m *sample) readMore(c net.Conn, deadline time.Time) {
	m.read(c, deadline, m.bufSize())
}

// inspectBuf is the data one direction buffered for content rules.
type inspectBuf struct {
	buf []byte
	// final is set once no more bytes will be waited for.
	final bool
	eof   bool
}

// read reads what c sends next, until deadline. A timeout, the end of the
// peer's data or a full buffer (size bytes) makes the buffer final.
func (m *inspectBuf) read(c net.Conn, deadline time.Time, size int) {
	if m.buf == nil {
		m.buf = make([]byte, 0, min(4096, size))
	}
	if len(m.buf) == cap(m.buf) {
		nb := make([]byte, len(m.buf), min(2*cap(m.buf), size))
		copy(nb, m.buf)
		m.buf = nb
	}
	c.SetReadDeadline(deadline)
	n, err := c.Read(m.buf[len(m.buf):cap(m.buf)])
	m.buf = m.buf[:len(m.buf)+n]
	switch {
	case err == nil:
	case isTimeout(err):
		m.final = true
	default:
		// EOF or an error: nothing more will come.
		m.eof, m.final = true, true
	}
	if len(m.buf) >= size {
		m.final = true
	}
}

// Payload implements acl.Content.
func (m *sample) Payload() ([]byte, bool) { return m.buf, m.final }

// Hello implements acl.Content, parsing the ClientHello once per buffer
// length.
func (m *sample) Hello() (*clienthello.Hello, error) {
	if m.helloLen != len(m.buf) || (m.hello == nil && m.helloErr == nil) {
		m.hello, m.helloErr = clienthello.Parse(m.buf)
		m.helloLen = len(m.buf)
	}
	if errors.Is(m.helloErr, clienthello.ErrIncomplete) && m.final {
		return nil, clienthello.ErrNotHello
	}
	return m.hello, m.helloErr
}

// NbSrv implements acl.BackendState for nbsrv(<backend>).
func (m *sample) NbSrv(name string) (int, bool) {
	b := m.s.Gen.Backends[name]
	if b == nil {
		return 0, false
	}
	n := 0
	for _, sv := range b.Pool.Servers() {
		if sv.State.Usable() {
			n++
		}
	}
	return n, true
}

func (m *sample) Src() netip.AddrPort                 { return m.s.Src }
func (m *sample) Dst() netip.AddrPort                 { return m.s.Dst }
func (*sample) HTTP() bool                            { return false }
func (*sample) Method() []byte                        { return nil }
func (*sample) URI() []byte                           { return nil }
func (*sample) Path() []byte                          { return nil }
func (*sample) Query() []byte                         { return nil }
func (*sample) Version() []byte                       { return nil }
func (*sample) Headers(func(name, value []byte) bool) {}
func (m *sample) Tracked(slot int) *stick.Entry       { return m.s.Tracked(slot) }
func (m *sample) Track(slot int, e *stick.Entry) bool { return m.s.Track(slot, e) }
func (m *sample) Vars() *rules.Vars                   { return m.s.Vars() }

// Var implements acl.VarReader: var() sees what tcp rules set.
func (m *sample) Var(name string) (acl.Value, bool) { return m.s.Vars().Get(name) }
