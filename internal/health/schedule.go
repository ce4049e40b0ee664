package health

import (
	"math/rand/v2"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/server"
)

// slot is the check schedule of one server, shared by every checker running
// for that server. On a reload the new generation's checker starts before the
// old one is cancelled; sharing the slot makes the new checker wait for the
// old schedule's next due time instead of checking again at once, and makes
// sure only one of them probes at a time.
type slot struct {
	refs int // checkers holding the slot; guarded by slotsMu

	mu      sync.Mutex
	next    time.Time     // when the next check is due
	running bool          // a checker is probing now
	wake    chan struct{} // closed and replaced whenever next or running changes
}

var (
	slotsMu sync.Mutex
	slots   = make(map[*server.State]*slot)
)

// acquireSlot returns st's slot, creating it with its first check due after
// first() when no checker holds it.
func acquireSlot(st *server.State, first func() time.Duration) *slot {
	slotsMu.Lock()
	defer slotsMu.Unlock()
	s := slots[st]
	if s == nil {
		s = &slot{next: time.Now().Add(first()), wake: make(chan struct{})}
		slots[st] = s
	}
	s.refs++
	return s
}

// releaseSlot drops a checker's hold; the last one out removes the slot so
// servers removed from the config do not leak.
func releaseSlot(st *server.State, s *slot) {
	slotsMu.Lock()
	defer slotsMu.Unlock()
	s.refs--
	if s.refs == 0 {
		delete(slots, st)
	}
}

// claim reports whether the caller may run a check now. If not, it returns
// how long to wait and a channel closed when the schedule changes. hold is
// the longest a check may take: a caller that finds another checker probing
// waits at most that long before looking again.
func (s *slot) claim(now time.Time, hold time.Duration) (wait time.Duration, wake <-chan struct{}, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		return hold, s.wake, false
	}
	if now.Before(s.next) {
		return s.next.Sub(now), s.wake, false
	}
	s.running = true
	return 0, nil, true
}

// finish ends a claimed check and schedules the next one.
func (s *slot) finish(next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	s.next = next
	s.signal()
}

// abort ends a claimed check without a result; the check stays due.
func (s *slot) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
	s.signal()
}

// signal wakes waiting checkers; s.mu must be held.
func (s *slot) signal() {
	close(s.wake)
	s.wake = make(chan struct{})
}

// spread is the delay of a server's first check within interval d.
func (k *Checker) spread(d time.Duration) time.Duration {
	if k.Spread != nil {
		return k.Spread(d)
	}
	if d <= 0 {
		return 0
	}
	return rand.N(d)
}
