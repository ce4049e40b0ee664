package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// bindKeywords are the options of bind lines.
var bindKeywords = []*Keyword{
	{Name: "name", Scope: ScopeBind, Sections: secRules, NArgs: 1, Args: "<name>", Help: "listener name in stats", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.bind.Name = a[0]; return nil }},
	{Name: "maxconn", Scope: ScopeBind, Sections: secRules, NArgs: 1, Args: "<number>", Help: "concurrent connection limit of this listener", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			n, err := parseInt("maxconn", a[0], 0, math.MaxInt32)
			c.bind.MaxConn = n
			return err
		}},
	{Name: "backlog", Scope: ScopeBind, Sections: secRules, NArgs: 1, Args: "<number>", Help: "listen backlog", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			n, err := parseInt("backlog", a[0], 0, math.MaxInt32)
			c.bind.Backlog = n
			return err
		}},
	{Name: "mode", Scope: ScopeBind, Sections: secRules, NArgs: 1, Args: "<octal>", Help: "unix socket permissions", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			m, err := parseOctal("mode", a[0])
			c.bind.Mode = m
			return err
		}},
	{Name: "v4v6", Scope: ScopeBind, Sections: secRules, Help: "an IPv6 listener also accepts IPv4", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.bind.Options = append(c.bind.Options, "v4v6"); return nil }},
	{Name: "v6only", Scope: ScopeBind, Sections: secRules, Help: "an IPv6 listener accepts only IPv6", Supported: true,
		Parse: func(c *lineCtx, a []string) error { c.bind.Options = append(c.bind.Options, "v6only"); return nil }},
	bindOption("user", 1, "<user>", "owner of the unix socket"),
	bindOption("group", 1, "<group>", "group of the unix socket"),
	bindOption("uid", 1, "<uid>", "owner id of the unix socket"),
	bindOption("gid", 1, "<gid>", "group id of the unix socket"),
	bindOption("id", 1, "<number>", "listener id"),
	bindOption("transparent", 0, "", "accept connections for non-local addresses (IP_TRANSPARENT)"),
	bindOption("defer-accept", 0, "", "wake up only when data arrives (TCP_DEFER_ACCEPT)"),
	bindOption("tfo", 0, "", "TCP fast open"),
	bindOption("interface", 1, "<name>", "bind to this network interface"),
	bindOption("thread", 1, "<set>", "threads serving the listener (accepted; ignored)"),
	bindOption("process", 1, "<set>", "processes serving the listener (accepted; ignored)"),
	bindOption("shards", 1, "<number>|by-thread|by-group", "listener sharding (accepted; ignored)"),
	{Name: "proto", Scope: ScopeBind, Sections: secRules, NArgs: 1, Args: "h1|h2", Supported: true,
		Help: "force the HTTP protocol of a listener: h2 serves HTTP/2 with prior knowledge (h2c) on a cleartext bind; without it an HTTP/2 preface is detected",
		Parse: func(c *lineCtx, a []string) error {
			if a[0] != "h1" && a[0] != "h2" {
				return fmt.Errorf("'proto' expects h1 or h2, got %q", a[0])
			}
			c.bind.Proto = a[0]
			c.bind.Options = append(c.bind.Options, "proto", a[0])
			return nil
		}},
	bindOption("level", 1, "user|operator|admin", "runtime API level of a stats listener"),
	bindOption("expose-fd", 1, "listeners", "runtime API fd passing"),
	bindOption("severity-output", 1, "none|number|string", "runtime API severity prefix"),
	{Name: "accept-proxy", Scope: ScopeBind, Sections: secRules, Help: "read a PROXY protocol v1/v2 header first on every connection", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			c.bind.AcceptProxy = true
			c.bind.Options = append(c.bind.Options, "accept-proxy")
			return nil
		}},
	bindUnsupported("accept-netscaler-cip", 1),
	bindUnsupported("namespace", 1),
	bindUnsupported("nice", 1),
	bindUnsupported("quic-cc-algo", 1),
	bindUnsupported("quic-force-retry", 0),
	bindUnsupported("quic-socket", 1),
	// TLS options hawser does not implement; the others are in
	// keywords_tls.go.
	bindUnsupported("ca-sign-file", 1),
	bindUnsupported("npn", 1),
	bindUnsupported("tls-ticket-keys", 1),
	bindUnsupported("allow-0rtt", 0),
	bindUnsupported("generate-certificates", 0),
	bindUnsupported("force-sslv3", 0),
}

// bindOption declares a bind option kept verbatim in Bind.Options.
func bindOption(name string, nargs int, args, help string) *Keyword {
	return &Keyword{Name: name, Scope: ScopeBind, Sections: secRules, NArgs: nargs, Args: args, Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			c.bind.Options = append(c.bind.Options, name)
			c.bind.Options = append(c.bind.Options, a...)
			return nil
		}}
}

// bindUnsupported declares a bind option HAProxy has and hawser does not.
func bindUnsupported(name string, nargs int) *Keyword {
	return &Keyword{Name: name, Scope: ScopeBind, Sections: secRules, NArgs: nargs}
}

func parseBind(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'bind' expects an address")
	}
	addrs, err := parseBindAddress(args[0])
	if err != nil {
		return fmt.Errorf("'bind': %w", err)
	}
	c.bind = &Bind{}
	c.parseOptions(ScopeBind, "bind", args[1:])
	tmpl := c.bind
	c.bind = nil
	if t := tmpl.TLS; t != nil && !t.SSL && (len(t.Crts) > 0 || len(t.CrtLists) > 0 || len(t.DefaultCrts) > 0) {
		c.warnf("'bind %s': certificates are given but 'ssl' is not set: the listener does not use TLS", args[0])
	}
	for _, a := range addrs {
		b := cloneBind(tmpl)
		b.Pos, b.Network, b.Address = c.pos, a.Network, a.Address
		if b.Network == "tcp6" && hasOption(b.Options, "v4v6") {
			b.Network = "tcp"
		}
		c.px.fe.Binds = append(c.px.fe.Binds, b)
	}
	return nil
}

func cloneBind(b *Bind) *Bind {
	c := *b
	c.Options = append([]string(nil), b.Options...)
	c.TLS = b.TLS.clone()
	return &c
}

func hasOption(opts []string, name string) bool {
	for _, o := range opts {
		if o == name {
			return true
		}
	}
	return false
}

// addrPrefixes maps HAProxy's address family prefixes to Go networks;
// "" marks the ones hawser does not support.
var addrPrefixes = map[string]string{
	"ipv4@": "tcp4", "ipv6@": "tcp6", "tcp@": "tcp", "tcp4@": "tcp4", "tcp6@": "tcp6", "unix@": "unix",
	"abns@": "", "abnsz@": "", "fd@": "", "sockpair@": "", "quic4@": "", "quic6@": "",
	"udp@": "", "udp4@": "", "udp6@": "", "uxst@": "", "uxdg@": "", "mptcp@": "", "mptcp4@": "", "mptcp6@": "",
}

// parseBindAddress expands a bind address list ("a:80,b:81-83") into one
// Bind per address and port.
func parseBindAddress(list string) ([]*Bind, error) {
	var out []*Bind
	for _, a := range strings.Split(list, ",") {
		bs, err := parseOneBindAddress(a)
		if err != nil {
			return nil, err
		}
		out = append(out, bs...)
	}
	return out, nil
}

func parseOneBindAddress(a string) ([]*Bind, error) {
	network := ""
	if i := strings.IndexByte(a, '@'); i > 0 {
		n, ok := addrPrefixes[a[:i+1]]
		if !ok {
			return nil, fmt.Errorf("unknown address family '%s' in '%s'", a[:i+1], a)
		}
		if n == "" {
			return nil, fmt.Errorf("address family '%s' is not supported by hawser", a[:i+1])
		}
		network, a = n, a[i+1:]
	}
	if network == "unix" || strings.HasPrefix(a, "/") {
		if a == "" {
			return nil, fmt.Errorf("missing unix socket path")
		}
		return []*Bind{{Network: "unix", Address: a}}, nil
	}
	host, port, err := hostPort(a)
	if err != nil {
		return nil, err
	}
	if err := checkHost(host); err != nil {
		return nil, err
	}
	if port == "" {
		return nil, fmt.Errorf("missing port number in '%s'", a)
	}
	lo, hi, err := portRange(port)
	if err != nil {
		return nil, err
	}
	if host == "*" {
		host = ""
	}
	if network == "" {
		switch {
		case isIPv6(host):
			network = "tcp6"
		case host == "" || !strings.ContainsFunc(host, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }):
			// HAProxy binds ":80" and "*:80" to IPv4 only.
			network = "tcp4"
		default:
			network = "tcp"
		}
	}
	var out []*Bind
	for p := lo; p <= hi; p++ {
		out = append(out, &Bind{Network: network, Address: joinHostPort(host, strconv.Itoa(p))})
	}
	return out, nil
}

// portRange parses "80" or "8000-8010".
func portRange(s string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(s, "-")
	if lo, err = parsePort(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = parsePort(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("invalid port range '%s'", s)
	}
	return lo, hi, nil
}
