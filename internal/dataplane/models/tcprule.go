package models

import "strings"

// TCPRequestRule is one tcp-request line: "tcp-request inspect-delay
// <time>" (type inspect-delay, timeout in ms) or "tcp-request
// connection|session|content <action> [args] [if|unless <cond>]".
type TCPRequestRule struct {
	Type     string `json:"type" required:"true" enum:"connection,content,inspect-delay,session"`
	Action   string `json:"action,omitempty" enum:"accept,expect-proxy,reject,sc-inc-gpc0,set-var,silent-drop,track-sc,unset-var"`
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`

	Timeout *int64 `json:"timeout,omitempty"`

	Expr     string `json:"expr,omitempty"`
	VarName  string `json:"var_name,omitempty"`
	VarScope string `json:"var_scope,omitempty"`

	ScIncID string `json:"sc_inc_id,omitempty"`

	TrackKey          string `json:"track_key,omitempty"`
	TrackStickCounter *int64 `json:"track_stick_counter,omitempty"`
	TrackTable        string `json:"track_table,omitempty"`
}

// TCPResponseRule is one tcp-response line: "tcp-response inspect-delay
// <time>" or "tcp-response content <action> [args] [if|unless <cond>]".
type TCPResponseRule struct {
	Type     string `json:"type" required:"true" enum:"content,inspect-delay"`
	Action   string `json:"action,omitempty" enum:"accept,close,reject,sc-inc-gpc0,set-var,silent-drop,unset-var"`
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`

	Timeout *int64 `json:"timeout,omitempty"`

	Expr     string `json:"expr,omitempty"`
	VarName  string `json:"var_name,omitempty"`
	VarScope string `json:"var_scope,omitempty"`

	ScID *int64 `json:"sc_id,omitempty"`
}

// tcpPhaseActions are the actions hawser implements per rule set (as in
// internal/config's tcp keywords); tcpRefused are those HAProxy has and
// hawser refuses.
var (
	tcpPhaseActions = map[string][]string{
		"tcp-request connection": {"accept", "reject", "expect-proxy", "track-sc", "sc-inc-gpc0", "set-var", "unset-var", "silent-drop"},
		"tcp-request session":    {"accept", "reject", "track-sc", "sc-inc-gpc0", "set-var", "unset-var", "silent-drop"},
		"tcp-request content":    {"accept", "reject", "track-sc", "sc-inc-gpc0", "set-var", "unset-var", "silent-drop"},
		"tcp-response content":   {"accept", "reject", "close", "sc-inc-gpc0", "set-var", "unset-var", "silent-drop"},
	}
	tcpRefused = []string{
		"set-var-fmt", "set-src", "set-dst", "set-src-port", "set-dst-port",
		"do-resolve", "switch-mode", "capture", "set-mark", "set-tos", "set-nice", "set-log-level",
		"sc-inc-gpc", "sc-inc-gpc1", "sc-add-gpc", "sc-set-gpt", "sc-set-gpt0", "expect-netscaler-cip",
		"use-service", "send-spoe-group", "attach-srv", "set-bandwidth-limit", "set-fc-mark", "set-fc-tos",
		"set-bc-mark", "set-bc-tos", "set-priority-class", "set-priority-offset", "set-retries", "lua",
		"do-log",
	}
)

var (
	_ = registerList(&Child{
		Path:    "tcp_request_rules",
		Parents: []string{"frontend", "backend", "defaults"},
		New:     func() any { return new(TCPRequestRule) },
		Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "tcp-request" },
		Decode: func(words []string) (any, error) {
			r := new(TCPRequestRule)
			if err := decodeTCPRule(words, reqFields(r)); err != nil {
				return nil, err
			}
			return r, nil
		},
		Encode: func(m any) ([]string, error) {
			r := m.(*TCPRequestRule)
			words, err := encodeTCPRule("tcp-request", reqFields(r))
			if err != nil {
				return nil, err
			}
			back := new(TCPRequestRule)
			if err := decodeTCPRule(words, reqFields(back)); err != nil {
				return nil, err
			}
			if err := unusedField(r, back, tcpWhat(r.Type, r.Action)); err != nil {
				return nil, err
			}
			return words, nil
		},
	})
	_ = registerList(&Child{
		Path:    "tcp_response_rules",
		Parents: []string{"backend", "defaults"},
		New:     func() any { return new(TCPResponseRule) },
		Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "tcp-response" },
		Decode: func(words []string) (any, error) {
			r := new(TCPResponseRule)
			if err := decodeTCPRule(words, resFields(r)); err != nil {
				return nil, err
			}
			return r, nil
		},
		Encode: func(m any) ([]string, error) {
			r := m.(*TCPResponseRule)
			words, err := encodeTCPRule("tcp-response", resFields(r))
			if err != nil {
				return nil, err
			}
			back := new(TCPResponseRule)
			if err := decodeTCPRule(words, resFields(back)); err != nil {
				return nil, err
			}
			if err := unusedField(r, back, tcpWhat(r.Type, r.Action)); err != nil {
				return nil, err
			}
			return words, nil
		},
	})
)

func tcpWhat(typ, action string) string {
	if action == "" {
		return "type " + typ
	}
	return "action " + action
}

// tcpRuleFields points at the fields of either model, so that one decoder
// and one encoder serve both. A nil pointer is a field the model lacks.
type tcpRuleFields struct {
	typ, action, cond, test *string
	timeout                 **int64
	expr, varName, varScope *string
	scIncID                 *string // tcp-request: "sc_inc_id" (a string in HAProxy's model)
	scID                    **int64
	trackKey, trackTable    *string
	trackCounter            **int64
}

func reqFields(r *TCPRequestRule) *tcpRuleFields {
	return &tcpRuleFields{typ: &r.Type, action: &r.Action, cond: &r.Cond, test: &r.CondTest,
		timeout: &r.Timeout, expr: &r.Expr, varName: &r.VarName, varScope: &r.VarScope,
		scIncID: &r.ScIncID, trackKey: &r.TrackKey, trackTable: &r.TrackTable, trackCounter: &r.TrackStickCounter}
}

func resFields(r *TCPResponseRule) *tcpRuleFields {
	return &tcpRuleFields{typ: &r.Type, action: &r.Action, cond: &r.Cond, test: &r.CondTest,
		timeout: &r.Timeout, expr: &r.Expr, varName: &r.VarName, varScope: &r.VarScope, scID: &r.ScID}
}

// tcpActionError refuses an action that phase does not take.
func tcpActionError(phase, action string) error {
	for _, a := range tcpRefused {
		if a == action || (a == "lua" && strings.HasPrefix(action, "lua.")) {
			return fieldError("action", "'%s %s' is not supported by hawser", phase, action)
		}
	}
	return fieldError("action", "unknown action %q for %s (expected one of %s)", action, phase, strings.Join(tcpPhaseActions[phase], ", "))
}

func decodeTCPRule(words []string, f *tcpRuleFields) error {
	if len(words) < 2 {
		return fieldError("type", "missing in %q", wordsText(words))
	}
	*f.typ = words[1]
	if words[1] == "inspect-delay" {
		if len(words) != 3 {
			return fieldError("timeout", "expects one time in %q", wordsText(words))
		}
		d, err := durationMS("timeout", words[2], "ms")
		if err != nil {
			return err
		}
		*f.timeout = d
		return nil
	}
	phase := words[0] + " " + words[1]
	if tcpPhaseActions[phase] == nil {
		return fieldError("type", "unknown rule set %q", phase)
	}
	args, cond, test, err := splitCond(words[2:])
	if err != nil {
		return err
	}
	*f.cond, *f.test = cond, test
	if len(args) == 0 {
		return fieldError("action", "missing in %q", wordsText(words))
	}
	action, paren, _ := splitAction(args[0])
	a := &argReader{line: words, args: args[1:]}
	if n, ok := strings.CutPrefix(action, "track-sc"); ok && len(n) == 1 && n[0] >= '0' && n[0] <= '2' && f.trackKey != nil {
		c := int64(n[0] - '0')
		*f.action, *f.trackCounter = "track-sc", &c
		*f.trackKey = a.next("track_key")
		if len(a.args) > 0 && a.args[0] == "table" {
			a.args = a.args[1:]
			*f.trackTable = a.next("track_table")
		}
		return a.done()
	}
	if !hasWord(tcpPhaseActions[phase], action) || action == "track-sc" {
		return tcpActionError(phase, action)
	}
	*f.action = action
	switch action {
	case "expect-proxy":
		if a.rawNext("action") != "layer4" {
			return fieldError("action", "'expect-proxy' expects 'layer4'")
		}
	case "sc-inc-gpc0":
		if f.scIncID != nil {
			if paren != "" {
				*f.scIncID = wordText(paren)
			}
		} else {
			n, err := intText("sc_id", paren)
			if err != nil {
				return err
			}
			*f.scID = n
		}
	case "set-var", "unset-var":
		scope, name, ok := strings.Cut(paren, ".")
		if !ok {
			return fieldError("var_scope", "expects (<scope>.<name>), got %q", args[0])
		}
		*f.varScope, *f.varName = wordText(scope), wordText(name)
		if action == "set-var" {
			*f.expr = a.rest()
		}
	}
	return a.done()
}

func hasWord(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func encodeTCPRule(kw string, f *tcpRuleFields) ([]string, error) {
	b := &lineBuilder{w: []string{kw}}
	if *f.typ == "inspect-delay" {
		if *f.timeout == nil || **f.timeout < 0 {
			return nil, fieldError("timeout", "is required (milliseconds)")
		}
		return []string{kw, "inspect-delay", durationText(**f.timeout)}, nil
	}
	if *f.typ == "" {
		return nil, fieldError("type", "is required")
	}
	phase := kw + " " + *f.typ
	if tcpPhaseActions[phase] == nil {
		return nil, fieldError("type", "unknown rule set %q", phase)
	}
	action := *f.action
	if action == "" {
		return nil, fieldError("action", "is required")
	}
	if !hasWord(tcpPhaseActions[phase], action) {
		return nil, tcpActionError(phase, action)
	}
	b.lit(*f.typ)
	switch action {
	case "track-sc":
		c := *f.trackCounter
		if c == nil || *c < 0 || *c > 2 {
			return nil, fieldError("track_stick_counter", "must be 0, 1 or 2")
		}
		b.lit("track-sc" + itoa(*c))
		b.word("track_key", *f.trackKey, true)
		b.optWord("table", "track_table", *f.trackTable)
	case "expect-proxy":
		b.lit(action, "layer4")
	case "sc-inc-gpc0":
		if f.scIncID != nil {
			if *f.scIncID == "" {
				// "sc-inc-gpc0" alone counts on sticky counter 0.
				b.lit(action)
			} else {
				b.lit(action + "(" + parenWord(b, "sc_inc_id", *f.scIncID) + ")")
			}
		} else {
			if *f.scID == nil {
				return nil, fieldError("sc_id", "is required")
			}
			b.lit(action + "(" + itoa(**f.scID) + ")")
		}
	case "set-var", "unset-var":
		scope := parenWord(b, "var_scope", *f.varScope)
		name := parenWord(b, "var_name", *f.varName)
		b.lit(action + "(" + scope + "." + name + ")")
		if action == "set-var" {
			b.words("expr", *f.expr, true)
		}
	default:
		b.lit(action)
	}
	if b.err != nil {
		return nil, b.err
	}
	return appendCond(b.w, *f.cond, *f.test)
}
