package l7

import (
	"container/heap"
	"errors"
	"log/slog"
	"net"
	"runtime/debug"
	"sync"
	"syscall"
	"time"

	"github.com/hawser-lb/hawser/internal/engine"
)

// Parking. A goroutine blocked reading a keep-alive connection keeps its
// stack, grown to 8 KiB or more by the request it served, and stacks only
// shrink at a garbage collection, which a proxy that does not allocate per
// request rarely runs. With thousands of idle clients the stacks dominate
// the memory hawser needs. So a bare TCP client connection that has waited
// parkAfter for its next (or first) request gives back its txn, leaves
// the socket in a hawser-owned epoll set (park_linux.go) and lets its
// goroutine end. When the socket becomes readable or hangs up, its
// keep-alive (or http-request) timeout passes,
// or the engine wakes or closes the session (soft stop, reload, hard
// stop), a fresh goroutine resumes serving it with the same session and
// request count. A connection that is busy never parks: its next request
// arrives within the grace period, and the wait costs nothing more than
// before (the grace deadline is armed lazily, see idleConn).

// parkAfter is how long a keep-alive connection waits for its next
// request with its goroutine before it is parked. A variable for tests.
//
// Measured with bench/run.sh's idle scenario (8000 connections opened in
// a burst, RSS per connection): 500ms 6.8 KiB, 100ms 3.9 KiB, 50ms 2.9 KiB,
// 20ms 2.7 KiB, against 15 KiB without parking and 1.2 KiB for HAProxy.
// Shorter waits let a burst of new connections reuse the stacks and txns
// of those parked before them. A busy connection pays nothing for it: its
// socket's read deadline is moved lazily, about once per parkAfter while
// it waits (see idleConn), and a connection whose client pauses longer
// pays two epoll_ctl calls and a goroutine start per pause. A GC forced
// after a burst of parks was measured too and gained under 0.1 KiB.
var parkAfter = 50 * time.Millisecond

// errPark is returned by idleReader.wait when the grace period ended: the
// caller parks the connection.
var errPark = errors.New("park the connection")

// parkedConn is what a parked connection keeps: the session and what the
// next txn needs to carry on where the previous one stopped.
type parkedConn struct {
	sess *engine.Session
	conn *net.TCPConn
	rc   syscall.RawConn
	id   uint64
	nreq int
	// until is the keep-alive deadline, zero for none.
	until time.Time
	// rd and wd are the socket's armed deadlines (see lazyDeadline).
	rd, wd lazyDeadline
	idx    int // position in the parker's timeout heap, -1 when out
}

// parkHeap orders parked connections by deadline; connections without
// one are not in it.
type parkHeap []*parkedConn

func (h parkHeap) Len() int           { return len(h) }
func (h parkHeap) Less(i, j int) bool { return h[i].until.Before(h[j].until) }
func (h parkHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].idx, h[j].idx = i, j
}
func (h *parkHeap) Push(x any) {
	p := x.(*parkedConn)
	p.idx = len(*h)
	*h = append(*h, p)
}
func (h *parkHeap) Pop() any {
	old := *h
	p := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	p.idx = -1
	return p
}

// parkSet holds the parked connections of a handler; mu guards it.
type parkSet struct {
	mu     sync.Mutex
	byID   map[uint64]*parkedConn
	bySess map[*engine.Session]*parkedConn
	timers parkHeap
	nextID uint64
}

func (ps *parkSet) init() {
	ps.byID = make(map[uint64]*parkedConn)
	ps.bySess = make(map[*engine.Session]*parkedConn)
}

// add records p; it reports whether p's deadline is now the earliest.
// Called with mu held.
func (ps *parkSet) add(p *parkedConn) (earliest bool) {
	ps.nextID++
	p.id = ps.nextID
	p.idx = -1
	ps.byID[p.id] = p
	ps.bySess[p.sess] = p
	if !p.until.IsZero() {
		heap.Push(&ps.timers, p)
		return p.idx == 0
	}
	return false
}

// remove forgets p. Called with mu held.
func (ps *parkSet) remove(p *parkedConn) {
	delete(ps.byID, p.id)
	delete(ps.bySess, p.sess)
	if p.idx >= 0 {
		heap.Remove(&ps.timers, p.idx)
	}
}

// expired removes and returns the connections whose deadline passed, and
// returns how long until the next deadline (-1: none). Called with mu held.
func (ps *parkSet) expired(now time.Time, out []*parkedConn) ([]*parkedConn, time.Duration) {
	for len(ps.timers) > 0 {
		p := ps.timers[0]
		if p.until.After(now) {
			return out, p.until.Sub(now)
		}
		ps.remove(p)
		out = append(out, p)
	}
	return out, -1
}

// Parked reports how many connections the handler holds parked.
func (h *Handler) Parked() int {
	pk := h.parker()
	if pk == nil {
		return 0
	}
	pk.set.mu.Lock()
	defer pk.set.mu.Unlock()
	return len(pk.set.byID)
}

// Unpark resumes s if it is parked, so that it sees why the engine woke it
// (engine.Parker). It may be called with the engine's session lock held:
// it only starts a goroutine.
func (h *Handler) Unpark(s *engine.Session) {
	pk := h.parker()
	if pk == nil {
		return
	}
	pk.set.mu.Lock()
	p := pk.set.bySess[s]
	if p != nil {
		pk.set.remove(p)
	}
	pk.set.mu.Unlock()
	if p != nil {
		pk.resume(p)
	}
}

// park hands t's connection to the parker and releases t. It reports
// false, with t untouched, when the connection cannot be parked; the
// caller then waits with its goroutine as before.
func (h *Handler) park(t *txn) bool {
	pk := h.parker()
	if pk == nil {
		return false
	}
	tc, ok := t.conn.(*net.TCPConn)
	if !ok {
		return false
	}
	p := &parkedConn{sess: t.sess, conn: tc, rc: t.idle.rc, nreq: t.nreq, until: t.cc.rWant, rd: t.cc.rd, wd: t.cc.wd}
	t.releaseServerConn(true)
	t.cc.dropPending()
	putTxn(t)
	// From here on another goroutine may resume the session.
	p.sess.Detach()
	pk.add(p)
	return true
}

// resumeConn serves a parked connection again, on the calling goroutine.
func (h *Handler) resumeConn(p *parkedConn) {
	s := p.sess
	parked := false
	defer func() {
		if r := recover(); r != nil {
			h.log.Error("panic serving connection", "frontend", s.Frontend.Cfg.Name, "panic", r, "stack", string(debug.Stack()))
			p.conn.Close()
			parked = false
		}
		if !parked {
			s.End()
		}
	}()
	t := h.newTxn(p.conn, s, false)
	t.nreq = p.nreq
	t.resumeUntil, t.resumed = p.until, true
	t.cc.rd, t.cc.wd = p.rd, p.wd
	parked = h.runTxn(t)
}

var _ engine.Parker = (*Handler)(nil)

// logParkError reports a failure of the parker, which then stops parking.
func logParkError(log *slog.Logger, err error) {
	log.Error("connection parking disabled", "error", err)
}
