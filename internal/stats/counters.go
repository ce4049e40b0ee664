package stats

import (
	"sync"
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/freq"
)

// Counters are the live counters of one frontend, backend, server or
// listener. Every field is an atomic: the data path updates them without a
// lock or an allocation, and a collection reads them at any time. They
// live outside configuration generations (Registry, server.State), so a
// reload does not reset them.
type Counters struct {
	// Cur is the number of sessions in progress (scur) for frontends,
	// backends and listeners; a server's comes from its server.State.
	Cur atomic.Int64
	Max atomic.Int64 // smax
	// Sessions counts sessions (stot): accepted connections for a
	// frontend or listener, requests or connections assigned for a
	// backend or server.
	Sessions atomic.Uint64
	// Conns counts accepted connections (conn_tot, frontends).
	Conns atomic.Uint64

	BytesIn  atomic.Uint64 // bin: bytes received from clients
	BytesOut atomic.Uint64 // bout: bytes sent to clients

	DeniedReq  atomic.Uint64 // dreq
	DeniedResp atomic.Uint64 // dresp
	DeniedConn atomic.Uint64 // dcon: tcp-request connection rejects
	DeniedSess atomic.Uint64 // dses: tcp-request session rejects
	ErrReq     atomic.Uint64 // ereq
	ErrConn    atomic.Uint64 // econ
	ErrResp    atomic.Uint64 // eresp
	Retries    atomic.Uint64 // wretr
	Redisp     atomic.Uint64 // wredis
	// Intercepted counts requests answered by the proxy itself
	// (redirect, return, auth, monitor, services).
	Intercepted atomic.Uint64
	FailedRew   atomic.Uint64 // wrew
	InternalErr atomic.Uint64 // eint

	// HRsp counts HTTP responses by class: 1xx to 5xx, then other.
	HRsp      [6]atomic.Uint64
	Requests  atomic.Uint64 // req_tot
	CliAborts atomic.Uint64 // cli_abrt
	SrvAborts atomic.Uint64 // srv_abrt
	LBTotal   atomic.Uint64 // lbtot: times the server was picked
	Connects  atomic.Uint64 // connect: connection attempts to servers
	Reuses    atomic.Uint64 // reuse: requests sent on a reused connection
	// QCur is the number of requests waiting for this server in
	// particular (qcur of a server: persistence picked it and it is
	// full); QMax its highest value (qmax).
	QCur atomic.Int64
	QMax atomic.Int64

	ChkFail atomic.Uint64 // chkfail: failed health checks
	ChkDown atomic.Uint64 // chkdown: up to down transitions

	SessRate    freq.Ctr // rate
	ReqRate     freq.Ctr // req_rate
	ConnRate    freq.Ctr // conn_rate
	SessRateMax atomic.Uint32
	ReqRateMax  atomic.Uint32
	ConnRateMax atomic.Uint32

	// Times in milliseconds, averaged over the last freq.Samples requests
	// that reached a server.
	QTime, CTime, RTime, TTime             freq.SWRate
	QTimeMax, CTimeMax, RTimeMax, TTimeMax atomic.Uint32
	timed                                  atomic.Uint64

	// lastSess is the freq.Now tick of the last session, 0 if none.
	lastSess atomic.Uint32

	// Availability of a backend (any usable server), for its lastchg and
	// downtime: state is 0 before the first SetAvailable, then 1 (up) or
	// 2 (down); since is when it took that value (unix nanoseconds);
	// down is the time spent down before that.
	state atomic.Uint32
	since atomic.Int64
	down  atomic.Int64
	avMu  sync.Mutex // serialises SetAvailable
}

// SetAvailable records whether a backend has a usable server, at unix
// time now (nanoseconds). Only a change moves lastchg and downtime.
func (c *Counters) SetAvailable(up bool, now int64) {
	want := uint32(2)
	if up {
		want = 1
	}
	if c.state.Load() == want {
		return
	}
	c.avMu.Lock()
	defer c.avMu.Unlock()
	switch c.state.Load() {
	case want:
		return
	case 2:
		c.down.Add(now - c.since.Load())
	}
	c.since.Store(now)
	c.state.Store(want)
}

// Availability returns how long ago the backend's availability last
// changed and the total time it spent without a usable server, at unix
// time now (nanoseconds); ok is false before the first SetAvailable.
func (c *Counters) Availability(now int64) (sinceChange, downtime int64, ok bool) {
	c.avMu.Lock()
	defer c.avMu.Unlock()
	st := c.state.Load()
	if st == 0 {
		return 0, 0, false
	}
	since := c.since.Load()
	down := c.down.Load()
	if st == 2 {
		down += now - since
	}
	return now - since, down, true
}

// second is the period of the rate counters, in ticks.
const second = 1000

// OpenSession counts a new session at tick now: current, maximum, total
// and the session rate.
func (c *Counters) OpenSession(now uint32) {
	freq.Max64(&c.Max, c.Cur.Add(1))
	c.Sessions.Add(1)
	c.SessRate.Add(now, second, 1)
	freq.Max(&c.SessRateMax, c.SessRate.Read(now, second))
	c.lastSess.Store(now | 1)
}

// CloseSession ends a session counted by OpenSession.
func (c *Counters) CloseSession() { c.Cur.Add(-1) }

// Assign counts a session assigned to a server (or its backend) whose
// current count is kept elsewhere: total, maximum, rate and last session.
func (c *Counters) Assign(now uint32, cur int64) {
	freq.Max64(&c.Max, cur)
	c.Sessions.Add(1)
	c.SessRate.Add(now, second, 1)
	freq.Max(&c.SessRateMax, c.SessRate.Read(now, second))
	c.lastSess.Store(now | 1)
}

// AddConn counts an accepted connection at tick now (conn_tot, conn_rate).
func (c *Counters) AddConn(now uint32) {
	c.Conns.Add(1)
	c.ConnRate.Add(now, second, 1)
	freq.Max(&c.ConnRateMax, c.ConnRate.Read(now, second))
}

// AddRequest counts an HTTP request at tick now (req_tot, req_rate).
func (c *Counters) AddRequest(now uint32) {
	c.Requests.Add(1)
	c.ReqRate.Add(now, second, 1)
	freq.Max(&c.ReqRateMax, c.ReqRate.Read(now, second))
}

// AddStatus counts an HTTP response status in its class.
func (c *Counters) AddStatus(status int) {
	i := status/100 - 1
	if i < 0 || i > 4 {
		i = 5
	}
	c.HRsp[i].Add(1)
}

// AddTimes records the queue, connect, response and total times of a
// request that reached a server, in milliseconds.
func (c *Counters) AddTimes(q, conn, resp, total uint32) {
	n := c.timed.Add(1)
	c.QTime.Add(n, uint64(q))
	c.CTime.Add(n, uint64(conn))
	c.RTime.Add(n, uint64(resp))
	c.TTime.Add(n, uint64(total))
	freq.Max(&c.QTimeMax, q)
	freq.Max(&c.CTimeMax, conn)
	freq.Max(&c.RTimeMax, resp)
	freq.Max(&c.TTimeMax, total)
}

// Timed is the number of requests whose times were recorded.
func (c *Counters) Timed() uint64 { return c.timed.Load() }

// LastSess returns the seconds since the last session at tick now, or -1
// if there was none.
func (c *Counters) LastSess(now uint32) int64 {
	t := c.lastSess.Load()
	if t == 0 {
		return -1
	}
	return int64((now - t&^1) / 1000)
}

// Registry keeps the counters of frontends, backends and listeners by name
// across configuration generations. Server counters live in server.State.
type Registry struct {
	mu sync.Mutex
	m  map[string]*Counters
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: make(map[string]*Counters)} }

// Key kinds for Registry.Get.
const (
	KindFrontend = "fe"
	KindBackend  = "be"
	KindListener = "li"
)

// Get returns the counters of the object of the given kind and name,
// creating them if needed. A listener's name is "frontend/listener".
func (r *Registry) Get(kind, name string) *Counters {
	key := kind + "/" + name
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.m[key]
	if !ok {
		c = new(Counters)
		r.m[key] = c
	}
	return c
}

// Retain drops the counters whose kind/name key is not in keep, after a
// reload removed their object.
func (r *Registry) Retain(keep map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.m {
		if !keep[k] {
			delete(r.m, k)
		}
	}
}

// AddQueued adds d to QCur and raises QMax to match.
func (c *Counters) AddQueued(d int64) {
	n := c.QCur.Add(d)
	for {
		m := c.QMax.Load()
		if n <= m || c.QMax.CompareAndSwap(m, n) {
			return
		}
	}
}
