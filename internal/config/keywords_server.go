package config

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// serverKeywords are the options of server and default-server lines.
var serverKeywords = []*Keyword{
	srvInt("weight", "<0..256>", "relative share of the load (default 1)", 0, 256, func(s *Server) *int { return &s.Weight }),
	srvInt("maxconn", "<number>", "concurrent connection limit; excess requests queue", 0, math.MaxInt32, func(s *Server) *int { return &s.MaxConn }),
	srvInt("maxqueue", "<number>", "queue length limit (0 = unlimited)", 0, math.MaxInt32, func(s *Server) *int { return &s.MaxQueue }),
	srvInt("minconn", "<number>", "dynamic limit floor, reached when the backend is below fullconn", 0, math.MaxInt32, func(s *Server) *int { return &s.MinConn }),
	srvInt("rise", "<count>", "consecutive successful checks to mark the server up (default 2)", 1, math.MaxInt32, func(s *Server) *int { return &s.Rise }),
	srvInt("fall", "<count>", "consecutive failed checks to mark the server down (default 3)", 1, math.MaxInt32, func(s *Server) *int { return &s.Fall }),
	srvInt("port", "<port>", "port health checks connect to", 1, 65535, func(s *Server) *int { return &s.CheckPort }),
	srvInt("id", "<number>", "numeric server id", 1, math.MaxInt32, func(s *Server) *int { return &s.ID }),
	srvTime("inter", "interval between health checks (default 2s)", func(s *Server) *time.Duration { return &s.Inter }),
	srvTime("fastinter", "check interval while the server is changing state (default inter)", func(s *Server) *time.Duration { return &s.FastInter }),
	srvTime("downinter", "check interval while the server is down (default inter)", func(s *Server) *time.Duration { return &s.DownInter }),
	srvFlag("check", "enable health checks", func(s *Server) { s.Check = true }),
	srvFlag("no-check", "disable health checks (cancels a default-server check)", func(s *Server) { s.Check = false }),
	srvFlag("backup", "only use this server when no non-backup server is up", func(s *Server) { s.Backup = true }),
	srvFlag("no-backup", "cancel a default-server backup", func(s *Server) { s.Backup = false }),
	srvFlag("disabled", "start the server in maintenance", func(s *Server) { s.Disabled = true }),
	srvFlag("enabled", "start the server in service (the default)", func(s *Server) { s.Disabled = false }),
	{Name: "addr", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<ip>", Help: "address health checks connect to", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			if err := checkHost(a[0]); err != nil || a[0] == "" || a[0] == "*" {
				return fmt.Errorf("'addr': invalid address '%s'", a[0])
			}
			c.srv.CheckAddr = a[0]
			return nil
		}},
	{Name: "cookie", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<value>", Help: "this server's value of the backend's persistence cookie", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.srv.Cookie = a[0]; return nil }},
	{Name: "init-addr", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "last,libc,none,<ip>", Help: "how to resolve the address at startup (accepted; the address is resolved with the system resolver)", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.srv.InitAddr = a[0]; return nil }},
	{Name: "resolvers", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<name>", Supported: true,
		Help:  "resolve the server's name with this resolvers section, again every 'timeout resolve', and move the server to the new address",
		Parse: func(c *lineCtx, a []string) error { c.srv.Resolvers = a[0]; return nil }},
	{Name: "resolve-prefer", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "ipv4|ipv6", Supported: true,
		Help: "address family to use when the name has both (default ipv6)",
		Parse: func(c *lineCtx, a []string) error {
			if a[0] != "ipv4" && a[0] != "ipv6" {
				return fmt.Errorf("'resolve-prefer' expects 'ipv4' or 'ipv6', got '%s'", a[0])
			}
			c.srv.ResolvePrefer = a[0]
			return nil
		}},
	{Name: "resolve-net", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<network>[,<network>...]", Supported: true,
		Help: "prefer the resolved addresses in these networks, in this order",
		Parse: func(c *lineCtx, a []string) error {
			c.srv.ResolveNet = nil
			for _, n := range strings.Split(a[0], ",") {
				p, err := netip.ParsePrefix(n)
				if err != nil {
					ip, err2 := netip.ParseAddr(n)
					if err2 != nil {
						return fmt.Errorf("'resolve-net': invalid network '%s'", n)
					}
					p = netip.PrefixFrom(ip, ip.BitLen())
				}
				c.srv.ResolveNet = append(c.srv.ResolveNet, p.Masked())
			}
			return nil
		}},
	{Name: "resolve-opts", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<option>[,<option>...]", Supported: true,
		Help: "allow-dup-ip lets servers of a backend share a resolved address (by default a server skips an address another server of its backend uses: prevent-dup-ip); ignore-weight only concerns SRV records, which hawser does not query",
		Parse: func(c *lineCtx, a []string) error {
			c.srv.ResolveOpts = nil
			for _, o := range strings.Split(a[0], ",") {
				switch o {
				case "allow-dup-ip", "ignore-weight", "prevent-dup-ip":
					c.srv.ResolveOpts = append(c.srv.ResolveOpts, o)
				default:
					return fmt.Errorf("'resolve-opts': unknown option '%s' (expects allow-dup-ip, ignore-weight or prevent-dup-ip)", o)
				}
			}
			return nil
		}},
	srvFlag("send-proxy", "send a PROXY protocol v1 header with the client's addresses first on every server connection (server connections are then reused only for the same client)",
		func(s *Server) { s.SendProxy, s.SendProxySSL, s.SendProxySSLCN = 1, false, false }),
	srvFlag("send-proxy-v2", "send a PROXY protocol v2 header with the client's addresses first on every server connection",
		func(s *Server) { s.SendProxy, s.SendProxySSL, s.SendProxySSLCN = 2, false, false }),
	srvFlag("send-proxy-v2-ssl", "as send-proxy-v2, with the SSL TLV telling whether the client used TLS, its version and its certificate",
		func(s *Server) { s.SendProxy, s.SendProxySSL = 2, true }),
	srvFlag("send-proxy-v2-ssl-cn", "as send-proxy-v2-ssl, with the client certificate's common name",
		func(s *Server) { s.SendProxy, s.SendProxySSL, s.SendProxySSLCN = 2, true, true }),
	srvFlag("no-send-proxy", "cancel a default-server send-proxy", func(s *Server) {
		if s.SendProxy == 1 {
			s.SendProxy = 0
		}
	}),
	srvFlag("no-send-proxy-v2", "cancel a default-server send-proxy-v2 (and its -ssl forms)", func(s *Server) {
		if s.SendProxy == 2 {
			s.SendProxy, s.SendProxySSL, s.SendProxySSLCN = 0, false, false
		}
	}),
	srvUnsupported("proxy-v2-options", 1),
	{Name: "track", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "[<backend>/]<server>", Supported: true,
		Help:  "take the up/down state of another server (one with check or agent-check, or tracking one) instead of checking",
		Parse: func(c *lineCtx, a []string) error { c.srv.Track = a[0]; return nil }},
	srvUnsupported("redir", 1), srvUnsupported("non-stick", 0),
	{Name: "source", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<addr>[:<port>]", Supported: true,
		Help: "local address of connections to this server (overrides the backend's source)",
		Parse: func(c *lineCtx, a []string) error {
			ap, err := parseSourceAddr("source", a[0])
			if err == nil {
				c.srv.Source = &Source{Addr: ap}
			}
			return err
		}},
	srvUnsupported("pool-max-conn", 1), srvUnsupported("pool-low-conn", 1), srvUnsupported("pool-purge-delay", 1),
	{Name: "proto", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "h1|h2", Supported: true,
		Help: "force the HTTP protocol spoken to the server: h2 for HTTP/2 in clear text with prior knowledge (h2c), as gRPC servers need",
		Parse: func(c *lineCtx, a []string) error {
			p, err := parseMuxProto("proto", a[0])
			c.srv.Proto = p
			return err
		}},
	{Name: "check-proto", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "h1|h2", Supported: true,
		Help: "HTTP protocol of the health checks (default: the server's proto for HTTP checks)",
		Parse: func(c *lineCtx, a []string) error {
			p, err := parseMuxProto("check-proto", a[0])
			c.srv.CheckProto = p
			return err
		}},
	srvUnsupported("max-reuse", 1), srvUnsupported("tfo", 0), srvUnsupported("namespace", 1),
	srvUnsupported("ws", 1), srvUnsupported("hash-key", 1), {Name: "usesrc", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<addr>[:<port>] | client | clientip", Supported: true,
		Help: "with source: connections to this server leave from this address or the client's (needs IP_TRANSPARENT)",
		Parse: func(c *lineCtx, a []string) error {
			if c.srv.Source == nil {
				return fmt.Errorf("'usesrc' needs a 'source' before it on the line")
			}
			s := *c.srv.Source
			if err := parseUseSrc(&s, a[0]); err != nil {
				return err
			}
			c.srv.Source = &s
			return nil
		}}, srvUnsupported("shard", 1),
	srvUnsupported("log-proto", 1), srvUnsupported("set-proxy-v2-tlv-fmt", 1),
	// TLS options hawser does not implement; the others are in
	// keywords_tls.go.
	srvUnsupported("sni-auto", 0), srvUnsupported("npn", 1),
	srvFlag("check-via-socks4", "send health checks through the server's socks4 proxy", func(s *Server) { s.CheckViaSocks4 = true }), srvUnsupported("allow-0rtt", 0), srvUnsupported("force-sslv3", 0),
	srvUnsupported("sigalgs", 1), srvUnsupported("client-sigalgs", 1), {Name: "socks4", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<ip>:<port>", Supported: true,
		Help: "reach the server through this SOCKS4 proxy (the server address must be IPv4)",
		Parse: func(c *lineCtx, a []string) error {
			if _, err := netip.ParseAddrPort(a[0]); err != nil {
				return fmt.Errorf("'socks4': invalid address '%s' (expects <ip>:<port>)", a[0])
			}
			c.srv.Socks4 = a[0]
			return nil
		}},
}

func srvInt(name, args, help string, lo, hi int, field func(*Server) *int) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			n, err := parseInt(name, a[0], lo, hi)
			if err == nil {
				*field(c.srv) = n
			}
			return err
		}}
}

func srvTime(name, help string, field func(*Server) *time.Duration) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<time>", Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			d, err := parseTime(name, a[0])
			if err == nil && d <= 0 {
				err = fmt.Errorf("'%s' must be greater than zero", name)
			}
			if err == nil {
				*field(c.srv) = d
			}
			return err
		}}
}

func srvFlag(name, help string, set func(*Server)) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error { set(c.srv); return nil }}
}

// parseMuxProto parses the protocol names of "proto" and "check-proto".
// HAProxy also knows fcgi, quic and the tcp muxes; hawser speaks HTTP/1
// and HTTP/2 to servers.
func parseMuxProto(kw, v string) (string, error) {
	switch v {
	case "h1", "h2":
		return v, nil
	case "fcgi", "h3", "quic", "none":
		return "", fmt.Errorf("'%s %s' is not supported by hawser", kw, v)
	}
	return "", fmt.Errorf("'%s': unknown protocol '%s' (expects h1 or h2)", kw, v)
}

func srvUnsupported(name string, nargs int) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, NArgs: nargs}
}

func parseServer(c *lineCtx, args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("'server' expects <name> and <addr>[:<port>]")
	}
	name, addr := args[0], args[1]
	for _, s := range c.px.be.Servers {
		if s.Name == name {
			return fmt.Errorf("%s '%s': server '%s' is already declared at %s:%d", c.secName, c.px.p.Name, name, s.Pos.File, s.Pos.Line)
		}
	}
	if err := checkServerAddress(addr); err != nil {
		return fmt.Errorf("'server %s': %w", name, err)
	}
	c.srv = cloneServer(&c.px.defSrv)
	c.srv.Pos, c.srv.Name, c.srv.Address = c.pos, name, addr
	c.parseOptions(ScopeServer, "server "+name, args[2:])
	s := c.srv
	c.srv = nil
	if s.FastInter == 0 {
		s.FastInter = s.Inter
	}
	if s.DownInter == 0 {
		s.DownInter = s.Inter
	}
	c.px.be.Servers = append(c.px.be.Servers, s)
	return nil
}

// parseServerTemplate is "server-template <prefix> <num>|<first>-<last>
// <fqdn>[:<port>] [params*]": servers <prefix><first>..<prefix><last>,
// all with the same address, which a resolvers section spreads over the
// addresses of the name's answer.
func parseServerTemplate(c *lineCtx, args []string) error {
	if len(args) < 3 {
		return fmt.Errorf("'server-template' expects <prefix> <num | range> <fqdn>[:<port>]")
	}
	first, last := 1, 0
	if a, b, ok := strings.Cut(args[1], "-"); ok {
		f, err1 := parseInt("server-template", a, 1, 1<<20)
		l, err2 := parseInt("server-template", b, 1, 1<<20)
		if err1 != nil || err2 != nil || l < f {
			return fmt.Errorf("'server-template': invalid range '%s'", args[1])
		}
		first, last = f, l
	} else {
		n, err := parseInt("server-template", args[1], 1, 1<<20)
		if err != nil {
			return err
		}
		last = n
	}
	before := len(c.px.be.Servers)
	for i := first; i <= last; i++ {
		sargs := append([]string{args[0] + strconv.Itoa(i), args[2]}, args[3:]...)
		if err := parseServer(c, sargs); err != nil {
			return err
		}
	}
	for _, s := range c.px.be.Servers[before:] {
		s.Template = true
	}
	return nil
}

func parseDefaultServer(c *lineCtx, args []string) error {
	c.srv = &c.px.defSrv
	c.parseOptions(ScopeServer, "default-server", args)
	c.srv = nil
	return nil
}

// checkServerAddress validates "host[:port]", "ipv4@...", "unix@path" and
// "/path". The port may be empty (use the client's destination port) or
// relative ("+1", "-1"), as in HAProxy.
func checkServerAddress(a string) error {
	if i := strings.IndexByte(a, '@'); i > 0 {
		n, ok := addrPrefixes[a[:i+1]]
		if !ok {
			return fmt.Errorf("unknown address family '%s' in '%s'", a[:i+1], a)
		}
		if n == "" {
			return fmt.Errorf("address family '%s' is not supported by hawser", a[:i+1])
		}
		if n == "unix" {
			return nil
		}
		a = a[i+1:]
	}
	if strings.HasPrefix(a, "/") {
		return nil
	}
	host, port, err := hostPort(a)
	if err != nil {
		return err
	}
	if host == "" || host == "*" {
		return fmt.Errorf("missing address in '%s'", a)
	}
	if err := checkHost(host); err != nil {
		return err
	}
	if port == "" {
		return nil
	}
	if rel, ok := strings.CutPrefix(port, "+"); ok {
		port = rel
	} else if rel, ok := strings.CutPrefix(port, "-"); ok {
		port = rel
	}
	_, err = parsePort(port)
	return err
}
