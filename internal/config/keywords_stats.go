package config

import (
	"fmt"
	"github.com/hawser-lb/hawser/internal/cfgfile"
	"strings"
)

// statsSocketKeywords are the options of a global "stats socket" line.
var statsSocketKeywords = []*Keyword{
	{Name: "mode", Scope: ScopeStats, Sections: SecGlobal, NArgs: 1, Args: "<octal>", Help: "unix socket permissions", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			m, err := parseOctal(c.name, args[0])
			c.sock.Mode = m
			return err
		}},
	{Name: "level", Scope: ScopeStats, Sections: SecGlobal, NArgs: 1, Args: "user|operator|admin", Help: "commands allowed on this socket (default operator)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			switch args[0] {
			case "user", "operator", "admin":
				c.sock.Level = args[0]
				return nil
			}
			return fmt.Errorf("'level' expects 'user', 'operator' or 'admin', got '%s'", args[0])
		}},
	statsOption("expose-fd", 1, "listeners", "pass listening sockets to a new process on request"),
	statsOption("user", 1, "<user>", "owner of the unix socket"),
	statsOption("group", 1, "<group>", "group of the unix socket"),
	statsOption("uid", 1, "<uid>", "owner id of the unix socket"),
	statsOption("gid", 1, "<gid>", "group id of the unix socket"),
	statsOption("name", 1, "<name>", "name of the listener"),
	statsOption("maxconn", 1, "<number>", "connection limit of this socket"),
	statsOption("backlog", 1, "<number>", "listen backlog"),
	statsOption("severity-output", 1, "none|number|string", "prefix answers with a severity"),
	statsOption("thread", 1, "<set>", "threads serving the socket (accepted; ignored)"),
	statsOption("process", 1, "<set>", "processes serving the socket (accepted; ignored)"),
	statsOption("defer-accept", 0, "", "accepted; ignored"),
	{Name: "accept-proxy", Scope: ScopeStats, Sections: SecGlobal, Help: "PROXY protocol on the runtime API"},
	{Name: "ssl", Scope: ScopeStats, Sections: SecGlobal, Help: "TLS on the runtime API"},
	{Name: "crt", Scope: ScopeStats, Sections: SecGlobal, NArgs: 1, Args: "<file>", Help: "TLS certificate"},
}

// statsOption declares a stats socket option kept verbatim in
// StatsSocket.Options for the runtime API.
func statsOption(name string, nargs int, args, help string) *Keyword {
	return &Keyword{Name: name, Scope: ScopeStats, Sections: SecGlobal, NArgs: nargs, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			c.sock.Options = append(c.sock.Options, name)
			c.sock.Options = append(c.sock.Options, a...)
			return nil
		}}
}

func parseStatsSocket(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'stats socket' expects an address")
	}
	addr := args[0]
	if err := checkSocketAddress(addr); err != nil {
		return fmt.Errorf("'stats socket': %w", err)
	}
	c.sock = &StatsSocket{Pos: c.pos, Address: addr}
	c.parseOptions(ScopeStats, "stats socket", args[1:])
	c.g.StatsSocket = append(c.g.StatsSocket, *c.sock)
	c.sock = nil
	return nil
}

// checkSocketAddress validates a runtime API address: a unix path or a
// TCP address with a port.
func checkSocketAddress(a string) error {
	switch {
	case strings.HasPrefix(a, "/"), strings.HasPrefix(a, "unix@") && len(a) > 5:
		return nil
	case strings.HasPrefix(a, "abns@"), strings.HasPrefix(a, "fd@"), strings.HasPrefix(a, "sockpair@"):
		return fmt.Errorf("address '%s' is not supported by hawser", a)
	}
	_, err := parseBindAddress(a)
	return err
}

// envOps returns the environment changes of the files' global sections.
func envOps(files []*cfgfile.File) []EnvVar {
	var ops []EnvVar
	for _, f := range files {
		for _, s := range f.Sections {
			if s.Kind != "global" {
				continue
			}
			for _, ln := range s.Lines {
				if !active(ln) {
					continue
				}
				c := &lineCtx{l: newLoader(), pos: ln.Pos, name: ln.Words[0], g: &Global{}}
				switch ln.Words[0] {
				case "setenv", "presetenv", "resetenv", "unsetenv":
					if parseEnv(c, ln.Words[1:]) == nil {
						ops = append(ops, c.g.Env...)
					}
				}
			}
		}
	}
	return ops
}

// overlayEnv returns a lookup function that sees the environment after
// ops, without changing the process environment.
func overlayEnv(ops []EnvVar, base func(string) (string, bool)) func(string) (string, bool) {
	set := map[string]string{}
	removed := map[string]bool{}
	keepOnly := map[string]bool(nil)
	lookup := func(name string) (string, bool) {
		if v, ok := set[name]; ok {
			return v, true
		}
		if removed[name] || keepOnly != nil && !keepOnly[name] {
			return "", false
		}
		return base(name)
	}
	for _, op := range ops {
		switch op.Op {
		case "setenv":
			set[op.Name] = op.Value
		case "presetenv":
			if _, ok := lookup(op.Name); !ok {
				set[op.Name] = op.Value
			}
		case "unsetenv":
			for _, n := range op.Names {
				delete(set, n)
				removed[n] = true
			}
		case "resetenv":
			keepOnly = map[string]bool{}
			for _, n := range op.Names {
				keepOnly[n] = true
			}
			for n := range set {
				if !keepOnly[n] {
					delete(set, n)
				}
			}
		}
	}
	return lookup
}
