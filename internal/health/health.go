// Package health runs HAProxy-style active health checks: a TCP connect
// check, or an "option httpchk" HTTP check with its "http-check send" and
// "http-check expect" rules, scheduled with inter/fastinter/downinter and
// judged with HAProxy's rise/fall health counter.
//
// The counter and the up/down verdict live in server.State, not here, so a
// reload that starts a new Run for the same State continues where the old
// checker stopped: same health, same schedule.
package health

import (
	"context"
	"github.com/hawser-lb/hawser/internal/tlsconf"
	"log/slog"
	"net"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// Check is one server's active health check, as the engine compiled it from
// the backend and its "server ... check" line.
type Check struct {
	Backend string
	Server  *config.Server
	State   *server.State
	// Addr is the host:port to check, with "addr" and "port" already applied.
	Addr string
	// External is set with "option external-check": the check runs a
	// program instead of connecting.
	External *External
	// HTTP is the backend's "option httpchk"; nil means a TCP connect check.
	HTTP *config.HTTPCheck
	// Spec is the backend's tcp-check or protocol check (option
	// tcp-check, redis-check, ...); it wins over HTTP.
	Spec *config.CheckSpec
	// AgentAddr is the host:port of the server's agent ("agent-check"),
	// with agent-addr and agent-port applied; empty means no agent check.
	AgentAddr string
	// ConnectTimeout is the backend's "timeout connect". It only matters
	// when CheckTimeout is set, as in HAProxy.
	ConnectTimeout time.Duration
	// CheckTimeout is the backend's "timeout check". When set, the connect
	// step is bounded by min(timeout connect, inter) and the rest of the
	// check by CheckTimeout, counted from the established connection. When
	// zero, inter bounds the whole check (connect and response).
	CheckTimeout time.Duration
	// TLS, when set, runs the check over TLS (check-ssl, or a server with
	// ssl and no check port): the handshake is the layer 6 step.
	TLS *tlsconf.Client

	prog *program // compiled Spec, set by the checker goroutine
}

// target returns the address to check: Addr, unless the runtime API
// moved the server (name resolution, "set server ... addr": the new address with the check
// address and port still applied, as HAProxy does) or set its check
// address or port ("set server ... check-addr|check-port").
func (c *Check) target() string {
	if c.State == nil || c.Server == nil {
		return c.Addr
	}
	t := c.State.Target()
	moved := t != nil && t.Base == c.Server.Address
	ra, rp := c.State.CheckOverride()
	if !moved && ra == "" && rp == 0 {
		return c.Addr
	}
	addr := c.Server.Address
	if moved {
		addr = t.Addr
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return c.Addr
	}
	switch {
	case ra != "":
		host = ra
	case c.Server.CheckAddr != "":
		host = c.Server.CheckAddr
	}
	switch {
	case rp != 0:
		port = strconv.Itoa(rp)
	case c.Server.CheckPort != 0:
		port = strconv.Itoa(c.Server.CheckPort)
	}
	return net.JoinHostPort(host, port)
}

// Notify receives one HAProxy-style message per up/down transition, e.g.
//
//	Server app/s1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check duration: 0ms. 0 active and 1 backup servers left. Running on backup. 0 sessions active, 0 requeued, 0 remaining in queue.
//
// up is the server's new verdict.
type Notify func(msg string, up bool)

// Peer is one server of a backend as the "N active and M backup servers
// left" count of a Notify message sees it.
type Peer struct {
	// State is the server's live state; nil counts the server as up unless
	// its config says "disabled".
	State  *server.State
	Server *config.Server
}

// PeersFunc returns every server of the named backend, checked or not, so a
// Notify message can count those still usable.
type PeersFunc func(backend string) []Peer

// DefaultBufSize is HAProxy's default tune.bufsize: at most this much of an
// HTTP check response (status line, headers and body) is read.
const DefaultBufSize = 16384

// Checker runs health checks. The zero value is ready to use; the fields are
// hooks with documented defaults, mostly for tests.
type Checker struct {
	// Dial opens check connections. Nil uses a net.Dialer. The context
	// carries the connect deadline.
	Dial func(ctx context.Context, network, address string) (net.Conn, error)
	// BufSize bounds how much of an HTTP response is read (tune.bufsize).
	// Zero means DefaultBufSize.
	BufSize int
	// Spread returns how long after start a server's first check runs,
	// given its current interval, so servers do not all fire at once. Nil
	// picks uniformly at random in [0, interval).
	Spread func(interval time.Duration) time.Duration
	// Logger receives panics recovered from checks. Nil means slog.Default().
	Logger *slog.Logger
}

// Run starts one goroutine per check with a zero Checker and returns at
// once; the checks run until ctx is done. peers may be nil: the counts in
// Notify messages then only see the checked servers in checks. notify may be
// nil.
func Run(ctx context.Context, checks []Check, peers PeersFunc, notify Notify) {
	new(Checker).Start(ctx, checks, peers, notify)
}

// Start is Run with k's hooks. The returned channel is closed once every
// checker goroutine has returned after ctx is done, so a caller can wait for
// an old generation's checkers to be gone.
func (k *Checker) Start(ctx context.Context, checks []Check, peers PeersFunc, notify Notify) <-chan struct{} {
	if peers == nil {
		peers = peersOf(checks)
	}
	if notify == nil {
		notify = func(string, bool) {}
	}
	var wg sync.WaitGroup
	for _, c := range checks {
		if c.Server == nil || c.State == nil {
			k.logger().Warn("health check skipped: no server or state", "backend", c.Backend)
			continue
		}
		// The health counter and the schedule slot are taken here, not in
		// the goroutine: a reload cancels the old checkers right after Start
		// returns, and the slot must not be dropped in between.
		var startDown bool
		c.State.WithCheck(func(cs *server.CheckState) {
			first := !cs.Configured
			initHealth(cs, c.rise(), c.fall())
			if first {
				startDown = applyInitState(cs, c.Server.InitState, c.rise(), c.fall())
			}
		})
		if startDown {
			c.State.SetUp(false)
		}
		c.watchErrors(peers, notify)
		sl := acquireSlot(c.State, func() time.Duration { return k.spread(c.currentInterval()) })
		wg.Go(func() {
			defer releaseSlot(c.State, sl)
			k.loop(ctx, &c, sl, peers, notify)
		})
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

// peersOf counts, for each backend, the checked servers of checks.
func peersOf(checks []Check) PeersFunc {
	m := make(map[string][]Peer)
	for _, c := range checks {
		m[c.Backend] = append(m[c.Backend], Peer{State: c.State, Server: c.Server})
	}
	return func(backend string) []Peer { return m[backend] }
}

// loop checks one server until ctx is done.
func (k *Checker) loop(ctx context.Context, c *Check, sl *slot, peers PeersFunc, notify Notify) {
	exp, expErr := compileExpect(c.HTTP)
	if c.Spec != nil {
		exp = nil
		c.prog, expErr = compileProgram(c)
	}
	if expErr != nil {
		k.logger().Error("health check expectation invalid", "backend", c.Backend, "server", c.Server.Name, "err", expErr)
	}
	for {
		wait, wake, ok := sl.claim(time.Now(), c.maxDuration())
		if !ok {
			if !sleep(ctx, wait, wake) {
				return
			}
			continue
		}
		next := k.iteration(ctx, c, exp, expErr, peers, notify)
		if ctx.Err() != nil {
			// Our result, if any, was dropped: let a successor checker
			// (reload) run the check we abandoned right away.
			sl.abort()
			return
		}
		sl.finish(time.Now().Add(next))
	}
}

// iteration runs one check, records it and notifies a transition. It returns
// the delay until the next check. A panic is logged and the loop goes on, so
// one bad check never kills the process.
func (k *Checker) iteration(ctx context.Context, c *Check, exp *expectation, expErr error, peers PeersFunc, notify Notify) (next time.Duration) {
	next = c.inter()
	defer func() {
		if r := recover(); r != nil {
			k.logger().Error("health check panicked", "backend", c.Backend, "server", c.Server.Name,
				"panic", r, "stack", string(debug.Stack()))
		}
	}()
	if !c.State.ChecksEnabled() {
		// Disabled at run time: no probe, the verdict stays.
		return next
	}
	var res result
	if expErr != nil {
		res = result{status: StatusL7RSP, desc: expErr.Error()}
	} else {
		res = k.probe(ctx, c, exp)
	}
	if ctx.Err() != nil {
		return next
	}
	up, changed := c.record(res)
	if changed {
		c.transitioned(res, up, peers, notify)
	}
	return c.currentInterval()
}

// record stores the result in the server's state, moves the health counter
// and applies the verdict. It reports the verdict and whether it changed.
// A server in maintenance keeps its verdict (HAProxy ignores check
// transitions in maintenance); the next check after it leaves applies it.
func (c *Check) record(r result) (up, changed bool) {
	rise, fall := c.rise(), c.fall()
	var health int
	c.State.WithCheck(func(cs *server.CheckState) {
		cs.LastStatus = r.status
		cs.LastDesc = r.desc
		cs.LastCode = r.code
		cs.LastDur = r.dur
		cs.Health = nextHealth(cs.Health, rise, fall, r.passed())
		health = cs.Health
	})
	if !r.passed() && c.State.Up() {
		// chkfail counts the checks failed while the server is up.
		c.State.Counters.ChkFail.Add(1)
	}
	if c.State.Admin() == server.AdminMaint {
		return c.State.Up(), false
	}
	// An agent reporting the server down keeps it down (agent.go).
	up = health >= rise && !c.State.AgentDown()
	// SetUp swaps atomically, so when an old and a new generation's
	// checkers overlap only one of them sees the change and notifies.
	return up, c.State.SetUp(up)
}

func (k *Checker) logger() *slog.Logger {
	if k.Logger != nil {
		return k.Logger
	}
	return slog.Default()
}

func (k *Checker) bufSize() int {
	if k.BufSize > 0 {
		return k.BufSize
	}
	return DefaultBufSize
}

// sleep waits for d, a wake-up or ctx; it reports false when ctx is done.
func sleep(ctx context.Context, d time.Duration, wake <-chan struct{}) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	case <-wake:
		return true
	}
}
