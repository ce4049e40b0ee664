package logging

import (
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/config"
)

// Length limits of "log ... len <length>" and its default, the RFC 3164
// maximum.
const (
	defaultMaxLen = 1024
	minMaxLen     = 80
	maxMaxLen     = 65535
)

// defaultSyslogPort is used when a UDP target has no port.
const defaultSyslogPort = "514"

// target is one compiled "log" line. Its buf is owned by the Logger's
// writer goroutine.
type target struct {
	addr     string // as configured, for errors
	format   syslogFormat
	facility int
	maxLevel int               // messages less severe than this are not sent
	minLevel int               // messages more severe than this are sent at this level
	maxLen   int               // header and message, including the final '\n'
	sample   *config.LogSample // nil: every line
	seq      int               // position of the last line in the sample, 1..sample.Size
	sink     sink
	buf      []byte
}

// sink is where a target's lines go. Writes come from one goroutine.
type sink interface {
	write(line []byte) error
	close() error
}

// unsupportedPrefixes are address prefixes HAProxy accepts for "log" that
// hawser does not implement (log backends, socket pairs, QUIC).
var unsupportedPrefixes = []string{"backend@", "sockpair@", "quic4@", "quic6@"}

// tcpPrefixes map HAProxy's stream address prefixes to Go networks.
var tcpPrefixes = map[string]string{"tcp@": "tcp", "tcp4@": "tcp4", "tcp6@": "tcp6"}

// udpPrefixes map HAProxy's datagram address prefixes to Go networks.
var udpPrefixes = map[string]string{
	"udp@":  "udp",
	"udp4@": "udp4",
	"udp6@": "udp6",
	"ipv4@": "udp4",
	"ipv6@": "udp6",
}

// newTarget compiles one "log" line; o supplies the host name and the
// stdout/stderr writers.
func newTarget(lt config.LogTarget, o *options) (*target, error) {
	if lt.Global {
		return nil, fmt.Errorf("'log global' must be resolved against the global section first (see Resolve)")
	}
	t := &target{addr: lt.Address, maxLevel: LevelDebug, minLevel: LevelEmerg, maxLen: defaultMaxLen}
	var ring *Ring
	format := lt.Format
	if name, ok := strings.CutPrefix(lt.Address, "ring@"); ok {
		if ring = o.rings.Get(name); ring == nil {
			return nil, fmt.Errorf("log target '%s': no such ring", lt.Address)
		}
		// A ring stores lines in its own format, raw unless it sets one:
		// as in HAProxy, the ring's format prevails over the log line's.
		format = "raw"
		if rc := ring.config(); rc.Format != "" {
			format = rc.Format
		}
	}
	var err error
	if t.format, err = parseSyslogFormat(format, o.hostname); err != nil {
		return nil, err
	}
	if lt.Facility == "" {
		return nil, fmt.Errorf("missing log facility")
	}
	if t.facility, err = ParseFacility(lt.Facility); err != nil {
		return nil, err
	}
	if lt.Level != "" {
		if t.maxLevel, err = ParseLevel(lt.Level); err != nil {
			return nil, err
		}
	}
	if lt.MinLevel != "" {
		if t.minLevel, err = ParseLevel(lt.MinLevel); err != nil {
			return nil, err
		}
	}
	t.sample = lt.Sample
	if lt.Len != 0 {
		if lt.Len < minMaxLen || lt.Len > maxMaxLen {
			return nil, fmt.Errorf("invalid log length %d, must be between %d and %d", lt.Len, minMaxLen, maxMaxLen)
		}
		t.maxLen = lt.Len
	}
	if ring != nil {
		// Lines are cut at the lower of the log line's len (default
		// 1024) and the ring's maxlen, as HAProxy does; maxLen counts
		// the '\n' the ring does not store.
		if rc := ring.config(); rc.MaxLen > 0 && rc.MaxLen+1 < t.maxLen {
			t.maxLen = rc.MaxLen + 1
		}
		t.sink = ringSink{ring}
		return t, nil
	}
	if t.sink, err = newSink(lt.Address, o); err != nil {
		return nil, err
	}
	return t, nil
}

// newSink opens the destination named by a "log" address.
func newSink(addr string, o *options) (sink, error) {
	for _, p := range unsupportedPrefixes {
		if strings.HasPrefix(addr, p) {
			return nil, fmt.Errorf("log target '%s' is not supported by hawser", addr)
		}
	}
	switch {
	case addr == "":
		return nil, fmt.Errorf("missing log target address")
	case addr == "stdout" || addr == "fd@1":
		return streamSink{w: o.stdout}, nil
	case addr == "stderr" || addr == "fd@2":
		return streamSink{w: o.stderr}, nil
	case strings.HasPrefix(addr, "fd@"):
		fd, err := strconv.Atoi(addr[len("fd@"):])
		if err != nil || fd < 0 {
			return nil, fmt.Errorf("invalid file descriptor in log target '%s'", addr)
		}
		return streamSink{w: os.NewFile(uintptr(fd), addr)}, nil
	case strings.HasPrefix(addr, "/"):
		return &dgramSink{network: "unixgram", addr: addr}, nil
	case strings.HasPrefix(addr, "unix@"), strings.HasPrefix(addr, "uxdg@"):
		_, path, _ := strings.Cut(addr, "@")
		return &dgramSink{network: "unixgram", addr: path}, nil
	case strings.HasPrefix(addr, "abns@"), strings.HasPrefix(addr, "abnsz@"):
		// Linux abstract namespace: HAProxy's abns@ names fill the whole
		// sun_path, padded with NUL bytes; abnsz@ names end at their
		// last byte (as most other programs, Go's "@name" included, use
		// them).
		p, name, _ := strings.Cut(addr, "@")
		if p == "abns" {
			name = abnsPadded(name)
		}
		return &dgramSink{network: "unixgram", addr: "@" + name}, nil
	case strings.HasPrefix(addr, "uxst@"):
		// A stream unix socket: one line per octet-counted frame, as
		// for tcp@ targets.
		s := newTCPSink("unix", addr[len("uxst@"):], o.dropped)
		if o.tcpWrite > 0 {
			s.timeout = o.tcpWrite
		}
		go s.run()
		return s, nil
	}
	network, hostport := "udp", addr
	if p, rest, ok := strings.Cut(addr, "@"); ok && tcpPrefixes[p+"@"] != "" {
		ta, err := resolveStream(tcpPrefixes[p+"@"], rest)
		if err != nil {
			return nil, fmt.Errorf("log target '%s': %w", addr, err)
		}
		s := newTCPSink("tcp", ta, o.dropped)
		if o.tcpWrite > 0 {
			s.timeout = o.tcpWrite
		}
		go s.run()
		return s, nil
	}
	if p, rest, ok := strings.Cut(addr, "@"); ok {
		n, known := udpPrefixes[p+"@"]
		if !known {
			return nil, fmt.Errorf("unknown address family in log target '%s'", addr)
		}
		network, hostport = n, rest
	}
	ua, err := resolveUDP(network, hostport)
	if err != nil {
		return nil, fmt.Errorf("log target '%s': %w", addr, err)
	}
	return &dgramSink{network: network, addr: ua}, nil
}

// sunPathLen is the size of sun_path in Linux's struct sockaddr_un, minus
// the leading NUL of abstract names.
const sunPathLen = 108 - 1

// abnsPadded returns an abstract socket name padded with NUL bytes to the
// full sun_path, as HAProxy's abns@ addresses are.
func abnsPadded(name string) string {
	if len(name) >= sunPathLen {
		return name
	}
	return name + strings.Repeat("\x00", sunPathLen-len(name))
}

// sampled reports whether the next line is one the target's "sample"
// option keeps. It is called by the Logger's writer goroutine only.
func (t *target) sampled() bool {
	if t.sample == nil {
		return true
	}
	t.seq++
	if t.seq > t.sample.Size {
		t.seq = 1
	}
	for _, r := range t.sample.Ranges {
		if t.seq >= r[0] && t.seq <= r[1] {
			return true
		}
	}
	return false
}

// resolveStream resolves a TCP target's "host:port" once; a missing port
// is 514 as for UDP.
func resolveStream(network, hostport string) (string, error) {
	ua, err := resolveUDP(strings.Replace(network, "tcp", "udp", 1), hostport)
	if err != nil {
		return "", err
	}
	return ua, nil
}

// resolveUDP resolves "host[:port]" once, at configuration time as HAProxy
// does. The port follows the last colon, so "::1:514" is IPv6 ::1 port 514;
// brackets ("[::1]:514") are accepted too.
func resolveUDP(network, hostport string) (string, error) {
	host, port := hostport, ""
	if strings.HasPrefix(hostport, "[") {
		h, p, err := net.SplitHostPort(hostport)
		if err != nil {
			if h, ok := strings.CutSuffix(strings.TrimPrefix(hostport, "["), "]"); ok {
				host = h
			} else {
				return "", err
			}
		} else {
			host, port = h, p
		}
	} else if i := strings.LastIndexByte(hostport, ':'); i >= 0 {
		host, port = hostport[:i], hostport[i+1:]
	}
	if host == "" {
		return "", fmt.Errorf("missing host")
	}
	if port == "" {
		port = defaultSyslogPort
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("invalid port '%s'", port)
	}
	ua, err := net.ResolveUDPAddr(network, net.JoinHostPort(host, port))
	if err != nil {
		return "", err
	}
	return ua.String(), nil
}

// streamSink writes whole lines to a stream such as stdout.
type streamSink struct{ w io.Writer }

func (s streamSink) write(line []byte) error {
	_, err := s.w.Write(line)
	return err
}

// close leaves the stream open: stdout and inherited descriptors belong to
// the process, not to one logger generation.
func (s streamSink) close() error { return nil }

// dgramSink sends each line as one datagram. It dials lazily and redials
// after an error so that a syslog daemon restart (a new /dev/log socket)
// or a missing socket at startup heals by itself.
type dgramSink struct {
	network, addr string
	conn          net.Conn
}

func (s *dgramSink) write(line []byte) error {
	if s.conn == nil {
		c, err := net.Dial(s.network, s.addr)
		if err != nil {
			return err
		}
		s.conn = c
	}
	if _, err := s.conn.Write(line); err != nil {
		s.conn.Close()
		s.conn = nil
		return err
	}
	return nil
}

func (s *dgramSink) close() error {
	if s.conn == nil {
		return nil
	}
	err := s.conn.Close()
	s.conn = nil
	return err
}

// frame appends the complete datagram or line for one message to t.buf:
// header, message truncated so that the whole fits in maxLen, and '\n'.
func (t *target) frame(f syslogFormat, h *header, msg []byte) []byte {
	b := appendHeader(t.buf[:0], f, h)
	b = append(b, msg...)
	if limit := t.maxLen - 1; len(b) > limit {
		b = b[:limit]
	}
	b = append(b, '\n')
	t.buf = b
	return b
}

// Resolve returns a proxy's effective log targets: each "log global" line
// is replaced by the global section's targets, as HAProxy does.
func Resolve(proxy, global []config.LogTarget) []config.LogTarget {
	var out []config.LogTarget
	for _, lt := range proxy {
		if lt.Global {
			out = append(out, global...)
			continue
		}
		out = append(out, lt)
	}
	return out
}
