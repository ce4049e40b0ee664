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
			kw := &Keyword{Name: d.String() + " " + a.Name, Sections: secRules | SecDefaults, Supported: a.Supported()}
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
		if name == "set-retries" && c.sec&(SecBackend|SecListen) == 0 {
			// As in HAProxy: the value is for the backend's retries.
			return fmt.Errorf("'%s set-retries' is only available in backend and listen sections", c.name)
		}
		if c.sec == SecDefaults {
			if err := checkDefaultsTrack(name, args); err != nil {
				return err
			}
		}
		if _, err := rules.Compile(d, name, args, nil, &rules.Env{Proxy: c.px.p.Name, Captures: -1, ResCaptures: -1}); err != nil {
			return err
		}
		if d == rules.Request && name == "capture" {
			if err := c.captureRuleSlot(args); err != nil {
				return err
			}
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
