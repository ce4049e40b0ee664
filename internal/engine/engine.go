// Package engine turns a config.Snapshot into a running generation and
// swaps generations live.
//
// The order is fixed (DESIGN.md): compile the new generation, open any new
// listening sockets, publish it with one atomic pointer store, start its
// health checks, and only then stop the old generation's checks and close
// the sockets nothing binds any more. Connections keep the generation they
// were accepted under until they end, so a reload never changes the rules
// under a request in flight.
package engine

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/freq"
	"github.com/hawser-lb/hawser/internal/listener"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/maps"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
	"github.com/hawser-lb/hawser/internal/stick"
	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// Handler serves connections accepted on a frontend's sockets: package l7
// for mode http, package l4 for mode tcp.
type Handler interface {
	ServeConn(c net.Conn, s *Session)
}

// Session is what a handler gets with an accepted connection.
type Session struct {
	Gen      *Generation
	Frontend *Frontend
	Accept   time.Time
	Src, Dst netip.AddrPort
	// ID is a process-wide connection number, for logs.
	ID   uint64
	Conn net.Conn
	// Key identifies the listening socket the connection came from.
	Key string
	// Listener are the counters of that socket when its frontend has
	// "option socket-stats", nil otherwise.
	Listener *stats.Counters
	// sc are the stick counters tracked by tcp-request rules (track-sc0..2),
	// released when the session ends; owned by the session's goroutine.
	sc [3]*stick.Entry
	// expectProxy is set when a PROXY header must be read (accept-proxy,
	// expect-proxy layer4).
	expectProxy bool
	// ProxyRcvd is set once a PROXY header was read; ProxyTLVs are its
	// raw v2 extensions (fc_pp_* fetches).
	ProxyRcvd bool
	ProxyTLVs []byte
	// vars are the variables set by tcp rules; in mode tcp a connection
	// is one stream, so every scope lives as long as the connection.
	// Owned by the session's goroutine.
	vars rules.Vars
	// Idle is set by the handler while it waits for the next request on a
	// keep-alive connection.
	Idle atomic.Bool
	// woken is set when the engine moves the read deadline to now to make
	// the handler close (see Woken).
	woken atomic.Bool
	// H2 is set when the bind has "proto h2": the connection speaks
	// HTTP/2 from its first byte (h2c with prior knowledge).
	H2 bool
	// TLS is the client connection's TLS state after the handshake, nil
	// on a cleartext bind; TLSCert is the certificate hawser served. Conn
	// stays the socket: the handler gets the *tls.Conn.
	TLS     *tls.ConnectionState
	TLSCert *tlsconf.Cert
	// TLSVerify is the client certificate verification outcome, non-zero
	// only for errors ca-ignore-err / crt-ignore-err let through.
	TLSVerify tlsconf.Verify
	// connErr and tlsErr record why the TLS handshake failed (fc_err,
	// ssl_fc_err_str).
	connErr int
	tlsErr  string
	// opened is set once the session counted as opened in the frontend's
	// statistics.
	opened bool
	// detached is set by Detach. Atomic: once parked, the session may be
	// resumed (and parked again) by another goroutine while the one that
	// detached it is still returning.
	detached atomic.Bool
}

// Parker is implemented by a handler that can hold idle connections
// without a goroutine (l7 parks keep-alive connections in an epoll set).
// The engine calls Unpark after waking or closing a session, so that a
// parked connection notices (Woken, or its socket closed) and ends.
type Parker interface {
	Unpark(s *Session)
}

// Detach tells the engine that the handler keeps serving the session after
// ServeConn returns (its connection was parked); the handler then calls End
// when the connection closes. Only the goroutine serving s may call it.
func (s *Session) Detach() { s.detached.Store(true) }

// End releases what the engine holds for a detached session, as it does
// itself when ServeConn returns without Detach.
func (s *Session) End() {
	s.Gen.Engine.endSession(s)
}

// ServedCert returns the certificate served to the client (ssl_f_*), nil
// on a cleartext connection.
func (s *Session) ServedCert() *x509.Certificate {
	if s.TLSCert == nil {
		return nil
	}
	return s.TLSCert.Leaf()
}

// VerifyResult serves ssl_c_verify, ssl_c_err, ssl_c_ca_err and
// ssl_c_ca_err_depth (acl.TLSVerifier).
func (s *Session) VerifyResult() (result, crtErr, caErr, caErrDepth int) {
	v := &s.TLSVerify
	return v.Result, v.CrtErr, v.CAErr, v.CAErrDepth
}

// Stream returns a session for one stream of a multiplexed connection
// (HTTP/2), on the connection's current generation. It shares the
// connection's addresses, id and stick counters; counters the stream
// tracks itself are released by EndStream. The engine does not track it:
// the connection's session accounts for the connection.
//
// The stream starts with a copy of the connection's variables (those the
// tcp-request rules set) and shares the process-wide ones; as streams run
// in parallel, what one stream sets in "sess." is its own.
func (s *Session) Stream(c net.Conn) *Session {
	return &Session{Gen: s.Gen, Frontend: s.Frontend, Accept: s.Accept, Src: s.Src, Dst: s.Dst,
		ID: s.ID, Conn: c, Key: s.Key, Listener: s.Listener, sc: s.sc, H2: s.H2, TLS: s.TLS, TLSCert: s.TLSCert,
		vars: s.vars.Copy()}
}

// EndStream releases the stick counters a stream session tracked beyond
// those of its connection's session.
func (s *Session) EndStream(conn *Session) {
	for i, e := range s.sc {
		if e != nil && e != conn.sc[i] {
			e.Dec(stick.ConnCur)
			e.Release()
		}
		s.sc[i] = nil
	}
}

// Woken reports whether the engine has woken the connection's handler to
// make it close (soft stop, or a reload that drops its socket). A handler
// that arms read deadlines lazily, and so retries a timeout that fired
// before its own deadline, must not retry one that comes after this.
func (s *Session) Woken() bool { return s.woken.Load() }

// wake makes a read blocked on the connection fail with a timeout now. The
// flag is stored first so that a handler that sees the timeout also sees
// the flag.
func (s *Session) wake() {
	s.woken.Store(true)
	s.Conn.SetReadDeadline(time.Now())
}

// Options configure an Engine.
type Options struct {
	HTTP, TCP Handler
	Log       *slog.Logger
	// Notify receives health-check state changes in HAProxy's words.
	Notify func(msg string, up bool)
	// HoldAccept keeps accepted connections waiting until Serve: the
	// process opens its sockets with Apply, drops its privileges, then
	// serves.
	HoldAccept bool
}

// Engine owns the live state that outlives generations: server state,
// backend queues and listening sockets.
type Engine struct {
	opts      Options
	log       *slog.Logger
	registry  *server.Registry
	listeners *listener.Pool
	// stats keeps frontend and backend counters across reloads.
	stats   *stats.Registry
	started time.Time
	// cumConns counts every accepted connection (CumConns).
	cumConns atomic.Uint64
	// acceptRate is the process-wide rate of accepted connections, and
	// acceptRateMax its highest value (MaxConnRate, MaxSessRate).
	acceptRate    freq.Ctr
	acceptRateMax atomic.Uint32
	// ssl counts the TLS handshakes of client connections (stats_ssl.go).
	ssl sslStats
	// tables keeps stick-table contents across reloads, by proxy name.
	tables tablesOnce
	// keepMaps, set by ApplyRuntime for the length of one compile, is
	// the map registry the new generation reuses. Guarded by mu.
	keepMaps *maps.Registry

	active  atomic.Pointer[Generation]
	genID   atomic.Uint64
	connID  atomic.Uint64
	conns   sync.WaitGroup // every connection of every generation
	curConn atomic.Int64
	// limits are the process-wide limits set at run time
	// (runtime_limits.go).
	limits runtimeLimits
	// stopping is set by a soft stop: handlers finish the request in
	// flight and close.
	stopping atomic.Bool
	// stopped is closed with stopping set, for handlers of multiplexed
	// connections, which announce the stop (GOAWAY) without waiting for a
	// request boundary.
	stopped  chan struct{}
	stopOnce sync.Once

	mu sync.Mutex // serialises Apply
	// feStates are the frontends' runtime states by name; guarded by mu.
	feStates map[string]*FrontendState
	queues   map[string]*balance.Queue
	maxSem   chan struct{} // global maxconn; nil = unlimited
	// sessions are the open client connections of every generation.
	sessMu   sync.Mutex
	sessions map[*Session]struct{}
	// loggers are shared by frontends and generations logging to the same
	// targets; guarded by mu.
	loggers map[string]*logging.Logger
	// loggersUsed are the keys of the loggers the Apply in progress
	// compiled; guarded by mu.
	loggersUsed map[string]bool
	// retiring are loggers no longer used, closed after a grace period
	// or by Close; guarded by mu.
	retiring map[*logging.Logger]bool
	// rings and relays are the ring and log-forward sections; they
	// outlive generations like listeners.
	rings  *logging.Rings
	relays *logging.Relays
	// certs holds the certificates of every generation (tls.go).
	certs *tlsconf.Store
	// checkOnly is set by Check: compile validates log targets without
	// opening them.
	checkOnly bool
	// procVars are the "proc." variables: one scope for the whole
	// process, shared by every connection and kept across reloads, as
	// HAProxy's are.
	procVars *rules.ProcVars
}

// New returns an engine with no generation.
func New(opts Options) *Engine {
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	e := &Engine{
		opts:     opts,
		log:      opts.Log,
		registry: server.NewRegistry(),
		stats:    stats.NewRegistry(),
		started:  time.Now(),
		queues:   make(map[string]*balance.Queue),
		sessions: make(map[*Session]struct{}),
		procVars: rules.NewProcVars(),
		stopped:  make(chan struct{}),
		certs:    tlsconf.NewStore(),
	}
	e.listeners = listener.NewPool(e.accept, opts.Log.With("component", "listener"))
	if opts.HoldAccept {
		e.listeners.Hold()
	}
	e.rings = logging.NewRings(opts.Log)
	e.relays = logging.NewRelays(opts.Log)
	return e
}

// Active returns the generation new connections are served with. Handlers
// load it once per connection.
func (e *Engine) Active() *Generation { return e.active.Load() }

// Registry returns the live server state.
func (e *Engine) Registry() *server.Registry { return e.registry }

// Stopping reports whether a soft stop is under way.
func (e *Engine) Stopping() bool { return e.stopping.Load() }

// Stopped is closed when the engine starts stopping (soft stop or close).
func (e *Engine) Stopped() <-chan struct{} { return e.stopped }

func (e *Engine) setStopping() {
	e.stopping.Store(true)
	e.stopOnce.Do(func() { close(e.stopped) })
}

// CurConns is the number of client connections open.
func (e *Engine) CurConns() int64 { return e.curConn.Load() }

// ListenerAddr returns the bound address of a bind, for tests that bind
// port 0.
func (e *Engine) ListenerAddr(b *config.Bind) net.Addr {
	return e.listeners.Addr(specOf(b).Key())
}

// InheritListeners gives the engine the listening sockets of a previous
// process (hawser -x), by listener key: the first Apply uses them instead
// of binding, and closes those its configuration does not bind.
func (e *Engine) InheritListeners(ls map[string]net.Listener) { e.listeners.Inherit(ls) }

// ListenerFiles returns duplicates of the open listening sockets and their
// keys, for passing to a new process; the caller closes the files.
func (e *Engine) ListenerFiles() (keys []string, files []*os.File, err error) {
	return e.listeners.Files()
}

// Serve starts serving the connections that Options.HoldAccept held.
func (e *Engine) Serve() { e.listeners.Release() }

// Apply compiles snap and makes it the running configuration. On error
// nothing changes: the previous generation keeps serving.
func (e *Engine) Apply(snap *config.Snapshot) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keepMaps = nil
	return e.applyLocked(snap)
}

// ApplyRuntime is Apply for a change made at run time (the Runtime API's
// "add server" and "del server"): the new generation shares the running
// one's map and pattern files, so that runtime map edits stay, where a
// reload re-reads the files.
func (e *Engine) ApplyRuntime(snap *config.Snapshot) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keepMaps = nil
	if g := e.active.Load(); g != nil {
		e.keepMaps = g.Maps
	}
	defer func() { e.keepMaps = nil }()
	return e.applyLocked(snap)
}

// applyLocked is Apply with e.mu held.
func (e *Engine) applyLocked(snap *config.Snapshot) error {
	// Rings first: the loggers compile resolves "ring@" targets in them.
	// A failed Apply puts the running configuration's ring settings back;
	// rings are only dropped once the new configuration runs.
	e.rings.Apply(snap.Rings)
	restoreRings := func() {
		if old := e.active.Load(); old != nil {
			e.rings.Apply(old.Snap.Rings)
		}
	}
	if err := checkStrictLimits(snap.Global); err != nil {
		return err
	}
	e.loggersUsed = map[string]bool{}
	gen, err := e.compile(snap)
	if err != nil {
		restoreRings()
		return err
	}
	if err := e.listeners.Ensure(gen.specs); err != nil {
		gen.cancel()
		restoreRings()
		return err
	}
	if err := e.applyRelays(snap); err != nil {
		gen.cancel()
		restoreRings()
		return err
	}
	e.rings.Retain(snap.Rings)
	if e.maxSem == nil && snap.Global.MaxConn > 0 {
		e.maxSem = make(chan struct{}, snap.Global.MaxConn)
	}
	e.loadServerStates(gen, snap)
	old := e.active.Swap(gen)
	gen.startChecks(e.opts.Notify)
	gen.startResolvers(e.log)
	if old != nil {
		old.cancel()
		// Keep-alive HTTP connections move to the new generation at their
		// next request (Rebind). Whatever still runs on the old one after
		// hard-stop-after (long TCP sessions, tunnels) is closed then.
		if d := snap.Global.HardStopAfter; d > 0 {
			time.AfterFunc(d, func() { e.closeSessions(old) })
		}
		// Idle connections on sockets the new configuration dropped have
		// nowhere to go: close them now, as the old process would.
		e.closeIdleUnbound(gen)
	}
	keep := make(map[string]bool, len(gen.specs))
	for _, s := range gen.specs {
		keep[s.Key()] = true
	}
	e.listeners.Retain(keep)
	e.listeners.DropInherited()
	e.registry.Retain(gen.serverKeys)
	e.stats.Retain(gen.statKeys)
	e.tables.retain(gen)
	e.retainLoggers(snap.Global.HardStopAfter)
	e.log.Info("configuration applied", "gen", gen.ID, "frontends", len(gen.Frontends), "backends", len(gen.Backends))
	return nil
}

// SoftStop stops accepting, lets every connection finish the request in
// flight, and returns when all are closed or ctx ends.
func (e *Engine) SoftStop(ctx context.Context) error {
	e.setStopping()
	e.listeners.Close()
	e.closeIdle()
	done := make(chan struct{})
	go func() { e.conns.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops everything at once.
func (e *Engine) Close() {
	e.setStopping()
	e.listeners.Close()
	if g := e.active.Load(); g != nil {
		g.cancel()
	}
	e.closeSessions(nil)
	e.conns.Wait()
	e.mu.Lock()
	e.tables.stop()
	e.relays.Close()
	for _, l := range e.loggers {
		l.Close()
	}
	for l := range e.retiring {
		l.Close()
	}
	e.rings.Close()
	e.mu.Unlock()
}

// accept runs on the listener's accept loop.
func (e *Engine) accept(c net.Conn, key string) {
	gen := e.active.Load()
	if gen == nil {
		c.Close()
		return
	}
	// A connection accepted while a stop closes the sockets is served
	// all the same: its client was let in, and during a binary upgrade
	// no other process would answer it. A soft stop serves its first
	// request (handlers drain), a hard stop closes it with the others.
	fe := gen.byListener[key]
	if fe == nil {
		// The socket is being retired by a reload.
		c.Close()
		return
	}
	if e.maxSem != nil {
		// Global maxconn: like HAProxy, stop accepting until a slot frees.
		e.maxSem <- struct{}{}
	}
	// Frontend maxconn: this socket pauses (new connections wait in the
	// kernel's backlog) until one of the frontend's connections ends. It is
	// an overload path, so a short poll is enough.
	// "disable frontend" pauses the same way.
	// The runtime API's "set maxconn global" and "set rate-limit" pause
	// the same way.
	for !e.stopping.Load() {
		if max := fe.MaxConnNow(); !fe.Paused() && (max <= 0 || fe.CurConn.Load() < max) && e.acceptAllowed() &&
			(gen.tlsBinds[key] == nil || e.sslAcceptAllowed()) {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	s := &Session{
		Gen:      gen,
		Frontend: fe,
		Accept:   time.Now(),
		Src:      addrPort(c.RemoteAddr()),
		Dst:      addrPort(c.LocalAddr()),
		ID:       e.connID.Add(1),
		Conn:     c,
		Key:      key,
	}
	s.vars.Proc = e.procVars
	h := e.opts.TCP
	if fe.Cfg.Mode == config.ModeHTTP {
		h = e.opts.HTTP
	}
	e.conns.Add(1)
	e.curConn.Add(1)
	e.cumConns.Add(1)
	e.countAccept()
	fe.CurConn.Add(1)
	now := freq.Now()
	e.acceptRate.Add(now, 1000, 1)
	freq.Max(&e.acceptRateMax, e.acceptRate.Read(now, 1000))
	fe.Counters.AddConn(now)
	if li := gen.sockStats[key]; li != nil {
		// option socket-stats: the socket's own counters too.
		s.Listener = li.Counters
		li.Counters.AddConn(now)
	}
	e.track(s)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				e.log.Error("panic serving connection", "frontend", s.Frontend.Cfg.Name, "panic", r, "stack", string(debug.Stack()))
				c.Close()
				s.detached.Store(false)
			}
			if !s.detached.Load() {
				e.endSession(s)
			}
		}()
		hc, err := e.startSession(c, s)
		if err != nil {
			c.Close()
			return
		}
		s.Frontend.Counters.OpenSession(now)
		if s.Listener != nil {
			s.Listener.OpenSession(now)
		}
		s.opened = true
		h.ServeConn(hc, s)
	}()
}

// endSession accounts for the end of a session (see Session.End).
func (e *Engine) endSession(s *Session) {
	if s.opened {
		s.Frontend.Counters.CloseSession()
		if s.Listener != nil {
			s.Listener.CloseSession()
		}
	}
	s.releaseTracked()
	e.untrack(s)
	if s.TLS != nil {
		e.ssl.cur.Add(-1)
	}
	e.curConn.Add(-1)
	if e.maxSem != nil {
		<-e.maxSem
	}
	e.conns.Done()
}

// Rebind moves a session to the active generation, for a keep-alive
// connection about to read its next request after a reload: the request is
// then served by the new configuration without closing the connection. It
// returns false when the new configuration no longer serves this socket in
// the same mode; the caller then closes the connection.
func (e *Engine) Rebind(s *Session) bool {
	gen := e.active.Load()
	if gen == s.Gen {
		return true
	}
	fe := gen.byListener[s.Key]
	if fe == nil || fe.Cfg.Mode != s.Frontend.Cfg.Mode || e.stopping.Load() {
		return false
	}
	e.sessMu.Lock()
	s.Frontend.CurConn.Add(-1)
	fe.CurConn.Add(1)
	if fe.Counters != s.Frontend.Counters {
		// A renamed frontend: the session now counts on the new name.
		s.Frontend.Counters.CloseSession()
		fe.Counters.Cur.Add(1)
	}
	s.Gen, s.Frontend = gen, fe
	e.sessMu.Unlock()
	return true
}

func (e *Engine) track(s *Session) {
	e.sessMu.Lock()
	e.sessions[s] = struct{}{}
	e.sessMu.Unlock()
}

func (e *Engine) untrack(s *Session) {
	e.sessMu.Lock()
	delete(e.sessions, s)
	s.Frontend.CurConn.Add(-1)
	e.sessMu.Unlock()
}

// closeSessions closes the connections of generation g, or all of them
// when g is nil.
func (e *Engine) closeSessions(g *Generation) {
	e.sessMu.Lock()
	defer e.sessMu.Unlock()
	for s := range e.sessions {
		if g == nil || s.Gen == g {
			s.Conn.Close()
			e.unpark(s)
		}
	}
}

// unpark hands a woken or closed session to its handler if the handler
// may hold it parked.
func (e *Engine) unpark(s *Session) {
	if p, ok := e.opts.HTTP.(Parker); ok && s.Frontend.Cfg.Mode == config.ModeHTTP {
		p.Unpark(s)
	}
}

// closeIdleUnbound wakes the idle connections whose socket gen does not
// serve, so that they close.
func (e *Engine) closeIdleUnbound(gen *Generation) {
	e.sessMu.Lock()
	defer e.sessMu.Unlock()
	for s := range e.sessions {
		if s.Idle.Load() && gen.byListener[s.Key] == nil {
			s.wake()
			e.unpark(s)
		}
	}
}

// closeIdle wakes the connections that wait between two requests, so that
// they close now rather than at the end of their keep-alive timeout (soft
// stop). A handler that sees a read timeout while the engine is stopping
// closes without an error response.
func (e *Engine) closeIdle() {
	e.sessMu.Lock()
	defer e.sessMu.Unlock()
	for s := range e.sessions {
		if s.Idle.Load() {
			s.wake()
			e.unpark(s)
		}
	}
}

func addrPort(a net.Addr) netip.AddrPort {
	if ta, ok := a.(*net.TCPAddr); ok {
		ap := ta.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	return netip.AddrPort{}
}

// ErrNoGeneration is returned by operations that need a running config.
var ErrNoGeneration = errors.New("no configuration is running")

func (e *Engine) queue(backend string) *balance.Queue {
	q, ok := e.queues[backend]
	if !ok {
		q = balance.NewQueue()
		e.queues[backend] = q
	}
	return q
}
