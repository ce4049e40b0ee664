package engine

import (
	"net/netip"
	"slices"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
)

// SessionInfo describes one client connection, for the runtime API's
// "show sess".
type SessionInfo struct {
	ID       uint64
	Frontend string
	Src, Dst netip.AddrPort
	Accept   time.Time
	// Idle is set while a keep-alive connection waits for its next
	// request.
	Idle bool
}

// Sessions lists the open client connections of every generation, by id.
func (e *Engine) Sessions() []SessionInfo {
	e.sessMu.Lock()
	out := make([]SessionInfo, 0, len(e.sessions))
	for s := range e.sessions {
		out = append(out, SessionInfo{ID: s.ID, Frontend: s.Frontend.Cfg.Name, Src: s.Src, Dst: s.Dst, Accept: s.Accept, Idle: s.Idle.Load()})
	}
	e.sessMu.Unlock()
	slices.SortFunc(out, func(a, b SessionInfo) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return out
}

// ShutdownSession closes the client connection with this id, as the
// runtime API's "shutdown session"; it reports whether one was open.
func (e *Engine) ShutdownSession(id uint64) bool {
	e.sessMu.Lock()
	defer e.sessMu.Unlock()
	for s := range e.sessions {
		if s.ID == id {
			s.Conn.Close()
			e.unpark(s)
			return true
		}
	}
	return false
}

// ClearCounters resets the statistics' maximum values of every frontend,
// backend, listener and server, and with all every cumulative counter
// too (the runtime API's "clear counters [all]").
func (e *Engine) ClearCounters(all bool) {
	e.stats.Each(func(c *stats.Counters) { c.Clear(all) })
	e.registry.Each(func(s *server.State) {
		s.Counters.Clear(all)
		if all {
			s.Total.Store(0)
		}
	})
}

// FrontendState is what the runtime API changes on a frontend ("disable
// frontend", "set maxconn frontend"). It outlives generations, keyed by
// the frontend's name.
type FrontendState struct {
	// Disabled stops accepting: new connections wait in the kernel's
	// backlog, as with HAProxy's paused listeners.
	Disabled atomic.Bool
	// MaxConn is the maxconn set at run time, -1 while the configured one
	// applies.
	MaxConn atomic.Int64
}

// frontendState returns the runtime state of the frontend called name;
// called by Apply's compile, under e.mu.
func (e *Engine) frontendState(name string) *FrontendState {
	if e.feStates == nil {
		e.feStates = make(map[string]*FrontendState)
	}
	st := e.feStates[name]
	if st == nil {
		st = &FrontendState{}
		st.MaxConn.Store(-1)
		e.feStates[name] = st
	}
	return st
}

// MaxConnNow returns the frontend's maxconn: the one set at run time, else
// the configured one; 0 is unlimited.
func (f *Frontend) MaxConnNow() int64 {
	if f.Runtime != nil {
		if n := f.Runtime.MaxConn.Load(); n >= 0 {
			return n
		}
	}
	return int64(f.Cfg.MaxConn)
}

// Paused reports whether the runtime API disabled the frontend.
func (f *Frontend) Paused() bool { return f.Runtime != nil && f.Runtime.Disabled.Load() }
