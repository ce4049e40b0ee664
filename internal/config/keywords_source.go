package config

import (
	"fmt"
	"net/netip"
	"strings"
)

// Source is "source <addr>[:<port>] [usesrc ...]": the local address of
// connections to servers, on a backend line or a server line.
type Source struct {
	// Addr is the local address to bind; its port 0 lets the system
	// pick one.
	Addr netip.AddrPort
	// UseSrc is "usesrc": "client" (the client's address and port),
	// "clientip" (its address), or empty; UseAddr is a fixed address
	// given to usesrc. Binding to a foreign address needs IP_TRANSPARENT
	// (CAP_NET_ADMIN) and routing that brings the replies back.
	UseSrc  string         `json:",omitempty"`
	UseAddr netip.AddrPort `json:",omitempty"`
}

// parseSourceAddr reads "<ip>[:<port>]" (a range of ports is HAProxy's
// and not supported).
func parseSourceAddr(kw, a string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(a); err == nil {
		return ap, nil
	}
	if ip, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(a, "["), "]")); err == nil {
		return netip.AddrPortFrom(ip, 0), nil
	}
	if h, _, ok := strings.Cut(a, ":"); ok && !strings.Contains(a, "-") {
		if _, err := netip.ParseAddr(h); err == nil {
			return netip.AddrPort{}, fmt.Errorf("'%s': invalid port in '%s'", kw, a)
		}
	}
	if strings.Contains(a, "-") {
		return netip.AddrPort{}, fmt.Errorf("'%s %s': port ranges are not supported by hawser", kw, a)
	}
	return netip.AddrPort{}, fmt.Errorf("'%s': invalid address '%s' (expects <ip>[:<port>])", kw, a)
}

// parseUseSrc reads the argument of usesrc.
func parseUseSrc(s *Source, a string) error {
	switch a {
	case "client", "clientip":
		s.UseSrc = a
		return nil
	case "hdr_ip":
		return fmt.Errorf("'usesrc hdr_ip' is not supported by hawser")
	}
	if strings.HasPrefix(a, "hdr_ip(") {
		return fmt.Errorf("'usesrc %s' is not supported by hawser", a)
	}
	ap, err := parseSourceAddr("usesrc", a)
	if err != nil {
		return err
	}
	s.UseSrc, s.UseAddr = "addr", ap
	return nil
}

var sourceKeyword = &Keyword{Name: "source", Sections: secBE, Args: "<addr>[:<port>] [usesrc { <addr2>[:<port2>] | client | clientip }]", Supported: true,
	Help: "local address of connections to servers; usesrc makes them leave from the client's address (client, clientip) or another one, which needs IP_TRANSPARENT (CAP_NET_ADMIN) and return routing",
	Parse: func(c *lineCtx, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("'source' expects <addr>[:<port>]")
		}
		ap, err := parseSourceAddr("source", args[0])
		if err != nil {
			return err
		}
		s := &Source{Addr: ap}
		rest := args[1:]
		for len(rest) > 0 {
			switch rest[0] {
			case "usesrc":
				if len(rest) < 2 {
					return fmt.Errorf("'source': 'usesrc' expects an argument")
				}
				if err := parseUseSrc(s, rest[1]); err != nil {
					return err
				}
				rest = rest[2:]
			case "interface":
				return fmt.Errorf("'source ... interface' is not supported by hawser")
			default:
				return fmt.Errorf("'source': unknown option '%s' (expects usesrc)", rest[0])
			}
		}
		c.px.be.Source = s
		return nil
	}}
