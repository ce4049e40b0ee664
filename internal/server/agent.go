package server

import "sync/atomic"

// agentState is a server's agent check ("agent-check") at run time: the
// runtime API's switches and overrides, and what the agent last said
// about the server's operational state. It lives in State, so a reload
// keeps it.
type agentState struct {
	// configured is set by the engine for a server with agent-check.
	configured atomic.Bool
	// off is "disable agent".
	off atomic.Bool
	// down is set while the agent (or "set server ... agent down")
	// reports the server down: it stays down whatever its health
	// checks say.
	down atomic.Bool
	// addr, port and send are "set server ... agent-addr|agent-port|
	// agent-send"; nil or 0 while the configured ones apply.
	addr atomic.Pointer[string]
	port atomic.Int32
	send atomic.Pointer[string]
}

// SetAgentConfigured records whether the server has agent-check.
func (s *State) SetAgentConfigured(on bool) { s.agent.configured.Store(on) }

// AgentConfigured reports whether the server has agent-check.
func (s *State) AgentConfigured() bool { return s.agent.configured.Load() }

// AgentEnabled reports whether the agent check runs: configured and not
// disabled at run time.
func (s *State) AgentEnabled() bool { return s.agent.configured.Load() && !s.agent.off.Load() }

// SetAgentEnabled is "enable agent" / "disable agent".
func (s *State) SetAgentEnabled(on bool) { s.agent.off.Store(!on) }

// AgentDown reports whether the agent holds the server down.
func (s *State) AgentDown() bool { return s.agent.down.Load() }

// SetAgentDown applies the agent's verdict on the operational state. Down
// takes the server down at once. Up releases it: a server without health
// checks comes up at once, one with checks when they pass (at once if
// they pass now).
func (s *State) SetAgentDown(down bool) {
	s.agent.down.Store(down)
	if down {
		s.SetUp(false)
		return
	}
	cs := s.Check()
	s.SetUp(!cs.Configured || cs.Health >= cs.Rise)
}

// AgentOverride returns the agent address and port set at run time ("",
// 0 while the configured ones apply).
func (s *State) AgentOverride() (addr string, port int) {
	if p := s.agent.addr.Load(); p != nil {
		addr = *p
	}
	return addr, int(s.agent.port.Load())
}

// SetAgentAddr sets the agent's address at run time.
func (s *State) SetAgentAddr(addr string) { s.agent.addr.Store(&addr) }

// SetAgentPort sets the agent's port at run time.
func (s *State) SetAgentPort(port int) { s.agent.port.Store(int32(port)) }

// AgentSend returns the string set by "set server ... agent-send", and
// whether one was set.
func (s *State) AgentSend() (string, bool) {
	if p := s.agent.send.Load(); p != nil {
		return *p, true
	}
	return "", false
}

// SetAgentSend sets the string the agent check sends.
func (s *State) SetAgentSend(v string) { s.agent.send.Store(&v) }

// SetTrackers sets the servers that track s ("track"): each up/down
// transition of s is applied to them too, after s's own callback. The
// engine sets the list at each configuration change (nil clears it).
func (s *State) SetTrackers(trackers []*State) {
	s.mu.Lock()
	s.trackers = trackers
	s.mu.Unlock()
}
