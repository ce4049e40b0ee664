// Package server holds the live state of backend servers: health, admin
// state and connection counts. This state outlives configuration
// generations: a reload that keeps "backend app / server s1" keeps its State,
// so health and maintenance modes survive reloads.
package server

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/stats"
)

// Admin states a server can be put in by configuration or the runtime API.
const (
	AdminReady uint32 = iota // serving normally
	AdminDrain               // keeps existing and persistent traffic, no new picks
	AdminMaint               // out of service
)

// State is one server's live state. All fields are safe for concurrent use.
type State struct {
	Backend string
	Name    string

	// up is the health verdict: true while the server passes its checks
	// (or has none).
	up atomic.Bool
	// admin is one of the Admin* constants.
	admin atomic.Uint32
	// target is the address set at run time ("set server ... addr"), nil
	// while the configured one applies.
	target atomic.Pointer[Target]
	// checkAddr and checkPort are the check address and port set at run
	// time ("set server ... check-addr|check-port"); nil and 0 when the
	// configured ones apply.
	checkAddr atomic.Pointer[string]
	checkPort atomic.Int32
	// maxconn is the maxconn set at run time ("set maxconn server"), or
	// -1 while the configured one applies.
	maxconn atomic.Int64
	// uweight is the weight set at run time ("set weight", "set server
	// ... weight"), or -1 while the configured weight applies. It
	// outlives reloads with the State.
	uweight atomic.Int32
	// checksOff is set while health checks are disabled at run time (the
	// stats page's "disable checks", HAProxy's "disable health"): the
	// checker skips its probes and the verdict stays as it is.
	checksOff atomic.Bool
	// cur counts connections or requests currently assigned to the server;
	// it is what maxconn and leastconn look at.
	cur atomic.Int64
	// Total counts every connection or request ever assigned.
	Total atomic.Uint64

	// Check holds the health checker's progress. It is owned by whichever
	// checker currently runs for this server (one at a time: the old
	// generation's checker stops after the new one is started, and both only
	// touch it under mu).
	mu           sync.Mutex
	check        CheckState
	lastChange   time.Time
	stateChanged func(s *State) // called after each up/down transition, outside mu
	trackers     []*State       // servers whose "track" names this one (SetTrackers)
	configMaint  bool           // maintenance comes from "disabled" in the config

	// obs holds what observe/on-error and on-marked-* need (observe.go).
	obs hooks
	// agent is the agent check's runtime state (agent.go).
	agent agentState

	// Counters are the server's statistics (show stat, Prometheus); they
	// survive reloads with the State. Cur and Total above are its scur
	// and stot.
	Counters stats.Counters
	// downtime is the time spent down before the current period; guarded
	// by mu.
	downtime time.Duration
}

// CheckState is the rise/fall progress of health checks, as HAProxy keeps it:
// Health runs from 0 to rise+fall-1 and the server is up while Health >= rise.
type CheckState struct {
	Health     int
	Rise       int    // the checks' rise: the server is up while Health >= Rise
	Configured bool   // the server has "check"
	LastStatus string // short status, e.g. "L4OK", "L7STS", "L4CON"
	LastDesc   string // detail for logs
	LastCode   int    // HTTP status of the last HTTP check, 0 if none
	LastDur    time.Duration
}

// NewState returns the state of a server that has not been checked yet: up.
func NewState(backend, name string) *State {
	s := &State{Backend: backend, Name: name, lastChange: time.Now()}
	s.up.Store(true)
	s.uweight.Store(-1)
	s.maxconn.Store(-1)
	s.obs.weightPct.Store(100)
	return s
}

// Key is "backend/server".
func (s *State) Key() string { return s.Backend + "/" + s.Name }

// Up reports the health verdict.
func (s *State) Up() bool { return s.up.Load() }

// Downtime is the total time the server has been down, including the
// current down period.
func (s *State) Downtime() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.downtime
	if !s.up.Load() {
		d += time.Since(s.lastChange)
	}
	return d
}

// SetUp records a health verdict and returns whether it changed.
func (s *State) SetUp(up bool) bool {
	if s.up.Swap(up) == up {
		return false
	}
	s.mu.Lock()
	now := time.Now()
	if up {
		s.downtime += now.Sub(s.lastChange)
	} else {
		s.Counters.ChkDown.Add(1)
	}
	s.lastChange = now
	fn := s.stateChanged
	trackers := s.trackers
	s.mu.Unlock()
	if fn != nil {
		fn(s)
	}
	// The configuration refuses tracking loops, so this ends.
	for _, t := range trackers {
		t.SetUp(up)
	}
	return true
}

// OnStateChange registers fn to be called after each up/down transition.
// The registry uses it to wake queued requests.
func (s *State) OnStateChange(fn func(*State)) {
	s.mu.Lock()
	s.stateChanged = fn
	s.mu.Unlock()
}

// LastChange is when the health verdict last changed.
func (s *State) LastChange() time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastChange
}

// SetConfigMaint applies the configuration's "disabled" flag: it puts the
// server in maintenance, and takes it out again when a reload removes the
// flag, without touching a maintenance mode set at run time.
func (s *State) SetConfigMaint(disabled bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case disabled:
		s.admin.Store(AdminMaint)
		s.configMaint = true
	case s.configMaint:
		s.admin.Store(AdminReady)
		s.configMaint = false
	}
}

// ChecksEnabled reports whether health checks run (they do unless
// disabled at run time).
func (s *State) ChecksEnabled() bool { return !s.checksOff.Load() }

// SetChecksEnabled enables or disables health checks at run time and
// reports whether that changed anything.
func (s *State) SetChecksEnabled(on bool) bool { return s.checksOff.Swap(!on) != !on }

// Target is a server address set at run time. It replaces the configured
// address Base only: a reload that changes the server's address in the
// configuration makes the configured one apply again.
type Target struct {
	Base string // the configured address it overrides
	Addr string // host:port to connect to
	Key  string // the idle-connection pool key for Addr
}

// Target returns the address set at run time, or nil.
func (s *State) Target() *Target { return s.target.Load() }

// SetTarget sets the address used instead of the configured one; nil
// returns to the configured one.
func (s *State) SetTarget(t *Target) { s.target.Store(t) }

// CheckOverride returns the check address and port set at run time, ""
// and 0 for none.
func (s *State) CheckOverride() (addr string, port int) {
	if p := s.checkAddr.Load(); p != nil {
		addr = *p
	}
	return addr, int(s.checkPort.Load())
}

// SetCheckAddr sets the address health checks probe instead of the
// configured one.
func (s *State) SetCheckAddr(addr string) { s.checkAddr.Store(&addr) }

// SetCheckPort sets the port health checks probe instead of the
// configured one.
func (s *State) SetCheckPort(port int) { s.checkPort.Store(int32(port)) }

// UserMaxConn returns the maxconn set at run time, or -1 when the
// configured one applies.
func (s *State) UserMaxConn() int64 { return s.maxconn.Load() }

// SetUserMaxConn sets the server's maxconn at run time (0: unlimited).
func (s *State) SetUserMaxConn(n int64) { s.maxconn.Store(n) }

// UserWeight returns the weight set at run time, or -1 when the
// configured weight applies.
func (s *State) UserWeight() int { return int(s.uweight.Load()) }

// SetUserWeight sets the weight at run time; -1 returns to the
// configured weight.
func (s *State) SetUserWeight(w int) { s.uweight.Store(int32(w)) }

// Admin returns the admin state.
func (s *State) Admin() uint32 { return s.admin.Load() }

// SetAdmin sets the admin state.
func (s *State) SetAdmin(a uint32) { s.admin.Store(a) }

// Usable reports whether new traffic may be sent to the server: it is up and
// neither in maintenance nor draining.
func (s *State) Usable() bool { return s.up.Load() && s.admin.Load() == AdminReady }

// Cur is the number of connections currently assigned to the server.
func (s *State) Cur() int64 { return s.cur.Load() }

// Inc assigns one more connection to the server.
func (s *State) Inc() {
	s.cur.Add(1)
	s.Total.Add(1)
}

// Dec releases a connection assigned with Inc.
func (s *State) Dec() { s.cur.Add(-1) }

// TryInc assigns one more connection unless that would exceed max (0 = no
// limit) and reports whether it did.
func (s *State) TryInc(max int64) bool {
	if max <= 0 {
		s.Inc()
		return true
	}
	for {
		c := s.cur.Load()
		if c >= max {
			return false
		}
		if s.cur.CompareAndSwap(c, c+1) {
			s.Total.Add(1)
			return true
		}
	}
}

// WithCheck runs fn with the check progress locked. Checkers use it to update
// rise/fall counters atomically with respect to one another.
func (s *State) WithCheck(fn func(c *CheckState)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.check)
}

// Check returns a copy of the check progress.
func (s *State) Check() CheckState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.check
}

// Registry maps "backend/server" to State, so that a new configuration
// generation finds the state its predecessor left.
type Registry struct {
	mu sync.Mutex
	m  map[string]*State
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: make(map[string]*State)} }

// Get returns the state for backend/name, creating it if needed.
func (r *Registry) Get(backend, name string) *State {
	key := backend + "/" + name
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.m[key]
	if !ok {
		s = NewState(backend, name)
		r.m[key] = s
	}
	return s
}

// Each calls fn with every server's state.
func (r *Registry) Each(fn func(*State)) {
	r.mu.Lock()
	ss := make([]*State, 0, len(r.m))
	for _, s := range r.m {
		ss = append(ss, s)
	}
	r.mu.Unlock()
	for _, s := range ss {
		fn(s)
	}
}

// Lookup returns the state for backend/name if it exists.
func (r *Registry) Lookup(backend, name string) (*State, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s, ok := r.m[backend+"/"+name]
	return s, ok
}

// Retain drops every state whose key is not in keep. The engine calls it
// after a new generation is live, so servers removed from the config do not
// leak, while servers kept keep their state.
func (r *Registry) Retain(keep map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k := range r.m {
		if !keep[k] {
			delete(r.m, k)
		}
	}
}
