package config

import (
	"fmt"
	"strings"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// lineCtx is what a keyword's Parse func works on: the line being parsed
// and the section object it configures. Exactly one of g, px, ul and he is
// set.
type lineCtx struct {
	l       *loader
	pos     cfgfile.Pos
	sec     SectionSet
	secName string
	// name is the keyword name being parsed, for messages.
	name string
	// sub is a multi-word keyword's second word as written
	// ("set-var(txn.x)"), before subName shortened it.
	sub string
	// no is set for "no <keyword>".
	no bool

	g  *Global
	px *proxyState
	ul *Userlist
	he *httpErrors
	// ring and lf are the ring or log-forward section being parsed.
	ring *Ring
	lf   *LogForward
	res  *Resolvers

	// The line being built while its options are parsed.
	srv  *Server
	bind *Bind
	sock *StatsSocket
	user *User
}

func (c *lineCtx) errorf(format string, args ...any) {
	c.l.errorf(c.pos, format, args...)
}

func (c *lineCtx) warnf(format string, args ...any) {
	c.l.warnf(c.pos, format, args...)
}

// removedKeywords are keywords HAProxy has dropped; HAProxy 3 rejects them
// and so does hawser, with a pointer to the replacement.
var removedKeywords = map[string]string{
	"reqadd": "http-request add-header", "reqdel": "http-request del-header", "reqrep": "http-request replace-header",
	"reqirep": "http-request replace-header", "reqidel": "http-request del-header", "reqallow": "http-request allow",
	"reqiallow": "http-request allow", "reqdeny": "http-request deny", "reqideny": "http-request deny",
	"reqpass": "http-request allow", "reqipass": "http-request allow", "reqtarpit": "http-request tarpit",
	"reqitarpit": "http-request tarpit", "rspadd": "http-response add-header", "rspdel": "http-response del-header",
	"rsprep": "http-response replace-header", "rspirep": "http-response replace-header", "rspidel": "http-response del-header",
	"rspdeny": "http-response deny", "rspideny": "http-response deny", "block": "http-request deny",
	"contimeout": "timeout connect", "clitimeout": "timeout client", "srvtimeout": "timeout server",
	"redispatch": "option redispatch", "redisp": "option redispatch", "monitor-net": "http-request return",
	"option forceclose": "option httpclose", "option http-tunnel": "option http-keep-alive",
	"timeout contimeout": "timeout connect", "timeout clitimeout": "timeout client", "timeout srvtimeout": "timeout server",
	"nbproc": "nbthread",
}

// line parses one keyword line.
func (c *lineCtx) line(words []string) {
	c.no = false
	if words[0] == "no" && len(words) > 1 {
		c.no = true
		words = words[1:]
	}
	name, args := words[0], words[1:]
	// "external-check" alone is the global keyword; in a proxy it is
	// followed by command or path.
	if multiWord[name] || name == "external-check" && c.sec != SecGlobal {
		if len(args) == 0 {
			c.errorf("'%s' expects an argument", name)
			return
		}
		c.sub = args[0]
		name += " " + subName(name, args[0])
		args = args[1:]
	}
	c.name = name
	c.dispatch(name, args)
}

// subName is the table name of a multi-word keyword's second word:
// http actions lose their parenthesised argument ("set-var(txn.x)" is
// "set-var") and Lua actions are grouped as "lua.*".
func subName(first, second string) string {
	switch first {
	case "tcp-check", "http-check":
		// set-var(check.x) and friends.
		if i := strings.IndexByte(second, '('); i > 0 {
			return second[:i]
		}
		return second
	}
	if first != "http-request" && first != "http-response" && first != "http-after-response" {
		return second
	}
	if strings.HasPrefix(second, "lua.") {
		return "lua.*"
	}
	if i := strings.IndexByte(second, '('); i > 0 {
		second = second[:i]
	}
	return second
}

func (c *lineCtx) dispatch(name string, args []string) {
	kw, allowed := lookup(ScopeSection, name, c.sec)
	switch {
	case kw == nil:
		if repl, ok := removedKeywords[name]; ok {
			c.errorf("'%s' was removed from HAProxy and is not supported by hawser; use '%s' instead", name, repl)
			return
		}
		c.unknown(name)
		return
	case !allowed:
		c.wrongSection(kw)
		return
	case !kw.Supported:
		c.errorf("%s", notSupported(name))
		return
	case c.no && !kw.Negatable:
		c.errorf("'no %s' is not supported: '%s' cannot be negated", name, name)
		return
	case c.sec == SecDefaults && c.px.p.Name == "" && namedDefaultsOnly(name):
		c.errorf("'%s' not allowed in anonymous 'defaults' section", name)
		return
	}
	if err := kw.Parse(c, args); err != nil {
		c.errorf("%s", err)
	}
}

func (c *lineCtx) unknown(name string) {
	c.errorf("unknown keyword '%s' in '%s' section%s", name, c.secName, suggest(ScopeSection, name, c.sec))
}

// wrongSection reports a keyword used where it does not belong. As in
// HAProxy, a proxy keyword in a frontend or backend lacking the needed
// capability (a server line in a frontend) is ignored with a warning;
// anything else is an error.
func (c *lineCtx) wrongSection(kw *Keyword) {
	if c.px != nil && c.sec != SecDefaults && kw.Sections&secProxies != 0 {
		missing := "frontend"
		if kw.Sections&SecFrontend == 0 {
			missing = "backend"
		}
		c.warnf("'%s' ignored because %s '%s' has no %s capability", kw.Name, c.secName, c.px.p.Name, missing)
		return
	}
	c.errorf("'%s' is not allowed in '%s' section (allowed in: %s)", kw.Name, c.secName, kw.Sections)
}

// splitCond separates a rule's arguments from its "if|unless" condition
// and checks the condition against the proxy's ACLs declared so far.
func (c *lineCtx) splitCond(args []string) ([]string, *Cond, error) {
	for i, a := range args {
		if a != "if" && a != "unless" {
			continue
		}
		cond := &Cond{Pos: c.pos, Unless: a == "unless", Words: append([]string(nil), args[i+1:]...)}
		if len(cond.Words) == 0 {
			return nil, nil, fmt.Errorf("'%s': missing condition after '%s'", c.name, a)
		}
		if err := c.checkCond(cond); err != nil {
			return nil, nil, err
		}
		return args[:i], cond, nil
	}
	return args, nil, nil
}

// checkCond compiles a condition with package acl against the ACLs declared
// before it (HAProxy resolves names when it parses the rule, so an ACL
// must precede its first use).
func (c *lineCtx) checkCond(cond *Cond) error {
	for _, w := range cond.Words {
		if c.px.badACLs[strings.TrimLeft(w, "!")] {
			// Its definition was already reported at its acl line.
			return nil
		}
	}
	if _, err := acl.Compile(cond.Words, cond.Unless, c.px.aclDefs()); err != nil {
		return fmt.Errorf("'%s': %w", c.name, err)
	}
	return nil
}

// parseOptions applies a list of "name [args]" options (server, bind,
// stats socket, user lines) from the table of scope. Every problem is
// reported; parsing continues after an unknown option when possible.
func (c *lineCtx) parseOptions(scope, lineName string, args []string) {
	for len(args) > 0 {
		name := args[0]
		kw, allowed := lookup(scope, name, c.sec)
		if kw == nil {
			c.errorf("'%s': unknown option '%s'%s", lineName, name, suggest(scope, name, c.sec))
			return
		}
		n := kw.NArgs
		if n < 0 {
			n = len(args) - 1
		}
		if len(args)-1 < n {
			c.errorf("'%s': option '%s' expects %d argument(s): %s %s", lineName, name, n, name, kw.Args)
			return
		}
		opt := args[1 : n+1]
		args = args[n+1:]
		switch {
		case !allowed:
			c.errorf("'%s': option '%s' is not allowed in '%s' section", lineName, name, c.secName)
		case !kw.Supported:
			c.errorf("'%s': option '%s' is not supported by hawser", lineName, name)
		default:
			c.name = name
			if err := kw.Parse(c, opt); err != nil {
				c.errorf("'%s': %s", lineName, err)
			}
		}
	}
}

// arity checks the number of arguments of a keyword.
func arity(name string, args []string, lo, hi int, usage string) error {
	if len(args) < lo || hi >= 0 && len(args) > hi {
		if usage == "" {
			return fmt.Errorf("'%s' takes no argument", name)
		}
		return fmt.Errorf("'%s' expects %s", name, usage)
	}
	return nil
}
