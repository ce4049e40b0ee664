package config

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Resolvers is a "resolvers" section: DNS servers that resolve the
// names of servers that name it ("server ... resolvers <name>"), again
// and again at run time.
type Resolvers struct {
	Pos         cfgfile.Pos
	Name        string
	Nameservers []Nameserver
	// ParseResolvConf adds the nameservers of /etc/resolv.conf, read
	// when the configuration is applied.
	ParseResolvConf bool
	// ResolveRetries is how many times a query is sent before the
	// resolution fails (default 3).
	ResolveRetries int
	// TimeoutResolve is the time between two resolutions of a name
	// (default 1s); TimeoutRetry the time to wait for an answer before
	// sending the query again (default 1s).
	TimeoutResolve, TimeoutRetry time.Duration
	// Hold is how long the last answer is kept per response status
	// ("valid", "nx", "refused", "timeout", "other", "obsolete"):
	// after a failure the server keeps its address that long.
	Hold map[string]time.Duration `json:",omitempty"`
	// AcceptedPayloadSize is the EDNS0 UDP payload size announced
	// (default 512: no EDNS0).
	AcceptedPayloadSize int `json:",omitempty"`
}

// Nameserver is a "nameserver <name> <address>" line (UDP).
type Nameserver struct {
	Name    string
	Address string // ip:port
}

// HoldFor is how long an answer of the given status is kept.
func (r *Resolvers) HoldFor(status string) time.Duration {
	if d, ok := r.Hold[status]; ok {
		return d
	}
	switch status {
	case "obsolete":
		return 0
	}
	return 10 * time.Second // HAProxy's default for every other status
}

// holdStatuses are the statuses "hold" accepts.
var holdStatuses = map[string]bool{"nx": true, "other": true, "refused": true, "timeout": true, "valid": true, "obsolete": true}

// resolversKeywords are the keywords of resolvers sections.
var resolversKeywords = []*Keyword{
	{Name: "nameserver", Sections: SecResolvers, Args: "<name> <ip>:<port>", Help: "a DNS server, queried over UDP", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("'nameserver' expects <name> and <ip>:<port>")
			}
			a := args[1]
			for _, p := range []string{"udp@", "ipv4@", "ipv6@", "udp4@", "udp6@"} {
				a = strings.TrimPrefix(a, p)
			}
			if strings.Contains(a, "@") {
				return fmt.Errorf("'nameserver %s': only UDP nameservers are supported by hawser, got '%s'", args[0], args[1])
			}
			ap, err := netip.ParseAddrPort(a)
			if err != nil {
				if ip, err2 := netip.ParseAddr(a); err2 == nil {
					ap = netip.AddrPortFrom(ip, 53)
				} else {
					return fmt.Errorf("'nameserver %s': invalid address '%s' (expects <ip>:<port>)", args[0], args[1])
				}
			}
			for _, ns := range c.res.Nameservers {
				if ns.Name == args[0] {
					return fmt.Errorf("'nameserver %s' is already declared in resolvers '%s'", args[0], c.res.Name)
				}
			}
			c.res.Nameservers = append(c.res.Nameservers, Nameserver{Name: args[0], Address: ap.String()})
			return nil
		}},
	{Name: "parse-resolv-conf", Sections: SecResolvers, Help: "also use the nameservers of /etc/resolv.conf", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.res.ParseResolvConf = true
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "resolve_retries", Sections: SecResolvers, Args: "<count>", Help: "queries sent for one resolution before it fails (default 3)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a number"); err != nil {
				return err
			}
			n, err := parseInt(c.name, args[0], 1, 1000)
			c.res.ResolveRetries = n
			return err
		}},
	{Name: "timeout resolve", Sections: SecResolvers, Args: "<time>", Help: "time between two resolutions of a server's name (default 1s)", Supported: true,
		Parse: func(c *lineCtx, args []string) error { return positiveTime(c, args, &c.res.TimeoutResolve) }},
	{Name: "timeout retry", Sections: SecResolvers, Args: "<time>", Help: "time to wait for an answer before querying again (default 1s)", Supported: true,
		Parse: func(c *lineCtx, args []string) error { return positiveTime(c, args, &c.res.TimeoutRetry) }},
	{Name: "hold", Sections: SecResolvers, Args: "<status> <period>", Help: "how long a server keeps its last resolved address after an answer of <status> (nx, other, refused, timeout, valid, obsolete; default 10s)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) != 2 {
				return fmt.Errorf("'hold' expects <status> and <period>")
			}
			if !holdStatuses[args[0]] {
				return fmt.Errorf("'hold': unknown status '%s' (expects nx, other, refused, timeout, valid or obsolete)", args[0])
			}
			d, err := parseTime("hold", args[1])
			if err != nil {
				return err
			}
			if c.res.Hold == nil {
				c.res.Hold = map[string]time.Duration{}
			}
			c.res.Hold[args[0]] = d
			return nil
		}},
	{Name: "accepted_payload_size", Sections: SecResolvers, Args: "<bytes>", Help: "EDNS0 UDP payload size announced in queries (512..65535)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a number"); err != nil {
				return err
			}
			n, err := parseInt(c.name, args[0], 512, 65535)
			c.res.AcceptedPayloadSize = n
			return err
		}},
}

func positiveTime(c *lineCtx, args []string, dst *time.Duration) error {
	if err := sectionTime(c, args, dst); err != nil {
		return err
	}
	if *dst == 0 {
		return fmt.Errorf("'%s' must be greater than zero", c.name)
	}
	return nil
}

// newResolvers starts a resolvers section.
func (l *loader) newResolvers(s *cfgfile.Section) *Resolvers {
	r := &Resolvers{Pos: s.Header.Pos, Name: s.Name, ResolveRetries: 3, TimeoutResolve: time.Second, TimeoutRetry: time.Second}
	if s.Name == "" {
		l.errorf(r.Pos, "'resolvers' expects a name")
	}
	for _, prev := range l.snap.Resolvers {
		if prev.Name == r.Name {
			l.errorf(r.Pos, "resolvers '%s' has the same name as the one declared at %s:%d", r.Name, prev.Pos.File, prev.Pos.Line)
		}
	}
	l.snap.Resolvers = append(l.snap.Resolvers, r)
	return r
}

// endResolvers checks a finished resolvers section.
func (l *loader) endResolvers(r *Resolvers) {
	if len(r.Nameservers) == 0 && !r.ParseResolvConf {
		l.errorf(r.Pos, "resolvers '%s': no 'nameserver' line and no 'parse-resolv-conf'", r.Name)
	}
}

// checkResolverRefs refuses servers naming no resolvers section; it runs
// after parsing, so a section may be declared after its use.
func (l *loader) checkResolverRefs() {
	names := map[string]bool{}
	for _, r := range l.snap.Resolvers {
		names[r.Name] = true
	}
	for _, be := range l.snap.Backends {
		for _, s := range be.Servers {
			if s.Resolvers != "" && !names[s.Resolvers] {
				l.errorf(s.Pos, "'server %s': no resolvers section named '%s'", s.Name, s.Resolvers)
			}
		}
	}
}
