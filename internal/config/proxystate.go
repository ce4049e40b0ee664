package config

import (
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// proxyState is a defaults, frontend, backend or listen section being
// parsed. It holds both halves so that one set of keyword parsers serves
// every proxy kind; frontend and backend extract the relevant half.
type proxyState struct {
	kind SectionSet
	p    Proxy
	fe   Frontend // Proxy unused: see p
	be   Backend  // Proxy unused: see p
	// defSrv holds the default-server settings new servers start from.
	defSrv Server
	// httpchk is set by "option httpchk"; check holds it and the
	// http-check lines.
	httpchk bool
	check   HTTPCheck
	// chk is the check type chosen by option tcp-check and the protocol
	// check options, with the tcp-check rules (keywords_check.go).
	chk CheckSpec
	// ownTCPRules and ownHTTPRules are set once this section (not its
	// defaults) has a tcp-check or http-check rule: the first one drops
	// the inherited rules, as HAProxy only uses defaults' rules when a
	// section has none.
	ownTCPRules, ownHTTPRules bool
	// tcpka records option tcpka/clitcpka/srvtcpka, which change nothing:
	// hawser's sockets always have TCP keep-alive.
	tcpka bool
	// expectSet is set once this section (not its defaults) has an
	// http-check expect line.
	expectSet bool
	// badACLs are ACL names whose definition was rejected, so that their
	// uses are not reported a second time.
	badACLs map[string]bool
	// defaultBackendPos is where default_backend was set, for errors.
	defaultBackendPos cfgfile.Pos
	// usedBy is, for a defaults section with rules, the kind of section
	// (frontend or backend) inheriting from it, which must not change.
	usedBy SectionSet
}

// builtinDefaults are HAProxy's values before any defaults section.
func builtinDefaults() *proxyState {
	return &proxyState{
		be: Backend{
			Balance:   Balance{Algorithm: "roundrobin", HashType: "map-based", HashFunc: "sdbm"},
			Retries:   3,
			HTTPReuse: "safe",
		},
		defSrv: Server{Weight: 1, Inter: 2 * time.Second, Rise: 2, Fall: 3},
		check:  defaultHTTPCheck(),
	}
}

func defaultHTTPCheck() HTTPCheck {
	return HTTPCheck{Method: "OPTIONS", URI: "/", Version: "HTTP/1.0"}
}

// inherit starts a section from a defaults section. Everything a defaults
// section can set is copied; what it cannot (ACLs, rules, binds, servers)
// starts empty.
func (d *proxyState) inherit() *proxyState {
	ps := &proxyState{
		kind:              d.kind,
		p:                 *cloneProxy(&d.p),
		be:                *cloneBackend(&d.be),
		defSrv:            *cloneServer(&d.defSrv),
		httpchk:           d.httpchk,
		check:             *cloneHTTPCheck(&d.check),
		chk:               *cloneCheckSpec(&d.chk),
		defaultBackendPos: d.defaultBackendPos,
	}
	ps.fe.DefaultBackend = d.fe.DefaultBackend
	ps.fe.Backlog = d.fe.Backlog
	ps.fe.MonitorURI = d.fe.MonitorURI
	ps.p.ACLs, ps.p.HTTPRequest, ps.p.HTTPResponse, ps.p.Redirects = nil, nil, nil, nil
	ps.p.HTTPAfterResponse = nil
	ps.p.Description, ps.p.ID = "", 0
	ps.p.TCP = d.p.TCP.inherited()
	ps.p.DefaultsRules = d.defaultsRules()
	ps.be.Servers = nil
	return ps
}

// frontend returns the frontend half of the section.
func (ps *proxyState) frontend() *Frontend {
	fe := cloneFrontend(&ps.fe)
	fe.Proxy = *cloneProxy(&ps.p)
	return fe
}

// backend returns the backend half of the section, with option httpchk
// applied.
func (ps *proxyState) backend() *Backend {
	be := cloneBackend(&ps.be)
	be.Proxy = *cloneProxy(&ps.p)
	be.DefaultServer = cloneServer(&ps.defSrv)
	be.HTTPCheck = nil
	if ps.httpchk {
		be.HTTPCheck = cloneHTTPCheck(&ps.check)
	}
	be.Check = nil
	if ps.chk.Type != "" {
		be.Check = cloneCheckSpec(&ps.chk)
		if be.Check.Type != CheckTCP {
			// Protocol checks run their own rules, not tcp-check lines.
			be.Check.Rules = nil
		}
	}
	return be
}

// aclDefs returns the named ACLs declared so far, as package acl wants
// them.
func (ps *proxyState) aclDefs() acl.Defs {
	defs := acl.Defs{}
	for _, a := range ps.p.ACLs {
		defs[a.Name] = append(defs[a.Name], a.Words)
	}
	return defs
}
