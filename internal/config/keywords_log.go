package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Ring is a "ring" section: a fixed-size buffer of log lines that "log
// ring@<name>" targets write to, that servers receive over TCP and that
// the Runtime API can show.
type Ring struct {
	Pos         cfgfile.Pos
	Name        string
	Description string `json:",omitempty"`
	// Format is the syslog header format of the lines stored; it
	// prevails over the log lines' ("" is raw, as in HAProxy).
	Format string `json:",omitempty"`
	// MaxLen truncates each stored line; 0 means no limit but Size.
	MaxLen int `json:",omitempty"`
	// Size is the buffer size in bytes (HAProxy's default is tune.bufsize).
	Size    int
	Servers []RingServer `json:",omitempty"`
	// TimeoutConnect and TimeoutServer bound the servers' connections.
	TimeoutConnect time.Duration `json:",omitempty"`
	TimeoutServer  time.Duration `json:",omitempty"`
}

// RingServer is a "server" line of a ring: a TCP syslog receiver that gets
// every line of the ring with octet-counting framing (RFC 6587 3.4.1).
type RingServer struct {
	Pos     cfgfile.Pos
	Name    string
	Address string // host:port
}

// LogForward is a "log-forward" section: a syslog relay that receives
// messages on UDP and TCP and sends them to its "log" targets.
type LogForward struct {
	Pos        cfgfile.Pos
	Name       string
	Binds      []LogForwardBind // TCP, octet counting or LF-terminated
	DgramBinds []LogForwardBind // UDP, one message per datagram
	Logs       []LogTarget
	MaxConn    int           `json:",omitempty"` // TCP connections at once; 0 = no limit
	Timeout    time.Duration `json:",omitempty"` // timeout client: idle TCP connections
	// AssumeNTF is "option assume-rfc6587-ntf": TCP messages are
	// LF-terminated, never octet-counted.
	AssumeNTF bool `json:",omitempty"`
	// DontParse is "option dont-parse-log": messages are relayed as
	// received, headers included.
	DontParse bool `json:",omitempty"`
	// Host is "option host": replace, fill, keep or append the sender's
	// address to the host field; "" is fill, HAProxy's default.
	Host string `json:",omitempty"`
}

// LogForwardBind is a "bind" or "dgram-bind" line of a log-forward
// section.
type LogForwardBind struct {
	Pos     cfgfile.Pos
	Address string // host:port, "ipv4@"/"udp@" prefixes removed
}

// DefaultRingSize is the size of a ring without "size", HAProxy's
// tune.bufsize default.
const DefaultRingSize = 16384

// logForwardKeywords are the keywords of ring and log-forward sections and
// log-tag.
var logForwardKeywords = []*Keyword{
	{Name: "log-tag", Sections: SecGlobal | secProxies, Args: "<string>", Help: "syslog tag of the log lines (default: the program name)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a tag"); err != nil {
				return err
			}
			if c.g != nil {
				c.g.LogTag = args[0]
			} else {
				c.px.p.LogTag = args[0]
			}
			return nil
		}},

	{Name: "unique-id-format", Sections: secFE, Args: "<format>", Help: "log-format string that builds each request's unique ID (%ID, unique-id-header)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("'unique-id-format' expects a format string")
			}
			c.px.p.UniqueIDFormat = strings.Join(args, " ")
			return nil
		}},
	{Name: "unique-id-header", Sections: secFE, Args: "<name>", Help: "send the request's unique ID to the server in this header", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a header name"); err != nil {
				return err
			}
			c.px.p.UniqueIDHeader = args[0]
			return nil
		}},

	{Name: "description", Sections: SecRing, Args: "<text>", Help: "free text describing the ring", Supported: true,
		Parse: func(c *lineCtx, args []string) error { c.ring.Description = strings.Join(args, " "); return nil }},
	{Name: "format", Sections: SecRing, Args: "<format>", Help: "syslog header format of stored lines (default raw); it prevails over the log lines' format", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a format"); err != nil {
				return err
			}
			if !logFormats[args[0]] {
				return fmt.Errorf("unknown log format '%s'", args[0])
			}
			c.ring.Format = args[0]
			return nil
		}},
	{Name: "maxlen", Sections: SecRing, Args: "<length>", Help: "longest line stored; lines are cut at the lower of this and the log line's len", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a length"); err != nil {
				return err
			}
			n, err := parseInt(c.name, args[0], 1, 1<<20)
			c.ring.MaxLen = n
			return err
		}},
	{Name: "size", Sections: SecRing, Args: "<size>", Help: "ring buffer size in bytes (default 16384); the oldest lines are overwritten", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a size"); err != nil {
				return err
			}
			n, err := parseSize(c.name, args[0], 1<<30)
			if err == nil && n < 256 {
				err = fmt.Errorf("'size' must be at least 256")
			}
			c.ring.Size = n
			return err
		}},
	{Name: "server", Sections: SecRing, Args: "<name> <address>", Help: "send every line of the ring to this TCP syslog server (octet counting)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) < 2 {
				return fmt.Errorf("'server' expects <name> and <address>")
			}
			if len(args) > 2 {
				return fmt.Errorf("'server %s %s %s': server options in a ring are not supported by hawser", args[0], args[1], args[2])
			}
			addr, err := streamAddress(args[1])
			if err != nil {
				return err
			}
			c.ring.Servers = append(c.ring.Servers, RingServer{Pos: c.pos, Name: args[0], Address: addr})
			return nil
		}},
	{Name: "timeout connect", Sections: SecRing, Args: "<time>", Help: "time to connect to a ring server", Supported: true,
		Parse: func(c *lineCtx, args []string) error { return sectionTime(c, args, &c.ring.TimeoutConnect) }},
	{Name: "timeout server", Sections: SecRing, Args: "<time>", Help: "longest time a write to a ring server may block", Supported: true,
		Parse: func(c *lineCtx, args []string) error { return sectionTime(c, args, &c.ring.TimeoutServer) }},
	{Name: "backing-file", Sections: SecRing, Args: "<path>"},

	{Name: "bind", Sections: SecLogForward, Args: "<address>:<port>", Help: "receive syslog over TCP (octet counting or LF-terminated)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return forwardBind(c, args, &c.lf.Binds, streamAddress)
		}},
	{Name: "dgram-bind", Sections: SecLogForward, Args: "<address>:<port>", Help: "receive syslog over UDP", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return forwardBind(c, args, &c.lf.DgramBinds, dgramAddress)
		}},
	{Name: "log", Sections: SecLogForward, Args: "global | <target> [len <length>] [format <format>] [sample <ranges>:<size>] <facility> [<level> [<minlevel>]]", Help: "send the received messages to this target", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			lt, err := parseLogTarget(c, args, true)
			if err == nil {
				c.lf.Logs = append(c.lf.Logs, lt)
			}
			return err
		}},
	{Name: "maxconn", Sections: SecLogForward, Args: "<number>", Help: "most TCP connections at once", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a number"); err != nil {
				return err
			}
			n, err := parseInt(c.name, args[0], 0, 1<<30)
			c.lf.MaxConn = n
			return err
		}},
	{Name: "backlog", Sections: SecLogForward, Args: "<number>"},
	{Name: "timeout client", Sections: SecLogForward, Args: "<time>", Help: "close TCP connections idle for this long", Supported: true,
		Parse: func(c *lineCtx, args []string) error { return sectionTime(c, args, &c.lf.Timeout) }},
	{Name: "option assume-rfc6587-ntf", Sections: SecLogForward, Help: "TCP messages are LF-terminated, never octet-counted", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.lf.AssumeNTF = true
			return arity(c.name, args, 0, 0, "no argument")
		}},
	{Name: "option dont-parse-log", Sections: SecLogForward, Help: "relay messages as received, without parsing or rewriting their header", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.lf.DontParse = true
			return arity(c.name, args, 0, 0, "no argument")
		}},
	{Name: "option host", Sections: SecLogForward, Args: "replace|fill|keep|append", Help: "what to do with a message's host field: fill it with the sender's address when empty (default), replace it, append the address, or keep it", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) != 1 || (args[0] != "replace" && args[0] != "fill" && args[0] != "keep" && args[0] != "append") {
				return fmt.Errorf("'option host' expects replace, fill, keep or append")
			}
			c.lf.Host = args[0]
			return nil
		}},
}

func sectionTime(c *lineCtx, args []string, dst *time.Duration) error {
	if err := arity(c.name, args, 1, 1, "a time argument"); err != nil {
		return err
	}
	d, err := parseTime(c.name, args[0])
	if err == nil && d < 0 {
		err = fmt.Errorf("'%s' cannot be negative", c.name)
	}
	*dst = d
	return err
}

func forwardBind(c *lineCtx, args []string, dst *[]LogForwardBind, check func(string) (string, error)) error {
	if len(args) == 0 {
		return fmt.Errorf("'%s' expects an address", c.name)
	}
	if len(args) > 1 {
		return fmt.Errorf("'%s %s': bind option '%s' is not supported by hawser in log-forward sections", c.name, args[0], args[1])
	}
	for _, a := range strings.Split(args[0], ",") {
		addr, err := check(a)
		if err != nil {
			return err
		}
		*dst = append(*dst, LogForwardBind{Pos: c.pos, Address: addr})
	}
	return nil
}

// streamAddress checks a TCP address ("[tcp@|ipv4@|ipv6@]host:port") and
// returns it without its prefix.
func streamAddress(a string) (string, error) {
	return netAddress(a, "tcp@", "tcp4@", "tcp6@", "ipv4@", "ipv6@")
}

// dgramAddress checks a UDP address ("[udp@|ipv4@|ipv6@]host:port").
func dgramAddress(a string) (string, error) {
	return netAddress(a, "udp@", "udp4@", "udp6@", "ipv4@", "ipv6@")
}

func netAddress(a string, prefixes ...string) (string, error) {
	if p, rest, ok := strings.Cut(a, "@"); ok {
		known := false
		for _, q := range prefixes {
			known = known || q == p+"@"
		}
		if !known {
			return "", fmt.Errorf("address '%s': '%s@' is not supported by hawser here", a, p)
		}
		a = rest
	}
	host, port, err := hostPort(a)
	if err != nil {
		return "", err
	}
	if err := checkHost(host); err != nil {
		return "", err
	}
	if port == "" {
		return "", fmt.Errorf("address '%s': missing port", a)
	}
	if _, err := parsePort(port); err != nil {
		return "", fmt.Errorf("address '%s': %w", a, err)
	}
	if host == "*" {
		host = ""
	}
	return joinHostPort(host, port), nil
}

func (l *loader) newRing(s *cfgfile.Section) *Ring {
	r := &Ring{Pos: s.Header.Pos, Name: s.Name, Size: DefaultRingSize}
	if s.Name == "" {
		l.errorf(r.Pos, "'ring' expects a name")
	}
	for _, prev := range l.snap.Rings {
		if prev.Name == r.Name {
			l.errorf(r.Pos, "ring '%s' has the same name as the ring declared at %s:%d", r.Name, prev.Pos.File, prev.Pos.Line)
		}
	}
	l.snap.Rings = append(l.snap.Rings, r)
	return r
}

func (l *loader) newLogForward(s *cfgfile.Section) *LogForward {
	f := &LogForward{Pos: s.Header.Pos, Name: s.Name}
	if s.Name == "" {
		l.errorf(f.Pos, "'log-forward' expects a name")
	}
	for _, prev := range l.snap.LogForwards {
		if prev.Name == f.Name {
			l.errorf(f.Pos, "log-forward '%s' has the same name as the log-forward declared at %s:%d", f.Name, prev.Pos.File, prev.Pos.Line)
		}
	}
	l.snap.LogForwards = append(l.snap.LogForwards, f)
	return f
}

// checkRingRefs refuses "log ring@<name>" lines naming no ring section.
func (l *loader) checkRingRefs() {
	rings := map[string]bool{}
	for _, r := range l.snap.Rings {
		rings[r.Name] = true
	}
	seen := map[cfgfile.Pos]bool{} // a listen section's lines are in both halves
	check := func(lts []LogTarget) {
		for _, lt := range lts {
			if name, ok := strings.CutPrefix(lt.Address, "ring@"); ok && !rings[name] && !seen[lt.Pos] {
				seen[lt.Pos] = true
				l.errorf(lt.Pos, "log: no such ring '%s'", name)
			}
		}
	}
	check(l.snap.Global.Logs)
	for _, fe := range l.snap.Frontends {
		check(fe.Logs)
	}
	for _, be := range l.snap.Backends {
		check(be.Logs)
	}
	for _, f := range l.snap.LogForwards {
		check(f.Logs)
	}
}
