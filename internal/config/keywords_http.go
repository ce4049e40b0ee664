package config

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// httpKeywords are the http-request and http-response actions.
var httpKeywords = append(supportedHTTPActions, unsupportedHTTPActions()...)

var supportedHTTPActions = []*Keyword{
	reqAction("return", "[status <code>] [content-type <type>] [string <text> | file <path>] [hdr <name> <value>]*", "answer directly with this response", parseReturn),
	reqAction("deny", "[deny_status <code>] [content-type <type>] [string <text> | file <path>] [hdr <name> <value>]*", "answer 403 (or deny_status) and stop", parseDeny),
	reqAction("allow", "", "stop evaluating http-request rules and let the request through", parseAllow),
	reqAction("set-header", "<name> <format>", "replace a request header", parseSetHeader),
	reqAction("add-header", "<name> <format>", "add a request header", parseSetHeader),
	reqAction("del-header", "<name> [-m str|beg|end|sub|reg]", "remove request headers", parseDelHeader),
	reqAction("redirect", "location|prefix|scheme <to> [code <code>] [drop-query] [append-slash]", "answer with a redirect", parseHTTPRedirect),
	resAction("set-header", "<name> <format>", "replace a response header", parseSetHeader),
	resAction("add-header", "<name> <format>", "add a response header", parseSetHeader),
	resAction("del-header", "<name> [-m str|beg|end|sub|reg]", "remove response headers", parseDelHeader),
	resAction("deny", "[deny_status <code>] [content-type <type>] [string <text> | file <path>] [hdr <name> <value>]*", "replace the response with a 502 (or deny_status)", parseDeny),
	resAction("allow", "", "stop evaluating http-response rules", parseAllow),
}

func unsupportedHTTPActions() []*Keyword {
	var kws []*Keyword
	for _, a := range unsupportedRequestActions {
		kws = append(kws, &Keyword{Name: "http-request " + a, Sections: secRules})
	}
	for _, a := range unsupportedResponseActions {
		kws = append(kws, &Keyword{Name: "http-response " + a, Sections: secRules})
	}
	return kws
}

// unsupportedRequestActions are http-request actions HAProxy has and hawser
// does not yet implement.
var unsupportedRequestActions = []string{
	"add-acl", "auth", "cache-use", "capture", "del-acl", "del-map", "disable-l7-retry", "do-log",
	"do-resolve", "early-hint", "normalize-uri", "reject", "replace-header", "replace-path",
	"replace-pathq", "replace-uri", "replace-value", "sc-add-gpc", "sc-inc-gpc", "sc-inc-gpc0",
	"sc-inc-gpc1", "sc-set-gpt", "sc-set-gpt0", "send-spoe-group", "set-bandwidth-limit",
	"set-dst", "set-dst-port", "set-fc-mark", "set-fc-tos", "set-log-level", "set-map", "set-mark",
	"set-method", "set-nice", "set-path", "set-pathq", "set-priority-class", "set-priority-offset",
	"set-query", "set-retries", "set-src", "set-src-port", "set-timeout", "set-tos", "set-uri",
	"set-var", "set-var-fmt", "silent-drop", "strict-mode", "tarpit", "track-sc", "unset-var",
	"use-service", "wait-for-body", "wait-for-handshake", "lua.*", "set-header-fmt",
}

// unsupportedResponseActions are http-response actions HAProxy has and
// hawser does not yet implement.
var unsupportedResponseActions = []string{
	"add-acl", "cache-store", "capture", "del-acl", "del-map", "do-log", "redirect", "replace-header",
	"replace-value", "return", "sc-add-gpc", "sc-inc-gpc", "sc-inc-gpc0", "sc-inc-gpc1", "sc-set-gpt",
	"sc-set-gpt0", "send-spoe-group", "set-bandwidth-limit", "set-fc-mark", "set-fc-tos", "set-log-level",
	"set-map", "set-mark", "set-nice", "set-status", "set-timeout", "set-tos", "set-var", "set-var-fmt",
	"silent-drop", "strict-mode", "track-sc", "unset-var", "wait-for-body", "lua.*",
}

// ruleParser parses an action's arguments (condition removed) into r.
type ruleParser func(c *lineCtx, r *HTTPRule, args []string) error

func reqAction(name, args, help string, p ruleParser) *Keyword {
	return httpAction("http-request", name, args, help, p)
}

func resAction(name, args, help string, p ruleParser) *Keyword {
	return httpAction("http-response", name, args, help, p)
}

func httpAction(dir, name, args, help string, p ruleParser) *Keyword {
	return &Keyword{Name: dir + " " + name, Sections: secRules, Args: args + " [if|unless <condition>]", Help: help, Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			args, cond, err := c.splitCond(args)
			if err != nil {
				return err
			}
			r := &HTTPRule{Pos: c.pos, Action: name, Cond: cond}
			if err := p(c, r, args); err != nil {
				return err
			}
			if dir == "http-request" {
				c.px.p.HTTPRequest = append(c.px.p.HTTPRequest, r)
			} else {
				c.px.p.HTTPResponse = append(c.px.p.HTTPResponse, r)
			}
			return nil
		}}
}

func parseAllow(c *lineCtx, r *HTTPRule, args []string) error {
	return arity(c.name, args, 0, 0, "")
}

func parseSetHeader(c *lineCtx, r *HTTPRule, args []string) error {
	if err := arity(c.name, args, 2, 2, "a header name and a value"); err != nil {
		return err
	}
	r.Name, r.Value = args[0], args[1]
	return nil
}

func parseDelHeader(c *lineCtx, r *HTTPRule, args []string) error {
	switch {
	case len(args) == 1:
		r.Name, r.Match = args[0], "str"
		return nil
	case len(args) == 3 && args[1] == "-m":
		switch args[2] {
		case "str", "beg", "end", "sub", "reg":
			r.Name, r.Match = args[0], args[2]
			return nil
		}
		return fmt.Errorf("'%s': unknown matching method '%s'", c.name, args[2])
	}
	return fmt.Errorf("'%s' expects a header name, optionally followed by '-m <method>'", c.name)
}

func parseReturn(c *lineCtx, r *HTTPRule, args []string) error {
	r.Status = 200
	return parsePayload(c, r, args, "status")
}

func parseDeny(c *lineCtx, r *HTTPRule, args []string) error {
	r.Status = 403
	if strings.HasPrefix(c.name, "http-response") {
		r.Status = 502
	}
	return parsePayload(c, r, args, "deny_status")
}

// parsePayload parses the response options shared by return and deny.
// HAProxy requires content-type with a payload and rejects it without one.
func parsePayload(c *lineCtx, r *HTTPRule, args []string, statusWord string) error {
	for i := 0; i < len(args); i++ {
		opt := args[i]
		need := 1
		if opt == "hdr" {
			need = 2
		}
		if i+need >= len(args) {
			return fmt.Errorf("'%s': '%s' expects %d argument(s)", c.name, opt, need)
		}
		val := args[i+1]
		switch opt {
		case statusWord:
			n, err := strconv.Atoi(val)
			if err != nil || n < 200 || n > 599 {
				return fmt.Errorf("'%s': invalid status code '%s' (expected 200..599)", c.name, val)
			}
			r.Status = n
		case "content-type":
			r.ContentType = val
		case "string":
			r.Body, r.HasBody = val, true
		case "file":
			data, err := os.ReadFile(val)
			if err != nil {
				return fmt.Errorf("'%s': cannot read file: %v", c.name, err)
			}
			r.Body, r.HasBody, r.File = string(data), true, val
		case "hdr":
			r.Headers = append(r.Headers, [2]string{val, args[i+2]})
		case "lf-string", "lf-file", "errorfile", "errorfiles", "default-errorfiles":
			return fmt.Errorf("'%s ... %s' is not supported by hawser", c.name, opt)
		default:
			return fmt.Errorf("'%s': unknown option '%s'", c.name, opt)
		}
		i += need
	}
	switch {
	case r.HasBody && r.ContentType == "":
		return fmt.Errorf("'%s': a payload requires 'content-type'", c.name)
	case !r.HasBody && r.ContentType != "":
		return fmt.Errorf("'%s': 'content-type' requires a payload ('string' or 'file')", c.name)
	}
	return nil
}

func parseHTTPRedirect(c *lineCtx, r *HTTPRule, args []string) error {
	red, err := redirectArgs(c.name, args)
	if err != nil {
		return err
	}
	red.Pos, red.Action, red.Cond = r.Pos, r.Action, r.Cond
	*r = *red
	return nil
}

// parseRedirect parses the standalone "redirect" keyword.
func parseRedirect(c *lineCtx, args []string) (*HTTPRule, error) {
	args, cond, err := c.splitCond(args)
	if err != nil {
		return nil, err
	}
	r, err := redirectArgs(c.name, args)
	if err != nil {
		return nil, err
	}
	r.Pos, r.Action, r.Cond = c.pos, "redirect", cond
	return r, nil
}

func redirectArgs(name string, args []string) (*HTTPRule, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("'%s' expects 'location', 'prefix' or 'scheme' followed by a value", name)
	}
	r := &HTTPRule{Status: 302}
	switch args[0] {
	case "location", "prefix", "scheme":
		r.RedirectType, r.Value = args[0], args[1]
	default:
		return nil, fmt.Errorf("'%s' expects 'location', 'prefix' or 'scheme', got '%s'", name, args[0])
	}
	for i := 2; i < len(args); i++ {
		switch args[i] {
		case "code":
			if i+1 == len(args) {
				return nil, fmt.Errorf("'%s': 'code' expects a status code", name)
			}
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n != 301 && n != 302 && n != 303 && n != 307 && n != 308 {
				return nil, fmt.Errorf("'%s': unsupported redirect code '%s' (expected 301, 302, 303, 307 or 308)", name, args[i+1])
			}
			r.Status = n
			i++
		case "drop-query":
			r.DropQuery = true
		case "append-slash":
			r.AppendSlash = true
		case "set-cookie", "clear-cookie", "ignore-empty", "keep-query", "set-cookie-fmt":
			return nil, fmt.Errorf("'%s ... %s' is not supported by hawser", name, args[i])
		default:
			return nil, fmt.Errorf("'%s': unknown option '%s'", name, args[i])
		}
	}
	return r, nil
}

// httpCheckKeywords are the "http-check <x>" keywords.
var httpCheckKeywords = []*Keyword{
	{Name: "http-check send", Sections: secBE, Args: "[meth <method>] [uri <uri>] [ver <version>] [hdr <name> <value>]* [body <string>]", Help: "the request health checks send (with option httpchk)", Supported: true, Parse: parseCheckSend},
	{Name: "http-check expect", Sections: secBE, Args: "[!] status <codes> | rstatus <regex> | string <text> | rstring <regex>", Help: "what a healthy response looks like (default: a 2xx or 3xx status)", Supported: true, Parse: parseCheckExpect},
	{Name: "http-check disable-on-404", Sections: secBE, Help: "put servers answering 404 in drain mode"},
	{Name: "http-check send-state", Sections: secBE, Help: "send the server state in a header"},
	{Name: "http-check connect", Sections: secBE, Help: "open a check connection with options"},
	{Name: "http-check comment", Sections: secBE, Help: "comment the next check rule"},
	{Name: "http-check set-var", Sections: secBE, Help: "set a variable during checks"},
	{Name: "http-check unset-var", Sections: secBE, Help: "unset a variable during checks"},
}

func parseCheckSend(c *lineCtx, args []string) error {
	hc := &c.px.check
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
			hc.Method = v
		case "uri":
			hc.URI = v
		case "ver":
			hc.Version = v
		case "hdr":
			if strings.EqualFold(v, "host") {
				hc.Host = args[i+2]
			} else {
				hc.Headers = append(hc.Headers, [2]string{v, args[i+2]})
			}
		case "body":
			hc.Body = v
		case "uri-lf", "body-lf", "hdr-lf":
			return fmt.Errorf("'http-check send %s' is not supported by hawser", args[i])
		default:
			return fmt.Errorf("'http-check send': unknown option '%s'", args[i])
		}
		i += need
	}
	return nil
}

func parseCheckExpect(c *lineCtx, args []string) error {
	e := &HTTPExpect{}
	if len(args) > 0 && args[0] == "!" {
		e.Negate, args = true, args[1:]
	}
	if len(args) != 2 {
		return fmt.Errorf("'http-check expect' expects [!] followed by 'status', 'rstatus', 'string' or 'rstring' and a value")
	}
	switch args[0] {
	case "status", "rstatus", "string", "rstring":
		e.Kind, e.Value = args[0], args[1]
	case "hdr", "fhdr", "custom":
		return fmt.Errorf("'http-check expect %s' is not supported by hawser", args[0])
	default:
		return fmt.Errorf("'http-check expect': unknown match '%s'", args[0])
	}
	if c.px.expectSet {
		// Several expect rules form a check sequence in HAProxy.
		return fmt.Errorf("several 'http-check expect' rules in one section are not supported by hawser")
	}
	c.px.expectSet = true
	c.px.check.Expect = e
	return nil
}
