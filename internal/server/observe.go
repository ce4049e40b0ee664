package server

import (
	"sync"
	"sync/atomic"
)

// Layers of live-traffic errors, for "observe layer4|layer7".
const (
	Layer4 = 4 // connection errors: refused, reset, timed out
	Layer7 = 7 // HTTP errors: invalid responses and 5xx other than 501/505
)

// hooks are the per-server callbacks the health checker installs and the
// data path triggers. They live outside State's main mutex so the data path
// never contends with check bookkeeping.
type hooks struct {
	mu       sync.Mutex
	onError  func(layer int, consecutive int)
	sessions map[uint64]func()
	nextID   uint64
	// errors counts consecutive observed errors; reset by a success.
	errors atomic.Int64
	// weightPct is the agent's weight override in percent of the
	// configured weight, 100 when the agent said nothing.
	weightPct atomic.Int32
}

// hooksFor returns s's hooks. They are a field of State, reached without
// any global lock: ReportSuccess runs once per proxied request.
func hooksFor(s *State) *hooks {
	return &s.obs
}

// ReportError records one error of live traffic to the server at layer
// (Layer4 or Layer7). The data path calls it; the health checker decides,
// from the server's "observe", "error-limit" and "on-error", what happens.
func (s *State) ReportError(layer int) {
	h := hooksFor(s)
	n := h.errors.Add(1)
	h.mu.Lock()
	fn := h.onError
	h.mu.Unlock()
	if fn != nil {
		fn(layer, int(n))
	}
}

// ReportSuccess records a successful exchange with the server, which ends
// a run of consecutive errors.
func (s *State) ReportSuccess() {
	h := hooksFor(s)
	if h.errors.Load() != 0 {
		h.errors.Store(0)
	}
}

// ResetErrors clears the consecutive error count, once its action ran.
func (s *State) ResetErrors() { hooksFor(s).errors.Store(0) }

// OnError installs fn to be called, outside any lock, for each error
// reported with ReportError, with the number of consecutive errors so far.
// Nil removes it.
func (s *State) OnError(fn func(layer int, consecutive int)) {
	h := hooksFor(s)
	h.mu.Lock()
	h.onError = fn
	h.mu.Unlock()
}

// TrackSession registers a live session (connection or stream) to the
// server with the func that aborts it; the returned func unregisters it
// and must be called when the session ends. ShutdownSessions uses them for
// "on-marked-down shutdown-sessions".
func (s *State) TrackSession(abort func()) (untrack func()) {
	h := hooksFor(s)
	h.mu.Lock()
	id := h.nextID
	h.nextID++
	if h.sessions == nil {
		h.sessions = make(map[uint64]func())
	}
	h.sessions[id] = abort
	h.mu.Unlock()
	return func() {
		h.mu.Lock()
		delete(h.sessions, id)
		h.mu.Unlock()
	}
}

// ShutdownSessions aborts every session registered with TrackSession and
// returns how many there were.
func (s *State) ShutdownSessions() int {
	h := hooksFor(s)
	h.mu.Lock()
	aborts := make([]func(), 0, len(h.sessions))
	for _, fn := range h.sessions {
		aborts = append(aborts, fn)
	}
	h.mu.Unlock()
	for _, fn := range aborts {
		fn()
	}
	return len(aborts)
}

// SetWeightPercent sets the agent's weight override, in percent of the
// configured weight (agent replies such as "75%"). 100 means no override.
func (s *State) SetWeightPercent(p int) { hooksFor(s).weightPct.Store(int32(max(0, p))) }

// WeightPercent is the agent's weight override in percent, 100 by default.
// A balancer computes the effective weight as weight*WeightPercent()/100.
func (s *State) WeightPercent() int { return int(hooksFor(s).weightPct.Load()) }
