package engine

import (
	"context"
	"fmt"
	"github.com/hawser-lb/hawser/internal/proxyproto"
	"net"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/health"
	"github.com/hawser-lb/hawser/internal/listener"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/maps"
	"github.com/hawser-lb/hawser/internal/rules"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
	"github.com/hawser-lb/hawser/internal/stick"
	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// Generation is one compiled configuration. It is immutable once
// published, except for counters.
type Generation struct {
	ID        uint64
	Snap      *config.Snapshot
	Frontends []*Frontend
	Backends  map[string]*Backend
	// Engine is the engine that runs this generation.
	Engine *Engine
	// Maps shares the map and pattern files of this generation's
	// conditions, expressions and rules; set-map and add-acl edit them.
	Maps *maps.Registry
	// Tables are the stick tables declared by proxies, by proxy name;
	// their contents live in the engine's stick.Registry across reloads.
	Tables map[string]*stick.Table
	// Userlists are the compiled userlists, by name.
	Userlists map[string]*Userlist

	// statKeys are the stats.Registry keys of this generation's proxies.
	statKeys map[string]bool
	// sockStats are the listening sockets of frontends with "option
	// socket-stats", by listener key.
	sockStats  map[string]*SockStat
	byListener map[string]*Frontend
	specs      []listener.Spec
	serverKeys map[string]bool
	// proxyKeys are the listeners whose bind line has accept-proxy.
	proxyKeys map[string]bool
	// h2Keys are the listeners whose bind line has "proto h2".
	h2Keys map[string]bool
	// tlsBinds are the TLS sides of the listeners with "ssl".
	tlsBinds map[string]*tlsconf.Bind
	checks   []health.Check
	agents   []health.Agent
	// healthPeers are each backend's servers, for the server counts in
	// health-check messages.
	healthPeers map[string][]health.Peer
	// resolve are, per backend, the servers whose names a resolvers
	// section resolves at run time, with the client of that section.
	resolve []resolveGroup

	ctx    context.Context
	cancel context.CancelFunc
}

// Context is cancelled when the generation is retired.
func (g *Generation) Context() context.Context { return g.ctx }

// Retired reports whether a newer generation has replaced this one (or the
// engine has stopped).
func (g *Generation) Retired() bool { return g.ctx.Err() != nil }

// Frontend is a compiled frontend.
type Frontend struct {
	Cfg *config.Frontend
	// Runtime is the state the runtime API sets on the frontend, shared
	// by every generation that has a frontend of this name.
	Runtime     *FrontendState
	UseBackends []UseBackend
	Default     *Backend
	Rules       RuleSets
	Log         *logging.Logger
	LogFormat   *logging.Format
	// ErrorLogFormat is error-log-format, nil for HAProxy's default line.
	ErrorLogFormat *logging.Format
	// UniqueID is the compiled unique-id-format (nil: none) and
	// UniqueIDHeader the unique-id-header name (nil: none).
	UniqueID       *logging.Format
	UniqueIDHeader []byte
	// ErrorPages are the complete responses sent for proxy-generated
	// errors, keyed by status.
	ErrorPages map[int][]byte
	// MonitorFail are the compiled "monitor fail" conditions; see
	// MonitorFailed.
	MonitorFail []*acl.Cond
	CurConn     atomic.Int64
	// Counters are the frontend's statistics, shared by every generation
	// that has a frontend of this name.
	Counters *stats.Counters
	// Stats is the frontend's stats page, nil if it has none.
	Stats *StatsPage
	// TCP are the tcp-request rules (tcprules.go).
	TCP TCPRules
	// backends are the generation's backends, for dynamic use_backend.
	backends map[string]*Backend
	// sockStats are the frontend's sockets with their own counters
	// (option socket-stats), in bind order.
	sockStats []*SockStat
	// sockets are the frontend's listeners by spec key, for so_id and
	// so_name.
	sockets map[string]socketInfo
}

// socketInfo is a listener's id and name.
type socketInfo struct {
	id   int
	name string
}

// socketInfos numbers a frontend's listeners as HAProxy does: a bind's
// "id" option, else the lowest id not taken yet, in declaration order.
func socketInfos(binds []*config.Bind) map[string]socketInfo {
	out := make(map[string]socketInfo, len(binds))
	used := make(map[int]bool)
	ids := make([]int, len(binds))
	names := make([]string, len(binds))
	for i, b := range binds {
		for j := 0; j+1 < len(b.Options); j++ {
			switch b.Options[j] {
			case "id":
				if n, err := strconv.Atoi(b.Options[j+1]); err == nil && n > 0 {
					ids[i] = n
					used[n] = true
				}
			case "name":
				names[i] = b.Options[j+1]
			}
		}
	}
	next := 1
	for i, b := range binds {
		if ids[i] == 0 {
			for used[next] {
				next++
			}
			ids[i] = next
			used[next] = true
		}
		if b.Name != "" {
			names[i] = b.Name
		}
		out[specOf(b).Key()] = socketInfo{id: ids[i], name: names[i]}
	}
	return out
}

// SocketID is the id of the listener the session arrived on (so_id).
func (s *Session) SocketID() int { return s.Frontend.sockets[s.Key].id }

// SocketName is the name of the listener the session arrived on
// (so_name), "" when it has none.
func (s *Session) SocketName() string { return s.Frontend.sockets[s.Key].name }

// MonitorFailed reports whether a monitor-uri request must answer 503:
// any "monitor fail" condition holds for s.
func (f *Frontend) MonitorFailed(s acl.Sample) bool {
	for _, c := range f.MonitorFail {
		if c.Match(s) {
			return true
		}
	}
	return false
}

// UseBackend is a compiled use_backend rule: a fixed Backend, or a Name
// format resolved per request (route.go).
type UseBackend struct {
	Cond    *acl.Cond
	Backend *Backend
	Name    *logging.Format
}

// Backend is a compiled backend.
type Backend struct {
	Cfg        *config.Backend
	Pool       *balance.Pool
	Queue      *balance.Queue
	Rules      RuleSets
	ErrorPages map[int][]byte
	// QueueTimeout is "timeout queue", or "timeout connect" when unset.
	QueueTimeout time.Duration
	// TCP are the backend's tcp-request content and tcp-response rules.
	TCP TCPRules
	// Persist is the backend's server persistence (persist.go), nil if
	// it has none.
	Persist *Persist
	// Counters are the backend's statistics, shared by every generation
	// that has a backend of this name.
	Counters *stats.Counters
	// Stats is the backend's stats page, served to the requests routed
	// to it; nil if it has none.
	Stats *StatsPage
}

// RuleSets are a proxy's compiled rules.
type RuleSets struct {
	// Request holds the http-request rules, then the "redirect" lines
	// (HAProxy evaluates those after the http-request rules).
	Request       []*rules.Rule
	Response      []*rules.Rule
	AfterResponse []*rules.Rule
}

// compileRuleSets compiles the rules of proxy p; fe is p's frontend, whose
// capture slots the rules fill, or nil for a backend.
func (g *Generation) compileRuleSets(rs *RuleSets, p *config.Proxy, fe *config.Frontend) error {
	if d := p.DefaultsRules; d != nil {
		// The defaults section's rules come first in each set, so that
		// one of its final actions (allow, deny...) also ends the
		// proxy's rules, as in HAProxy. They see only their own ACLs.
		env := g.ruleEnv(p)
		env.Defs = aclDefs(&config.Proxy{ACLs: d.ACLs})
		captureEnv(env, fe)
		if err := compileRuleSet(rs, env, d.HTTPRequest, d.HTTPResponse, d.HTTPAfterResponse); err != nil {
			return err
		}
	}
	env := g.ruleEnv(p)
	captureEnv(env, fe)
	req := append(append([]*config.HTTPRule(nil), captureSlotRules(p.HTTPRequest, fe)...), p.Redirects...)
	return compileRuleSet(rs, env, req, p.HTTPResponse, p.HTTPAfterResponse)
}

// compileRuleSet compiles request, response and after-response rules in
// env and appends them to rs.
func compileRuleSet(rs *RuleSets, env *rules.Env, req, res, after []*config.HTTPRule) error {
	sets := []struct {
		d   rules.Dir
		in  []*config.HTTPRule
		out *[]*rules.Rule
	}{
		{rules.Request, req, &rs.Request},
		{rules.Response, res, &rs.Response},
		{rules.AfterResponse, after, &rs.AfterResponse},
	}
	var errs compileErrors
	for _, s := range sets {
		compiled, err := compileRules(s.d, s.in, env)
		errs.add("", cfgfile.Pos{}, err)
		*s.out = append(*s.out, compiled...)
	}
	return errs.err()
}

func specOf(b *config.Bind) listener.Spec {
	return listener.Spec{Network: b.Network, Address: b.Address, Backlog: b.Backlog, Mode: b.Mode}
}

func (e *Engine) compile(snap *config.Snapshot) (*Generation, error) {
	ctx, cancel := context.WithCancel(context.Background())
	g := &Generation{
		ID:          e.genID.Add(1),
		Snap:        snap,
		Engine:      e,
		Maps:        e.keepMaps,
		Backends:    make(map[string]*Backend),
		byListener:  make(map[string]*Frontend),
		serverKeys:  make(map[string]bool),
		statKeys:    make(map[string]bool),
		healthPeers: make(map[string][]health.Peer),
		ctx:         ctx,
		cancel:      cancel,
	}
	if g.Maps == nil {
		g.Maps = maps.NewRegistry()
	}
	fail := func(err error) (*Generation, error) {
		cancel()
		return nil, err
	}
	// Every error is collected, so that a check lists them all; the
	// tables and userlists come first because the proxies use them.
	var errs compileErrors
	errs.add("", cfgfile.Pos{}, e.compileTables(g, snap))
	errs.add("", cfgfile.Pos{}, g.compileUserlists(snap))
	if err := errs.err(); err != nil {
		return fail(err)
	}
	for _, bc := range snap.Backends {
		b, err := e.compileBackend(g, bc)
		errs.add(fmt.Sprintf("backend %q: ", bc.Name), bc.Pos, err)
		// Even a backend with errors is registered, so that the
		// frontends naming it do not report it missing.
		g.Backends[bc.Name] = b
	}
	for _, fc := range snap.Frontends {
		if fc.Disabled {
			continue
		}
		f, err := e.compileFrontend(g, fc)
		if err != nil {
			errs.add(fmt.Sprintf("frontend %q: ", fc.Name), fc.Pos, err)
			continue
		}
		g.Frontends = append(g.Frontends, f)
		for _, b := range fc.Binds {
			s := specOf(b)
			if other, dup := g.byListener[s.Key()]; dup {
				errs.add(fmt.Sprintf("frontend %q: ", fc.Name), b.Pos, fmt.Errorf("bind %s is also used by frontend %q", b.Address, other.Cfg.Name))
				continue
			}
			g.byListener[s.Key()] = f
			if fc.SocketStats {
				g.addSockStat(f, b, s.Key())
			}
			if b.AcceptProxy {
				if g.proxyKeys == nil {
					g.proxyKeys = make(map[string]bool)
				}
				g.proxyKeys[s.Key()] = true
			}
			if b.Proto == "h2" {
				if g.h2Keys == nil {
					g.h2Keys = make(map[string]bool)
				}
				g.h2Keys[s.Key()] = true
			}
			if b.TLS != nil && b.TLS.SSL {
				tb, err := e.compileTLSBind(b, fc, snap)
				if err != nil {
					errs.add(fmt.Sprintf("frontend %q: ", fc.Name), b.Pos, err)
					continue
				}
				if g.tlsBinds == nil {
					g.tlsBinds = make(map[string]*tlsconf.Bind)
				}
				g.tlsBinds[s.Key()] = tb
			}
			g.specs = append(g.specs, s)
		}
	}
	if err := errs.err(); err != nil {
		return fail(err)
	}
	return g, nil
}

func aclDefs(p *config.Proxy) acl.Defs {
	defs := make(acl.Defs)
	for _, a := range p.ACLs {
		defs[a.Name] = append(defs[a.Name], a.Words)
	}
	return defs
}

func compileCond(c *config.Cond, defs acl.Defs) (*acl.Cond, error) {
	return compileCondMaps(c, defs, nil)
}

// compileCondMaps is compileCond sharing the generation's map files.
func compileCondMaps(c *config.Cond, defs acl.Defs, reg *maps.Registry) (*acl.Cond, error) {
	if c == nil {
		return nil, nil
	}
	cond, err := acl.CompileMaps(c.Words, c.Unless, defs, reg)
	if err != nil {
		return nil, at(c.Pos, err)
	}
	return cond, nil
}

func (e *Engine) compileFrontend(g *Generation, fc *config.Frontend) (*Frontend, error) {
	f := &Frontend{Cfg: fc, Counters: e.stats.Get(stats.KindFrontend, fc.Name), Runtime: e.frontendState(fc.Name)}
	g.statKeys[stats.KindFrontend+"/"+fc.Name] = true
	var errs compileErrors
	defs := aclDefs(&fc.Proxy)
	f.backends = g.Backends
	f.sockets = socketInfos(fc.Binds)
	for _, ub := range fc.UseBackends {
		u, err := g.compileUseBackend(ub, defs)
		errs.add("", ub.Pos, err)
		f.UseBackends = append(f.UseBackends, u)
	}
	if fc.DefaultBackend != "" {
		f.Default = g.Backends[fc.DefaultBackend]
		if f.Default == nil {
			errs.add("", fc.Pos, fmt.Errorf("default_backend: no such backend %q", fc.DefaultBackend))
		}
	} else if fc.Listen {
		// A listen section without default_backend serves with its own
		// servers, as in HAProxy.
		f.Default = g.Backends[fc.Name]
	}
	errs.add("", fc.Pos, g.compileRuleSets(&f.Rules, &fc.Proxy, fc))
	f.ErrorPages = errorPages(fc.ErrorFiles)
	for _, mc := range fc.MonitorFail {
		cond, err := compileCondMaps(mc, defs, g.Maps)
		errs.add("monitor fail: ", fc.Pos, err)
		f.MonitorFail = append(f.MonitorFail, cond)
	}
	tcp, err := compileTCPProxy(&fc.Proxy, g.tableFor(fc.Name))
	errs.add("", fc.Pos, err)
	f.TCP = tcp
	f.Stats, err = compileStats(g, &fc.Proxy)
	errs.add("", fc.Pos, err)
	errs.add("", fc.Pos, e.compileLog(f, g.Snap))
	errs.add("", fc.Pos, f.compileUniqueID(g))
	if err := errs.err(); err != nil {
		return nil, err
	}
	return f, nil
}

func (e *Engine) compileLog(f *Frontend, snap *config.Snapshot) error {
	fc := f.Cfg
	if fc.NoLog || len(fc.Logs) == 0 {
		return nil
	}
	var targets []config.LogTarget
	for _, t := range fc.Logs {
		if t.Global {
			targets = append(targets, snap.Global.Logs...)
			continue
		}
		targets = append(targets, t)
	}
	if len(targets) == 0 {
		return nil
	}
	format := fc.LogFormat
	switch {
	case format != "":
	case fc.HTTPSLog && fc.Mode != config.ModeHTTP:
		format = logging.TCPLogFormat // as HAProxy: httpslog needs mode http
	case fc.HTTPSLog:
		format = logging.HTTPSLogFormat
	case fc.HTTPLog && fc.HTTPLogCLF:
		format = logging.HTTPLogCLFFormat
	case fc.HTTPLog:
		format = logging.HTTPLogFormat
	case fc.TCPLog:
		format = logging.TCPLogFormat
	default:
		// HAProxy's own default is a "Connect from" line at accept time;
		// hawser logs the tcplog line at the end of the session instead.
		format = logging.TCPLogFormat
	}
	lf, err := logging.ParseFormat(format)
	if err != nil {
		return err // it names the log-format string
	}
	if fc.ErrorLogFormat != "" {
		if f.ErrorLogFormat, err = logging.ParseFormat(fc.ErrorLogFormat); err != nil {
			return fmt.Errorf("error-log-format: %w", err)
		}
	}
	if e.checkOnly {
		f.LogFormat = lf
		return nil
	}
	lg, err := e.logger(targets, LogTag(&snap.Global, fc.LogTag), &snap.Global)
	if err != nil {
		return err
	}
	f.Log, f.LogFormat = lg, lf
	return nil
}

func (e *Engine) compileBackend(g *Generation, bc *config.Backend) (*Backend, error) {
	b := &Backend{Cfg: bc, Queue: e.queue(bc.Name), Counters: e.stats.Get(stats.KindBackend, bc.Name)}
	g.statKeys[stats.KindBackend+"/"+bc.Name] = true
	b.QueueTimeout = bc.Timeouts.Queue
	if b.QueueTimeout == 0 {
		b.QueueTimeout = bc.Timeouts.Connect
	}
	servers := make([]*balance.Server, 0, len(bc.Servers))
	for i, sc := range bc.Servers {
		st := e.registry.Get(bc.Name, sc.Name)
		// A server coming back must wake requests queued for a slot.
		st.OnStateChange(func(*server.State) { b.Queue.Wake() })
		g.serverKeys[st.Key()] = true
		id := sc.ID
		if id == 0 {
			id = i + 1
		}
		sv := &balance.Server{
			Name:      sc.Name,
			Addr:      sc.Address,
			State:     st,
			Weight:    sc.Weight,
			Backup:    sc.Backup,
			MaxConn:   sc.MaxConn,
			MaxQueue:  sc.MaxQueue,
			ID:        id,
			Key:       bc.Name + "/" + sc.Name + "@" + sc.Address,
			Observe:   sc.Observe == "layer4" || sc.Observe == "layer7",
			H2:        sc.HTTP2(),
			SendProxy: proxyproto.Send{Version: sc.SendProxy, SSL: sc.SendProxySSL, CN: sc.SendProxySSLCN},
			TrackSessions: sc.OnMarkedDown == "shutdown-sessions" ||
				(sc.Backup && sc.OnMarkedUp == "shutdown-backup-sessions"),
		}
		if err := e.compileServerTLS(sv, sc, g.Snap); err != nil {
			return nil, err
		}
		sv.Source = sc.Source
		sv.Socks4 = sc.Socks4
		if sv.Source == nil {
			sv.Source = bc.Source
		}
		st.SetConfigMaint(sc.Disabled)
		if sc.Resolvers != "" {
			if err := g.addResolved(bc.Name, sc, st); err != nil {
				return nil, err
			}
		}
		servers = append(servers, sv)
		g.healthPeers[bc.Name] = append(g.healthPeers[bc.Name], health.Peer{State: st, Server: sc})
		checkTLS, err := e.compileTLSServer(sc, g.Snap, true)
		if err != nil {
			return nil, err
		}
		ext, err := externalCheck(g.Snap, bc)
		if err != nil {
			return nil, err
		}
		if sc.Check {
			g.checks = append(g.checks, health.Check{
				Backend:        bc.Name,
				Server:         sc,
				State:          st,
				Addr:           checkAddr(sc),
				HTTP:           bc.HTTPCheck,
				Spec:           bc.Check,
				ConnectTimeout: bc.Timeouts.Connect,
				CheckTimeout:   bc.Timeouts.Check,
				TLS:            checkTLS,
				External:       ext,
			})
		} else {
			// A server without checks is always considered up,
			// unless its agent holds it down. A tracking server
			// takes its state in startChecks.
			if sc.Track == "" {
				st.SetUp(!st.AgentDown())
			}
		}
		agent := sc.Agent != nil && sc.Agent.Enabled
		if agent && sc.Agent.Port == 0 && sc.CheckPort == 0 {
			// HAProxy's answer to an agent without a port.
			e.log.Warn("server does not have agent port, agent check has been disabled", "file", sc.Pos.File, "line", sc.Pos.Line, "backend", bc.Name, "server", sc.Name)
			agent = false
		}
		st.SetAgentConfigured(agent)
		if agent {
			g.agents = append(g.agents, health.Agent{Backend: bc.Name, Server: sc, State: st, Addr: agentAddr(sc)})
		}
	}
	var errs compileErrors
	pool, err := balance.New(bc.Balance, servers, b.Queue, balance.Options{
		QueueTimeout: b.QueueTimeout,
		AllBackups:   bc.AllBackups,
	})
	errs.add("", bc.Pos, err)
	b.Pool = pool
	// Now that the pool exists, up/down transitions also move the
	// backend's availability (lastchg, downtime in the stats).
	for _, sv := range servers {
		sv.State.OnStateChange(func(*server.State) {
			b.Queue.Wake()
			b.trackAvailability()
		})
	}
	b.trackAvailability()
	b.Persist, err = g.compilePersist(bc, servers)
	errs.add("", bc.Pos, err)
	errs.add("", bc.Pos, g.compileRuleSets(&b.Rules, &bc.Proxy, nil))
	b.ErrorPages = errorPages(bc.ErrorFiles)
	tcp, err := compileTCPProxy(&bc.Proxy, g.tableFor(bc.Name))
	errs.add("", bc.Pos, err)
	b.TCP = tcp
	b.Stats, err = compileStats(g, &bc.Proxy)
	errs.add("", bc.Pos, err)
	// b is returned even with errors: the generation is then dropped,
	// but the frontends still find the backend they name.
	return b, errs.err()
}

func checkAddr(sc *config.Server) string {
	host, port, err := net.SplitHostPort(sc.Address)
	if err != nil {
		return sc.Address
	}
	if sc.CheckAddr != "" {
		host = sc.CheckAddr
	}
	if sc.CheckPort != 0 {
		port = strconv.Itoa(sc.CheckPort)
	}
	return net.JoinHostPort(host, port)
}

// agentAddr is where a server's agent check connects: agent-addr, else
// the check address; agent-port, else the check port (HAProxy's
// defaults).
func agentAddr(sc *config.Server) string {
	host, port, err := net.SplitHostPort(checkAddr(sc))
	if err != nil {
		return sc.Address
	}
	if sc.Agent.Addr != "" {
		host = sc.Agent.Addr
	}
	if sc.Agent.Port != 0 {
		port = strconv.Itoa(sc.Agent.Port)
	}
	return net.JoinHostPort(host, port)
}

func (g *Generation) startChecks(notify func(string, bool)) {
	g.linkTracks()
	if len(g.agents) > 0 {
		new(health.Checker).RunAgents(g.ctx, g.agents, notify)
	}
	if len(g.checks) == 0 {
		return
	}
	peers := func(backend string) []health.Peer {
		return g.healthPeers[backend]
	}
	health.Run(g.ctx, g.checks, peers, notify)
}

// linkTracks makes every tracked server pass its up/down transitions to
// the servers tracking it ("track"), and gives each tracker the state of
// the server it tracks now. It runs once the generation is active: the
// lists it sets replace those of the previous generation.
func (g *Generation) linkTracks() {
	reg := g.Engine.Registry()
	trackers := map[*server.State][]*server.State{}
	type link struct{ tracker, tracked *server.State }
	var links []link
	for _, bc := range g.Snap.Backends {
		for _, sc := range bc.Servers {
			st := reg.Get(bc.Name, sc.Name)
			if _, ok := trackers[st]; !ok {
				trackers[st] = nil
			}
			if sc.Track == "" {
				continue
			}
			tb, ts, err := config.ResolveTrack(g.Snap, bc, sc)
			if err != nil {
				continue // refused when the configuration was loaded
			}
			tracked := reg.Get(tb.Name, ts.Name)
			trackers[tracked] = append(trackers[tracked], st)
			links = append(links, link{st, tracked})
		}
	}
	for st, list := range trackers {
		st.SetTrackers(list)
	}
	// Copy the states along the chains (a tracker may be tracked).
	for range len(links) + 1 {
		changed := false
		for _, l := range links {
			if l.tracker.Up() != l.tracked.Up() {
				l.tracker.SetUp(l.tracked.Up())
				changed = true
			}
		}
		if !changed {
			break
		}
	}
}
