package config

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/rules"
)

// TCPRules are a proxy's "tcp-request" and "tcp-response" lines
// (configuration.txt 4.2, tcp-request connection|session|content).
type TCPRules struct {
	// InspectDelay is "tcp-request inspect-delay": how long content rules
	// wait for data before deciding with what they have.
	InspectDelay time.Duration
	// ResponseInspectDelay is "tcp-response inspect-delay".
	ResponseInspectDelay time.Duration
	// Connection rules run right after accept, before any data is read;
	// Session rules after the PROXY header and handshake; Content rules
	// on the buffered request data.
	Connection, Session, Content []*TCPRule
	// ResponseContent are the "tcp-response content" rules.
	ResponseContent []*TCPRule
}

// TCP rule actions hawser implements.
const (
	TCPAccept      = "accept"
	TCPReject      = "reject"
	TCPExpectProxy = "expect-proxy"
	TCPTrackSC     = "track-sc"
	TCPIncGPC0     = "sc-inc-gpc0"
	TCPSilentDrop  = "silent-drop"
	TCPClose       = "close"
	TCPSetVar      = "set-var"
	TCPUnsetVar    = "unset-var"
)

// TCPRule is one tcp-request or tcp-response rule.
type TCPRule struct {
	Pos    cfgfile.Pos
	Action string // one of the TCP* action constants
	// Slot is the stick counter of track-sc<n> and sc-inc-gpc0(<n>).
	Slot int
	// Key is the sample expression of track-sc or set-var, as written.
	Key string
	// Var is the variable of set-var and unset-var ("sess.foo").
	Var string
	// Table is track-sc's "table" argument; "" is the proxy's own table.
	Table string
	Cond  *Cond
}

// clone returns a deep copy.
func (r TCPRules) clone() TCPRules {
	c := r
	cl := func(in []*TCPRule) []*TCPRule {
		return cloneEach(in, func(t *TCPRule) *TCPRule {
			t2 := *t
			t2.Cond = cloneCond(t.Cond)
			return &t2
		})
	}
	c.Connection, c.Session, c.Content = cl(r.Connection), cl(r.Session), cl(r.Content)
	c.ResponseContent = cl(r.ResponseContent)
	return c
}

// inherited keeps what a defaults section passes on to a proxy's own
// rules: the delays. Its rules reach the proxy as Proxy.DefaultsRules.
func (r TCPRules) inherited() TCPRules {
	return TCPRules{InspectDelay: r.InspectDelay, ResponseInspectDelay: r.ResponseInspectDelay}
}

// tcpPhase is one rule set: its keyword, sections, actions and where its
// rules go.
type tcpPhase struct {
	name    string
	secs    SectionSet
	actions []string
	list    func(r *TCPRules) *[]*TCPRule
}

var tcpPhases = []tcpPhase{
	{"tcp-request connection", SecDefaults | SecFrontend | SecListen,
		[]string{TCPAccept, TCPReject, TCPExpectProxy, TCPTrackSC, TCPIncGPC0, TCPSetVar, TCPUnsetVar, TCPSilentDrop},
		func(r *TCPRules) *[]*TCPRule { return &r.Connection }},
	{"tcp-request session", SecDefaults | SecFrontend | SecListen,
		[]string{TCPAccept, TCPReject, TCPTrackSC, TCPIncGPC0, TCPSetVar, TCPUnsetVar, TCPSilentDrop},
		func(r *TCPRules) *[]*TCPRule { return &r.Session }},
	{"tcp-request content", secProxies,
		[]string{TCPAccept, TCPReject, TCPTrackSC, TCPIncGPC0, TCPSetVar, TCPUnsetVar, TCPSilentDrop},
		func(r *TCPRules) *[]*TCPRule { return &r.Content }},
	{"tcp-response content", SecDefaults | SecBackend | SecListen,
		[]string{TCPAccept, TCPReject, TCPClose, TCPIncGPC0, TCPSetVar, TCPUnsetVar, TCPSilentDrop},
		func(r *TCPRules) *[]*TCPRule { return &r.ResponseContent }},
}

// unsupportedTCPActions are tcp-request/tcp-response actions HAProxy has
// and hawser does not implement; using one is an error that says so.
var unsupportedTCPActions = []string{
	"set-var-fmt", "set-src", "set-dst", "set-src-port", "set-dst-port",
	"do-resolve", "switch-mode", "capture", "set-mark", "set-tos", "set-nice", "set-log-level",
	"sc-inc-gpc", "sc-inc-gpc1", "sc-add-gpc", "sc-set-gpt", "sc-set-gpt0", "expect-netscaler-cip",
	"use-service", "send-spoe-group", "attach-srv", "set-bandwidth-limit", "set-fc-mark", "set-fc-tos",
	"set-priority-class", "set-priority-offset", "set-retries", "lua.*",
	"set-bc-mark", "set-bc-tos", "do-log",
}

// tcpKeywords are the tcp-request and tcp-response keywords.
var tcpKeywords = buildTCPKeywords()

func buildTCPKeywords() []*Keyword {
	kws := []*Keyword{
		{Name: "tcp-request inspect-delay", Sections: secProxies, Args: "<time>", Supported: true,
			Help:  "how long tcp-request content rules wait for data",
			Parse: tcpDelay(func(r *TCPRules) *time.Duration { return &r.InspectDelay })},
		{Name: "tcp-response inspect-delay", Sections: SecDefaults | SecBackend | SecListen, Args: "<time>", Supported: true,
			Help:  "how long tcp-response content rules wait for data",
			Parse: tcpDelay(func(r *TCPRules) *time.Duration { return &r.ResponseInspectDelay })},
	}
	for _, ph := range tcpPhases {
		kws = append(kws, &Keyword{Name: ph.name, Sections: ph.secs, Supported: true,
			Args:  strings.Join(ph.actions, "|") + " [args] [if|unless <condition>]",
			Help:  "a " + ph.name + " rule",
			Parse: ph.parse})
	}
	return kws
}

func tcpDelay(field func(*TCPRules) *time.Duration) func(c *lineCtx, args []string) error {
	return func(c *lineCtx, args []string) error {
		if err := arity(c.name, args, 1, 1, "a time argument"); err != nil {
			return err
		}
		d, err := parseTime(c.name, args[0])
		if err != nil {
			return err
		}
		if d < 0 {
			return fmt.Errorf("'%s' cannot be negative", c.name)
		}
		*field(&c.px.p.TCP) = d
		return nil
	}
}

// parse parses "<action> [args] [if|unless <cond>]" of a phase.
func (ph tcpPhase) parse(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'%s' expects an action (%s)", ph.name, strings.Join(ph.actions, ", "))
	}
	args, cond, err := c.splitCond(args)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		return fmt.Errorf("'%s' expects an action before the condition", ph.name)
	}
	if c.sec == SecDefaults {
		if err := checkDefaultsTrack(args[0], args[1:]); err != nil {
			return err
		}
	}
	r := &TCPRule{Pos: c.pos, Cond: cond}
	if err := parseTCPAction(ph, r, args); err != nil {
		return err
	}
	list := ph.list(&c.px.p.TCP)
	*list = append(*list, r)
	return nil
}

// parseTCPAction fills r from the action words of a rule.
func parseTCPAction(ph tcpPhase, r *TCPRule, args []string) error {
	word := args[0]
	action, paren, _ := strings.Cut(word, "(")
	if slot, ok := strings.CutPrefix(action, "track-sc"); ok {
		n, err := strconv.Atoi(slot)
		if err != nil || n < 0 || n > 2 {
			return fmt.Errorf("'%s %s': stick counter number must be 0, 1 or 2", ph.name, word)
		}
		r.Slot, action = n, TCPTrackSC
	}
	if strings.HasPrefix(action, "lua.") {
		action = "lua.*"
	}
	if slices.Contains(unsupportedTCPActions, action) {
		return fmt.Errorf("'%s %s' is not supported by hawser", ph.name, action)
	}
	if !slices.Contains(ph.actions, action) {
		return fmt.Errorf("'%s': unknown action '%s' (expected one of %s)", ph.name, word, strings.Join(ph.actions, ", "))
	}
	r.Action = action
	rest := args[1:]
	switch action {
	case TCPTrackSC:
		return parseTrackSC(ph, r, rest)
	case TCPIncGPC0:
		return parseIncGPC0(ph, r, paren, rest)
	case TCPSetVar, TCPUnsetVar:
		return parseTCPVar(ph, r, paren, rest)
	case TCPExpectProxy:
		if len(rest) != 1 || rest[0] != "layer4" {
			return fmt.Errorf("'%s expect-proxy' expects 'layer4'", ph.name)
		}
		return nil
	}
	if len(rest) > 0 {
		return fmt.Errorf("'%s %s' takes no argument, got '%s'", ph.name, action, rest[0])
	}
	return nil
}

// parseTrackSC reads "<key> [table <table>]"; the key is a sample
// expression checked with package acl.
func parseTrackSC(ph tcpPhase, r *TCPRule, rest []string) error {
	if len(rest) == 0 {
		return fmt.Errorf("'%s track-sc%d' expects a sample expression", ph.name, r.Slot)
	}
	r.Key = rest[0]
	if _, err := acl.CompileExpr(r.Key); err != nil {
		return fmt.Errorf("'%s track-sc%d': %w", ph.name, r.Slot, err)
	}
	switch {
	case len(rest) == 1:
	case len(rest) == 3 && rest[1] == "table":
		r.Table = rest[2]
	default:
		return fmt.Errorf("'%s track-sc%d' expects '<key> [table <table>]'", ph.name, r.Slot)
	}
	return nil
}

// parseIncGPC0 reads "sc-inc-gpc0(<sc>)".
func parseIncGPC0(ph tcpPhase, r *TCPRule, paren string, rest []string) error {
	slot, ok := strings.CutSuffix(paren, ")")
	n, err := strconv.Atoi(slot)
	if !ok || err != nil || n < 0 || n > 2 {
		return fmt.Errorf("'%s sc-inc-gpc0' expects a stick counter number 0, 1 or 2 in parentheses", ph.name)
	}
	if len(rest) > 0 {
		return fmt.Errorf("'%s sc-inc-gpc0' takes no argument, got '%s'", ph.name, rest[0])
	}
	r.Slot = n
	return nil
}

// parseTCPVar reads "set-var(<var>) <expr>" and "unset-var(<var>)". The
// set-var conditions (",ifexists" ...) are refused rather than ignored.
func parseTCPVar(ph tcpPhase, r *TCPRule, paren string, rest []string) error {
	name, ok := strings.CutSuffix(paren, ")")
	if !ok || name == "" {
		return fmt.Errorf("'%s %s' expects a variable name in parentheses", ph.name, r.Action)
	}
	if strings.Contains(name, ",") {
		return fmt.Errorf("'%s %s(%s)': set-var conditions are not supported by hawser", ph.name, r.Action, name)
	}
	if err := rules.CheckVarName(name); err != nil {
		return fmt.Errorf("'%s %s': %w", ph.name, r.Action, err)
	}
	r.Var = name
	if r.Action == TCPUnsetVar {
		if len(rest) > 0 {
			return fmt.Errorf("'%s unset-var' takes no argument, got '%s'", ph.name, rest[0])
		}
		return nil
	}
	if len(rest) != 1 {
		return fmt.Errorf("'%s set-var(%s)' expects one sample expression", ph.name, name)
	}
	if _, err := acl.CompileExpr(rest[0]); err != nil {
		return fmt.Errorf("'%s set-var(%s)': %w", ph.name, name, err)
	}
	r.Key = rest[0]
	return nil
}
