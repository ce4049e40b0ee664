package config

import (
	"maps"
	"slices"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Clone returns a deep copy of s: nothing reachable from the copy is shared
// with s, so the copy may be modified before it is published. Parsed files
// are copied too, since the Data Plane API edits them.
func (s *Snapshot) Clone() *Snapshot {
	if s == nil {
		return nil
	}
	c := &Snapshot{Global: cloneGlobal(&s.Global)}
	c.Frontends = cloneEach(s.Frontends, cloneFrontend)
	c.Backends = cloneEach(s.Backends, cloneBackend)
	c.Userlists = cloneEach(s.Userlists, cloneUserlist)
	c.Rings = cloneEach(s.Rings, func(r *Ring) *Ring { r2 := *r; r2.Servers = slices.Clone(r.Servers); return &r2 })
	c.LogForwards = cloneEach(s.LogForwards, func(f *LogForward) *LogForward {
		f2 := *f
		f2.Binds, f2.DgramBinds, f2.Logs = slices.Clone(f.Binds), slices.Clone(f.DgramBinds), cloneLogs(f.Logs)
		return &f2
	})
	c.Resolvers = cloneEach(s.Resolvers, func(r *Resolvers) *Resolvers {
		r2 := *r
		r2.Nameservers = slices.Clone(r.Nameservers)
		r2.Hold = maps.Clone(r.Hold)
		return &r2
	})
	c.Files = cloneEach(s.Files, cloneFile)
	c.Warnings = cloneEach(s.Warnings, func(e *Error) *Error { e2 := *e; return &e2 })
	return c
}

// cloneEach deep-copies a slice of pointers with fn, keeping nil as nil.
func cloneEach[T any](in []*T, fn func(*T) *T) []*T {
	if in == nil {
		return nil
	}
	out := make([]*T, len(in))
	for i, v := range in {
		if v != nil {
			out[i] = fn(v)
		}
	}
	return out
}

// clonePairs copies a slice of header pairs.
func clonePairs(in [][2]string) [][2]string { return slices.Clone(in) }

func cloneGlobal(g *Global) Global {
	c := *g
	c.Logs = cloneLogs(g.Logs)
	c.StatsSocket = slices.Clone(g.StatsSocket)
	for i := range c.StatsSocket {
		c.StatsSocket[i].Options = slices.Clone(c.StatsSocket[i].Options)
	}
	if g.LogSendHostname != nil {
		h := *g.LogSendHostname
		c.LogSendHostname = &h
	}
	c.SSLDefaultBind = g.SSLDefaultBind.clone()
	c.SSLDefaultServer = g.SSLDefaultServer.clone()
	c.Env = slices.Clone(g.Env)
	for i := range c.Env {
		c.Env[i].Names = slices.Clone(c.Env[i].Names)
	}
	return c
}

func cloneProxy(p *Proxy) *Proxy {
	c := *p
	c.Logs = cloneLogs(p.Logs)
	c.ACLs = cloneEach(p.ACLs, func(a *ACL) *ACL {
		a2 := *a
		a2.Words = slices.Clone(a.Words)
		return &a2
	})
	c.HTTPRequest = cloneEach(p.HTTPRequest, cloneHTTPRule)
	c.HTTPResponse = cloneEach(p.HTTPResponse, cloneHTTPRule)
	c.HTTPAfterResponse = cloneEach(p.HTTPAfterResponse, cloneHTTPRule)
	c.Redirects = cloneEach(p.Redirects, cloneHTTPRule)
	c.TCP = p.TCP.clone()
	c.DefaultsRules = cloneDefaultsRules(p.DefaultsRules)
	c.Stats = cloneStats(p.Stats)
	if p.ErrorFiles != nil {
		c.ErrorFiles = make(map[int][]byte, len(p.ErrorFiles))
		for k, v := range p.ErrorFiles {
			c.ErrorFiles[k] = slices.Clone(v)
		}
	}
	return &c
}

func cloneCond(cd *Cond) *Cond {
	if cd == nil {
		return nil
	}
	c := *cd
	c.Words = slices.Clone(cd.Words)
	return &c
}

func cloneHTTPRule(r *HTTPRule) *HTTPRule {
	c := *r
	c.Args = slices.Clone(r.Args)
	c.Cond = cloneCond(r.Cond)
	return &c
}

func cloneFrontend(f *Frontend) *Frontend {
	c := *f
	c.Proxy = *cloneProxy(&f.Proxy)
	c.Binds = cloneEach(f.Binds, func(b *Bind) *Bind {
		b2 := *b
		b2.Options = slices.Clone(b.Options)
		b2.TLS = b.TLS.clone()
		return &b2
	})
	c.UseBackends = cloneEach(f.UseBackends, func(u *UseBackend) *UseBackend {
		u2 := *u
		u2.Cond = cloneCond(u.Cond)
		return &u2
	})
	c.MonitorFail = cloneEach(f.MonitorFail, cloneCond)
	c.ReqCaptures = slices.Clone(f.ReqCaptures)
	c.ResCaptures = slices.Clone(f.ResCaptures)
	return &c
}

func cloneBackend(b *Backend) *Backend {
	c := *b
	c.Proxy = *cloneProxy(&b.Proxy)
	c.Servers = cloneEach(b.Servers, cloneServer)
	if b.DefaultServer != nil {
		c.DefaultServer = cloneServer(b.DefaultServer)
	}
	c.Persist = b.Persist.clone()
	if b.HTTPCheck != nil {
		c.HTTPCheck = cloneHTTPCheck(b.HTTPCheck)
	}
	c.Check = cloneCheckSpec(b.Check)
	if b.Source != nil {
		src := *b.Source
		c.Source = &src
	}
	return &c
}

func cloneServer(s *Server) *Server {
	c := *s
	c.Options = slices.Clone(s.Options)
	c.ResolveNet = slices.Clone(s.ResolveNet)
	c.TLS = s.TLS.clone()
	if s.Source != nil {
		src := *s.Source
		c.Source = &src
	}
	if s.Agent != nil {
		a := *s.Agent
		c.Agent = &a
	}
	return &c
}

func cloneHTTPCheck(h *HTTPCheck) *HTTPCheck {
	c := *h
	c.Headers = clonePairs(h.Headers)
	c.Rules = cloneCheckRules(h.Rules)
	if h.Expect != nil {
		e := *h.Expect
		c.Expect = &e
	}
	return &c
}

func cloneUserlist(u *Userlist) *Userlist {
	c := *u
	c.Users = cloneEach(u.Users, func(us *User) *User {
		u2 := *us
		u2.Groups = slices.Clone(us.Groups)
		return &u2
	})
	c.Groups = cloneEach(u.Groups, func(g *Group) *Group {
		g2 := *g
		g2.Users = slices.Clone(g.Users)
		return &g2
	})
	return &c
}

func cloneFile(f *cfgfile.File) *cfgfile.File {
	c := *f
	c.Preamble = cloneEach(f.Preamble, cloneLine)
	c.Sections = cloneEach(f.Sections, func(s *cfgfile.Section) *cfgfile.Section {
		s2 := *s
		s2.Header = cloneLine(s.Header)
		s2.Lines = cloneEach(s.Lines, cloneLine)
		return &s2
	})
	return &c
}

// cloneLine copies a line, its unexported state included (struct copy).
func cloneLine(l *cfgfile.Line) *cfgfile.Line {
	if l == nil {
		return nil
	}
	c := *l
	c.Words = slices.Clone(l.Words)
	return &c
}

// cloneLogs copies "log" lines with their sample ranges.
func cloneLogs(logs []LogTarget) []LogTarget {
	c := slices.Clone(logs)
	for i := range c {
		if smp := c[i].Sample; smp != nil {
			c[i].Sample = &LogSample{Ranges: slices.Clone(smp.Ranges), Size: smp.Size}
		}
	}
	return c
}
