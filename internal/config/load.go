package config

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// LoadFiles parses the files with package cfgfile, expanding environment
// variables from the process environment, and loads them. When the global
// section sets variables (setenv, presetenv, resetenv, unsetenv), the files
// are parsed a second time with those applied, so that "${VAR}" anywhere in
// the configuration sees them, as they would in HAProxy for the lines after
// the global section.
func LoadFiles(paths []string) (*Snapshot, error) {
	files, err := cfgfile.ParseFiles(paths, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	ops := envOps(files)
	if len(ops) == 0 {
		return Load(files)
	}
	files, err = cfgfile.ParseFiles(paths, overlayEnv(ops, os.LookupEnv))
	if err != nil {
		return nil, err
	}
	return Load(files)
}

// Load validates parsed configuration files and builds a Snapshot. On
// failure the error is an ErrorList holding every problem found, and the
// Snapshot is nil. Warnings (deprecated or ignored keywords) go to
// Snapshot.Warnings.
func Load(files []*cfgfile.File) (*Snapshot, error) {
	l := newLoader()
	l.loadHTTPErrors(files)
	for _, f := range files {
		l.file(f)
	}
	l.finish()
	if len(l.errs) > 0 {
		sortByPos(l.errs, files)
		return nil, l.errs
	}
	sortByPos(l.warns, files)
	l.snap.Files = files
	l.snap.Warnings = l.warns
	return l.snap, nil
}

// loader holds the state of one Load call.
type loader struct {
	snap  *Snapshot
	errs  ErrorList
	warns []*Error
	// named are the named defaults sections seen so far.
	named map[string]*proxyState
	// lastDefaults is what a proxy without "from" inherits: the last
	// defaults section, named or not, or HAProxy's built-in defaults.
	lastDefaults *proxyState
	// httpErrors are the http-errors sections by name (loadHTTPErrors).
	httpErrors map[string]*httpErrors
	// refs are checked by finish, once every backend is known.
	refs []backendRef
}

// backendRef is a default_backend or use_backend to check once every
// backend is known.
type backendRef struct {
	pos  cfgfile.Pos
	fe   *Frontend
	name string
}

func newLoader() *loader {
	return &loader{
		snap:         &Snapshot{Global: Global{BufSize: 16384, MaxRewrite: 8192}},
		named:        map[string]*proxyState{},
		lastDefaults: builtinDefaults(),
	}
}

func (l *loader) errorf(pos cfgfile.Pos, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (l *loader) warnf(pos cfgfile.Pos, format string, args ...any) {
	l.warns = append(l.warns, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

// unsupportedSections are section kinds HAProxy has and hawser does not
// implement yet.
var unsupportedSections = map[string]bool{
	"peers": true, "mailers": true,
	"cache": true, "fcgi-app": true,
	"crt-store": true, "program": true, "traces": true, "acme": true,
}

func (l *loader) file(f *cfgfile.File) {
	for _, ln := range f.Preamble {
		if active(ln) {
			l.errorf(ln.Pos, "unknown keyword '%s' out of section", ln.Words[0])
		}
	}
	for _, s := range f.Sections {
		l.section(s)
	}
}

// active reports whether a line carries a keyword to parse.
func active(ln *cfgfile.Line) bool {
	return len(ln.Words) > 0 && !ln.Directive && !ln.Inactive
}

func (l *loader) section(s *cfgfile.Section) {
	pos := s.Header.Pos
	kind := sectionKind(s.Kind)
	c := &lineCtx{l: l, sec: kind, secName: s.Kind}
	switch {
	case kind == SecHTTPErrors:
		// Already loaded, before every proxy (loadHTTPErrors).
		return
	case unsupportedSections[s.Kind]:
		l.errorf(pos, "'%s' section is not supported by hawser", s.Kind)
		return
	case kind == 0:
		l.errorf(pos, "unknown section '%s'", s.Kind)
		return
	case kind == SecGlobal:
		c.g = &l.snap.Global
		if c.g.Pos.Line == 0 {
			c.g.Pos = pos
		}
	case kind == SecRing:
		c.ring = l.newRing(s)
	case kind == SecLogForward:
		c.lf = l.newLogForward(s)
	case kind == SecResolvers:
		c.res = l.newResolvers(s)
	case kind == SecUserlist:
		if s.Name == "" {
			l.errorf(pos, "'userlist' expects a name")
		}
		c.ul = &Userlist{Pos: pos, Name: s.Name}
		l.snap.Userlists = append(l.snap.Userlists, c.ul)
	default:
		c.px = l.newProxy(s, kind)
	}
	for _, ln := range s.Lines {
		if active(ln) {
			c.pos = ln.Pos
			c.line(ln.Words)
		}
	}
	if c.px != nil {
		l.endProxy(c.px)
	}
	if c.res != nil {
		l.endResolvers(c.res)
	}
	if c.lf != nil && len(c.lf.Binds)+len(c.lf.DgramBinds) == 0 {
		l.errorf(pos, "log-forward '%s': no 'bind' or 'dgram-bind' line", c.lf.Name)
	}
	if c.lf != nil && len(c.lf.Logs) == 0 {
		l.errorf(pos, "log-forward '%s': no 'log' line: received messages would go nowhere", c.lf.Name)
	}
}

// newProxy starts a defaults, frontend, backend or listen section from the
// defaults it inherits.
func (l *loader) newProxy(s *cfgfile.Section, kind SectionSet) *proxyState {
	pos := s.Header.Pos
	parent := l.lastDefaults
	if kind == SecDefaults && s.From == "" {
		// A defaults section starts from HAProxy's built-in values, not
		// from the previous defaults section.
		parent = builtinDefaults()
	}
	if s.From != "" {
		if d := l.named[s.From]; d != nil {
			parent = d
		} else {
			l.errorf(pos, "%s '%s': defaults section '%s' not found (it must be named and declared before)", s.Kind, s.Name, s.From)
		}
	}
	if kind != SecDefaults && s.Name == "" {
		l.errorf(pos, "'%s' expects a name", s.Kind)
	}
	if err := l.checkRulesParent(pos, kind, parent); err != nil {
		l.errorf(pos, "%s '%s': %s", s.Kind, s.Name, err)
	}
	ps := parent.inherit()
	ps.kind = kind
	ps.p.Pos = pos
	ps.p.Name = s.Name
	ps.p.Listen = kind == SecListen
	return ps
}

func (l *loader) endProxy(ps *proxyState) {
	if ps.kind != SecDefaults {
		l.checkTCPContentMode(&ps.p)
		l.checkStatsMode(ps)
	}
	switch ps.kind {
	case SecDefaults:
		// Like HAProxy, a named defaults section is also the implicit
		// parent of the sections that follow it without "from".
		l.lastDefaults = ps
		if ps.p.Name != "" {
			l.named[ps.p.Name] = ps
		}
	case SecFrontend:
		l.snap.Frontends = append(l.snap.Frontends, ps.frontend())
	case SecBackend:
		l.snap.Backends = append(l.snap.Backends, ps.backend())
	case SecListen:
		fe := ps.frontend()
		l.snap.Frontends = append(l.snap.Frontends, fe)
		l.snap.Backends = append(l.snap.Backends, ps.backend())
	}
	if ps.kind&(SecFrontend|SecListen) != 0 {
		fe := l.snap.Frontends[len(l.snap.Frontends)-1]
		if fe.DefaultBackend != "" {
			l.refs = append(l.refs, backendRef{pos: ps.defaultBackendPos, fe: fe, name: fe.DefaultBackend})
		}
		for _, ub := range fe.UseBackends {
			if ub.Dynamic() {
				// Resolved per request; the engine checks the format.
				continue
			}
			l.refs = append(l.refs, backendRef{pos: ub.Pos, fe: fe, name: ub.Backend})
		}
	}
}

// checkTCPContentMode refuses tcp-response content rules in a mode http
// proxy: hawser runs the tcp-request rules there (connection and session
// rules once, content rules on each request) but not the response ones,
// and a rule must not be accepted to be ignored.
func (l *loader) checkTCPContentMode(p *Proxy) {
	if p.Mode != ModeHTTP {
		return
	}
	sets := [][]*TCPRule{p.TCP.ResponseContent}
	if d := p.DefaultsRules; d != nil {
		sets = append(sets, d.TCP.ResponseContent)
	}
	for _, set := range sets {
		if len(set) > 0 {
			l.errorf(set[0].Pos, "tcp-response content rules in mode http are not supported by hawser yet")
			return
		}
	}
}

// checkServerProtos refuses what HAProxy refuses of "proto" and
// "check-proto": an HTTP protocol on a server of a mode tcp backend, and
// an HTTP protocol for checks that are not HTTP checks.
func (l *loader) checkServerProtos() {
	for _, be := range l.snap.Backends {
		for _, s := range be.Servers {
			if s.Proto != "" && be.Mode == ModeTCP {
				l.errorf(s.Pos, "backend '%s': MUX protocol '%s' is not usable for server '%s'", be.Name, s.Proto, s.Name)
			}
			if t := s.TLS; s.Proto == "" && t != nil && t.SSL && len(t.ALPN) > 1 && slices.Contains(t.ALPN, "h2") {
				l.errorf(s.Pos, "backend '%s': server '%s': choosing the protocol by ALPN ('alpn %s' without 'proto') is not supported by hawser: add 'proto h2' or offer one protocol",
					be.Name, s.Name, strings.Join(t.ALPN, ","))
			}
			if s.Check && s.CheckProto != "" && be.HTTPCheck == nil {
				l.errorf(s.Pos, "backend '%s': server '%s' uses an incompatible MUX protocol for the selected check type", be.Name, s.Name)
			}
		}
	}
}

// finish runs the checks that need the whole configuration.
func (l *loader) finish() {
	l.checkDuplicates()
	for _, r := range l.refs {
		be := l.snap.Backend(r.name)
		switch {
		case be == nil:
			l.errorf(r.pos, "%s '%s': unable to find required backend '%s'", proxyKind(&r.fe.Proxy, "frontend"), r.fe.Name, r.name)
		case r.fe.Mode == ModeHTTP && be.Mode == ModeTCP:
			l.errorf(r.pos, "%s '%s': unable to use backend '%s' with wrong mode, required: http, has: tcp", proxyKind(&r.fe.Proxy, "frontend"), r.fe.Name, r.name)
		}
	}
	l.checkUserlistRefs()
	l.checkRingRefs()
	l.checkResolverRefs()
	l.checkFetchRefs()
	l.checkServerProtos()
	l.checkTracks()
	for _, ul := range l.snap.Userlists {
		l.checkUserlistMembers(ul)
	}
}

// checkUserlistMembers verifies that users and groups of a userlist name
// each other correctly, as HAProxy does once the section is complete.
func (l *loader) checkUserlistMembers(ul *Userlist) {
	groups, users := map[string]bool{}, map[string]bool{}
	for _, g := range ul.Groups {
		groups[g.Name] = true
	}
	for _, u := range ul.Users {
		users[u.Name] = true
		for _, g := range u.Groups {
			if !groups[g] {
				l.errorf(u.Pos, "userlist '%s': no such group '%s' specified in user '%s'", ul.Name, g, u.Name)
			}
		}
	}
	for _, g := range ul.Groups {
		for _, u := range g.Users {
			if !users[u] {
				l.errorf(g.Pos, "userlist '%s': no such user '%s' specified in group '%s'", ul.Name, u, g.Name)
			}
		}
	}
}

// proxyKind names the section a proxy half came from, for messages.
func proxyKind(p *Proxy, half string) string {
	if p.Listen {
		return "listen"
	}
	return half
}

func (l *loader) checkDuplicates() {
	fes := map[string]*Frontend{}
	for _, fe := range l.snap.Frontends {
		if prev := fes[fe.Name]; prev != nil {
			l.errorf(fe.Pos, "%s '%s' has the same name as %s '%s' declared at %s:%d", proxyKind(&fe.Proxy, "frontend"), fe.Name, proxyKind(&prev.Proxy, "frontend"), prev.Name, prev.Pos.File, prev.Pos.Line)
			continue
		}
		fes[fe.Name] = fe
	}
	// HAProxy lets several frontends bind one address (SO_REUSEPORT
	// spreads the connections); hawser gives each address one frontend,
	// so say so here rather than when the engine starts.
	binds := map[string]*Frontend{}
	for _, fe := range l.snap.Frontends {
		if fe.Disabled {
			continue
		}
		for _, b := range fe.Binds {
			key := b.Network + "@" + b.Address
			if prev := binds[key]; prev != nil && prev != fe {
				l.errorf(b.Pos, "%s '%s': bind %s is also used by %s '%s' declared at %s:%d; sharing a listening address between frontends is not supported by hawser",
					proxyKind(&fe.Proxy, "frontend"), fe.Name, b.Address, proxyKind(&prev.Proxy, "frontend"), prev.Name, prev.Pos.File, prev.Pos.Line)
				continue
			}
			binds[key] = fe
		}
	}
	bes := map[string]*Backend{}
	for _, be := range l.snap.Backends {
		if prev := bes[be.Name]; prev != nil {
			l.errorf(be.Pos, "%s '%s' has the same name as %s '%s' declared at %s:%d", proxyKind(&be.Proxy, "backend"), be.Name, proxyKind(&prev.Proxy, "backend"), prev.Name, prev.Pos.File, prev.Pos.Line)
			continue
		}
		bes[be.Name] = be
	}
	uls := map[string]*Userlist{}
	for _, ul := range l.snap.Userlists {
		if prev := uls[ul.Name]; prev != nil {
			l.errorf(ul.Pos, "userlist '%s' has the same name as userlist declared at %s:%d", ul.Name, prev.Pos.File, prev.Pos.Line)
			continue
		}
		uls[ul.Name] = ul
	}
}

// checkUserlistRefs verifies that http_auth(<userlist>) and
// http_auth_group(<userlist>) name a declared userlist.
func (l *loader) checkUserlistRefs() {
	for _, fe := range l.snap.Frontends {
		l.checkACLUserlists(&fe.Proxy)
	}
	for _, be := range l.snap.Backends {
		if !be.Listen {
			l.checkACLUserlists(&be.Proxy)
		}
	}
}

func (l *loader) checkACLUserlists(p *Proxy) {
	check := func(pos cfgfile.Pos, words []string) {
		for _, w := range words {
			name := userlistArg(w)
			if name != "" && l.userlist(name) == nil {
				l.errorf(pos, "unable to find userlist '%s' referenced in %s", name, w)
			}
		}
	}
	for _, a := range p.ACLs {
		check(a.Pos, a.Words)
	}
	for _, rules := range [][]*HTTPRule{p.HTTPRequest, p.HTTPResponse, p.HTTPAfterResponse, p.Redirects} {
		for _, r := range rules {
			if r.Cond != nil {
				check(r.Cond.Pos, r.Cond.Words)
			}
		}
	}
}

// userlistArg returns the userlist named by an http_auth fetch word.
func userlistArg(w string) string {
	for _, f := range []string{"http_auth(", "http_auth_group(", "http_auth_bearer("} {
		if rest, ok := strings.CutPrefix(w, f); ok {
			name, _, _ := strings.Cut(rest, ")")
			name, _, _ = strings.Cut(name, ",")
			if f == "http_auth_bearer(" {
				return ""
			}
			return name
		}
	}
	return ""
}

func (l *loader) userlist(name string) *Userlist {
	for _, ul := range l.snap.Userlists {
		if ul.Name == name {
			return ul
		}
	}
	return nil
}

// sortByPos orders problems as they appear in the files, so that checks
// run after parsing (unknown backends, duplicates) are listed in place.
func sortByPos(errs []*Error, files []*cfgfile.File) {
	order := map[string]int{}
	for i, f := range files {
		if _, ok := order[f.Name]; !ok {
			order[f.Name] = i
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.File != b.File {
			return order[a.File] < order[b.File]
		}
		return a.Line < b.Line
	})
}
