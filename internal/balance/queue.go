package balance

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
)

// Queue is a backend's wait queue. The engine keeps one per backend name
// across reloads, so a slot freed by a request of an old generation is
// handed to a waiter of the new one: every waiter carries its own Pool and
// is served with its generation's algorithm and servers.
//
// Slots are handed over, not announced: whoever frees a slot (Release, or
// Wake after a state change) picks for the waiters in FIFO order under the
// queue lock and gives the winner its server with the slot already taken.
// A newcomer cannot steal it, because newcomers only bypass the queue while
// it is empty.
type Queue struct {
	// n is the number of waiters; it is written under mu and read without
	// it by the Acquire and Release fast paths.
	n atomic.Int64
	// max is the highest n seen (qmax); written under mu.
	max atomic.Int64
	// targeted is how many of the n wait for one server in particular;
	// written under mu.
	targeted atomic.Int64

	mu         sync.Mutex // guards the list
	head, tail *waiter
}

// waiter is one request waiting in a Queue.
type waiter struct {
	prev, next *waiter // list links, guarded by Queue.mu
	queued     bool    // still in the list, guarded by Queue.mu

	pool  *Pool
	s     acl.Sample // valid while the waiter's Acquire call blocks
	avoid *Server
	// target is the only server the waiter accepts (AcquireServer), nil
	// for load-balanced requests.
	target *Server
	ready  chan *Server // receives the server, slot taken; buffered
}

// NewQueue returns an empty backend queue.
func NewQueue() *Queue { return &Queue{} }

// BackendLen is the number of requests waiting for any server of the
// backend: Len without those waiting for one server in particular, as
// HAProxy counts its backend queue apart from its servers' queues.
func (q *Queue) BackendLen() int { return int(q.n.Load() - q.targeted.Load()) }

// Len is the number of requests waiting, for logs and stats.
func (q *Queue) Len() int { return int(q.n.Load()) }

// Max is the highest number of requests that waited at once (qmax).
func (q *Queue) Max() int { return int(q.max.Load()) }

// Wake offers free slots to the waiters, oldest first. Release calls it; the
// engine also calls it when a server becomes usable (health up, ready after
// maint, weight raised) so that waiters do not wait for the next release.
func (q *Queue) Wake() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.dispatchLocked()
}

// dispatchLocked serves waiters in FIFO order. A waiter that cannot be
// served stays in place; later waiters may still be served when they want
// another server (hashing) or belong to another generation. Once a
// non-deterministic pool finds every server full, its later waiters are
// skipped: they would find the same.
func (q *Queue) dispatchLocked() {
	var full *Pool
	for w := q.head; w != nil; {
		next := w.next
		if w.target != nil {
			if w.target.State.TryInc(w.target.MaxConnNow()) {
				q.removeLocked(w)
				w.ready <- w.target
			}
		} else if w.pool != full {
			sv, _ := w.pool.tryAcquire(w.s, w.avoid)
			switch {
			case sv != nil:
				q.removeLocked(w)
				w.ready <- sv
			case !w.pool.algo.deterministic():
				full = w.pool
			}
		}
		w = next
	}
}

func (q *Queue) pushLocked(w *waiter) {
	w.queued = true
	w.prev = q.tail
	if q.tail != nil {
		q.tail.next = w
	} else {
		q.head = w
	}
	q.tail = w
	if n := q.n.Add(1); n > q.max.Load() {
		q.max.Store(n) // under mu: no other writer
	}
	if w.target != nil {
		// Waiting for one server: HAProxy's server queue (qcur of the
		// server row; the backend's counts the others).
		q.targeted.Add(1)
		w.target.State.Counters.AddQueued(1)
	}
}

func (q *Queue) removeLocked(w *waiter) {
	if w.prev != nil {
		w.prev.next = w.next
	} else {
		q.head = w.next
	}
	if w.next != nil {
		w.next.prev = w.prev
	} else {
		q.tail = w.prev
	}
	w.prev, w.next, w.queued = nil, nil, false
	q.n.Add(-1)
	if w.target != nil {
		q.targeted.Add(-1)
		w.target.State.Counters.AddQueued(-1)
	}
}

// wait queues the request of pool p and blocks until a slot is handed over,
// the queue timeout expires or ctx ends.
func (q *Queue) wait(ctx context.Context, p *Pool, s acl.Sample, avoid *Server) (*Server, error) {
	return q.waitFor(ctx, &waiter{pool: p, s: s, avoid: avoid, ready: make(chan *Server, 1)})
}

// waitFor queues w and blocks until it gets a server.
func (q *Queue) waitFor(ctx context.Context, w *waiter) (*Server, error) {
	p := w.pool
	q.mu.Lock()
	if p.maxQueue > 0 && q.Len() >= p.maxQueue {
		q.mu.Unlock()
		return nil, ErrQueueFull
	}
	if w.target == nil && len(p.current().servers) == 0 {
		q.mu.Unlock()
		return nil, ErrNoServer
	}
	// Enqueue first, then dispatch: older waiters are served before this
	// one, and a slot freed concurrently is seen either here or by the
	// releaser, which reads n after freeing it.
	q.pushLocked(w)
	q.dispatchLocked()
	q.mu.Unlock()

	var expired <-chan time.Time
	if d := p.opts.QueueTimeout; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		expired = t.C
	}
	var err error
	select {
	case sv := <-w.ready:
		return sv, nil
	case <-ctx.Done():
		err = ctx.Err()
	case <-expired:
		err = ErrQueueTimeout
	}
	q.leave(w)
	return nil, err
}

// leave takes a waiter that gave up out of the queue. If a slot was handed
// to it meanwhile, the slot is released so that the next waiter gets it.
func (q *Queue) leave(w *waiter) {
	q.mu.Lock()
	if w.queued {
		q.removeLocked(w)
		q.mu.Unlock()
		return
	}
	q.mu.Unlock()
	w.pool.Release(<-w.ready)
}
