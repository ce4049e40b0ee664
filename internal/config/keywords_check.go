package config

import (
	"encoding/hex"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Check types of a backend, set by the "option <x>" that chose them. The
// zero value is HAProxy's default: a TCP connect check, or an HTTP check
// when Backend.HTTPCheck is set ("option httpchk").
const (
	CheckTCP      = "tcp-check"     // option tcp-check: Rules run as written
	CheckRedis    = "redis-check"   // PING, expect +PONG
	CheckMySQL    = "mysql-check"   // handshake packet, optionally a login
	CheckPgSQL    = "pgsql-check"   // startup message, expect an auth request
	CheckSMTP     = "smtpchk"       // banner, HELO/EHLO, QUIT
	CheckLDAP     = "ldap-check"    // anonymous bind, expect success
	CheckSSLHello = "ssl-hello-chk" // SSLv3 client hello, expect a handshake
	CheckSPOP     = "spop-check"    // SPOP HELLO frame, expect AGENT-HELLO
)

// CheckSpec is a backend's check type other than a plain connect or
// "option httpchk", with its "tcp-check" rules and protocol parameters.
type CheckSpec struct {
	Pos  cfgfile.Pos
	Type string // one of the Check* constants
	// Rules are the "tcp-check" lines, in order (option tcp-check).
	Rules []*CheckRule `json:",omitempty"`
	// User is the user name of "option mysql-check user" and "option
	// pgsql-check user"; for mysql an empty User only reads the handshake.
	User string `json:",omitempty"`
	// MySQLVariant is "post-41" (default), "pre-41" or "post-80".
	MySQLVariant string `json:",omitempty"`
	// SMTPHello is the greeting smtpchk sends, "HELO localhost" by default.
	SMTPHello string `json:",omitempty"`
}

// CheckRule is one "tcp-check" or "http-check" connect, send, expect or
// comment line. Rules form the check's sequence (HAProxy 2.2+): a check
// without a leading connect rule gets an implicit one.
type CheckRule struct {
	Pos     cfgfile.Pos
	Action  string // connect, send, send-binary, expect, comment
	Comment string `json:",omitempty"`

	// connect
	Port      int    `json:",omitempty"`
	Addr      string `json:",omitempty"`
	SendProxy bool   `json:",omitempty"`
	Linger    bool   `json:",omitempty"`

	// Data is what a tcp-check send or send-binary writes (decoded: the
	// hex of send-binary is already bytes).
	Data string `json:",omitempty"`
	// HTTP is an http-check send's request; unset parts come from "option
	// httpchk".
	HTTP *CheckHTTPSend `json:",omitempty"`

	Expect *CheckExpect `json:",omitempty"`
}

// CheckHTTPSend is the request of an "http-check send" line.
type CheckHTTPSend struct {
	Method, URI, Version string      `json:",omitempty"`
	Headers              [][2]string `json:",omitempty"`
	Body                 string      `json:",omitempty"`
}

// CheckExpect is a "tcp-check expect" or "http-check expect" rule.
type CheckExpect struct {
	Negate bool `json:",omitempty"`
	// Kind is string, rstring, binary or rbinary (tcp-check), or status,
	// rstatus, string, rstring, hdr or fhdr (http-check).
	Kind string
	// Pattern is the match; for binary it holds the decoded bytes.
	Pattern string `json:",omitempty"`
	// MinRecv is how many bytes must be read before matching; -1 means
	// "until the pattern matches or the connection ends".
	MinRecv int
	// HdrName/HdrValue and their match methods (str, beg, end, sub, reg)
	// are the "hdr name ... value ..." arguments; HdrValue empty means
	// the header only has to exist.
	HdrName, HdrNameMatch, HdrValue, HdrValueMatch string `json:",omitempty"`
	// OnSuccess and OnError replace the check's info text.
	OnSuccess, OnError string `json:",omitempty"`
	// OkStatus, ErrorStatus and ToutStatus override the statuses the rule
	// reports (L7OK, L7RSP, L7TOUT by default).
	OkStatus, ErrorStatus, ToutStatus string `json:",omitempty"`
}

// AgentCheck is a server's "agent-check" and its agent-* settings.
type AgentCheck struct {
	Enabled bool
	Port    int           `json:",omitempty"`
	Addr    string        `json:",omitempty"`
	Inter   time.Duration `json:",omitempty"` // default: the server's inter
	Send    string        `json:",omitempty"`
}

// checkOptionKeywords are the "option" keywords that choose a check type.
var checkOptionKeywords = []*Keyword{
	{Name: "option tcp-check", Sections: secBE, Help: "health checks run the tcp-check rules", Supported: true, Parse: parseCheckType(CheckTCP)},
	{Name: "option redis-check", Sections: secBE, Help: "health checks send a Redis PING and expect +PONG", Supported: true, Parse: parseCheckType(CheckRedis)},
	{Name: "option ssl-hello-chk", Sections: secBE, Help: "health checks send an SSLv3 client hello and expect a handshake record", Supported: true, Parse: parseCheckType(CheckSSLHello)},
	{Name: "option ldap-check", Sections: secBE, Help: "health checks send an anonymous LDAPv3 bind and expect success", Supported: true, Parse: parseCheckType(CheckLDAP)},
	{Name: "option spop-check", Sections: secBE, Help: "health checks send an SPOP HELLO frame and expect AGENT-HELLO", Supported: true, Parse: parseCheckType(CheckSPOP)},
	{Name: "option smtpchk", Sections: secBE, Args: "[EHLO|HELO <domain>]", Help: "health checks expect a 2xx SMTP banner and a 250 to HELO/EHLO", Supported: true, Parse: parseSMTPChk},
	{Name: "option pgsql-check", Sections: secBE, Args: "user <username>", Help: "health checks send a PostgreSQL startup message and expect an authentication request", Supported: true, Parse: parsePgSQLCheck},
	{Name: "option mysql-check", Sections: secBE, Args: "[user <username> [post-41|pre-41|post-80]]", Help: "health checks read the MySQL handshake, and log in as <username> if given", Supported: true, Parse: parseMySQLCheck},
}

// tcpCheckKeywords are the "tcp-check <x>" keywords.
var tcpCheckKeywords = []*Keyword{
	{Name: "tcp-check connect", Sections: secBE, Args: "[default] [port <port>] [addr <ip>] [send-proxy] [linger] [comment <msg>]", Help: "open the check connection (a check without one starts with an implicit connect)", Supported: true, Parse: parseTCPCheckRule("connect")},
	{Name: "tcp-check send", Sections: secBE, Args: "<data> [comment <msg>]", Help: "send a string", Supported: true, Parse: parseTCPCheckRule("send")},
	{Name: "tcp-check send-binary", Sections: secBE, Args: "<hexstring> [comment <msg>]", Help: "send bytes written in hexadecimal", Supported: true, Parse: parseTCPCheckRule("send-binary")},
	{Name: "tcp-check expect", Sections: secBE, Args: "[min-recv <n>] [ok-status|error-status|tout-status <st>] [on-success|on-error <msg>] [comment <msg>] [!] string|rstring|binary|rbinary <pattern>", Help: "what the server must answer", Supported: true, Parse: parseTCPCheckRule("expect")},
	{Name: "tcp-check comment", Sections: secBE, Args: "<text>", Help: "comment shown in the check status of the next rule's failure", Supported: true, Parse: parseTCPCheckRule("comment")},
	{Name: "tcp-check send-lf", Sections: secBE},
	{Name: "tcp-check send-binary-lf", Sections: secBE},
	{Name: "tcp-check set-var", Sections: secBE},
	{Name: "tcp-check set-var-fmt", Sections: secBE},
	{Name: "tcp-check unset-var", Sections: secBE},
}

// checkHTTPKeywords are the "http-check <x>" keywords.
var checkHTTPKeywords = []*Keyword{
	{Name: "http-check connect", Sections: secBE, Args: "[default] [port <port>] [addr <ip>] [send-proxy] [linger] [comment <msg>]", Help: "open the check connection; several connect/send/expect groups form a sequence", Supported: true, Parse: parseHTTPCheckRule("connect")},
	{Name: "http-check send", Sections: secBE, Args: "[meth <method>] [uri <uri>] [ver <version>] [hdr <name> <value>]* [body <string>] [comment <msg>]", Help: "the request health checks send (with option httpchk)", Supported: true, Parse: parseHTTPCheckRule("send")},
	{Name: "http-check expect", Sections: secBE, Args: "[min-recv <n>] [ok-status|error-status|tout-status <st>] [on-success|on-error <msg>] [comment <msg>] [!] status <codes> | rstatus <regex> | string <text> | rstring <regex> | hdr|fhdr name [-m <meth>] <name> [value [-m <meth>] <value>]", Help: "what a healthy response looks like (default: a 2xx or 3xx status)", Supported: true, Parse: parseHTTPCheckRule("expect")},
	{Name: "http-check comment", Sections: secBE, Args: "<text>", Help: "comment shown in the check status of the next rule's failure", Supported: true, Parse: parseHTTPCheckRule("comment")},
	{Name: "http-check disable-on-404", Sections: secBE, Help: "a server answering 404 while up goes to drain (NOLB) instead of down", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.check.DisableOn404 = true
			c.warnf("'http-check disable-on-404' is accepted but not acted on by hawser yet: a 404 fails the check")
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "http-check send-state", Sections: secBE, Help: "send the server's state in an X-Haproxy-Server-State header", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.check.SendState = true
			c.warnf("'http-check send-state' is accepted but not sent by hawser yet")
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "http-check set-var", Sections: secBE},
	{Name: "http-check set-var-fmt", Sections: secBE},
	{Name: "http-check unset-var", Sections: secBE},
}

// checkServerKeywords are the server options of agent checks, check
// start-up state, passive health (observe) and state-change actions.
var checkServerKeywords = []*Keyword{
	{Name: "agent-check", Scope: ScopeServer, Sections: secBE, Help: "also run an agent check (agent-port, agent-inter, agent-send, agent-addr)", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			agentOf(c.srv).Enabled = true
			return nil
		}},
	srvFlag("no-agent-check", "cancel a default-server agent-check", func(s *Server) { agentOf(s).Enabled = false }),
	srvInt("agent-port", "<port>", "TCP port of the agent", 1, 65535, func(s *Server) *int { return &agentOf(s).Port }),
	srvTime("agent-inter", "interval between agent checks (default inter)", func(s *Server) *time.Duration { return &agentOf(s).Inter }),
	{Name: "agent-addr", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<addr>", Help: "address of the agent (default the check address)", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			if err := checkHost(a[0]); err != nil || a[0] == "" || a[0] == "*" {
				return fmt.Errorf("'agent-addr': invalid address '%s'", a[0])
			}
			agentOf(c.srv).Addr = a[0]
			return nil
		}},
	{Name: "agent-send", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<string>", Help: "what the agent check sends after connecting", Supported: true,
		Parse: func(c *lineCtx, a []string) error { agentOf(c.srv).Send = a[0]; return nil }},
	srvChoice("init-state", "state a server starts in before its first check", func(s *Server) *string { return &s.InitState }, "fully-up", "up", "down", "fully-down"),
	srvChoice("observe", "count errors of live traffic at this layer", func(s *Server) *string { return &s.Observe }, "none", "layer4", "layer7"),
	srvChoice("on-error", "what observed or check errors do (default fastinter)", func(s *Server) *string { return &s.OnError }, "fastinter", "fail-check", "sudden-death", "mark-down"),
	srvChoice("on-marked-down", "what happens when the server goes down", func(s *Server) *string { return &s.OnMarkedDown }, "shutdown-sessions"),
	srvChoice("on-marked-up", "what happens when the server comes up", func(s *Server) *string { return &s.OnMarkedUp }, "shutdown-backup-sessions"),
	srvInt("error-limit", "<count>", "consecutive observed errors that trigger on-error (default 10)", 1, math.MaxInt32, func(s *Server) *int { return &s.ErrorLimit }),
	{Name: "slowstart", Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: "<time>", Help: "ramp the weight up over this time after the server comes up", Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			d, err := parseTime("slowstart", a[0])
			if err == nil {
				c.srv.SlowStart = d
				c.warnf("'slowstart' is accepted but not applied by hawser yet: servers take their full weight at once")
			}
			return err
		}},
	srvFlag("check-send-proxy", "send a PROXY header on check connections", func(s *Server) { s.CheckSendProxy = true }),
}

// agentOf returns s's agent settings, creating them: a server line's
// settings start as a copy of default-server's, so the pointer is copied
// before the first write.
func agentOf(s *Server) *AgentCheck {
	a := &AgentCheck{}
	if s.Agent != nil {
		*a = *s.Agent
	}
	s.Agent = a
	return a
}

func srvChoice(name, help string, field func(*Server) *string, choices ...string) *Keyword {
	return &Keyword{Name: name, Scope: ScopeServer, Sections: secBE, NArgs: 1, Args: strings.Join(choices, "|"), Help: help, Supported: true,
		Parse: func(c *lineCtx, a []string) error {
			for _, ch := range choices {
				if a[0] == ch {
					*field(c.srv) = a[0]
					return nil
				}
			}
			return fmt.Errorf("'%s' expects one of '%s', got '%s'", name, strings.Join(choices, "', '"), a[0])
		}}
}

// setCheckType makes t the section's check type: it replaces option
// httpchk and any other check option, as the last one wins in HAProxy.
func (c *lineCtx) setCheckType(t string) *CheckSpec {
	c.px.httpchk = false
	spec := &c.px.chk
	spec.Pos, spec.Type = c.pos, t
	spec.User, spec.MySQLVariant, spec.SMTPHello = "", "", ""
	return spec
}

func parseCheckType(t string) func(c *lineCtx, args []string) error {
	return func(c *lineCtx, args []string) error {
		if err := arity(c.name, args, 0, 0, ""); err != nil {
			return err
		}
		c.setCheckType(t)
		return nil
	}
}

func parseSMTPChk(c *lineCtx, args []string) error {
	hello := "HELO localhost"
	// HAProxy falls back to the default for anything but EHLO/HELO <domain>.
	if len(args) >= 2 && (args[0] == "EHLO" || args[0] == "HELO") {
		hello = args[0] + " " + args[1]
	}
	c.setCheckType(CheckSMTP).SMTPHello = hello
	return nil
}

func parsePgSQLCheck(c *lineCtx, args []string) error {
	if len(args) != 2 || args[0] != "user" {
		return fmt.Errorf("'%s' expects 'user <username>' as argument", c.name)
	}
	c.setCheckType(CheckPgSQL).User = args[1]
	return nil
}

func parseMySQLCheck(c *lineCtx, args []string) error {
	user, variant := "", ""
	switch {
	case len(args) == 0:
	case args[0] != "user":
		return fmt.Errorf("'%s' only supports optional values: 'user', got '%s'", c.name, args[0])
	case len(args) == 1:
		return fmt.Errorf("'%s user' expects a username", c.name)
	case len(args) > 3:
		return fmt.Errorf("'%s' expects at most 'user <username> [post-41|pre-41|post-80]'", c.name)
	default:
		user, variant = args[1], "post-41"
		if len(args) == 3 {
			variant = args[2]
		}
		if variant != "post-41" && variant != "pre-41" && variant != "post-80" {
			return fmt.Errorf("'%s': unknown version '%s' (expected post-41, pre-41 or post-80)", c.name, variant)
		}
	}
	spec := c.setCheckType(CheckMySQL)
	spec.User, spec.MySQLVariant = user, variant
	return nil
}

// parseTCPCheckRule parses one tcp-check line. A section's first rule
// replaces any inherited from its defaults section.
func parseTCPCheckRule(action string) func(c *lineCtx, args []string) error {
	return func(c *lineCtx, args []string) error {
		r, err := parseCheckRule(c, "tcp-check", action, args)
		if err != nil {
			return err
		}
		if !c.px.ownTCPRules {
			c.px.chk.Rules, c.px.ownTCPRules = nil, true
		}
		c.px.chk.Rules = append(c.px.chk.Rules, r)
		return nil
	}
}

// parseHTTPCheckRule parses one http-check connect, send, expect or
// comment line. The first send and expect also fill the single-request
// fields of HTTPCheck that older http-check configs map to.
func parseHTTPCheckRule(action string) func(c *lineCtx, args []string) error {
	return func(c *lineCtx, args []string) error {
		r, err := parseCheckRule(c, "http-check", action, args)
		if err != nil {
			return err
		}
		hc := &c.px.check
		if !c.px.ownHTTPRules {
			hc.Rules, c.px.ownHTTPRules = nil, true
		}
		first := true
		for _, o := range hc.Rules {
			first = first && o.Action != action
		}
		hc.Rules = append(hc.Rules, r)
		if notYet := httpRuleNotRun(r, first); notYet != "" {
			c.warnf("%s is accepted but not run by hawser yet: health checks use the first send and expect only", notYet)
		}
		switch {
		case action == "send" && first:
			mergeHTTPSend(hc, r.HTTP)
		case action == "expect" && first:
			c.px.expectSet = true
			e := *r.Expect
			hc.Expect = &HTTPExpect{Negate: e.Negate, Kind: e.Kind, Value: e.Pattern}
		}
		return nil
	}
}

// httpRuleNotRun names what of an http-check rule the health checker does
// not run yet (it runs one request and one status/body expectation), or
// returns "".
func httpRuleNotRun(r *CheckRule, first bool) string {
	switch {
	case r.Action == "connect":
		return "'http-check connect'"
	case (r.Action == "send" || r.Action == "expect") && !first:
		return "a second 'http-check " + r.Action + "'"
	case r.Expect != nil && (r.Expect.Kind == "hdr" || r.Expect.Kind == "fhdr"):
		return "'http-check expect " + r.Expect.Kind + "'"
	case r.Expect != nil && (r.Expect.MinRecv >= 0 || r.Expect.OnSuccess != "" || r.Expect.OnError != "" ||
		r.Expect.OkStatus != "" || r.Expect.ErrorStatus != "" || r.Expect.ToutStatus != ""):
		return "an 'http-check expect' option"
	}
	return ""
}

// mergeHTTPSend applies a send rule to the request "option httpchk"
// describes, as HAProxy merges the two.
func mergeHTTPSend(hc *HTTPCheck, s *CheckHTTPSend) {
	if s.Method != "" {
		hc.Method = s.Method
	}
	if s.URI != "" {
		hc.URI = s.URI
	}
	if s.Version != "" {
		hc.Version = s.Version
	}
	for _, h := range s.Headers {
		if strings.EqualFold(h[0], "host") {
			hc.Host = h[1]
		} else {
			hc.Headers = append(hc.Headers, h)
		}
	}
	if s.Body != "" {
		hc.Body = s.Body
	}
}

// parseCheckRule parses the arguments of one tcp-check or http-check rule.
func parseCheckRule(c *lineCtx, kind, action string, args []string) (*CheckRule, error) {
	r := &CheckRule{Pos: c.pos, Action: action}
	var err error
	switch action {
	case "comment":
		if len(args) != 1 {
			return nil, fmt.Errorf("'%s comment' expects a string as its only argument", kind)
		}
		r.Comment = args[0]
	case "connect":
		err = parseCheckConnect(kind, r, args)
	case "send", "send-binary":
		if kind == "http-check" {
			err = parseCheckHTTPSend(r, args)
		} else {
			err = parseCheckSend(kind, action, r, args)
		}
	case "expect":
		err = parseCheckExpect(kind, r, args)
	}
	if err != nil {
		return nil, err
	}
	return r, nil
}

// takeComment removes a trailing-or-anywhere "comment <msg>" pair.
func takeComment(kind, action string, r *CheckRule, args []string) ([]string, error) {
	for i := 0; i < len(args); i++ {
		if args[i] != "comment" {
			continue
		}
		if i+1 == len(args) {
			return nil, fmt.Errorf("'%s %s': 'comment' expects a string as argument", kind, action)
		}
		r.Comment = args[i+1]
		return append(args[:i:i], args[i+2:]...), nil
	}
	return args, nil
}

func parseCheckConnect(kind string, r *CheckRule, args []string) error {
	args, err := takeComment(kind, "connect", r, args)
	if err != nil {
		return err
	}
	for i := 0; i < len(args); i++ {
		switch a := args[i]; a {
		case "default", "linger", "send-proxy":
			r.Linger = r.Linger || a == "linger"
			r.SendProxy = r.SendProxy || a == "send-proxy"
		case "port", "addr":
			if i+1 == len(args) {
				return fmt.Errorf("'%s connect': '%s' expects an argument", kind, a)
			}
			i++
			if a == "port" {
				if r.Port, err = parsePort(args[i]); err != nil {
					return fmt.Errorf("'%s connect': %w", kind, err)
				}
			} else {
				if err := checkHost(args[i]); err != nil || args[i] == "" || args[i] == "*" {
					return fmt.Errorf("'%s connect': invalid address '%s'", kind, args[i])
				}
				r.Addr = args[i]
			}
		case "ssl", "sni", "alpn", "proto", "via-socks4":
			return fmt.Errorf("'%s connect %s' is not supported by hawser", kind, a)
		default:
			return fmt.Errorf("'%s connect': unknown option '%s' (expected 'comment', 'port', 'addr', 'send-proxy', 'linger' or 'default')", kind, a)
		}
	}
	return nil
}

func parseCheckSend(kind, action string, r *CheckRule, args []string) error {
	args, err := takeComment(kind, action, r, args)
	if err != nil {
		return err
	}
	if len(args) != 1 {
		return fmt.Errorf("'%s %s' expects a %s as argument", kind, action, map[string]string{"send": "string", "send-binary": "hexadecimal string"}[action])
	}
	r.Data = args[0]
	if action == "send-binary" {
		b, err := hex.DecodeString(args[0])
		if err != nil || len(b) == 0 {
			return fmt.Errorf("'%s send-binary': invalid hexadecimal string '%s'", kind, args[0])
		}
		r.Data = string(b)
	}
	return nil
}

func parseCheckHTTPSend(r *CheckRule, args []string) error {
	args, err := takeComment("http-check", "send", r, args)
	if err != nil {
		return err
	}
	s := &CheckHTTPSend{}
	for i := 0; i < len(args); i++ {
		need := 1
		if args[i] == "hdr" {
			need = 2
		}
		if i+need >= len(args) {
			return fmt.Errorf("'http-check send': '%s' expects %d argument(s)", args[i], need)
		}
		switch v := args[i+1]; args[i] {
		case "meth":
			s.Method = v
		case "uri":
			s.URI = v
		case "ver":
			s.Version = v
		case "hdr":
			s.Headers = append(s.Headers, [2]string{v, args[i+2]})
		case "body":
			s.Body = v
		case "uri-lf", "body-lf", "hdr-lf":
			return fmt.Errorf("'http-check send %s' is not supported by hawser", args[i])
		default:
			return fmt.Errorf("'http-check send': unknown option '%s'", args[i])
		}
		i += need
	}
	r.HTTP = s
	return nil
}

// expectKinds are the match kinds each rule family accepts; false marks
// kinds HAProxy has that hawser does not implement (log-format patterns
// and custom sample expressions).
var expectKinds = map[string]map[string]bool{
	"tcp-check": {"string": true, "rstring": true, "binary": true, "rbinary": true,
		"string-lf": false, "binary-lf": false},
	"http-check": {"status": true, "rstatus": true, "string": true, "rstring": true, "hdr": true, "fhdr": true,
		"string-lf": false, "custom": false},
}

// checkStatuses are the statuses each expect status option may name.
var checkStatuses = map[string][]string{
	"ok-status":    {"L7OK", "L7OKC", "L6OK", "L4OK"},
	"error-status": {"L7RSP", "L7STS", "L6RSP", "L4CON"},
	"tout-status":  {"L7TOUT", "L6TOUT", "L4TOUT"},
}

func parseCheckExpect(kind string, r *CheckRule, args []string) error {
	e := &CheckExpect{MinRecv: -1}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "!" {
			e.Negate = true
			continue
		}
		if i+1 == len(args) {
			return fmt.Errorf("'%s expect': '%s' expects an argument", kind, a)
		}
		v := args[i+1]
		i++
		switch a {
		case "min-recv":
			n, err := strconv.Atoi(v)
			if err != nil || n < -1 {
				return fmt.Errorf("'%s expect min-recv': invalid value '%s'", kind, v)
			}
			e.MinRecv = n
		case "comment":
			r.Comment = v
		case "on-success", "on-error":
			if strings.Contains(v, "%[") {
				return fmt.Errorf("'%s expect %s' with a log-format string is not supported by hawser", kind, a)
			}
			*map[string]*string{"on-success": &e.OnSuccess, "on-error": &e.OnError}[a] = v
		case "ok-status", "error-status", "tout-status":
			if !contains(checkStatuses[a], v) {
				return fmt.Errorf("'%s expect %s' expects one of %s, got '%s'", kind, a, strings.Join(checkStatuses[a], ", "), v)
			}
			*map[string]*string{"ok-status": &e.OkStatus, "error-status": &e.ErrorStatus, "tout-status": &e.ToutStatus}[a] = v
		case "status-code":
			return fmt.Errorf("'%s expect status-code' is not supported by hawser", kind)
		default:
			if e.Kind != "" {
				return fmt.Errorf("'%s expect': only one pattern is allowed, got '%s' after '%s'", kind, a, e.Kind)
			}
			supported, known := expectKinds[kind][a]
			switch {
			case !known:
				return fmt.Errorf("'%s expect': unknown match '%s'", kind, a)
			case !supported:
				return fmt.Errorf("'%s expect %s' is not supported by hawser", kind, a)
			}
			e.Kind = a
			if a == "hdr" || a == "fhdr" {
				n, err := parseExpectHdr(kind, e, args[i:])
				if err != nil {
					return err
				}
				i += n - 1
				continue
			}
			if err := setExpectPattern(kind, e, v); err != nil {
				return err
			}
		}
	}
	if e.Kind == "" {
		return fmt.Errorf("'%s expect' expects a match such as 'string <pattern>'", kind)
	}
	r.Expect = e
	return nil
}

// setExpectPattern stores and validates a string, regex or hex pattern.
func setExpectPattern(kind string, e *CheckExpect, v string) error {
	e.Pattern = v
	switch e.Kind {
	case "binary":
		b, err := hex.DecodeString(v)
		if err != nil || len(b) == 0 {
			return fmt.Errorf("'%s expect binary': invalid hexadecimal string '%s'", kind, v)
		}
		e.Pattern = string(b)
	case "rstring", "rbinary", "rstatus":
		if err := checkRegex(v); err != nil {
			return fmt.Errorf("'%s expect %s': %w", kind, e.Kind, err)
		}
	case "status":
		if err := checkStatusRanges(v); err != nil {
			return fmt.Errorf("'%s expect status': %w", kind, err)
		}
	}
	return nil
}

// parseExpectHdr parses "name [-m meth] <name> [value [-m meth] <value>]"
// starting at args[0] (the "name" word) and returns how many words it used.
func parseExpectHdr(kind string, e *CheckExpect, args []string) (int, error) {
	used := 0
	take := func(field string) (meth, val string, err error) {
		if used >= len(args) || args[used] != field {
			return "", "", fmt.Errorf("'%s expect %s' expects '%s' followed by a pattern", kind, e.Kind, field)
		}
		used++
		meth = "str"
		if used+1 < len(args) && args[used] == "-m" {
			meth, used = args[used+1], used+2
			if !contains([]string{"str", "beg", "end", "sub", "reg"}, meth) {
				return "", "", fmt.Errorf("'%s expect %s': unknown match method '%s' (expected str, beg, end, sub or reg)", kind, e.Kind, meth)
			}
		}
		if used >= len(args) {
			return "", "", fmt.Errorf("'%s expect %s %s' expects a pattern", kind, e.Kind, field)
		}
		val = args[used]
		used++
		if meth == "reg" {
			err = checkRegex(val)
		}
		return meth, val, err
	}
	var err error
	if e.HdrNameMatch, e.HdrName, err = take("name"); err != nil {
		return 0, err
	}
	if used < len(args) && args[used] == "value" {
		if e.HdrValueMatch, e.HdrValue, err = take("value"); err != nil {
			return 0, err
		}
	}
	return used, nil
}

// checkStatusRanges validates "200", "200-399" or a comma list of both.
func checkStatusRanges(s string) error {
	for part := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(part), "-")
		a, err := strconv.Atoi(lo)
		b := a
		if err == nil && isRange {
			b, err = strconv.Atoi(hi)
		}
		if err != nil || b < a {
			return fmt.Errorf("invalid status code or range '%s'", part)
		}
	}
	return nil
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// checkRegex validates a check pattern. Go's RE2 syntax is what the
// health package compiles; PCRE-only constructs are reported here.
func checkRegex(s string) error {
	_, err := regexp.Compile(s)
	return err
}

// cloneCheckSpec deep-copies a CheckSpec.
func cloneCheckSpec(s *CheckSpec) *CheckSpec {
	if s == nil {
		return nil
	}
	c := *s
	c.Rules = cloneCheckRules(s.Rules)
	return &c
}

// cloneCheckRules deep-copies a rule list.
func cloneCheckRules(rules []*CheckRule) []*CheckRule {
	return cloneEach(rules, func(r *CheckRule) *CheckRule {
		c := *r
		if r.HTTP != nil {
			h := *r.HTTP
			h.Headers = clonePairs(r.HTTP.Headers)
			c.HTTP = &h
		}
		if r.Expect != nil {
			e := *r.Expect
			c.Expect = &e
		}
		return &c
	})
}
