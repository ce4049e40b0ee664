package l4

import (
	"net"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/engine"
)

// resSample is what tcp-response content rules see: the connection's
// fetches and stick counters, plus the server's first bytes.
type resSample struct {
	*sample
	res inspectBuf
}

var _ acl.ResContent = (*resSample)(nil)

// ResPayload implements acl.ResContent.
func (m *resSample) ResPayload() ([]byte, bool) { return m.res.buf, m.res.final }

// inspectResponse runs a backend's tcp-response content rules (HAProxy's
// tcp_inspect_response) on the server's first data: it reads what the
// server sends first, then evaluates the rules; a rule whose condition
// needs more data waits for it until the tcp-response inspect-delay
// expires, the buffer fills or the server closes. Without an inspect-delay
// the rules decide on the first data. idle bounds the wait for that first
// data when there is no delay (the server timeout; 0 waits forever).
func inspectResponse(sc net.Conn, rules engine.TCPRules, rs *resSample, idle time.Duration) engine.TCPVerdict {
	size := rs.bufSize()
	var deadline time.Time
	switch {
	case rules.ResponseInspectDelay > 0:
		deadline = time.Now().Add(rules.ResponseInspectDelay)
	case idle > 0:
		deadline = time.Now().Add(idle)
	}
	rs.res.read(sc, deadline, size)
	if rules.ResponseInspectDelay <= 0 {
		rs.res.final = true
	}
	defer sc.SetReadDeadline(time.Time{})
	i := 0
	for {
		var v engine.TCPVerdict
		v, i = engine.RunTCP(rules.ResponseContent, i, rs, rs.res.final)
		if v != engine.TCPWait {
			return v
		}
		rs.res.read(sc, deadline, size)
	}
}

// serveResponse inspects the server's first data when the backend has
// tcp-response content rules, then forwards what was buffered to the
// client. It reports the bytes sent to the client, the rules' verdict, a
// termination flag ('-' or 'C' when the client could not be written to)
// and whether the relay from the server must go on. On reject or
// silent-drop both connections are closed; on close only the server's,
// the client getting what the server sent, then the end of the stream.
func serveResponse(c, sc net.Conn, rules engine.TCPRules, rs *resSample, idle time.Duration) (n int64, v engine.TCPVerdict, end byte, more bool) {
	if len(rules.ResponseContent) == 0 {
		return 0, engine.TCPContinue, '-', true
	}
	v = inspectResponse(sc, rules, rs, idle)
	switch v {
	case engine.TCPReject, engine.TCPSilentDrop:
		if tc, ok := c.(*net.TCPConn); ok && v == engine.TCPSilentDrop {
			tc.SetLinger(0)
		}
		sc.Close()
		c.Close()
		return 0, v, '-', false
	}
	w, err := c.Write(rs.res.buf)
	if err != nil {
		sc.Close()
		return int64(w), v, 'C', false
	}
	if v == engine.TCPClose || rs.res.eof {
		// Nothing more comes from the server: end the client's stream.
		sc.Close()
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			cw.CloseWrite()
		}
		return int64(w), v, '-', false
	}
	return int64(w), v, '-', true
}
