package logging

import (
	"bytes"
	"time"
)

// Message is a syslog message received by a log-forward section, split
// into the header fields the Logger re-emits in each target's format.
type Message struct {
	Facility, Level int
	// Time is the message's timestamp; zero when it had none (the time of
	// reception is used then).
	Time time.Time
	// Host, Tag (RFC 5424 APP-NAME), PID (PROCID), MsgID and SD
	// (structured data) are empty when absent or "-".
	Host, Tag, PID, MsgID, SD string
	Text                      []byte
	// Raw is the message as received, sent unchanged by "option
	// dont-parse-log".
	Raw []byte
}

// Facility and severity of a message without a PRI part (RFC 3164 section
// 4.3.3): user.notice.
const (
	defaultFacility = 1
	defaultLevel    = LevelNotice
)

// ParseMessage splits a syslog message in RFC 5424 ("<PRI>1 TIMESTAMP HOST
// APP PROCID MSGID SD MSG") or RFC 3164 ("<PRI>Mmm dd hh:mm:ss HOST
// TAG[PID]: MSG") form. Like a relay in RFC 3164 section 4.3, it accepts
// anything: what cannot be parsed becomes the message text. now supplies
// the year of RFC 3164 timestamps. The result aliases b.
func ParseMessage(b []byte, now time.Time) Message {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r' || b[len(b)-1] == 0) {
		b = b[:len(b)-1]
	}
	m := Message{Facility: defaultFacility, Level: defaultLevel, Raw: b}
	rest, ok := parsePRI(b, &m)
	if !ok {
		m.Text = b
		return m
	}
	if r, ok := parse5424(rest, &m); ok {
		m.Text = r
		return m
	}
	m.Text = parse3164(rest, &m, now)
	return m
}

// parsePRI reads "<N>" with N in 0..191.
func parsePRI(b []byte, m *Message) ([]byte, bool) {
	if len(b) < 3 || b[0] != '<' {
		return b, false
	}
	n, i := 0, 1
	for ; i < len(b) && i <= 4 && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	if i == 1 || i >= len(b) || b[i] != '>' || n > 191 {
		return b, false
	}
	m.Facility, m.Level = n>>3, n&7
	return b[i+1:], true
}

// parse5424 reads the RFC 5424 header after the PRI.
func parse5424(b []byte, m *Message) ([]byte, bool) {
	if len(b) < 2 || b[0] != '1' || b[1] != ' ' {
		return b, false
	}
	b = b[2:]
	var fields [5][]byte // timestamp, host, app, procid, msgid
	for i := range fields {
		sp := bytes.IndexByte(b, ' ')
		if sp <= 0 {
			return b, false
		}
		fields[i], b = b[:sp], b[sp+1:]
	}
	if ts := string(fields[0]); ts != "-" {
		t, err := time.Parse(time.RFC3339Nano, ts)
		if err != nil {
			return b, false
		}
		m.Time = t
	}
	m.Host, m.Tag, m.PID, m.MsgID = nilValue(fields[1]), nilValue(fields[2]), nilValue(fields[3]), nilValue(fields[4])
	sd, rest, ok := cutSD(b)
	if !ok {
		return b, false
	}
	m.SD = nilValue(sd)
	return rest, true
}

// cutSD splits STRUCTURED-DATA ("-" or "[id k="v"]..." where '"', '\'
// and ']' are escaped with '\' inside values) from the message after it.
func cutSD(b []byte) (sd, rest []byte, ok bool) {
	if len(b) > 0 && b[0] == '-' {
		sd, rest = b[:1], b[1:]
	} else {
		i := 0
		for i < len(b) && b[i] == '[' {
			end := sdElementEnd(b, i)
			if end < 0 {
				return nil, b, false
			}
			i = end
		}
		if i == 0 {
			return nil, b, false
		}
		sd, rest = b[:i], b[i:]
	}
	if len(rest) > 0 {
		if rest[0] != ' ' {
			return nil, b, false
		}
		rest = rest[1:]
	}
	return sd, rest, true
}

// sdElementEnd returns the index just past the ']' closing the
// SD-ELEMENT that starts with the '[' at b[start], or -1 when it is not
// closed (an escape or an open quote running to the end of b).
func sdElementEnd(b []byte, start int) int {
	quoted := false
	for i := start + 1; i < len(b); i++ {
		switch c := b[i]; {
		case quoted && c == '\\':
			i++ // the escaped byte, if any, is skipped
		case c == '"':
			quoted = !quoted
		case c == ']' && !quoted:
			return i + 1
		}
	}
	return -1
}

func nilValue(b []byte) string {
	if len(b) == 1 && b[0] == '-' {
		return ""
	}
	return string(b)
}

// parse3164 reads "Mmm dd hh:mm:ss HOST TAG[PID]: " and returns the
// content. Without a valid timestamp everything is content, as RFC 3164
// section 4.3.2 has relays do.
func parse3164(b []byte, m *Message, now time.Time) []byte {
	const stamp = len("Mmm dd hh:mm:ss ")
	if len(b) < stamp || b[stamp-1] != ' ' {
		return b
	}
	t, err := time.ParseInLocation(time.Stamp, string(b[:stamp-1]), now.Location())
	if err != nil {
		return b
	}
	// RFC 3164 has no year: take the one that puts the date nearest now.
	t = t.AddDate(now.Year(), 0, 0)
	if t.Sub(now) > 30*24*time.Hour {
		t = t.AddDate(-1, 0, 0)
	}
	m.Time = t
	b = b[stamp:]
	// Local senders (the /dev/log convention) omit the host name: a
	// first word that ends with ':' or holds '[' is the tag.
	if sp := bytes.IndexByte(b, ' '); sp > 0 && b[sp-1] != ':' && bytes.IndexByte(b[:sp], '[') < 0 {
		m.Host, b = string(b[:sp]), b[sp+1:]
	}
	// TAG is up to 32 alphanumeric characters (RFC 3164 section 4.1.3);
	// in practice any run of printable characters without ':', '[' or a
	// space, as syslog daemons send "postfix/smtpd[12]:".
	i := 0
	for i < len(b) && b[i] != ':' && b[i] != '[' && b[i] != ' ' {
		i++
	}
	if i == 0 || i == len(b) {
		return b
	}
	tag, pid, r := b[:i], []byte(nil), b[i:]
	if r[0] == '[' {
		end := bytes.IndexByte(r, ']')
		if end < 0 {
			return b
		}
		pid, r = r[1:end], r[end+1:]
	}
	if len(r) == 0 || r[0] != ':' {
		return b
	}
	r = r[1:]
	if len(r) > 0 && r[0] == ' ' {
		r = r[1:]
	}
	m.Tag, m.PID = string(tag), string(pid)
	return r
}
