package models

import "strings"

// HTTPCheck is one "http-check" line of a backend or defaults section.
// Type is the rule (connect, send, expect, comment, disable-on-404,
// send-state); the other fields are its options, named as in HAProxy's
// API. Options hawser refuses (ssl, sni, alpn, proto, via-socks4 on
// connect; uri-lf, body-lf on send; status-code on expect; set-var rules)
// have no field, so a body that sets one is refused as an unknown field.
type HTTPCheck struct {
	Type         string `json:"type" required:"true" enum:"comment,connect,disable-on-404,expect,send,send-state"`
	CheckComment string `json:"check_comment,omitempty"`

	// connect
	Default   bool   `json:"default,omitempty"`
	Port      *int64 `json:"port,omitempty"`
	Addr      string `json:"addr,omitempty"`
	SendProxy bool   `json:"send_proxy,omitempty"`
	Linger    bool   `json:"linger,omitempty"`

	// send
	Method  string         `json:"method,omitempty"`
	URI     string         `json:"uri,omitempty"`
	Version string         `json:"version,omitempty"`
	Headers []ReturnHeader `json:"headers,omitempty"`
	Body    string         `json:"body,omitempty"`

	// expect
	MinRecv         *int64 `json:"min_recv,omitempty"`
	OkStatus        string `json:"ok_status,omitempty" enum:"L7OK,L7OKC,L6OK,L4OK"`
	ErrorStatus     string `json:"error_status,omitempty" enum:"L7RSP,L7STS,L6RSP,L4CON"`
	ToutStatus      string `json:"tout_status,omitempty" enum:"L7TOUT,L6TOUT,L4TOUT"`
	OnSuccess       string `json:"on_success,omitempty"`
	OnError         string `json:"on_error,omitempty"`
	ExclamationMark bool   `json:"exclamation_mark,omitempty"`
	Match           string `json:"match,omitempty" enum:"status,rstatus,hdr,fhdr,string,rstring"`
	Pattern         string `json:"pattern,omitempty"`
}

// TCPCheck is one "tcp-check" line of a backend or defaults section.
// Action is the rule (connect, send, send-binary, expect, comment).
type TCPCheck struct {
	Action       string `json:"action" required:"true" enum:"comment,connect,expect,send,send-binary"`
	CheckComment string `json:"check_comment,omitempty"`

	// connect
	Default   bool   `json:"default,omitempty"`
	Port      *int64 `json:"port,omitempty"`
	Addr      string `json:"addr,omitempty"`
	SendProxy bool   `json:"send_proxy,omitempty"`
	Linger    bool   `json:"linger,omitempty"`

	// send, send-binary
	Data      string `json:"data,omitempty"`
	HexString string `json:"hex_string,omitempty"`

	// expect
	MinRecv         *int64 `json:"min_recv,omitempty"`
	OkStatus        string `json:"ok_status,omitempty" enum:"L7OK,L7OKC,L6OK,L4OK"`
	ErrorStatus     string `json:"error_status,omitempty" enum:"L7RSP,L7STS,L6RSP,L4CON"`
	ToutStatus      string `json:"tout_status,omitempty" enum:"L7TOUT,L6TOUT,L4TOUT"`
	OnSuccess       string `json:"on_success,omitempty"`
	OnError         string `json:"on_error,omitempty"`
	ExclamationMark bool   `json:"exclamation_mark,omitempty"`
	Match           string `json:"match,omitempty" enum:"string,rstring,binary,rbinary"`
	Pattern         string `json:"pattern,omitempty"`
}

// checkRule is the part of both check models that one decoder and one
// encoder share; httpCheck and tcpCheck copy it in and out.
type checkRule struct {
	Kind, Action, Comment      string
	Default, SendProxy, Linger bool
	Port                       *int64
	Addr                       string
	Method, URI, Version, Body string
	Headers                    []ReturnHeader
	Data, HexString            string
	MinRecv                    *int64
	OkStatus, ErrorStatus      string
	ToutStatus, OnSuccess      string
	OnError                    string
	Negate                     bool
	Match, Pattern             string
}

var checkActions = map[string][]string{
	"http-check": {"comment", "connect", "disable-on-404", "expect", "send", "send-state"},
	"tcp-check":  {"comment", "connect", "expect", "send", "send-binary"},
}

var checkMatches = map[string][]string{
	"http-check": {"status", "rstatus", "hdr", "fhdr", "string", "rstring"},
	"tcp-check":  {"string", "rstring", "binary", "rbinary"},
}

// checkRefused are the rules and options HAProxy has and hawser refuses.
var checkRefused = []string{
	"set-var", "set-var-fmt", "unset-var", "send-lf", "send-binary-lf",
	"ssl", "sni", "alpn", "proto", "via-socks4", "uri-lf", "body-lf", "hdr-lf",
	"status-code", "string-lf", "binary-lf", "custom",
}

// checkRefusedField names HAProxy's model field of a refused option.
var checkRefusedField = map[string]string{
	"via-socks4": "via_socks4", "uri-lf": "uri_log_format", "body-lf": "body_log_format",
	"hdr-lf": "headers", "status-code": "status-code",
}

func refusedCheckWord(kind, field, w string) error {
	if f, ok := checkRefusedField[w]; ok && field == w {
		field = f
	}
	if hasWord(checkRefused, w) {
		return fieldError(field, "'%s ... %s' is not supported by hawser", kind, w)
	}
	return nil
}

var (
	_ = registerList(&Child{
		Path:    "http_checks",
		Parents: []string{"backend", "defaults"},
		New:     func() any { return new(HTTPCheck) },
		Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "http-check" },
		Decode: func(words []string) (any, error) {
			c, err := decodeCheck(words, "type")
			if err != nil {
				return nil, err
			}
			return c.http(), nil
		},
		Encode: func(m any) ([]string, error) {
			h := m.(*HTTPCheck)
			c := checkRule{Kind: "http-check", Action: h.Type, Comment: h.CheckComment,
				Default: h.Default, Port: h.Port, Addr: h.Addr, SendProxy: h.SendProxy, Linger: h.Linger,
				Method: h.Method, URI: h.URI, Version: h.Version, Headers: h.Headers, Body: h.Body,
				MinRecv: h.MinRecv, OkStatus: h.OkStatus, ErrorStatus: h.ErrorStatus, ToutStatus: h.ToutStatus,
				OnSuccess: h.OnSuccess, OnError: h.OnError, Negate: h.ExclamationMark, Match: h.Match, Pattern: h.Pattern}
			words, err := encodeCheck(&c, "type")
			if err != nil {
				return nil, err
			}
			back, err := decodeCheck(words, "type")
			if err != nil {
				return nil, err
			}
			if err := unusedField(h, back.http(), "type "+h.Type); err != nil {
				return nil, err
			}
			return words, nil
		},
	})
	_ = registerList(&Child{
		Path:    "tcp_checks",
		Parents: []string{"backend", "defaults"},
		New:     func() any { return new(TCPCheck) },
		Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "tcp-check" },
		Decode: func(words []string) (any, error) {
			c, err := decodeCheck(words, "action")
			if err != nil {
				return nil, err
			}
			return c.tcp(), nil
		},
		Encode: func(m any) ([]string, error) {
			t := m.(*TCPCheck)
			c := checkRule{Kind: "tcp-check", Action: t.Action, Comment: t.CheckComment,
				Default: t.Default, Port: t.Port, Addr: t.Addr, SendProxy: t.SendProxy, Linger: t.Linger,
				Data: t.Data, HexString: t.HexString,
				MinRecv: t.MinRecv, OkStatus: t.OkStatus, ErrorStatus: t.ErrorStatus, ToutStatus: t.ToutStatus,
				OnSuccess: t.OnSuccess, OnError: t.OnError, Negate: t.ExclamationMark, Match: t.Match, Pattern: t.Pattern}
			words, err := encodeCheck(&c, "action")
			if err != nil {
				return nil, err
			}
			back, err := decodeCheck(words, "action")
			if err != nil {
				return nil, err
			}
			if err := unusedField(t, back.tcp(), "action "+t.Action); err != nil {
				return nil, err
			}
			return words, nil
		},
	})
)

func (c *checkRule) http() *HTTPCheck {
	return &HTTPCheck{Type: c.Action, CheckComment: c.Comment,
		Default: c.Default, Port: c.Port, Addr: c.Addr, SendProxy: c.SendProxy, Linger: c.Linger,
		Method: c.Method, URI: c.URI, Version: c.Version, Headers: c.Headers, Body: c.Body,
		MinRecv: c.MinRecv, OkStatus: c.OkStatus, ErrorStatus: c.ErrorStatus, ToutStatus: c.ToutStatus,
		OnSuccess: c.OnSuccess, OnError: c.OnError, ExclamationMark: c.Negate, Match: c.Match, Pattern: c.Pattern}
}

func (c *checkRule) tcp() *TCPCheck {
	return &TCPCheck{Action: c.Action, CheckComment: c.Comment,
		Default: c.Default, Port: c.Port, Addr: c.Addr, SendProxy: c.SendProxy, Linger: c.Linger,
		Data: c.Data, HexString: c.HexString,
		MinRecv: c.MinRecv, OkStatus: c.OkStatus, ErrorStatus: c.ErrorStatus, ToutStatus: c.ToutStatus,
		OnSuccess: c.OnSuccess, OnError: c.OnError, ExclamationMark: c.Negate, Match: c.Match, Pattern: c.Pattern}
}

// decodeCheck reads a check rule; actionField names the model's action
// field in errors ("type" for http-check, "action" for tcp-check).
func decodeCheck(words []string, actionField string) (*checkRule, error) {
	kind := words[0]
	if len(words) < 2 {
		return nil, fieldError(actionField, "missing in %q", wordsText(words))
	}
	c := &checkRule{Kind: kind, Action: words[1]}
	if base, _, _ := splitAction(c.Action); base != c.Action {
		if err := refusedCheckWord(kind, actionField, base); err != nil {
			return nil, err
		}
	}
	if err := refusedCheckWord(kind, actionField, c.Action); err != nil {
		return nil, err
	}
	if !hasWord(checkActions[kind], c.Action) {
		return nil, fieldError(actionField, "unknown rule %q", c.Action)
	}
	a := &argReader{line: words, args: words[2:]}
	switch c.Action {
	case "comment":
		c.Comment = a.next("check_comment")
	case "connect":
		for len(a.args) > 0 && a.err == nil {
			w := a.rawNext("")
			if w != "hdr" {
				a.once(w)
			}
			switch w {
			case "default":
				c.Default = true
			case "send-proxy":
				c.SendProxy = true
			case "linger":
				c.Linger = true
			case "port":
				c.Port = a.int("port")
			case "addr":
				c.Addr = a.next("addr")
			case "comment":
				c.Comment = a.next("check_comment")
			default:
				if err := refusedCheckWord(kind, w, w); err != nil {
					return nil, err
				}
				return nil, fieldError(actionField, "unknown connect option %q", w)
			}
		}
	case "send", "send-binary":
		if kind == "tcp-check" {
			for len(a.args) > 0 && a.err == nil {
				if a.args[0] == "comment" {
					a.args = a.args[1:]
					c.Comment = a.next("check_comment")
					continue
				}
				a.once("data")
				if c.Action == "send" {
					c.Data = a.next("data")
				} else {
					c.HexString = a.next("hex_string")
				}
			}
			break
		}
		for len(a.args) > 0 && a.err == nil {
			w := a.rawNext("")
			if w != "hdr" {
				a.once(w)
			}
			switch w {
			case "meth":
				c.Method = a.next("method")
			case "uri":
				c.URI = a.next("uri")
			case "ver":
				c.Version = a.next("version")
			case "hdr":
				c.Headers = append(c.Headers, ReturnHeader{Name: a.next("headers"), Fmt: a.next("headers")})
			case "body":
				c.Body = a.next("body")
			case "comment":
				c.Comment = a.next("check_comment")
			default:
				if err := refusedCheckWord(kind, w, w); err != nil {
					return nil, err
				}
				return nil, fieldError(actionField, "unknown send option %q", w)
			}
		}
	case "expect":
		for len(a.args) > 0 && a.err == nil && c.Match == "" {
			w := a.rawNext("")
			if w != "hdr" {
				a.once(w)
			}
			switch w {
			case "!":
				c.Negate = true
			case "min-recv":
				c.MinRecv = a.int("min_recv")
			case "comment":
				c.Comment = a.next("check_comment")
			case "ok-status":
				c.OkStatus = a.next("ok_status")
			case "error-status":
				c.ErrorStatus = a.next("error_status")
			case "tout-status":
				c.ToutStatus = a.next("tout_status")
			case "on-success":
				c.OnSuccess = a.next("on_success")
			case "on-error":
				c.OnError = a.next("on_error")
			default:
				if err := refusedCheckWord(kind, w, w); err != nil {
					return nil, err
				}
				if !hasWord(checkMatches[kind], w) {
					return nil, fieldError("match", "unknown match %q", w)
				}
				c.Match = w
				if w == "hdr" || w == "fhdr" {
					c.Pattern = a.rest()
				} else {
					c.Pattern = a.next("pattern")
				}
			}
		}
		if a.err == nil && c.Match == "" {
			return nil, fieldError("match", "missing in %q", wordsText(words))
		}
	}
	if err := a.done(); err != nil {
		return nil, err
	}
	return c, nil
}

func encodeCheck(c *checkRule, actionField string) ([]string, error) {
	if c.Action == "" {
		return nil, fieldError(actionField, "is required")
	}
	if err := refusedCheckWord(c.Kind, actionField, c.Action); err != nil {
		return nil, err
	}
	if !hasWord(checkActions[c.Kind], c.Action) {
		return nil, fieldError(actionField, "unknown rule %q", c.Action)
	}
	b := &lineBuilder{w: []string{c.Kind, c.Action}}
	comment := func() { b.optWord("comment", "check_comment", c.Comment) }
	switch c.Action {
	case "comment":
		b.word("check_comment", c.Comment, true)
	case "connect":
		if c.Default {
			b.lit("default")
		}
		if c.Port != nil {
			if *c.Port < 1 || *c.Port > 65535 {
				return nil, fieldError("port", "must be between 1 and 65535")
			}
			b.lit("port", itoa(*c.Port))
		}
		b.optWord("addr", "addr", c.Addr)
		if c.SendProxy {
			b.lit("send-proxy")
		}
		if c.Linger {
			b.lit("linger")
		}
		comment()
	case "send":
		if c.Kind == "tcp-check" {
			b.word("data", c.Data, true)
			comment()
			break
		}
		b.optWord("meth", "method", c.Method)
		b.optWord("uri", "uri", c.URI)
		b.optWord("ver", "version", c.Version)
		for _, h := range c.Headers {
			b.lit("hdr")
			b.word("headers", h.Name, true)
			b.word("headers", h.Fmt, true)
		}
		b.optWord("body", "body", c.Body)
		comment()
	case "send-binary":
		b.word("hex_string", c.HexString, true)
		comment()
	case "expect":
		if c.MinRecv != nil {
			b.lit("min-recv", itoa(*c.MinRecv))
		}
		comment()
		b.optWord("ok-status", "ok_status", c.OkStatus)
		b.optWord("error-status", "error_status", c.ErrorStatus)
		b.optWord("tout-status", "tout_status", c.ToutStatus)
		b.optWord("on-success", "on_success", c.OnSuccess)
		b.optWord("on-error", "on_error", c.OnError)
		if c.Negate {
			b.lit("!")
		}
		if err := refusedCheckWord(c.Kind, "match", c.Match); err != nil {
			return nil, err
		}
		if !hasWord(checkMatches[c.Kind], c.Match) {
			return nil, fieldError("match", "must be one of %s", strings.Join(checkMatches[c.Kind], ", "))
		}
		b.lit(c.Match)
		if c.Match == "hdr" || c.Match == "fhdr" {
			b.words("pattern", c.Pattern, true)
		} else {
			b.word("pattern", c.Pattern, true)
		}
	}
	if b.err != nil {
		return nil, b.err
	}
	return b.w, nil
}
