// Package balance implements HAProxy's load-balancing algorithms ("balance"
// and "hash-type") and the dispatcher that enforces server maxconn with a
// FIFO wait queue per backend.
//
// A Pool is built once per configuration generation from the backend's
// servers. Live server state (health, admin state, connection counts) is read
// from *server.State at every pick, so a health check flipping a server
// takes effect at the next request without rebuilding the Pool. Tables
// derived from the set of usable servers (the weighted schedule, the
// consistent-hash ring) are rebuilt lazily: every pick computes a cheap
// fingerprint of the usable group and rebuilds the table when it differs from
// the one the table was built for. A stale table is never unsafe, because
// every candidate is checked against its live state before it is returned.
//
// Each algorithm lives in its own file, as in HAProxy's lb_*.c.
package balance

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"github.com/hawser-lb/hawser/internal/proxyproto"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// Errors returned by Acquire.
var (
	// ErrNoServer means no server of the backend is usable (HAProxy answers
	// 503).
	ErrNoServer = errors.New("no server available")
	// ErrQueueTimeout means the request waited "timeout queue" for a slot.
	ErrQueueTimeout = errors.New("queue timeout")
	// ErrQueueFull means the backend queue reached the servers' maxqueue.
	ErrQueueFull = errors.New("queue full")
)

// maxWeight is the highest server weight HAProxy accepts.
const maxWeight = 256

// Server is one server as a generation sees it (config + live state).
type Server struct {
	Name     string
	Addr     string // host:port to connect to
	State    *server.State
	Weight   int  // 0..256; 0 = never picked by load balancing
	Backup   bool // used only when no active server is usable
	MaxConn  int  // 0 = unlimited
	MaxQueue int  // 0 = unlimited
	ID       int  // 1-based, as HAProxy's server id (position if not set)
	// Key names the server's pool of idle connections for the data path
	// ("backend/server@addr"); computed once per generation.
	Key string
	// TLS is set for a server with "ssl": connections to it run TLS.
	// SNI, when set, gives the server name to send for each connection.
	TLS *tlsconf.Client
	SNI *acl.Expr
	// Observe is true when live traffic errors count towards the health
	// checks ("observe layer4|layer7"): the data path then reports them.
	Observe bool
	// TrackSessions is true when sessions must be registered with the
	// server state so that "on-marked-down shutdown-sessions" (or
	// on-marked-up) can abort them.
	TrackSessions bool
	// H2 is "proto h2": requests go to the server as HTTP/2 streams.
	H2 bool
	// SendProxy is the PROXY header sent first on each connection
	// ("send-proxy" and its v2 forms); Version 0 sends none.
	SendProxy proxyproto.Send
	// Source is the server's or its backend's "source" line: the local
	// address of its connections; nil lets the system choose.
	Source *config.Source
	// Socks4 is the SOCKS4 proxy ("socks4 <addr>:<port>") its
	// connections go through, empty for a direct connection.
	Socks4 string
}

// Target returns the address to connect to and its idle-connection pool
// key: the one set at run time ("set server ... addr") if it overrides
// this generation's configured address, else the configured one. One
// atomic load, no allocation.
func (sv *Server) Target() (addr, key string) {
	if t := sv.State.Target(); t != nil && t.Base == sv.Addr {
		return t.Addr, t.Key
	}
	return sv.Addr, sv.Key
}

// MaxConnNow returns the server's connection limit: the one set at run
// time ("set maxconn server") if any, else the configured one; 0 is
// unlimited.
func (sv *Server) MaxConnNow() int64 {
	if n := sv.State.UserMaxConn(); n >= 0 {
		return n
	}
	return int64(sv.MaxConn)
}

// UWeight returns the server's current weight: the one set at run time
// ("set weight") if any, else the configured one (HAProxy's uweight).
func (sv *Server) UWeight() int {
	if w := sv.State.UserWeight(); w >= 0 {
		return w
	}
	return sv.Weight
}

// EWeight returns the weight load balancing uses: UWeight scaled by the
// agent's weight percentage (HAProxy's eweight).
func (sv *Server) EWeight() int {
	w := sv.UWeight()
	if p := sv.State.WeightPercent(); p != 100 {
		w = w * p / 100
	}
	return w
}

// hasRoom reports whether the server is below its maxconn.
func (sv *Server) hasRoom() bool {
	max := sv.MaxConnNow()
	return max <= 0 || sv.State.Cur() < max
}

// eligible reports whether load balancing may pick the server now. As in
// HAProxy, a server with weight 0 takes no load-balanced traffic.
func (sv *Server) eligible() bool {
	return sv.EWeight() > 0 && sv.State.Usable()
}

// Options are backend settings that are not part of "balance".
type Options struct {
	// QueueTimeout is "timeout queue"; HAProxy uses "timeout connect" when
	// it is unset, so the caller passes the effective value. 0 waits until
	// the context ends.
	QueueTimeout time.Duration
	// AllBackups is "option allbackups": when no active server is usable,
	// balance over all usable backups instead of the first one.
	AllBackups bool
}

// picker is one balancing algorithm. pick returns a usable server of t other
// than avoid, or nil when none has a free slot. Algorithms that are not
// deterministic skip full servers; hash-based ones return the server the key
// maps to even when it is full, so that the request waits for that server.
type picker interface {
	pick(p *Pool, t *table, s acl.Sample, avoid *Server) *Server
	// deterministic reports whether the same request always maps to the
	// same server (hashing), in which case a full server means waiting.
	deterministic() bool
}

// Pool balances requests over one backend's servers for one generation.
// It is safe for concurrent use.
type Pool struct {
	servers []*Server // as configured, for Servers
	byID    []*Server // sorted by ID: table order, "first" order, backup order
	q       *Queue
	opts    Options
	algo    picker
	ring    bool // the algorithm needs the consistent-hash ring
	// maxQueue bounds the backend queue: the sum of the servers' maxqueue,
	// or 0 (unlimited) when any server has none.
	maxQueue int

	// rr is the rotating position shared by round-robin schedules and tie
	// breaking; it only ever grows, so it needs no lock.
	rr atomic.Uint64
	// tab is the table for the usable group last seen; mu serialises its
	// rebuilds (readers never take mu).
	tab atomic.Pointer[table]
	mu  sync.Mutex
}

// New builds the Pool of a backend for one generation. q is the backend's
// queue, kept by the caller across generations. Servers with ID 0 get their
// 1-based position as ID, as in HAProxy.
func New(cfg config.Balance, servers []*Server, q *Queue, opts Options) (*Pool, error) {
	if q == nil {
		return nil, errors.New("nil queue")
	}
	p := &Pool{servers: servers, q: q, opts: opts}
	if err := p.setServers(servers); err != nil {
		return nil, err
	}
	algo, ring, err := newPicker(cfg)
	if err != nil {
		return nil, err
	}
	p.algo, p.ring = algo, ring
	p.tab.Store(p.build(p.fingerprint()))
	return p, nil
}

// setServers validates the servers and derives byID and maxQueue.
func (p *Pool) setServers(servers []*Server) error {
	seen := make(map[int]string, len(servers))
	sum, unlimited := 0, false
	for i, sv := range servers {
		if sv == nil || sv.State == nil {
			return fmt.Errorf("server #%d: missing state", i+1)
		}
		if sv.Weight < 0 || sv.Weight > maxWeight {
			return fmt.Errorf("server %q: weight %d out of range 0..%d", sv.Name, sv.Weight, maxWeight)
		}
		if sv.ID == 0 {
			sv.ID = i + 1
		}
		if other, dup := seen[sv.ID]; dup {
			return fmt.Errorf("server %q: id %d already used by server %q", sv.Name, sv.ID, other)
		}
		seen[sv.ID] = sv.Name
		if sv.MaxQueue <= 0 {
			unlimited = true
		}
		sum += sv.MaxQueue
	}
	if !unlimited {
		p.maxQueue = sum
	}
	p.byID = slices.Clone(servers)
	slices.SortFunc(p.byID, func(a, b *Server) int { return cmp.Compare(a.ID, b.ID) })
	return nil
}

// Servers returns the servers in configuration order. The slice must not be
// modified.
func (p *Pool) Servers() []*Server { return p.servers }

// Queue returns the backend queue the pool dispatches from.
func (p *Pool) Queue() *Queue { return p.q }

// Acquire picks a server for the request, takes one of its maxconn slots and
// returns it; the caller must Release it when the request or connection is
// done. When every candidate is full, Acquire waits in the backend queue, in
// FIFO order, until a slot frees (ErrQueueTimeout after Options.QueueTimeout,
// ctx.Err() when ctx ends). It returns ErrNoServer when no server is usable
// and ErrQueueFull when the queue is at maxqueue.
//
// While the request waits, s may be read by the goroutine that frees a slot,
// which picks on the waiter's behalf; s must stay valid until Acquire
// returns.
func (p *Pool) Acquire(ctx context.Context, s acl.Sample) (*Server, error) {
	return p.acquire(ctx, s, nil)
}

// AcquireExcept is Acquire for redispatch and retries: it prefers a server
// other than avoid, and falls back to avoid only when nothing else can take
// the request.
func (p *Pool) AcquireExcept(ctx context.Context, s acl.Sample, avoid *Server) (*Server, error) {
	return p.acquire(ctx, s, avoid)
}

func (p *Pool) acquire(ctx context.Context, s acl.Sample, avoid *Server) (*Server, error) {
	// Waiters are served first: a newcomer only takes the fast path when
	// nobody is queued, so it cannot steal a slot a waiter is owed.
	if p.q.n.Load() == 0 {
		sv, err := p.tryAcquire(s, avoid)
		if sv != nil || err != nil {
			return sv, err
		}
	}
	return p.q.wait(ctx, p, s, avoid)
}

// AcquireServer takes a slot on sv, a server chosen by persistence (a
// stick table, a cookie, use-server) rather than by the algorithm. While
// sv is at its maxconn the request waits in the backend queue for a slot
// of sv only, with Acquire's timeouts and errors. It does not check that
// sv is usable: whether to persist on a down server (option persist,
// force-persist) is the caller's decision.
func (p *Pool) AcquireServer(ctx context.Context, sv *Server) (*Server, error) {
	if p.q.n.Load() == 0 && sv.State.TryInc(sv.MaxConnNow()) {
		return sv, nil
	}
	return p.q.waitFor(ctx, &waiter{pool: p, target: sv, ready: make(chan *Server, 1)})
}

// TryAcquireLast takes a slot on sv, the server a client connection's
// last request used ("option prefer-last-server"), when sv belongs to
// this pool, load balancing could pick it now, it has room and nobody is
// queued. It never waits; hash-based algorithms keep their own choice.
func (p *Pool) TryAcquireLast(sv *Server) bool {
	if p.algo.deterministic() || p.q.n.Load() != 0 || !sv.eligible() || !slices.Contains(p.servers, sv) {
		return false
	}
	return sv.State.TryInc(sv.MaxConnNow())
}

// Release returns the slot taken by Acquire and hands it to the oldest
// waiter of the backend queue that can use it.
func (p *Pool) Release(sv *Server) {
	sv.State.Dec()
	// Dekker-style pairing with Queue.wait, which enqueues before it tries:
	// either the waiter sees the freed slot or we see the waiter.
	if p.q.n.Load() > 0 {
		p.q.Wake()
	}
}

// tryAcquire picks a server and takes a slot without waiting. It returns
// (nil, nil) when the request has to queue.
func (p *Pool) tryAcquire(s acl.Sample, avoid *Server) (*Server, error) {
	// A few attempts absorb races where another request takes the last slot
	// of the picked server between the pick and TryInc.
	for range 4 {
		t := p.current()
		if len(t.servers) == 0 {
			return nil, ErrNoServer
		}
		sv := p.algo.pick(p, t, s, avoid)
		if sv == nil && avoid != nil {
			sv = p.algo.pick(p, t, s, nil)
		}
		if sv == nil {
			return nil, nil
		}
		if sv.State.TryInc(sv.MaxConnNow()) {
			return sv, nil
		}
		if p.algo.deterministic() {
			return nil, nil
		}
	}
	return nil, nil
}

// Deterministic reports whether the algorithm maps a request to a server
// by hashing, so that the same request always goes to the same server.
func (p *Pool) Deterministic() bool { return p.algo.deterministic() }

// ActiveUsable counts the active (not backup) servers load balancing may
// pick now. Retries use it: with several, a failed request may move to
// another server at once (option redispatch).
func (p *Pool) ActiveUsable() int {
	n := 0
	for _, sv := range p.byID {
		if !sv.Backup && sv.eligible() {
			n++
		}
	}
	return n
}
