package models

import (
	"fmt"
	"math"
	"strings"

	"github.com/hawser-lb/hawser/internal/rules"
)

// HTTPRequestRule, HTTPResponseRule and HTTPAfterResponseRule are one
// http-request, http-response or http-after-response line (HAProxy's
// http_request_rule, http_response_rule and http_after_response_rule
// models). Type is the action, from the actions hawser implements in that
// rule set; HTTPRuleArgs holds its arguments. Fields of HAProxy's models
// for actions hawser does not implement are absent, so a body that sets
// one is refused as an unknown field.
type HTTPRequestRule struct {
	Type string `json:"type" required:"true" enum:"add-acl,add-header,allow,auth,capture,del-acl,del-header,del-map,deny,disable-l7-retry,normalize-uri,redirect,reject,replace-header,replace-path,replace-pathq,replace-uri,replace-value,return,sc-inc-gpc,sc-inc-gpc0,sc-inc-gpc1,sc-set-gpt,sc-set-gpt0,set-header,set-log-level,set-map,set-method,set-path,set-pathq,set-query,set-retries,set-timeout,set-uri,set-var,set-var-fmt,silent-drop,tarpit,track-sc,unset-var,use-service,wait-for-body"`
	HTTPRuleArgs
}

// HTTPResponseRule is one http-response line; see HTTPRequestRule.
type HTTPResponseRule struct {
	Type string `json:"type" required:"true" enum:"add-acl,add-header,allow,capture,del-acl,del-header,del-map,deny,redirect,replace-header,replace-value,return,sc-inc-gpc,sc-inc-gpc0,sc-inc-gpc1,sc-set-gpt,sc-set-gpt0,set-header,set-log-level,set-map,set-status,set-timeout,set-var,set-var-fmt,silent-drop,track-sc,unset-var,wait-for-body"`
	HTTPRuleArgs
}

// HTTPAfterResponseRule is one http-after-response line; see
// HTTPRequestRule.
type HTTPAfterResponseRule struct {
	Type string `json:"type" required:"true" enum:"add-acl,add-header,allow,del-acl,del-header,del-map,replace-header,replace-value,return,sc-inc-gpc,sc-inc-gpc0,sc-inc-gpc1,sc-set-gpt,sc-set-gpt0,set-header,set-log-level,set-map,set-status,set-var,set-var-fmt,unset-var"`
	HTTPRuleArgs
}

// HTTPRule is what the three rule models convert to (Go converts between
// structs that differ only in tags): the converters work on it.
type HTTPRule struct {
	Type string `json:"type"`
	HTTPRuleArgs
}

// HTTPRuleArgs are the condition and the arguments of an HTTP rule, named
// as in HAProxy's API.
type HTTPRuleArgs struct {
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`

	ACLFile   string `json:"acl_file,omitempty"`
	ACLKeyfmt string `json:"acl_keyfmt,omitempty"`
	AuthRealm string `json:"auth_realm,omitempty"`

	CaptureID     *int64 `json:"capture_id,omitempty"`
	CaptureLen    *int64 `json:"capture_len,omitempty"`
	CaptureSample string `json:"capture_sample,omitempty"`

	DenyStatus *int64 `json:"deny_status,omitempty"`
	Expr       string `json:"expr,omitempty"`

	HdrFormat string `json:"hdr_format,omitempty"`
	HdrMatch  string `json:"hdr_match,omitempty"`
	HdrMethod string `json:"hdr_method,omitempty" enum:"str,beg,end,sub,reg"`
	HdrName   string `json:"hdr_name,omitempty"`

	LogLevel string `json:"log_level,omitempty" enum:"emerg,alert,crit,err,warning,notice,info,debug,silent"`

	MapFile     string `json:"map_file,omitempty"`
	MapKeyfmt   string `json:"map_keyfmt,omitempty"`
	MapValuefmt string `json:"map_valuefmt,omitempty"`
	MethodFmt   string `json:"method_fmt,omitempty"`

	Normalizer       string `json:"normalizer,omitempty" enum:"fragment-encode,fragment-strip,path-merge-slashes,path-strip-dot,path-strip-dotdot,percent-decode-unreserved,percent-to-uppercase,query-sort-by-name"`
	NormalizerFull   bool   `json:"normalizer_full,omitempty"`
	NormalizerStrict bool   `json:"normalizer_strict,omitempty"`

	PathFmt   string `json:"path_fmt,omitempty"`
	PathMatch string `json:"path_match,omitempty"`
	QueryFmt  string `json:"query-fmt,omitempty"`
	URIFmt    string `json:"uri-fmt,omitempty"`
	URIMatch  string `json:"uri-match,omitempty"`

	RedirCode   *int64 `json:"redir_code,omitempty"`
	RedirOption string `json:"redir_option,omitempty"`
	RedirType   string `json:"redir_type,omitempty" enum:"location,prefix,scheme"`
	RedirValue  string `json:"redir_value,omitempty"`

	ReturnContent       string         `json:"return_content,omitempty"`
	ReturnContentFormat string         `json:"return_content_format,omitempty" enum:"string,lf-string,file,lf-file"`
	ReturnContentType   string         `json:"return_content_type,omitempty"`
	ReturnHdrs          []ReturnHeader `json:"return_hdrs,omitempty"`
	ReturnStatusCode    *int64         `json:"return_status_code,omitempty"`

	ScExpr *string `json:"sc_expr,omitempty"`
	ScID   *int64  `json:"sc_id,omitempty"`
	ScIdx  *int64  `json:"sc_idx,omitempty"`
	ScInt  *int64  `json:"sc_int,omitempty"`

	ServiceName  string `json:"service_name,omitempty"`
	Status       *int64 `json:"status,omitempty"`
	StatusReason string `json:"status_reason,omitempty"`

	Timeout     string `json:"timeout,omitempty"`
	TimeoutType string `json:"timeout_type,omitempty" enum:"client,server,tunnel"`

	TrackScKey          string `json:"track_sc_key,omitempty"`
	TrackScStickCounter *int64 `json:"track_sc_stick_counter,omitempty"`
	TrackScTable        string `json:"track_sc_table,omitempty"`

	VarExpr   string `json:"var_expr,omitempty"`
	VarFormat string `json:"var_format,omitempty"`
	VarName   string `json:"var_name,omitempty"`
	VarScope  string `json:"var_scope,omitempty"`

	WaitAtLeast *int64 `json:"wait_at_least,omitempty"`
	WaitTime    *int64 `json:"wait_time,omitempty"`
}

// ReturnHeader is one "hdr <name> <fmt>" of a deny, tarpit or return rule.
type ReturnHeader struct {
	Name string `json:"name" required:"true"`
	Fmt  string `json:"fmt" required:"true"`
}

var (
	_ = registerList(httpRuleChild(rules.Request, "http_request_rules"))
	_ = registerList(httpRuleChild(rules.Response, "http_response_rules"))
	_ = registerList(httpRuleChild(rules.AfterResponse, "http_after_response_rules"))
)

func httpRuleChild(d rules.Dir, path string) *Child {
	kw := d.String()
	c := &Child{
		Path:    path,
		Parents: []string{"frontend", "backend", "defaults"},
		Owns:    func(words []string) bool { return len(words) > 0 && words[0] == kw },
	}
	decode := func(words []string) (*HTTPRule, error) { return decodeHTTPRule(d, words) }
	switch d {
	case rules.Request:
		c.New = func() any { return new(HTTPRequestRule) }
		c.Decode = func(words []string) (any, error) {
			r, err := decode(words)
			if err != nil {
				return nil, err
			}
			return (*HTTPRequestRule)(r), nil
		}
		c.Encode = func(m any) ([]string, error) { return encodeHTTPRule(d, (*HTTPRule)(m.(*HTTPRequestRule))) }
	case rules.Response:
		c.New = func() any { return new(HTTPResponseRule) }
		c.Decode = func(words []string) (any, error) {
			r, err := decode(words)
			if err != nil {
				return nil, err
			}
			return (*HTTPResponseRule)(r), nil
		}
		c.Encode = func(m any) ([]string, error) { return encodeHTTPRule(d, (*HTTPRule)(m.(*HTTPResponseRule))) }
	default:
		c.New = func() any { return new(HTTPAfterResponseRule) }
		c.Decode = func(words []string) (any, error) {
			r, err := decode(words)
			if err != nil {
				return nil, err
			}
			return (*HTTPAfterResponseRule)(r), nil
		}
		c.Encode = func(m any) ([]string, error) { return encodeHTTPRule(d, (*HTTPRule)(m.(*HTTPAfterResponseRule))) }
	}
	return c
}

// argReader walks a rule's arguments while decoding.
type argReader struct {
	line []string // the whole line, for messages
	args []string
	err  error
	seen map[string]bool // options read so far, see once
}

// once fails when option opt was already read: the file would keep only
// the last one, and the model could not say which.
func (a *argReader) once(opt string) bool {
	if a.seen[opt] {
		if a.err == nil {
			a.err = fieldError("type", "'%s' is given twice in %q", opt, wordsText(a.line))
		}
		return false
	}
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	a.seen[opt] = true
	return true
}

// next returns the next argument as field text, or fails naming field.
func (a *argReader) next(field string) string {
	if len(a.args) == 0 {
		if a.err == nil {
			a.err = fieldError(field, "missing in %q", wordsText(a.line))
		}
		return ""
	}
	w := a.args[0]
	a.args = a.args[1:]
	return wordText(w)
}

// rawNext returns the next argument unquoted.
func (a *argReader) rawNext(field string) string {
	if len(a.args) == 0 {
		a.next(field)
		return ""
	}
	w := a.args[0]
	a.args = a.args[1:]
	return w
}

func (a *argReader) int(field string) *int64 {
	w := a.rawNext(field)
	if a.err != nil {
		return nil
	}
	n, err := intText(field, w)
	if err != nil {
		a.err = err
	}
	return n
}

// rest returns the remaining arguments as field text.
func (a *argReader) rest() string {
	s := wordsText(a.args)
	a.args = nil
	return s
}

// done fails when arguments are left over.
func (a *argReader) done() error {
	if a.err == nil && len(a.args) > 0 {
		a.err = fieldError("type", "unexpected argument %q in %q", a.args[0], wordsText(a.line))
	}
	return a.err
}

// splitAction splits "set-var(txn.x)" into "set-var" and "txn.x".
func splitAction(action string) (base, paren string, ok bool) {
	i := strings.IndexByte(action, '(')
	if i < 0 || !strings.HasSuffix(action, ")") {
		return action, "", false
	}
	return action[:i], action[i+1 : len(action)-1], true
}

// scArgs reads the "<idx>,<sc-id>" or "<sc-id>" of sc-* actions.
func scArgs(paren string, withIdx bool) (idx, id *int64, err error) {
	if withIdx {
		i, s, ok := strings.Cut(paren, ",")
		if !ok {
			return nil, nil, fieldError("sc_idx", "expects (<idx>,<sc-id>), got (%s)", paren)
		}
		if idx, err = intText("sc_idx", i); err != nil {
			return nil, nil, err
		}
		paren = s
	}
	id, err = intText("sc_id", paren)
	return idx, id, err
}

func decodeHTTPRule(d rules.Dir, words []string) (*HTTPRule, error) {
	if len(words) < 2 {
		return nil, fieldError("type", "missing in %q", wordsText(words))
	}
	base, paren, hasParen := splitAction(words[1])
	if ra := rules.Lookup(base); ra != nil && ra.Paren != hasParen {
		if ra.Paren {
			return nil, fieldError("type", "'%s' expects an argument in parentheses", base)
		}
		return nil, fieldError("type", "unexpected parentheses after '%s'", base)
	}
	args, cond, test, err := splitCond(words[2:])
	if err != nil {
		return nil, err
	}
	r := &HTTPRule{Type: base, HTTPRuleArgs: HTTPRuleArgs{Cond: cond, CondTest: test}}
	a := &argReader{line: words, args: args}
	switch base {
	case "allow", "reject", "silent-drop", "disable-l7-retry":
	case "auth":
		if len(a.args) > 0 {
			if a.rawNext("auth_realm") != "realm" {
				return nil, fieldError("auth_realm", "expects 'realm <realm>' in %q", wordsText(words))
			}
			r.AuthRealm = a.next("auth_realm")
		}
	case "deny", "tarpit", "return":
		decodePayload(r, a)
	case "redirect":
		r.RedirType = a.next("redir_type")
		r.RedirValue = a.next("redir_value")
		var opts []string
		for len(a.args) > 0 && a.err == nil {
			if a.args[0] == "code" {
				a.once("code")
				a.args = a.args[1:]
				r.RedirCode = a.int("redir_code")
				continue
			}
			opts = append(opts, a.args[0])
			a.args = a.args[1:]
		}
		r.RedirOption = wordsText(opts)
	case "set-header", "add-header":
		r.HdrName, r.HdrFormat = a.next("hdr_name"), a.next("hdr_format")
	case "del-header":
		r.HdrName = a.next("hdr_name")
		if len(a.args) > 0 && a.args[0] == "-m" {
			a.args = a.args[1:]
			r.HdrMethod = a.next("hdr_method")
		}
	case "replace-header", "replace-value":
		r.HdrName, r.HdrMatch, r.HdrFormat = a.next("hdr_name"), a.next("hdr_match"), a.next("hdr_format")
	case "set-status":
		r.Status = a.int("status")
		if len(a.args) > 0 && a.args[0] == "reason" {
			a.args = a.args[1:]
			r.StatusReason = a.next("status_reason")
		}
	case "set-path", "set-pathq":
		r.PathFmt = a.next("path_fmt")
	case "replace-path", "replace-pathq":
		r.PathMatch, r.PathFmt = a.next("path_match"), a.next("path_fmt")
	case "set-uri":
		r.URIFmt = a.next("uri-fmt")
	case "replace-uri":
		r.URIMatch, r.URIFmt = a.next("uri-match"), a.next("uri-fmt")
	case "set-query":
		r.QueryFmt = a.next("query-fmt")
	case "set-method":
		r.MethodFmt = a.next("method_fmt")
	case "normalize-uri":
		r.Normalizer = a.next("normalizer")
		if len(a.args) > 0 {
			switch a.args[0] {
			case "full":
				r.NormalizerFull = true
				a.args = a.args[1:]
			case "strict":
				r.NormalizerStrict = true
				a.args = a.args[1:]
			}
		}
	case "set-var", "set-var-fmt", "unset-var":
		scope, name, ok := strings.Cut(paren, ".")
		if !ok {
			return nil, fieldError("var_scope", "expects (<scope>.<name>), got %q", words[1])
		}
		r.VarScope, r.VarName = wordText(scope), wordText(name)
		switch base {
		case "set-var":
			r.VarExpr = a.rest()
		case "set-var-fmt":
			r.VarFormat = a.rest()
		}
	case "track-sc0", "track-sc1", "track-sc2":
		n := int64(base[len(base)-1] - '0')
		r.Type, r.TrackScStickCounter = "track-sc", &n
		r.TrackScKey = a.next("track_sc_key")
		if len(a.args) > 0 && a.args[0] == "table" {
			a.args = a.args[1:]
			r.TrackScTable = a.next("track_sc_table")
		}
	case "sc-inc-gpc0", "sc-inc-gpc1", "sc-inc-gpc", "sc-set-gpt0", "sc-set-gpt":
		if r.ScIdx, r.ScID, err = scArgs(paren, base == "sc-inc-gpc" || base == "sc-set-gpt"); err != nil {
			return nil, err
		}
		if strings.HasPrefix(base, "sc-set-gpt") {
			v := a.rawNext("sc_expr")
			if n, err := intText("sc_int", v); err == nil {
				r.ScInt = n
			} else {
				t := wordText(v)
				r.ScExpr = &t
			}
		}
	case "set-log-level":
		r.LogLevel = a.next("log_level")
	case "set-timeout":
		r.TimeoutType, r.Timeout = a.next("timeout_type"), a.next("timeout")
	case "capture":
		r.CaptureSample = a.next("capture_sample")
		switch a.rawNext("capture_len") {
		case "len":
			r.CaptureLen = a.int("capture_len")
		case "id":
			r.CaptureID = a.int("capture_id")
		default:
			return nil, fieldError("capture_len", "expects 'len <length>' or 'id <id>' in %q", wordsText(words))
		}
	case "set-map", "del-map":
		r.MapFile, r.MapKeyfmt = wordText(paren), a.next("map_keyfmt")
		if base == "set-map" {
			r.MapValuefmt = a.next("map_valuefmt")
		}
	case "add-acl", "del-acl":
		r.ACLFile, r.ACLKeyfmt = wordText(paren), a.next("acl_keyfmt")
	case "set-retries":
		r.Expr = a.rest()
	case "wait-for-body":
		if a.rawNext("wait_time") != "time" {
			return nil, fieldError("wait_time", "expects 'time <time>' in %q", wordsText(words))
		}
		if r.WaitTime, err = durationMS("wait_time", a.rawNext("wait_time"), "ms"); err != nil && a.err == nil {
			return nil, err
		}
		if len(a.args) > 0 && a.args[0] == "at-least" {
			a.args = a.args[1:]
			if r.WaitAtLeast, err = sizeBytes("wait_at_least", a.rawNext("wait_at_least")); err != nil && a.err == nil {
				return nil, err
			}
		}
	case "use-service":
		r.ServiceName = a.next("service_name")
	default:
		return nil, unsupportedHTTPAction(d, base)
	}
	if err := a.done(); err != nil {
		return nil, err
	}
	return r, nil
}

// unsupportedHTTPAction is the error for an action the model does not
// know: hawser's refusal when HAProxy has it.
func unsupportedHTTPAction(d rules.Dir, action string) error {
	if action == "lua" || strings.HasPrefix(action, "lua.") || rules.Lookup(action) != nil {
		return fieldError("type", "'%s %s' is not supported by hawser", d, action)
	}
	return fieldError("type", "unknown action %q", action)
}

// decodePayload reads the options of deny, tarpit and return.
func decodePayload(r *HTTPRule, a *argReader) {
	for len(a.args) > 0 && a.err == nil {
		opt := a.rawNext("type")
		if opt != "hdr" {
			a.once(opt)
		}
		if opt == "lf-string" || opt == "file" || opt == "lf-file" {
			a.once("string") // one payload only
		}
		switch {
		case opt == "deny_status" && r.Type != "return":
			r.DenyStatus = a.int("deny_status")
		case opt == "status" && r.Type == "return":
			r.ReturnStatusCode = a.int("return_status_code")
		case opt == "deny_status" || opt == "status":
			a.err = fieldError("type", "'%s' does not take '%s'", r.Type, opt)
			return
		}
		switch opt {
		case "deny_status", "status":
		case "content-type":
			r.ReturnContentType = a.next("return_content_type")
		case "string", "lf-string", "file", "lf-file":
			r.ReturnContentFormat = opt
			r.ReturnContent = a.next("return_content")
		case "hdr":
			r.ReturnHdrs = append(r.ReturnHdrs, ReturnHeader{Name: a.next("return_hdrs"), Fmt: a.next("return_hdrs")})
		default:
			a.err = fieldError("return_content_format", "'%s' is not supported by hawser", opt)
		}
	}
}

// sizeBytes parses a size with an optional k, m or g suffix.
func sizeBytes(field, s string) (*int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult = 1024
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult = 1024 * 1024
	case strings.HasSuffix(s, "g"), strings.HasSuffix(s, "G"):
		mult = 1024 * 1024 * 1024
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	n, err := intText(field, s)
	if err != nil {
		return nil, err
	}
	if *n > math.MaxInt64/mult || *n < 0 {
		return nil, fieldError(field, "size %q out of range", s)
	}
	*n *= mult
	return n, nil
}

// sizeText renders bytes with the largest exact suffix.
func sizeText(n int64) string {
	for _, u := range []struct {
		n    int64
		name string
	}{{1 << 30, "g"}, {1 << 20, "m"}, {1 << 10, "k"}} {
		if n != 0 && n%u.n == 0 {
			return itoa(n/u.n) + u.name
		}
	}
	return itoa(n)
}

// lineBuilder collects a line's words while encoding; the first error
// wins.
type lineBuilder struct {
	w   []string
	err error
}

func (b *lineBuilder) lit(ws ...string) { b.w = append(b.w, ws...) }

// word appends a one-word field.
func (b *lineBuilder) word(field, text string, required bool) {
	if b.err != nil {
		return
	}
	w, err := oneWord(field, text, required)
	if err != nil {
		b.err = err
		return
	}
	if w != "" || text != "" {
		b.w = append(b.w, w)
	}
}

// optWord appends "<kw> <field>" when the field is set.
func (b *lineBuilder) optWord(kw, field, text string) {
	if text != "" {
		b.lit(kw)
		b.word(field, text, true)
	}
}

// words appends a rest-of-line field.
func (b *lineBuilder) words(field, text string, required bool) {
	if b.err != nil {
		return
	}
	ws, err := manyWords(field, text)
	if err == nil && required && len(ws) == 0 {
		err = fieldError(field, "is required")
	}
	if err != nil {
		b.err = err
		return
	}
	b.w = append(b.w, ws...)
}

// int appends a required integer field.
func (b *lineBuilder) int(field string, n *int64) {
	if n == nil {
		b.fail(fieldError(field, "is required"))
		return
	}
	b.lit(itoa(*n))
}

func (b *lineBuilder) fail(err error) {
	if b.err == nil {
		b.err = err
	}
}

// parenWord reads a one-word field that goes inside an action's
// parentheses, where blanks, parentheses and commas cannot be written.
func parenWord(b *lineBuilder, field, text string) string {
	w, err := oneWord(field, text, true)
	if err == nil && strings.ContainsAny(w, " \t(),") {
		err = fieldError(field, "cannot contain blanks, parentheses or commas")
	}
	if err != nil {
		b.fail(err)
	}
	return w
}

func encodeHTTPRule(d rules.Dir, r *HTTPRule) ([]string, error) {
	action := r.Type
	if action == "track-sc" {
		if r.TrackScStickCounter == nil || *r.TrackScStickCounter < 0 || *r.TrackScStickCounter > 2 {
			return nil, fieldError("track_sc_stick_counter", "must be 0, 1 or 2")
		}
		action = "track-sc" + itoa(*r.TrackScStickCounter)
	}
	if action == "" {
		return nil, fieldError("type", "is required")
	}
	ra := rules.Lookup(action)
	switch {
	case strings.HasPrefix(action, "track-sc") && r.Type != "track-sc":
		return nil, fieldError("type", "unknown action %q (use track-sc with track_sc_stick_counter)", r.Type)
	case ra == nil && (action == "lua" || strings.HasPrefix(action, "lua.")):
		return nil, fieldError("type", "'%s %s' is not supported by hawser", d, action)
	case ra == nil:
		return nil, fieldError("type", "unknown action %q", action)
	case !ra.Supported():
		return nil, fieldError("type", "'%s %s' is not supported by hawser", d, action)
	case !ra.Dirs.Has(d):
		return nil, fieldError("type", "'%s' is not valid in %s rules", action, d)
	}
	b := &lineBuilder{w: []string{d.String()}}
	switch r.Type {
	case "allow", "reject", "silent-drop", "disable-l7-retry":
		b.lit(action)
	case "auth":
		b.lit(action)
		b.optWord("realm", "auth_realm", r.AuthRealm)
	case "deny", "tarpit", "return":
		b.lit(action)
		encodePayload(b, r)
	case "redirect":
		b.lit(action)
		if r.RedirType != "location" && r.RedirType != "prefix" && r.RedirType != "scheme" {
			return nil, fieldError("redir_type", "must be location, prefix or scheme")
		}
		b.lit(r.RedirType)
		b.word("redir_value", r.RedirValue, true)
		if r.RedirCode != nil {
			switch *r.RedirCode {
			case 301, 302, 303, 307, 308:
			default:
				return nil, fieldError("redir_code", "must be 301, 302, 303, 307 or 308")
			}
			b.lit("code", itoa(*r.RedirCode))
		}
		b.words("redir_option", r.RedirOption, false)
	case "set-header", "add-header":
		b.lit(action)
		b.word("hdr_name", r.HdrName, true)
		b.word("hdr_format", r.HdrFormat, true)
	case "del-header":
		b.lit(action)
		b.word("hdr_name", r.HdrName, true)
		b.optWord("-m", "hdr_method", r.HdrMethod)
	case "replace-header", "replace-value":
		b.lit(action)
		b.word("hdr_name", r.HdrName, true)
		b.word("hdr_match", r.HdrMatch, true)
		b.word("hdr_format", r.HdrFormat, true)
	case "set-status":
		b.lit(action)
		b.int("status", r.Status)
		b.optWord("reason", "status_reason", r.StatusReason)
	case "set-path", "set-pathq":
		b.lit(action)
		b.word("path_fmt", r.PathFmt, true)
	case "replace-path", "replace-pathq":
		b.lit(action)
		b.word("path_match", r.PathMatch, true)
		b.word("path_fmt", r.PathFmt, true)
	case "set-uri":
		b.lit(action)
		b.word("uri-fmt", r.URIFmt, true)
	case "replace-uri":
		b.lit(action)
		b.word("uri-match", r.URIMatch, true)
		b.word("uri-fmt", r.URIFmt, true)
	case "set-query":
		b.lit(action)
		b.word("query-fmt", r.QueryFmt, true)
	case "set-method":
		b.lit(action)
		b.word("method_fmt", r.MethodFmt, true)
	case "normalize-uri":
		b.lit(action)
		b.word("normalizer", r.Normalizer, true)
		if r.NormalizerFull {
			b.lit("full")
		}
		if r.NormalizerStrict {
			b.lit("strict")
		}
	case "set-var", "set-var-fmt", "unset-var":
		scope := parenWord(b, "var_scope", r.VarScope)
		name, err := oneWord("var_name", r.VarName, true)
		if err != nil {
			return nil, err
		}
		if strings.ContainsAny(name, " \t()") {
			return nil, fieldError("var_name", "cannot contain blanks or parentheses")
		}
		b.lit(action + "(" + scope + "." + name + ")")
		switch action {
		case "set-var":
			b.words("var_expr", r.VarExpr, true)
		case "set-var-fmt":
			b.words("var_format", r.VarFormat, true)
		}
	case "track-sc":
		b.lit(action)
		b.word("track_sc_key", r.TrackScKey, true)
		b.optWord("table", "track_sc_table", r.TrackScTable)
	case "sc-inc-gpc0", "sc-inc-gpc1", "sc-inc-gpc", "sc-set-gpt0", "sc-set-gpt":
		if r.ScID == nil {
			return nil, fieldError("sc_id", "is required")
		}
		p := itoa(*r.ScID)
		if action == "sc-inc-gpc" || action == "sc-set-gpt" {
			if r.ScIdx == nil {
				return nil, fieldError("sc_idx", "is required")
			}
			p = itoa(*r.ScIdx) + "," + p
		}
		b.lit(action + "(" + p + ")")
		if strings.HasPrefix(action, "sc-set-gpt") {
			switch {
			case r.ScInt != nil && r.ScExpr != nil:
				return nil, fieldError("sc_expr", "cannot be set with sc_int")
			case r.ScInt != nil:
				b.lit(itoa(*r.ScInt))
			case r.ScExpr != nil:
				b.word("sc_expr", *r.ScExpr, true)
			default:
				return nil, fieldError("sc_int", "is required (or sc_expr)")
			}
		}
	case "set-log-level":
		b.lit(action)
		b.word("log_level", r.LogLevel, true)
	case "set-timeout":
		b.lit(action)
		b.word("timeout_type", r.TimeoutType, true)
		b.word("timeout", r.Timeout, true)
	case "capture":
		b.lit(action)
		b.word("capture_sample", r.CaptureSample, true)
		switch {
		case r.CaptureLen != nil && r.CaptureID != nil:
			return nil, fieldError("capture_id", "cannot be set with capture_len")
		case r.CaptureLen != nil:
			b.lit("len", itoa(*r.CaptureLen))
		case r.CaptureID != nil:
			b.lit("id", itoa(*r.CaptureID))
		default:
			return nil, fieldError("capture_len", "is required (or capture_id)")
		}
	case "set-map", "del-map":
		b.lit(action + "(" + parenWord(b, "map_file", r.MapFile) + ")")
		b.word("map_keyfmt", r.MapKeyfmt, true)
		if action == "set-map" {
			b.word("map_valuefmt", r.MapValuefmt, true)
		}
	case "add-acl", "del-acl":
		b.lit(action + "(" + parenWord(b, "acl_file", r.ACLFile) + ")")
		b.word("acl_keyfmt", r.ACLKeyfmt, true)
	case "set-retries":
		b.lit(action)
		b.words("expr", r.Expr, true)
	case "wait-for-body":
		b.lit(action)
		if r.WaitTime == nil || *r.WaitTime < 0 {
			return nil, fieldError("wait_time", "is required (milliseconds)")
		}
		b.lit("time", durationText(*r.WaitTime))
		if r.WaitAtLeast != nil {
			b.lit("at-least", sizeText(*r.WaitAtLeast))
		}
	case "use-service":
		b.lit(action)
		b.word("service_name", r.ServiceName, true)
	default:
		return nil, fieldError("type", "'%s %s' is not supported by hawser", d, action)
	}
	if b.err != nil {
		return nil, b.err
	}
	words, err := appendCond(b.w, r.Cond, r.CondTest)
	if err != nil {
		return nil, err
	}
	back, err := decodeHTTPRule(d, words)
	if err != nil {
		return nil, err
	}
	if err := unusedField(r, back, fmt.Sprintf("type %q", r.Type)); err != nil {
		return nil, err
	}
	return words, nil
}

// encodePayload writes the options of deny, tarpit and return.
func encodePayload(b *lineBuilder, r *HTTPRule) {
	switch {
	case r.DenyStatus != nil && r.Type == "return":
		b.fail(fieldError("deny_status", "is not used by type %q (use return_status_code)", r.Type))
	case r.DenyStatus != nil:
		b.lit("deny_status", itoa(*r.DenyStatus))
	case r.ReturnStatusCode != nil && r.Type != "return":
		b.fail(fieldError("return_status_code", "is not used by type %q (use deny_status)", r.Type))
	case r.ReturnStatusCode != nil:
		b.lit("status", itoa(*r.ReturnStatusCode))
	}
	b.optWord("content-type", "return_content_type", r.ReturnContentType)
	switch r.ReturnContentFormat {
	case "":
		if r.ReturnContent != "" {
			b.fail(fieldError("return_content_format", "is required with return_content"))
		}
	case "string", "lf-string", "file", "lf-file":
		b.lit(r.ReturnContentFormat)
		b.word("return_content", r.ReturnContent, true)
	case "errorfile", "errorfiles", "default-errorfiles":
		b.fail(fieldError("return_content_format", "'%s' is not supported by hawser", r.ReturnContentFormat))
	default:
		b.fail(fieldError("return_content_format", "unknown format %q", r.ReturnContentFormat))
	}
	for _, h := range r.ReturnHdrs {
		b.lit("hdr")
		b.word("return_hdrs", h.Name, true)
		b.word("return_hdrs", h.Fmt, true)
	}
}
