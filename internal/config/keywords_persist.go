package config

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Persist is a backend's server persistence: the things that send a
// request to a given server rather than to the one load balancing would
// pick (configuration.txt "cookie", "stick", "use-server",
// "force-persist", "ignore-persist", "option persist").
type Persist struct {
	// Cookie is the "cookie" line, nil if none.
	Cookie *Cookie `json:",omitempty"`
	// Sticks are the "stick" lines in order.
	Sticks []*StickRule `json:",omitempty"`
	// UseServers are the "use-server" lines in order.
	UseServers []*UseServer `json:",omitempty"`
	// Rules are the "force-persist" and "ignore-persist" lines in order;
	// the first whose condition matches decides.
	Rules []*PersistRule `json:",omitempty"`
	// Option is "option persist": a cookie, stick entry or use-server
	// naming a down server still sends the request there.
	Option bool `json:",omitempty"`
	// DynamicCookieKey is "dynamic-cookie-key", the secret of "cookie
	// ... dynamic" server cookies.
	DynamicCookieKey string `json:",omitempty"`
}

// Enabled reports whether anything in p can choose a server.
func (p *Persist) Enabled() bool {
	return p.Cookie != nil || len(p.Sticks) > 0 || len(p.UseServers) > 0
}

func (p *Persist) clone() Persist {
	c := *p
	if p.Cookie != nil {
		ck := *p.Cookie
		ck.Domains = slices.Clone(p.Cookie.Domains)
		ck.Attrs = slices.Clone(p.Cookie.Attrs)
		c.Cookie = &ck
	}
	c.Sticks = cloneEach(p.Sticks, func(r *StickRule) *StickRule {
		r2 := *r
		r2.Cond = cloneCond(r.Cond)
		return &r2
	})
	c.UseServers = cloneEach(p.UseServers, func(u *UseServer) *UseServer {
		u2 := *u
		u2.Cond = cloneCond(u.Cond)
		return &u2
	})
	c.Rules = cloneEach(p.Rules, func(r *PersistRule) *PersistRule {
		r2 := *r
		r2.Cond = cloneCond(r.Cond)
		return &r2
	})
	return c
}

// CookieMode is how a persistence cookie is carried.
type CookieMode uint8

// Cookie modes. Passive (no mode word) only reads the cookie the
// application set with the server's value.
const (
	CookiePassive CookieMode = iota
	CookieInsert
	CookieRewrite
	CookiePrefix
)

var cookieModeNames = [...]string{"passive", "insert", "rewrite", "prefix"}

// String returns the mode as written in the configuration.
func (m CookieMode) String() string { return cookieModeNames[m] }

// MarshalText makes snapshots readable.
func (m CookieMode) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// Cookie is the "cookie" line of a backend.
type Cookie struct {
	Pos      cfgfile.Pos
	Name     string
	Mode     CookieMode
	Indirect bool `json:",omitempty"`
	NoCache  bool `json:",omitempty"`
	PostOnly bool `json:",omitempty"`
	Preserve bool `json:",omitempty"`
	HTTPOnly bool `json:",omitempty"`
	Secure   bool `json:",omitempty"`
	// Domains are the "domain" values, each emitted as a domain attribute.
	Domains []string `json:",omitempty"`
	// Attrs are the "attr" values, appended to the inserted cookie as is.
	Attrs []string `json:",omitempty"`
	// MaxIdle and MaxLife are "maxidle" and "maxlife": an inserted
	// cookie carries its last-seen (and first-seen) date, and a cookie
	// idle or old beyond them is ignored.
	MaxIdle time.Duration `json:",omitempty"`
	MaxLife time.Duration `json:",omitempty"`
	// Dynamic is "dynamic": servers without a "cookie" value get one
	// computed from dynamic-cookie-key and their address.
	Dynamic bool `json:",omitempty"`
}

// StickKind is what a "stick" line does.
type StickKind uint8

// Stick rule kinds; On is Match plus StoreRequest.
const (
	StickOn StickKind = iota
	StickMatch
	StickStoreRequest
	StickStoreResponse
)

var stickKindNames = [...]string{"on", "match", "store-request", "store-response"}

// String returns the kind as written after "stick".
func (k StickKind) String() string { return stickKindNames[k] }

// MarshalText makes snapshots readable.
func (k StickKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Matches reports whether the rule looks the server up.
func (k StickKind) Matches() bool { return k == StickOn || k == StickMatch }

// StoresRequest reports whether the rule records the server once chosen.
func (k StickKind) StoresRequest() bool { return k == StickOn || k == StickStoreRequest }

// StickRule is a "stick on|match|store-request|store-response" line.
type StickRule struct {
	Pos  cfgfile.Pos
	Kind StickKind
	// Expr is the sample expression giving the key.
	Expr string
	// Table is the proxy whose stick-table is used; the rule's own
	// backend when "table" is not given.
	Table string
	Cond  *Cond `json:",omitempty"`
}

// UseServer is "use-server <server> if|unless <cond>".
type UseServer struct {
	Pos cfgfile.Pos
	// Server is a server name or, when Dynamic, a log-format string that
	// yields it for each request.
	Server string
	Cond   *Cond
}

// Dynamic reports whether the server name is a log-format string.
func (u *UseServer) Dynamic() bool { return strings.Contains(u.Server, "%") }

// PersistRule is "force-persist" or "ignore-persist" with its condition.
type PersistRule struct {
	Pos    cfgfile.Pos
	Ignore bool // ignore-persist; force-persist otherwise
	Cond   *Cond
}

// persistKeywords configure server persistence.
var persistKeywords = []*Keyword{
	{Name: "cookie", Sections: secBE, Supported: true, Parse: parseCookie,
		Args: "<name> [rewrite|insert|prefix] [indirect] [nocache] [postonly] [preserve] [httponly] [secure] [domain <domain>]* [maxidle <idle>] [maxlife <life>] [dynamic] [attr <value>]*",
		Help: "cookie-based persistence: send a client to the server whose 'cookie' value it presents"},
	{Name: "stick", Sections: SecBackend | SecListen, Supported: true, Parse: parseStick,
		Args: "on|match|store-request|store-response <pattern> [table <table>] [{if|unless} <condition>]",
		Help: "stick-table persistence: match a request's key to the server stored for it, store the server chosen"},
	{Name: "use-server", Sections: SecBackend | SecListen, Supported: true, Parse: parseUseServer,
		Args: "<server> {if|unless} <condition>",
		Help: "send matching requests to this server (a log-format name is resolved per request)"},
	{Name: "force-persist", Sections: SecBackend | SecListen, Supported: true, Parse: parsePersistRule,
		Args: "{if|unless} <condition>", Help: "persist on a down server when the condition matches"},
	{Name: "ignore-persist", Sections: SecBackend | SecListen, Supported: true, Parse: parsePersistRule,
		Args: "{if|unless} <condition>", Help: "ignore persistence cookies and stick matches when the condition matches"},
	{Name: "dynamic-cookie-key", Sections: secBE, NArgs: 1, Args: "<key>", Supported: true,
		Help:  "secret from which 'cookie ... dynamic' computes the cookie of servers without one",
		Parse: func(c *lineCtx, a []string) error { c.px.be.Persist.DynamicCookieKey = a[0]; return nil }},
	optFlag("persist", secBE, "send requests with a persistence cookie or stick entry to their server even when it is down",
		func(ps *proxyState) *bool { return &ps.be.Persist.Option }),
}

func parseCookie(c *lineCtx, args []string) error {
	ck, err := parseCookieArgs(args)
	if err != nil {
		return err
	}
	ck.Pos = c.pos
	c.px.be.Persist.Cookie = ck
	return nil
}

// parseCookieArgs parses the words after "cookie", with HAProxy's checks
// (cfgparse-listen.c).
func parseCookieArgs(args []string) (*Cookie, error) {
	if len(args) == 0 || args[0] == "" {
		return nil, fmt.Errorf("'cookie' expects <cookie_name> as argument")
	}
	ck := &Cookie{Name: args[0]}
	setMode := func(m CookieMode) error {
		if ck.Mode != CookiePassive && ck.Mode != m {
			return fmt.Errorf("'cookie': '%s' and '%s' are incompatible", ck.Mode, m)
		}
		ck.Mode = m
		return nil
	}
	for i := 1; i < len(args); i++ {
		var err error
		switch w := args[i]; w {
		case "rewrite":
			err = setMode(CookieRewrite)
		case "insert":
			err = setMode(CookieInsert)
		case "prefix":
			err = setMode(CookiePrefix)
		case "indirect":
			ck.Indirect = true
		case "nocache":
			ck.NoCache = true
		case "postonly":
			ck.PostOnly = true
		case "preserve":
			ck.Preserve = true
		case "httponly":
			ck.HTTPOnly = true
		case "secure":
			ck.Secure = true
		case "domain", "attr":
			if i+1 == len(args) || args[i+1] == "" {
				return nil, fmt.Errorf("'cookie %s' expects a value", w)
			}
			i++
			if strings.ContainsAny(args[i], ";\r\n") || strings.ContainsFunc(args[i], isCtl) {
				return nil, fmt.Errorf("'cookie %s': value '%s' contains a control character or ';'", w, args[i])
			}
			if w == "domain" {
				ck.Domains = append(ck.Domains, args[i])
			} else {
				ck.Attrs = append(ck.Attrs, args[i])
			}
		case "maxidle", "maxlife":
			if i+1 == len(args) || args[i+1] == "" {
				return nil, fmt.Errorf("'cookie %s' expects a time as argument", w)
			}
			i++
			v := args[i]
			if strings.TrimLeft(v, "0123456789") == "" {
				v += "s" // HAProxy's default unit here is the second
			}
			d, err := parseTime("cookie "+w, v)
			if err != nil {
				return nil, err
			}
			if w == "maxidle" {
				ck.MaxIdle = d
			} else {
				ck.MaxLife = d
			}
		case "dynamic":
			ck.Dynamic = true
		default:
			return nil, fmt.Errorf("'cookie' supports 'rewrite', 'insert', 'prefix', 'indirect', 'nocache', 'postonly', 'preserve', 'httponly', 'secure', 'domain', 'maxidle', 'maxlife', 'dynamic' and 'attr' options, got '%s'", w)
		}
		if err != nil {
			return nil, err
		}
	}
	if ck.PostOnly && ck.Mode != CookieInsert {
		return nil, fmt.Errorf("'cookie': 'postonly' requires 'insert'")
	}
	if ck.Preserve && ck.Mode != CookieInsert && !ck.Indirect {
		return nil, fmt.Errorf("'cookie': 'preserve' requires at least 'insert' or 'indirect'")
	}
	return ck, nil
}

func isCtl(r rune) bool { return r < 0x20 || r == 0x7f }

// parseStick parses "stick <kind> <pattern> [table <t>] [if|unless cond]".
func parseStick(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'stick' expects 'on', 'match', 'store-request' or 'store-response'")
	}
	kind := slices.Index(stickKindNames[:], args[0])
	if kind < 0 {
		return fmt.Errorf("'stick' expects 'on', 'match', 'store-request' or 'store-response', got '%s'", args[0])
	}
	rest, cond, err := c.splitCond(args[1:])
	if err != nil {
		return err
	}
	r := &StickRule{Pos: c.pos, Kind: StickKind(kind), Cond: cond}
	if len(rest) == 0 {
		return fmt.Errorf("'stick %s' expects a sample expression", args[0])
	}
	r.Expr = rest[0]
	if _, err := acl.CompileExpr(r.Expr); err != nil {
		return fmt.Errorf("'stick %s': %v", args[0], err)
	}
	switch {
	case len(rest) == 1:
	case len(rest) == 3 && rest[1] == "table":
		r.Table = rest[2]
	default:
		return fmt.Errorf("'stick %s': unexpected '%s' (expects [table <table>] [{if|unless} <condition>])", args[0], rest[1])
	}
	c.px.be.Persist.Sticks = append(c.px.be.Persist.Sticks, r)
	return nil
}

func parseUseServer(c *lineCtx, args []string) error {
	rest, cond, err := c.splitCond(args)
	if err != nil {
		return err
	}
	if len(rest) != 1 {
		return fmt.Errorf("'use-server' expects a server name")
	}
	if cond == nil {
		return fmt.Errorf("'use-server' requires either 'if' or 'unless' followed by a condition")
	}
	c.px.be.Persist.UseServers = append(c.px.be.Persist.UseServers, &UseServer{Pos: c.pos, Server: rest[0], Cond: cond})
	return nil
}

func parsePersistRule(c *lineCtx, args []string) error {
	rest, cond, err := c.splitCond(args)
	if err != nil {
		return err
	}
	if cond == nil || len(rest) > 0 {
		return fmt.Errorf("'%s' requires either 'if' or 'unless' followed by a condition", c.name)
	}
	r := &PersistRule{Pos: c.pos, Ignore: c.name == "ignore-persist", Cond: cond}
	c.px.be.Persist.Rules = append(c.px.be.Persist.Rules, r)
	return nil
}
