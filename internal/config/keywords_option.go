package config

import (
	"fmt"
	"net/netip"
)

// optionKeywords are the "option <name>" keywords. Negatable ones accept
// "no option <name>".
var optionKeywords = []*Keyword{
	{Name: "option httplog", Sections: secProxies, Args: "[clf]", Help: "log HTTP requests in HAProxy's HTTP format (or Common Log Format)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) > 1 || len(args) == 1 && args[0] != "clf" {
				return fmt.Errorf("'option httplog' only accepts 'clf'")
			}
			c.px.p.HTTPLog, c.px.p.HTTPLogCLF, c.px.p.TCPLog, c.px.p.HTTPSLog = true, len(args) == 1, false, false
			return nil
		}},
	{Name: "option httpslog", Sections: secProxies, Help: "log HTTP requests in HAProxy's HTTPS format: the httplog line plus connection and TLS error codes, resumption, SNI, version and cipher", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.p.HTTPSLog, c.px.p.HTTPLog, c.px.p.HTTPLogCLF, c.px.p.TCPLog = true, false, false, false
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "option tcplog", Sections: secProxies, Help: "log connections in HAProxy's TCP format", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.p.TCPLog, c.px.p.HTTPLog, c.px.p.HTTPLogCLF, c.px.p.HTTPSLog = true, false, false, false
			return arity(c.name, args, 0, 0, "")
		}},
	optFlag("socket-stats", secFE, "keep statistics per listening socket: listener rows in show stat and the stats page, haproxy_listener_* metrics", func(ps *proxyState) *bool { return &ps.p.SocketStats }),
	optFlag("dontlognull", secFE, "do not log connections that sent no data", func(ps *proxyState) *bool { return &ps.p.DontLogNull }),
	optFlag("log-separate-errors", secFE, "log errors (5xx, aborts, timeouts, retries) at level err instead of info", func(ps *proxyState) *bool { return &ps.p.LogSeparateErrors }),
	optFlag("logasap", secFE, "log HTTP requests once the response head is sent and TCP sessions once connected, totals marked '+'", func(ps *proxyState) *bool { return &ps.p.LogASAP }),
	optFlag("dontlog-normal", secFE, "log only errors (5xx, aborts, timeouts, retries)", func(ps *proxyState) *bool { return &ps.p.DontLogNormal }),
	{Name: "option redispatch", Sections: secBE, Args: "[<interval>]", Help: "let retries go to another server: every <interval>th retry, or counted from the last one when negative (default -1: the last retry); 0 disables", Negatable: true, Supported: true, Parse: parseRedispatch},
	optFlag("http-buffer-request", secProxies, "buffer the request body before the http-request rules (req.body fetches)", func(ps *proxyState) *bool { return &ps.p.HTTPBufferRequest }),
	optFlag("allbackups", secBE, "use every backup server at once when all others are down", func(ps *proxyState) *bool { return &ps.be.AllBackups }),
	optFlag("prefer-last-server", secBE, "send the next request of a keep-alive client connection to the server its last request used, when that server is still usable and has room (not for hash-based balancing)", func(ps *proxyState) *bool { return &ps.be.PreferLastServer }),
	// Go enables TCP keep-alive on every socket it opens or accepts
	// (probes after 15s idle), so these options hold already.
	optFlag("tcpka", secProxies, "TCP keep-alive on both sides: always on in hawser (Go's default, probes after 15s idle); accepted as a no-op", func(ps *proxyState) *bool { return &ps.tcpka }),
	optFlag("clitcpka", secFE, "TCP keep-alive on the client side: always on in hawser; accepted as a no-op", func(ps *proxyState) *bool { return &ps.tcpka }),
	optFlag("srvtcpka", secBE, "TCP keep-alive on the server side: always on in hawser; accepted as a no-op", func(ps *proxyState) *bool { return &ps.tcpka }),
	optFlag("external-check", secBE, "health checks run 'external-check command' (exit status 0 passes); needs the global 'external-check'", func(ps *proxyState) *bool { return &ps.be.ExternalCheck }),
	{Name: "external-check command", Sections: secBE, Args: "<command>", Help: "program run by external checks, with <proxy_addr> <proxy_port> <server_addr> <server_port> as arguments and HAProxy's HAPROXY_* environment", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a command"); err != nil {
				return err
			}
			c.px.be.ExternalCheckCommand = args[0]
			return nil
		}},
	{Name: "external-check path", Sections: secBE, Args: "<path>", Help: "PATH given to external checks (default empty)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a path"); err != nil {
				return err
			}
			c.px.be.ExternalCheckPath = args[0]
			return nil
		}},
	optFlag("abortonclose", secBE, "give up a request whose client closed while it waited (queue, connect, response head: CQ, CC, CH)", func(ps *proxyState) *bool { return &ps.be.AbortOnClose }),
	optFlag("log-health-checks", secBE, "log health check state changes in detail", func(ps *proxyState) *bool { return &ps.be.LogHealthChecks }),
	optConnMode("http-keep-alive", KeepAlive, "keep both connections alive between requests (the default)"),
	optConnMode("http-server-close", ServerClose, "close the server connection after each response, keep the client's"),
	optConnMode("httpclose", HTTPClose, "close both connections after each response"),
	{Name: "option forwardfor", Sections: secProxies, Args: "[except <network>] [header <name>] [if-none]", Help: "add the client address in X-Forwarded-For", Supported: true, Parse: parseForwardfor},
	{Name: "option httpchk", Sections: secBE, Args: "[<method>] [<uri>] [<version>] [<host>]", Help: "health checks are HTTP requests (default OPTIONS / HTTP/1.0)", Supported: true, Parse: parseHTTPChk},
}

func optFlag(name string, secs SectionSet, help string, field func(*proxyState) *bool) *Keyword {
	return &Keyword{Name: "option " + name, Sections: secs, Help: help, Negatable: true, Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			*field(c.px) = !c.no
			return arity(c.name, args, 0, 0, "")
		}}
}

func optConnMode(name string, m ConnMode, help string) *Keyword {
	return &Keyword{Name: "option " + name, Sections: secProxies, Help: help, Negatable: true, Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			switch {
			case !c.no:
				c.px.p.ConnMode = m
			case c.px.p.ConnMode == m:
				c.px.p.ConnMode = KeepAlive
			}
			return arity(c.name, args, 0, 0, "")
		}}
}

func parseForwardfor(c *lineCtx, args []string) error {
	ff := Forwardfor{Enabled: true, Header: "X-Forwarded-For"}
	for i := 0; i < len(args); i++ {
		switch args[i] {
		case "if-none":
			ff.IfNone = true
		case "except", "header":
			if i+1 == len(args) {
				return fmt.Errorf("'option forwardfor %s' expects an argument", args[i])
			}
			if args[i] == "header" {
				ff.Header = args[i+1]
			} else {
				if err := checkNetwork(args[i+1]); err != nil {
					return fmt.Errorf("'option forwardfor except': %w", err)
				}
				ff.Except = args[i+1]
			}
			i++
		default:
			return fmt.Errorf("'option forwardfor' only accepts 'except', 'header' and 'if-none', got '%s'", args[i])
		}
	}
	c.px.p.Forwardfor = ff
	return nil
}

// checkNetwork accepts an address or a CIDR network.
func checkNetwork(s string) error {
	if _, err := netip.ParsePrefix(s); err == nil {
		return nil
	}
	if _, err := netip.ParseAddr(s); err == nil {
		return nil
	}
	return fmt.Errorf("invalid network '%s'", s)
}

func parseHTTPChk(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 0, 4, "at most <method> <uri> <version> <host>"); err != nil {
		return err
	}
	c.px.httpchk = true
	c.px.chk.Type = "" // the last check option wins
	hc := &c.px.check
	def := defaultHTTPCheck()
	hc.Method, hc.URI, hc.Version, hc.Host = def.Method, def.URI, def.Version, def.Host
	hc.Pos = c.pos
	switch len(args) {
	case 1:
		hc.URI = args[0]
	case 2, 3, 4:
		hc.Method, hc.URI = args[0], args[1]
		if len(args) > 2 {
			hc.Version = args[2]
		}
		if len(args) > 3 {
			hc.Host = args[3]
		}
	}
	return nil
}
