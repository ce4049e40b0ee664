package logging

import (
	"fmt"
	"time"
)

// Syslog severities (RFC 5424 section 6.2.1), the "level" of HAProxy's log
// lines. Traffic logs are sent at LevelInfo.
const (
	LevelEmerg = iota
	LevelAlert
	LevelCrit
	LevelErr
	LevelWarning
	LevelNotice
	LevelInfo
	LevelDebug
)

// levelNames are HAProxy's level keywords, indexed by severity.
var levelNames = [...]string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

// facilityNames are HAProxy's 24 facility keywords, indexed by code.
var facilityNames = [...]string{
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
}

// ParseLevel returns the severity of a level keyword ("emerg" … "debug").
func ParseLevel(s string) (int, error) {
	for i, n := range levelNames {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown log level '%s'", s)
}

// ParseFacility returns the code of a facility keyword ("kern" … "local7").
func ParseFacility(s string) (int, error) {
	for i, n := range facilityNames {
		if n == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown log facility '%s'", s)
}

// syslogFormat is a "log ... format <fmt>" header style.
type syslogFormat uint8

// The header styles of configuration.txt's "log" keyword.
const (
	fmtLocal    syslogFormat = iota // <PRI>Mmm dd hh:mm:ss tag[pid]: msg
	fmtRFC3164                      // <PRI>Mmm dd hh:mm:ss host tag[pid]: msg
	fmtRFC5424                      // <PRI>1 iso-time host tag pid - - msg
	fmtPriority                     // <PRI>msg
	fmtShort                        // <level>msg
	fmtTimed                        // <level>iso-time msg
	fmtISO                          // iso-time msg
	fmtRaw                          // msg
)

var syslogFormats = map[string]syslogFormat{
	"local":    fmtLocal,
	"rfc3164":  fmtRFC3164,
	"rfc5424":  fmtRFC5424,
	"priority": fmtPriority,
	"short":    fmtShort,
	"timed":    fmtTimed,
	"iso":      fmtISO,
	"raw":      fmtRaw,
}

// parseSyslogFormat resolves a target's format. As in HAProxy, the default
// is "local" (RFC 3164 without the host name) unless log-send-hostname
// gave a host name, which makes it "rfc3164".
func parseSyslogFormat(s, host string) (syslogFormat, error) {
	if s == "" {
		if host != "" {
			return fmtRFC3164, nil
		}
		return fmtLocal, nil
	}
	f, ok := syslogFormats[s]
	if !ok {
		return 0, fmt.Errorf("unknown log format '%s'", s)
	}
	return f, nil
}

// header is what a syslog header is made of, apart from the format.
type header struct {
	facility, level int
	at              time.Time
	host, tag, pid  string
	msgid, sd       string // RFC 5424 MSGID and STRUCTURED-DATA; "" is "-"
}

// appendHeader appends the header of one message in format f, with the
// trailing separator, so that the message text can follow directly.
func appendHeader(dst []byte, f syslogFormat, h *header) []byte {
	switch f {
	case fmtLocal, fmtRFC3164, fmtRFC5424, fmtPriority:
		dst = appendPRI(dst, h.facility<<3|h.level)
	case fmtShort, fmtTimed:
		// These formats are for local daemons such as systemd's that only
		// read the severity.
		dst = appendPRI(dst, h.level)
	}
	switch f {
	case fmtLocal:
		dst = appendSyslogTime(dst, h.at)
		dst = append(dst, ' ')
		dst = appendTag(dst, h)
	case fmtRFC3164:
		dst = appendSyslogTime(dst, h.at)
		dst = append(dst, ' ')
		dst = append(dst, orDefault(h.host, "localhost")...) // RFC 3164 requires a host name
		dst = append(dst, ' ')
		dst = appendTag(dst, h)
	case fmtRFC5424:
		dst = append(dst, "1 "...)
		dst = appendISOTime(dst, h.at)
		for _, field := range [...]string{h.host, h.tag, h.pid} {
			dst = append(dst, ' ')
			dst = append(dst, orDefault(field, "-")...)
		}
		dst = append(dst, ' ')
		dst = append(dst, orDefault(h.msgid, "-")...)
		dst = append(dst, ' ')
		dst = append(dst, orDefault(h.sd, "-")...)
		dst = append(dst, ' ')
	case fmtTimed, fmtISO:
		dst = appendISOTime(dst, h.at)
		dst = append(dst, ' ')
	}
	return dst
}

// appendTag appends RFC 3164's "tag[pid]: ".
func appendTag(dst []byte, h *header) []byte {
	dst = append(dst, h.tag...)
	if h.pid != "" {
		dst = append(dst, '[')
		dst = append(dst, h.pid...)
		dst = append(dst, ']')
	}
	return append(dst, ": "...)
}

func appendPRI(dst []byte, pri int) []byte {
	dst = append(dst, '<')
	dst = appendInt(dst, int64(pri))
	return append(dst, '>')
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
