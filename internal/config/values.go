package config

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// parseInt parses a decimal integer within [lo, hi].
func parseInt(kw, s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("'%s' expects an integer argument, got '%s'", kw, s)
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("'%s' value %d is out of range [%d..%d]", kw, n, lo, hi)
	}
	return n, nil
}

// timeUnits are HAProxy's time suffixes; a bare number is milliseconds.
var timeUnits = []struct {
	suffix string
	unit   time.Duration
}{
	{"us", time.Microsecond},
	{"ms", time.Millisecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
	{"d", 24 * time.Hour},
}

// parseTime parses a HAProxy time ("10s", "500", "1m").
func parseTime(kw, s string) (time.Duration, error) {
	num, unit := s, time.Millisecond
	if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		num = s[:i]
		unit = 0
		for _, u := range timeUnits {
			if s[i:] == u.suffix {
				unit = u.unit
			}
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || unit == 0 {
		return 0, fmt.Errorf("'%s': invalid time value '%s' (expected a number with an optional unit us, ms, s, m, h or d)", kw, s)
	}
	if n > math.MaxInt32 || time.Duration(n) > math.MaxInt64/unit {
		return 0, fmt.Errorf("'%s': time value '%s' is too large", kw, s)
	}
	return time.Duration(n) * unit, nil
}

// parseSize parses a byte size with an optional k, m or g suffix (powers
// of 1024, as HAProxy).
func parseSize(kw, s string, hi int) (int, error) {
	num, mult := s, 1
	if s != "" {
		switch s[len(s)-1] {
		case 'k', 'K':
			num, mult = s[:len(s)-1], 1<<10
		case 'm', 'M':
			num, mult = s[:len(s)-1], 1<<20
		case 'g', 'G':
			num, mult = s[:len(s)-1], 1<<30
		}
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("'%s': invalid size '%s' (expected a number with an optional unit k, m or g)", kw, s)
	}
	if n > hi/mult {
		return 0, fmt.Errorf("'%s': size '%s' is too large", kw, s)
	}
	return n * mult, nil
}

// parseOctal parses unix permission bits ("600").
func parseOctal(kw, s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 8, 32)
	if err != nil || n > 0o7777 {
		return 0, fmt.Errorf("'%s' expects an octal mode, got '%s'", kw, s)
	}
	return uint32(n), nil
}

// hostPort splits "host:port", "[v6]:port", "host" and a bare IPv6
// address whose last colon group is a port, as HAProxy reads them.
func hostPort(s string) (host, port string, err error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", "", fmt.Errorf("missing ']' in address '%s'", s)
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, "", nil
		}
		if rest[0] != ':' {
			return "", "", fmt.Errorf("invalid address '%s'", s)
		}
		return host, rest[1:], nil
	}
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		return s, "", nil
	}
	return s[:i], s[i+1:], nil
}

// checkHost accepts "", "*", an IP address or a DNS name.
func checkHost(h string) error {
	if h == "" || h == "*" {
		return nil
	}
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if strings.Contains(h, ":") {
		return fmt.Errorf("invalid IPv6 address '%s'", h)
	}
	for _, r := range h {
		ok := r == '.' || r == '-' || r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return fmt.Errorf("invalid host name '%s'", h)
		}
	}
	return nil
}

// parsePort parses a port in 1..65535.
func parsePort(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port '%s'", s)
	}
	return n, nil
}

// isIPv6 reports whether host is an IPv6 literal.
func isIPv6(host string) bool {
	a, err := netip.ParseAddr(host)
	return err == nil && a.Is6() && !a.Is4In6()
}

// joinHostPort is net.JoinHostPort without the import: IPv6 hosts get
// brackets.
func joinHostPort(host, port string) string {
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}
