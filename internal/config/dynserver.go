package config

import (
	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// ParseServerFrom parses the words of a server line added at run time
// ("add server <b>/<name> <addr> [kw...]" gives name, addr, kw...),
// starting from base's settings instead of the defaults when base is not
// nil: HAProxy's "from <server>" (the new server has its own name,
// address and id). The server is parsed in a backend of the given mode.
func ParseServerFrom(base *Server, mode Mode, words []string) (*Server, error) {
	l := newLoader()
	ps := builtinDefaults().inherit()
	ps.kind = SecBackend
	ps.p.Name = "dynamic"
	ps.p.Mode = mode
	if base != nil {
		ps.defSrv = *cloneServer(base)
		ps.defSrv.ID = 0
		ps.defSrv.Track = ""
	}
	c := &lineCtx{l: l, pos: cfgfile.Pos{File: "add server", Line: 1}, sec: SecBackend, secName: "backend", g: &l.snap.Global, px: ps}
	c.line(append([]string{"server"}, words...))
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	if len(ps.be.Servers) != 1 {
		return nil, &Error{Pos: c.pos, Msg: "no server parsed"}
	}
	return ps.be.Servers[0], nil
}
