package config

import (
	"fmt"
	"strings"
)

// checkTracks resolves every server's "track" (they may name servers of
// backends declared later) and refuses what HAProxy refuses.
func (l *loader) checkTracks() {
	for _, be := range l.snap.Backends {
		for _, s := range be.Servers {
			if s.Track == "" {
				continue
			}
			if _, _, err := ResolveTrack(l.snap, be, s); err != nil {
				l.errorf(s.Pos, "backend '%s': server '%s': %v", be.Name, s.Name, err)
			}
		}
	}
}

// ResolveTrack returns the server s (of backend be) tracks, checking
// HAProxy's rules: the tracked server exists, has a check or an agent
// check or tracks another one, and no chain loops back. s must not run
// checks or set init-state itself. Messages are HAProxy's, without the
// final period.
func ResolveTrack(snap *Snapshot, be *Backend, s *Server) (*Backend, *Server, error) {
	if s.Check {
		return nil, nil, fmt.Errorf("unable to enable checks and tracking at the same time")
	}
	if s.InitState != "" {
		return nil, nil, fmt.Errorf("unable to set init-state and tracking at the same time")
	}
	tb, ts, err := trackTarget(snap, be, s.Track)
	if err != nil {
		return nil, nil, err
	}
	if !ts.Check && (ts.Agent == nil || !ts.Agent.Enabled) && ts.Track == "" {
		return nil, nil, fmt.Errorf("unable to use %s/%s for tracking as it does not have any check nor agent enabled", tb.Name, ts.Name)
	}
	// Follow the chain: it must end without coming back to s.
	cb, cs := tb, ts
	for range 1000 {
		if cs == s {
			return nil, nil, fmt.Errorf("unable to track %s/%s as it belongs to a tracking chain looping back to %s/%s", tb.Name, ts.Name, be.Name, s.Name)
		}
		if cs.Track == "" {
			return tb, ts, nil
		}
		if cb, cs, err = trackTarget(snap, cb, cs.Track); err != nil {
			// Reported on that server's own line.
			return tb, ts, nil
		}
	}
	return nil, nil, fmt.Errorf("unable to track %s/%s: the tracking chain is too long", tb.Name, ts.Name)
}

// trackTarget finds the server named by a "track" argument, relative to
// backend be.
func trackTarget(snap *Snapshot, be *Backend, arg string) (*Backend, *Server, error) {
	tb := be
	name := arg
	if i := strings.LastIndexByte(arg, '/'); i >= 0 {
		if tb = snap.Backend(arg[:i]); tb == nil {
			return nil, nil, fmt.Errorf("unable to find required proxy '%s' for tracking", arg[:i])
		}
		name = arg[i+1:]
	}
	for _, s := range tb.Servers {
		if s.Name == name {
			return tb, s, nil
		}
	}
	return nil, nil, fmt.Errorf("unable to find required server '%s' for tracking", name)
}
