// Package l4 serves "mode tcp" frontends: each client connection is
// relayed, byte for byte, to one server of the chosen backend.
package l4

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/peerclose"
	"github.com/hawser-lb/hawser/internal/server"
)

// Handler serves mode tcp connections. It implements engine.Handler.
type Handler struct{ pid int }

var _ engine.Handler = (*Handler)(nil)

// NewHandler returns a handler.
func NewHandler() *Handler { return &Handler{pid: os.Getpid()} }

// ServeConn relays one client connection.
func (h *Handler) ServeConn(c net.Conn, s *engine.Session) {
	defer c.Close()
	fe := s.Frontend
	e := logging.Entry{Status: -1, Tw: -1, Tc: -1, Tr: -1, TermState: [2]byte{'-', '-'}, CookieState: [2]byte{'-', '-'}}
	logged := false // option logasap logged the session once connected
	defer func() {
		if !logged {
			h.log(s, &e)
		}
	}()
	st := tally{li: s.Listener}
	defer st.done(fe, &e, s.Accept)
	smp := &sample{s: s}
	if !h.inspect(c, fe.TCP, smp, &e) {
		return
	}
	be := fe.Route(smp)
	if be == nil {
		e.TermState = [2]byte{'I', 'R'}
		return
	}
	e.Backend = be.Cfg.Name
	st.backend(be)
	if !h.inspect(c, be.TCP, smp, &e) {
		return
	}
	// option abortonclose: a client that leaves while its connection
	// waits for a server slot or for the server connection ends it (CQ,
	// CC), as in HAProxy; without it the wait goes on.
	ctx := context.Background()
	var watch *peerclose.Watch
	if be.Cfg.AbortOnClose {
		if watch = peerclose.Start(c); watch != nil {
			ctx = watch.Context()
			defer watch.Stop()
		}
	}
	qStart := time.Now()
	srv, err := acquire(ctx, be, smp)
	e.Tw = time.Since(qStart)
	if ctx.Err() != nil {
		if err == nil {
			be.Pool.Release(srv)
		}
		e.TermState = [2]byte{'C', 'Q'}
		return
	}
	if err != nil {
		e.TermState = [2]byte{'s', 'Q'}
		if !errors.Is(err, balance.ErrQueueTimeout) {
			e.TermState = [2]byte{'S', 'C'}
		}
		return
	}
	defer func() { be.Pool.Release(srv) }()
	st.server(srv)
	cStart := time.Now()
	var sc net.Conn
	maxRetries := be.Cfg.Retries
	if be.Cfg.RetryOn.Effective()&config.RetryConnFailure == 0 {
		maxRetries = 0
	}
	for {
		sc, err = dialServer(ctx, srv, smp, connectTimeout(be))
		if ctx.Err() != nil {
			break
		}
		if srv.Observe {
			// "observe layer4": live connection failures count towards
			// the server's health.
			if err != nil {
				srv.State.ReportError(server.Layer4)
			} else {
				srv.State.ReportSuccess()
			}
		}
		if err == nil || e.Retries >= maxRetries {
			break
		}
		e.Retries++
		prev := srv
		if redispatchNow(be, srv, e.Retries, maxRetries) {
			if other, err := be.Pool.AcquireExcept(context.Background(), smp, srv); err == nil {
				be.Pool.Release(srv)
				srv = other
				st.srv = srv
			}
		}
		if srv != prev {
			e.Redispatched = true
		}
		countRetry(be, prev, srv != prev)
		if !isTimeout(err) && (srv == prev || be.Pool.ActiveUsable() <= 1) {
			// HAProxy's turn-around: min("timeout connect", 1s) before
			// connecting again to a server that refused.
			time.Sleep(min(connectTimeout(be), time.Second))
		}
	}
	e.Server = srv.Name
	if ctx.Err() != nil {
		if err == nil {
			sc.Close()
		}
		e.TermState = [2]byte{'C', 'C'}
		return
	}
	e.Tc = time.Since(cStart)
	if err != nil {
		// HAProxy's "sC" is "timeout connect" expiring, "SC" a refusal.
		e.TermState = [2]byte{'S', 'C'}
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			e.TermState[0] = 's'
		}
		return
	}
	if p := be.Persist; p != nil && p.HasSticks() {
		// Stick store-request rules record the server the connection
		// finally reached (after any redispatch).
		p.StoreRequest(smp, srv)
	}
	defer sc.Close()
	if srv.TrackSessions {
		// on-marked-down shutdown-sessions: the health checker may abort
		// this session when the server goes down.
		untrack := srv.State.TrackSession(func() { c.Close(); sc.Close() })
		defer untrack()
	}
	if watch != nil {
		// Stop before anyone reads the client again.
		watch.Stop()
	}
	c.SetReadDeadline(time.Time{})
	if fe.Cfg.LogASAP {
		// HAProxy logs a TCP session with logasap once the server
		// connection is up, its totals marked as partial ('+').
		e.Partial = true
		h.log(s, &e)
		logged = true
	}
	if len(smp.buf) > 0 {
		// The bytes the content rules looked at go first, untouched.
		if _, err := sc.Write(smp.buf); err != nil {
			e.TermState = [2]byte{'S', 'D'}
			return
		}
	}
	clientTmo := fe.Cfg.Timeouts.Client
	serverTmo := be.Cfg.Timeouts.Server
	var wg sync.WaitGroup
	var down int64
	var downEnd, upEnd byte
	var resV engine.TCPVerdict
	wg.Add(1)
	go func() {
		defer wg.Done()
		// The tcp-response content rules see the server's first data
		// while the client's keep flowing to the server.
		rs := &resSample{sample: smp}
		n, v, end, more := serveResponse(c, sc, be.TCP, rs, serverTmo)
		resV, downEnd = v, end
		if more {
			down, downEnd = relay(c, sc, serverTmo, 'S', 's')
		}
		down += n
	}()
	var up int64
	up, upEnd = relay(sc, c, clientTmo, 'C', 'c')
	wg.Wait()
	up += int64(len(smp.buf))
	e.BytesIn, e.BytesOut = up, down
	s.CountBytes(up, down)
	switch {
	case resV == engine.TCPReject || resV == engine.TCPSilentDrop:
		// Refused by the tcp-response content rules.
		e.TermState = [2]byte{'P', 'D'}
	case upEnd != '-':
		e.TermState = [2]byte{upEnd, 'D'}
	case downEnd != '-':
		e.TermState = [2]byte{downEnd, 'D'}
	}
}

// dial connects to a server. An IP:port address, the usual case, skips
// the resolver, which costs a dozen allocations per connection even for a
// literal address.
func dial(ctx context.Context, addr string, timeout time.Duration) (net.Conn, error) {
	d := net.Dialer{Timeout: timeout}
	if ap, err := netip.ParseAddrPort(addr); err == nil {
		c, err := d.DialTCP(ctx, "tcp", netip.AddrPort{}, ap)
		if err != nil {
			// A nil *TCPConn must not become a non-nil net.Conn.
			return nil, err
		}
		return c, nil
	}
	return d.DialContext(ctx, "tcp", addr)
}

// dialServer connects to srv, with TLS for a server with "ssl" (the
// handshake is bounded by timeout connect too).
func dialServer(ctx context.Context, srv *balance.Server, smp *sample, timeout time.Duration) (net.Conn, error) {
	addr, _ := srv.Target()
	target := addr
	if srv.Socks4 != "" {
		addr = srv.Socks4
	}
	var c net.Conn
	var err error
	if srv.Source != nil {
		c, err = balance.DialFrom(srv.Source, smp.s.Src, addr, timeout)
	} else {
		c, err = dial(ctx, addr, timeout)
	}
	if err == nil && srv.Socks4 != "" {
		if err = balance.Socks4Connect(c, target, timeout); err != nil {
			c.Close()
			c = nil
		}
	}
	if err == nil && srv.SendProxy.Version != 0 {
		err = writeProxy(c, srv, smp.s)
	}
	if err != nil || srv.TLS == nil {
		return c, err
	}
	var sni string
	if srv.SNI != nil {
		if b, ok := srv.SNI.AppendString(nil, smp); ok {
			sni = string(b)
		}
	}
	tc := srv.TLS.Conn(c, sni)
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with server: %w", err)
	}
	st := tc.ConnectionState()
	smp.bc = &st
	return tc, nil
}

// writeProxy sends the PROXY header of "send-proxy" with the session's
// addresses, bounded like the rest of the connect by its deadline.
func writeProxy(c net.Conn, srv *balance.Server, s *engine.Session) error {
	if _, err := c.Write(srv.SendProxy.Append(nil, s.Src, s.Dst, s.TLS)); err != nil {
		c.Close()
		return fmt.Errorf("PROXY header to server: %w", err)
	}
	return nil
}

// acquire takes a slot on the server persistence names (use-server, then
// stick match rules; cookies need HTTP) or, failing that, on the one load
// balancing picks, as HAProxy orders them in mode tcp.
func acquire(ctx context.Context, be *engine.Backend, smp acl.Sample) (*balance.Server, error) {
	p := be.Persist
	if p == nil {
		return be.Pool.Acquire(ctx, smp)
	}
	force, _ := p.Flags(smp)
	sv := p.UseServer(smp, force)
	if sv == nil && p.HasSticks() {
		sv = p.StickMatch(smp, force)
	}
	if sv == nil {
		return be.Pool.Acquire(ctx, smp)
	}
	return be.Pool.AcquireServer(ctx, sv)
}

// countRetry counts one retry away from srv: wredis of the backend and
// of srv when it moved to another server, wretr otherwise (HAProxy counts
// each connection retry as one or the other, on the server that failed).
func countRetry(be *engine.Backend, srv *balance.Server, moved bool) {
	if moved {
		be.Counters.Redisp.Add(1)
		srv.State.Counters.Redisp.Add(1)
		return
	}
	be.Counters.Retries.Add(1)
	srv.State.Counters.Retries.Add(1)
}

// redispatchNow reports whether retry n of max moves to another server,
// as HAProxy decides with option redispatch: the server is down, the
// redispatch interval says so, or the server was a free choice among
// several (no persistence, no hashing).
func redispatchNow(be *engine.Backend, srv *balance.Server, n, max int) bool {
	if !be.Cfg.Redispatch {
		return false
	}
	if !srv.State.Usable() || be.Cfg.RedispatchOn(n, max) {
		return true
	}
	return be.Persist == nil && !be.Pool.Deterministic() && be.Pool.ActiveUsable() > 1
}

func connectTimeout(be *engine.Backend) time.Duration {
	if d := be.Cfg.Timeouts.Connect; d > 0 {
		return d
	}
	return 5 * time.Second
}

// relay copies src to dst until src ends or stays silent for idle, then
// half-closes dst. It reports the bytes copied and a termination flag:
// '-' for a clean end, abort on a read error, tmo on a timeout.
func relay(dst, src net.Conn, idle time.Duration, abort, tmo byte) (int64, byte) {
	var n int64
	var err error
	if idle <= 0 {
		n, err = copyConn(dst, src)
	} else {
		n, err = copyIdle(dst, src, idle)
	}
	end := byte('-')
	switch {
	case err == nil:
	case isTimeout(err):
		// Idle for too long: end both directions.
		end = tmo
		src.Close()
		dst.Close()
	default:
		end = abort
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	} else {
		dst.Close()
	}
	return n, end
}

// idleSlices is how many times per timeout period copyIdle looks for
// activity.
const idleSlices = 4

// copyIdle is copyConn ending with a timeout error once src has been
// silent for idle (HAProxy's timeouts are inactivity timeouts). Moving the
// read deadline before every read would keep the copy from using splice(2)
// and cost a timer update per read; instead the copy runs under a deadline
// a slice of idle ahead, and each expiry checks whether bytes moved during
// the slice. The timeout therefore fires between idle and idle plus one
// slice after the last byte.
func copyIdle(dst, src net.Conn, idle time.Duration) (int64, error) {
	slice := idle / idleSlices
	var total int64
	last := time.Now() // end of the last slice in which bytes moved
	for {
		now := time.Now()
		d := last.Add(idle)
		if s := now.Add(slice); s.Before(d) {
			d = s
		}
		src.SetReadDeadline(d)
		n, err := copyConn(dst, src)
		total += n
		if err == nil || !isTimeout(err) {
			return total, err
		}
		now = time.Now()
		if n > 0 {
			last = now
		}
		if now.Sub(last) >= idle {
			return total, err
		}
	}
}

// isTimeout reports whether err is a deadline expiry.
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isEOF(err error) bool { return errors.Is(err, io.EOF) }

// copyConn copies src to dst until src ends; between two TCP sockets the
// kernel moves the bytes with splice(2). A clean end of src is no error.
func copyConn(dst, src net.Conn) (int64, error) {
	if tc, ok := dst.(*net.TCPConn); ok {
		return tc.ReadFrom(src)
	}
	buf := make([]byte, 16<<10)
	var n int64
	for {
		r, err := src.Read(buf)
		if r > 0 {
			w, werr := dst.Write(buf[:r])
			n += int64(w)
			if werr != nil {
				return n, werr
			}
		}
		if err != nil {
			if isEOF(err) {
				return n, nil
			}
			return n, err
		}
	}
}

var logBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

func (h *Handler) log(s *engine.Session, e *logging.Entry) {
	fe := s.Frontend
	if fe.Log == nil {
		return
	}
	if fe.Cfg.DontLogNull && e.BytesIn == 0 || fe.Cfg.DontLogNormal && !e.IsError() {
		return
	}
	now := time.Now()
	e.ClientAddr, e.FrontendAddr = s.Src, s.Dst
	e.Accept, e.ReqStart = s.Accept, s.Accept
	e.Frontend = fe.Cfg.Name
	e.SetTLS(s.TLS)
	if e.Backend == "" {
		e.Backend = fe.Cfg.Name
	}
	if e.Server == "" {
		e.Server = logging.NoServer
	}
	e.Tt = now.Sub(s.Accept)
	e.Ta = e.Tt
	e.ActConn = int(s.Gen.Engine.CurConns())
	e.FeConn = int(fe.CurConn.Load())
	e.PID = h.pid
	e.LogCounter = logging.NextLogCounter()
	bp := logBufs.Get().(*[]byte)
	*bp = fe.LogFormat.Append((*bp)[:0], e)
	fe.Log.Log(e.Level(fe.Cfg.LogSeparateErrors), *bp)
	logBufs.Put(bp)
}
