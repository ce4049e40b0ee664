package config

import (
	"fmt"
	"strings"

	"github.com/hawser-lb/hawser/internal/rules"
)

// httpKeywords are the http-request, http-response and
// http-after-response actions, generated from package rules' action table
// so that config and the engine accept exactly the same lines.
var httpKeywords = buildHTTPKeywords()

func buildHTTPKeywords() []*Keyword {
	var kws []*Keyword
	for _, a := range rules.Actions() {
		for _, d := range []rules.Dir{rules.Request, rules.Response, rules.AfterResponse} {
			if !a.Dirs.Has(d) {
				continue
			}
			kw := &Keyword{Name: d.String() + " " + a.Name, Sections: secRules, Supported: a.Supported()}
			if kw.Supported {
				kw.Args = strings.TrimSpace(a.Args + " [if|unless <condition>]")
				kw.Help = a.Help
				kw.Parse = parseHTTPRule(d, a.Name)
			}
			kws = append(kws, kw)
		}
	}
	return kws
}

// parseHTTPRule returns the parser of one rule action: it splits off the
// condition, validates the arguments by compiling them with package rules
// (log-format strings are checked for their sample expressions only; the
// engine compiles them fully) and appends the rule to its set.
func parseHTTPRule(d rules.Dir, action string) func(c *lineCtx, args []string) error {
	return func(c *lineCtx, args []string) error {
		args, cond, err := c.splitCond(args)
		if err != nil {
			return err
		}
		name := action
		if strings.HasPrefix(c.sub, action+"(") {
			name = c.sub
		}
		if _, err := rules.Compile(d, name, args, nil, &rules.Env{Proxy: c.px.p.Name, Captures: -1}); err != nil {
			return err
		}
		r := &HTTPRule{Pos: c.pos, Action: name, Args: args, Cond: cond}
		p := &c.px.p
		switch d {
		case rules.Request:
			p.HTTPRequest = append(p.HTTPRequest, r)
		case rules.Response:
			p.HTTPResponse = append(p.HTTPResponse, r)
		default:
			p.HTTPAfterResponse = append(p.HTTPAfterResponse, r)
		}
		return nil
	}
}

// parseRedirect parses the standalone "redirect" keyword.
func parseRedirect(c *lineCtx, args []string) (*HTTPRule, error) {
	args, cond, err := c.splitCond(args)
	if err != nil {
		return nil, err
	}
	if _, err := rules.CompileRedirect(args, &rules.Env{Proxy: c.px.p.Name}); err != nil {
		return nil, err
	}
	return &HTTPRule{Pos: c.pos, Action: "redirect", Args: args, Cond: cond}, nil
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
