package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Stats page defaults, as HAProxy's (STATS_DEFAULT_URI and
// STATS_DEFAULT_REALM).
const (
	DefaultStatsURI   = "/haproxy?stats"
	DefaultStatsRealm = "HAProxy Statistics"
)

// Stats is a proxy's stats page: the "stats" keywords other than "stats
// socket". Any of them enables the page, as in HAProxy, where each one
// creates the proxy's stats settings with their defaults.
type Stats struct {
	Pos cfgfile.Pos
	// URI is the prefix of the request URIs the page answers (default
	// /haproxy?stats).
	URI string
	// Realm is the basic authentication realm (default "HAProxy
	// Statistics").
	Realm string
	// Refresh is the delay after which the page reloads itself; 0 = never.
	Refresh time.Duration
	// Auth are the "stats auth user:password" credentials; when any is
	// set, the page asks for one of them (after the stats http-request
	// rules, as HAProxy's implicit final auth rule).
	Auth []*User `json:",omitempty"`
	// Scope lists the proxies shown ("." is the proxy itself); empty
	// shows every proxy.
	Scope []string `json:",omitempty"`
	// Admin are the "stats admin" conditions: admin actions are allowed
	// when one of them matches.
	Admin []*Cond `json:",omitempty"`
	// HTTPRequest are the "stats http-request allow|deny|auth" rules.
	HTTPRequest []*HTTPRule `json:",omitempty"`
	HideVersion bool        `json:",omitempty"`
	ShowLegends bool        `json:",omitempty"`
	// ShowDesc shows a description: Desc, or the global one when empty.
	ShowDesc bool   `json:",omitempty"`
	Desc     string `json:",omitempty"`
	// ShowNode shows a node name: Node, or the global one (or the host
	// name) when empty.
	ShowNode bool   `json:",omitempty"`
	Node     string `json:",omitempty"`
}

func cloneStats(s *Stats) *Stats {
	if s == nil {
		return nil
	}
	c := *s
	c.Auth = cloneEach(s.Auth, func(u *User) *User { u2 := *u; u2.Groups = slices.Clone(u.Groups); return &u2 })
	c.Scope = slices.Clone(s.Scope)
	c.Admin = cloneEach(s.Admin, cloneCond)
	c.HTTPRequest = cloneEach(s.HTTPRequest, cloneHTTPRule)
	return &c
}

// statsPageKeywords are the proxies' "stats" keywords (configuration.txt
// 4.2). HAProxy's keyword matrix allows "stats admin" and "stats
// http-request" everywhere but in defaults.
var statsPageKeywords = []*Keyword{
	{Name: "stats enable", Sections: secProxies, Help: "serve the stats page at the stats URI (default /haproxy?stats)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.stats()
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "stats uri", Sections: secProxies, Args: "<prefix>", Help: "URI prefix of the stats page (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a URI prefix"); err != nil {
				return err
			}
			if args[0] == "" {
				return fmt.Errorf("'%s' expects a non-empty URI prefix", c.name)
			}
			c.stats().URI = args[0]
			return nil
		}},
	{Name: "stats realm", Sections: secProxies, Args: "<realm>", Help: "basic authentication realm of the stats page (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a realm (escape spaces with a backslash)"); err != nil {
				return err
			}
			c.stats().Realm = args[0]
			return nil
		}},
	{Name: "stats auth", Sections: secProxies, Args: "<user>:<password>", Help: "allow this user (password in clear text) and require authentication (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "<user>:<password>"); err != nil {
				return err
			}
			if args[0] == "" {
				return fmt.Errorf("'%s' expects <user>:<password>", c.name)
			}
			// As HAProxy: no ':' means an empty password.
			user, pass, _ := strings.Cut(args[0], ":")
			s := c.stats()
			s.Auth = append(s.Auth, &User{Pos: c.pos, Name: user, Password: pass, Insecure: true})
			return nil
		}},
	{Name: "stats refresh", Sections: secProxies, Args: "<delay>", Help: "make the page reload itself after this delay (seconds by default; implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a delay"); err != nil {
				return err
			}
			v := args[0]
			if v != "" && strings.Trim(v, "0123456789") == "" {
				v += "s"
			}
			d, err := parseTime(c.name, v)
			if err != nil {
				return err
			}
			c.stats().Refresh = d
			return nil
		}},
	{Name: "stats scope", Sections: secProxies, Args: "<proxy> | .", Help: "show only these proxies ('.' is this one); may be repeated (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a proxy name or '.'"); err != nil {
				return err
			}
			s := c.stats()
			s.Scope = append(s.Scope, args[0])
			return nil
		}},
	{Name: "stats hide-version", Sections: secProxies, Help: "do not show the version on the stats page (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.stats().HideVersion = true
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "stats show-legends", Sections: secProxies, Help: "show the legend of the state colours on the stats page (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.stats().ShowLegends = true
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "stats show-desc", Sections: secProxies, Args: "[<description>]", Help: "show this description, or the global one, on the stats page (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			s := c.stats()
			s.ShowDesc, s.Desc = true, strings.Join(args, " ")
			return nil
		}},
	{Name: "stats show-node", Sections: secProxies, Args: "[<name>]", Help: "show this node name, or the global node (default the host name), on the stats page (implies stats enable)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 0, 1, "at most one node name"); err != nil {
				return err
			}
			s := c.stats()
			s.ShowNode, s.Node = true, strings.Join(args, "")
			return nil
		}},
	{Name: "stats admin", Sections: secRules, Args: "if|unless <condition>", Help: "allow the stats page's admin actions (server states, checks) when the condition holds", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if len(args) == 0 || args[0] != "if" && args[0] != "unless" {
				return fmt.Errorf("'%s' requires a condition: 'if' or 'unless' followed by a condition", c.name)
			}
			_, cond, err := c.splitCond(args)
			if err != nil {
				return err
			}
			s := c.stats()
			s.Admin = append(s.Admin, cond)
			return nil
		}},
	{Name: "stats http-request", Sections: secRules, Args: "allow | deny | auth [realm <realm>] [if|unless <condition>]", Help: "access rules of the stats page, evaluated in order before stats auth", Supported: true,
		Parse: parseStatsHTTPRequest},
}

func parseStatsHTTPRequest(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'%s' expects 'allow', 'deny' or 'auth'", c.name)
	}
	action := args[0]
	rest, cond, err := c.splitCond(args[1:])
	if err != nil {
		return err
	}
	switch action {
	case "allow", "deny":
		if len(rest) != 0 {
			return fmt.Errorf("'%s' takes no argument before its condition", c.name)
		}
	case "auth":
		if len(rest) != 0 && (len(rest) != 2 || rest[0] != "realm") {
			return fmt.Errorf("'%s' expects only 'realm <realm>' before its condition", c.name)
		}
	default:
		return fmt.Errorf("'stats http-request %s' is not supported: expects 'allow', 'deny' or 'auth'", action)
	}
	s := c.stats()
	s.HTTPRequest = append(s.HTTPRequest, &HTTPRule{Pos: c.pos, Action: action, Args: rest, Cond: cond})
	return nil
}

// stats returns the section's stats settings, creating them with HAProxy's
// defaults on first use.
func (c *lineCtx) stats() *Stats {
	if c.px.p.Stats == nil {
		c.px.p.Stats = &Stats{Pos: c.pos, URI: DefaultStatsURI, Realm: DefaultStatsRealm}
	}
	return c.px.p.Stats
}

// checkStatsMode drops the stats page of a proxy that is not in mode http,
// with HAProxy's warning.
func (l *loader) checkStatsMode(ps *proxyState) {
	if ps.p.Stats != nil && ps.p.Mode != ModeHTTP {
		l.warnf(ps.p.Stats.Pos, "'stats' statement ignored for %s '%s' as it requires HTTP mode", ps.kind, ps.p.Name)
		ps.p.Stats = nil
	}
}
