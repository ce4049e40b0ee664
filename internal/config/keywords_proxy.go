package config

import (
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/hawser-lb/hawser/internal/acl"
)

// proxyKeywords are the general keywords of defaults, frontend, backend and
// listen sections. Timeouts, options, http rules, servers and binds have
// their own tables.
var proxyKeywords = []*Keyword{
	sourceKeyword,
	{Name: "mode", Sections: secProxies, Args: "http|tcp", Help: "proxy mode (default tcp)", Supported: true, Parse: parseMode},
	{Name: "bind", Sections: SecFrontend | SecListen, Args: "<address>[,<address>...] [options]", Help: "listen on these addresses; see bind options", Supported: true, Parse: parseBind},
	{Name: "default_backend", Sections: secFE, Args: "<backend>", Help: "backend used when no use_backend rule matches", Supported: true, Parse: parseDefaultBackend},
	{Name: "use_backend", Sections: SecFrontend | SecListen, Args: "<backend> [if|unless <condition>]", Help: "switch to a backend when the condition matches", Supported: true, Parse: parseUseBackend},
	{Name: "balance", Sections: secBE, Args: "<algorithm> [<arguments>]", Help: "load-balancing algorithm: roundrobin (default), static-rr, leastconn, first, source, uri, url_param, hdr(<name>), random", Supported: true, Parse: parseBalance},
	{Name: "hash-type", Sections: secBE, Args: "map-based|consistent [sdbm|djb2|wt6|crc32|none] [avalanche]", Help: "hashing method of hash-based algorithms", Supported: true, Parse: parseHashType},
	{Name: "server", Sections: SecBackend | SecListen, Args: "<name> <address>[:<port>] [options]", Help: "declare a server; see server options", Supported: true, Parse: parseServer},
	{Name: "server-template", Sections: SecBackend | SecListen, Args: "<prefix> <num>|<first>-<last> <fqdn>[:<port>] [options]", Help: "declare servers <prefix><first> to <prefix><last> with one address; with resolvers each takes a different address of the answer, the others stay in maintenance", Supported: true, Parse: parseServerTemplate},
	{Name: "default-server", Sections: secBE, Args: "[options]", Help: "defaults for the following server lines; see server options", Supported: true, Parse: parseDefaultServer},
	{Name: "load-server-state-from-file", Sections: secBE, Args: "global|local|none", Help: "at start and at each reload, apply the server states (admin state, health, weight, port; the address of a server given by host name) saved in the global server-state-file (global) or in this backend's own file, server-state-file-name (local); default none", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := enumArg(c, args, &c.px.be.LoadServerState, "global", "local", "none"); err != nil {
				return err
			}
			if c.px.be.LoadServerState == "none" {
				c.px.be.LoadServerState = ""
			}
			return nil
		}},
	{Name: "server-state-file-name", Sections: secBE, Args: "[<file>|use-backend-name]", Help: "the file \"load-server-state-from-file local\" reads (relative to server-state-base); default or use-backend-name: the backend's name", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 0, 1, "a file name"); err != nil {
				return err
			}
			c.px.be.ServerStateFileName = ""
			if len(args) == 1 && args[0] != "use-backend-name" {
				c.px.be.ServerStateFileName = args[0]
			}
			return nil
		}},
	{Name: "retries", Sections: secBE, Args: "<number>", Help: "how many times a failed request is tried again after the first attempt (default 3); retry-on says which failures count", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return intArg(c, args, &c.px.be.Retries, 0, math.MaxInt32)
		}},
	{Name: "retry-on", Sections: secBE, Args: "none | <keyword>...", Help: "failures that retry a request (default conn-failure): conn-failure, empty-response, junk-response, response-timeout, 0rtt-rejected, the statuses 401 403 404 408 421 425 429 500 501 502 503 504, all-retryable-errors; anything but conn-failure keeps the request (up to tune.bufsize) for a replay", Supported: true, Parse: parseRetryOn},
	{Name: "http-reuse", Sections: secBE, Args: "never|safe|aggressive|always", Help: "idle server connection sharing (default safe)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return enumArg(c, args, &c.px.be.HTTPReuse, "never", "safe", "aggressive", "always")
		}},
	{Name: "maxconn", Sections: secFE, Args: "<number>", Help: "maximum concurrent connections of the frontend", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return intArg(c, args, &c.px.p.MaxConn, 0, math.MaxInt32)
		}},
	{Name: "fullconn", Sections: secBE, Args: "<number>", Help: "backend load at which servers reach their maxconn when minconn is set", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return intArg(c, args, &c.px.be.FullConn, 0, math.MaxInt32)
		}},
	{Name: "backlog", Sections: secFE, Args: "<number>", Help: "listen backlog of the frontend's binds", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return intArg(c, args, &c.px.fe.Backlog, 0, math.MaxInt32)
		}},
	{Name: "acl", Sections: secRules | SecDefaults, Args: "<name> <criterion> [flags] [operator] <value> ...", Help: "declare or extend a named ACL; ACLs must be declared before the rules that use them", Supported: true, Parse: parseACL},
	{Name: "log", Sections: secProxies, Args: "global | <target> [len <length>] [format <format>] [sample <ranges>:<size>] <facility> [<level> [<minlevel>]]", Help: "add a log target; 'no log' disables logging", Negatable: true, Supported: true, Parse: parseProxyLog},
	{Name: "log-format", Sections: secFE, Args: "<format>", Help: "custom log line format", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, -1, "a format string"); err != nil {
				return err
			}
			c.px.p.LogFormat = strings.Join(args, " ")
			return nil
		}},
	{Name: "error-log-format", Sections: secFE, Args: "<format>", Help: "log line format for connections that fail before a request, such as failed TLS handshakes (default: '<client>:<port> [<date>] <frontend>/<bind>: <error>')", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, -1, "a format string"); err != nil {
				return err
			}
			c.px.p.ErrorLogFormat = strings.Join(args, " ")
			return nil
		}},
	{Name: "description", Sections: secRules, Args: "<text>", Help: "description shown in stats", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.p.Description = strings.Join(args, " ")
			return arity(c.name, args, 1, -1, "a string argument")
		}},
	{Name: "disabled", Sections: secProxies, Help: "do not start this proxy", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.p.Disabled = true
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "enabled", Sections: secProxies, Help: "start this proxy (the default; cancels disabled)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			c.px.p.Disabled = false
			return arity(c.name, args, 0, 0, "")
		}},
	{Name: "id", Sections: secRules, Args: "<number>", Help: "numeric proxy id (iid in stats)", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			return intArg(c, args, &c.px.p.ID, 1, math.MaxInt32)
		}},
	{Name: "errorfile", Sections: secProxies | SecHTTPErrors, Args: "<code> <file>", Help: "send this file (a full HTTP response, read at load time) instead of the error for <code>", Supported: true, Parse: parseErrorfile},
	{Name: "redirect", Sections: secRules, Args: "location|prefix|scheme <to> [code <code>] [drop-query] [append-slash] [if|unless <condition>]", Help: "answer with an HTTP redirect", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			r, err := parseRedirect(c, args)
			if err == nil {
				c.px.p.Redirects = append(c.px.p.Redirects, r)
			}
			return err
		}},
	{Name: "monitor-uri", Sections: secFE, Args: "<uri>", Help: "answer 200 to requests for this path, for external monitors", Supported: true,
		Parse: func(c *lineCtx, args []string) error {
			if err := arity(c.name, args, 1, 1, "a URI"); err != nil {
				return err
			}
			c.px.fe.MonitorURI = args[0]
			return nil
		}},
}

// intArg parses a single integer argument into dst.
func intArg(c *lineCtx, args []string, dst *int, lo, hi int) error {
	if err := arity(c.name, args, 1, 1, "an integer argument"); err != nil {
		return err
	}
	n, err := parseInt(c.name, args[0], lo, hi)
	if err == nil {
		*dst = n
	}
	return err
}

// enumArg parses a single argument that must be one of choices.
func enumArg(c *lineCtx, args []string, dst *string, choices ...string) error {
	usage := "one of '" + strings.Join(choices, "', '") + "'"
	if err := arity(c.name, args, 1, 1, usage); err != nil {
		return err
	}
	for _, ch := range choices {
		if args[0] == ch {
			*dst = ch
			return nil
		}
	}
	return fmt.Errorf("'%s' expects %s, got '%s'", c.name, usage, args[0])
}

func parseMode(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 1, 1, "'http' or 'tcp'"); err != nil {
		return err
	}
	switch args[0] {
	case "http":
		c.px.p.Mode = ModeHTTP
	case "tcp":
		c.px.p.Mode = ModeTCP
	case "log", "spop":
		return fmt.Errorf("'mode %s' is not supported by hawser", args[0])
	default:
		return fmt.Errorf("'mode' expects 'http' or 'tcp', got '%s'", args[0])
	}
	return nil
}

func parseDefaultBackend(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 1, 1, "a backend name"); err != nil {
		return err
	}
	if strings.Contains(args[0], "%[") {
		return fmt.Errorf("'default_backend' with a dynamic name is not supported by hawser")
	}
	c.px.fe.DefaultBackend = args[0]
	c.px.defaultBackendPos = c.pos
	return nil
}

func parseUseBackend(c *lineCtx, args []string) error {
	args, cond, err := c.splitCond(args)
	if err != nil {
		return err
	}
	if err := arity(c.name, args, 1, 1, "a backend name, then optionally 'if' or 'unless' and a condition"); err != nil {
		return err
	}
	c.px.fe.UseBackends = append(c.px.fe.UseBackends, &UseBackend{Pos: c.pos, Backend: args[0], Cond: cond})
	return nil
}

// balanceAlgorithms maps each algorithm to a parser of its arguments; nil
// means it takes none.
var balanceAlgorithms = map[string]func(b *Balance, args []string) error{
	"roundrobin": nil, "static-rr": nil, "leastconn": nil, "first": nil, "source": nil,
	"uri": func(b *Balance, args []string) error {
		for i := 0; i < len(args); i++ {
			switch args[i] {
			case "whole":
				b.URIWhole = true
			case "path-only":
				b.URIPathOnly = true
			case "len", "depth":
				if i+1 == len(args) {
					return fmt.Errorf("'balance uri %s' expects a number", args[i])
				}
				n, err := parseInt("balance uri "+args[i], args[i+1], 1, math.MaxInt32)
				if err != nil {
					return err
				}
				if args[i] == "len" {
					b.URILen = n
				} else {
					b.URIDepth = n
				}
				i++
			default:
				return fmt.Errorf("'balance uri' only accepts 'len', 'depth', 'path-only' and 'whole', got '%s'", args[i])
			}
		}
		return nil
	},
	"url_param": func(b *Balance, args []string) error {
		if len(args) == 0 {
			return fmt.Errorf("'balance url_param' expects a parameter name")
		}
		if len(args) > 1 {
			return fmt.Errorf("'balance url_param %s' is not supported by hawser", args[1])
		}
		b.Param = args[0]
		return nil
	},
	"random": func(b *Balance, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("'balance random' takes no argument after the algorithm")
		}
		return nil
	},
}

// unsupportedBalance are algorithms HAProxy has and hawser does not.
var unsupportedBalance = map[string]bool{"rdp-cookie": true, "hash": true, "log-hash": true, "sticky": true}

func parseBalance(c *lineCtx, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("'balance' expects an algorithm")
	}
	b := Balance{HashType: c.px.be.Balance.HashType, HashFunc: c.px.be.Balance.HashFunc, Avalanche: c.px.be.Balance.Avalanche}
	algo, param := args[0], ""
	if i := strings.IndexByte(algo, '('); i > 0 && strings.HasSuffix(algo, ")") {
		algo, param = algo[:i], algo[i+1:len(algo)-1]
	}
	switch {
	case unsupportedBalance[algo]:
		return fmt.Errorf("'balance %s' is not supported by hawser", algo)
	case algo == "hdr":
		if param == "" {
			return fmt.Errorf("'balance hdr' expects a header name: hdr(<name>)")
		}
		b.Algorithm, b.Param = "hdr", param
		for _, a := range args[1:] {
			if a != "use_domain_only" {
				return fmt.Errorf("'balance hdr()' only accepts 'use_domain_only', got '%s'", a)
			}
			b.HdrUseDomainOnly = true
		}
		c.px.be.Balance = b
		return nil
	case algo == "random":
		b.RandomDraws = 2
		if param != "" {
			n, err := parseInt("balance random", param, 1, math.MaxInt32)
			if err != nil {
				return err
			}
			b.RandomDraws = n
		}
	case param != "":
		return fmt.Errorf("'balance %s' takes no parenthesised argument", algo)
	}
	fn, ok := balanceAlgorithms[algo]
	if !ok {
		return fmt.Errorf("unknown balance algorithm '%s'%s", algo, suggestWord(algo, balanceNames()))
	}
	b.Algorithm = algo
	if fn == nil && len(args) > 1 {
		return fmt.Errorf("'balance %s' takes no argument", algo)
	}
	if fn != nil {
		if err := fn(&b, args[1:]); err != nil {
			return err
		}
	}
	c.px.be.Balance = b
	return nil
}

func balanceNames() []string {
	names := []string{"hdr"}
	for n := range balanceAlgorithms {
		names = append(names, n)
	}
	return names
}

// suggestWord returns a did-you-mean hint among names.
func suggestWord(w string, names []string) string {
	best, bestDist := "", min(len(w)/3+1, 3)
	for _, n := range names {
		if d := editDistance(w, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean '%s'?)", best)
}

func parseHashType(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 1, 3, "'map-based' or 'consistent', then optionally a hash function and 'avalanche'"); err != nil {
		return err
	}
	b := &c.px.be.Balance
	switch args[0] {
	case "map-based", "consistent":
		b.HashType = args[0]
	default:
		return fmt.Errorf("'hash-type' expects 'map-based' or 'consistent', got '%s'", args[0])
	}
	b.HashFunc, b.Avalanche = "sdbm", false
	for _, a := range args[1:] {
		switch a {
		case "sdbm", "djb2", "wt6", "crc32", "none":
			b.HashFunc = a
		case "avalanche":
			b.Avalanche = true
		default:
			return fmt.Errorf("'hash-type': unknown hash function '%s'", a)
		}
	}
	return nil
}

// validACLName reports whether name uses only HAProxy's ACL name
// characters.
func validACLName(name string) bool {
	for _, r := range name {
		ok := r == '-' || r == '_' || r == '.' || r == ':' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !ok {
			return false
		}
	}
	return name != ""
}

func parseACL(c *lineCtx, args []string) error {
	if len(args) < 2 {
		return fmt.Errorf("'acl' expects a name and a criterion")
	}
	name := args[0]
	if !validACLName(name) {
		return fmt.Errorf("'acl': invalid ACL name '%s' (letters, digits, '-', '_', '.' and ':' only)", name)
	}
	words := append([]string(nil), args[1:]...)
	if err := acl.CheckACL(words); err != nil {
		if c.px.badACLs == nil {
			c.px.badACLs = map[string]bool{}
		}
		c.px.badACLs[name] = true
		return fmt.Errorf("'acl %s': %w", name, err)
	}
	c.px.p.ACLs = append(c.px.p.ACLs, &ACL{Pos: c.pos, Name: name, Words: words})
	return nil
}

func parseProxyLog(c *lineCtx, args []string) error {
	if c.no {
		if len(args) > 0 {
			return fmt.Errorf("'no log' takes no argument")
		}
		c.px.p.NoLog, c.px.p.Logs = true, nil
		return nil
	}
	lt, err := parseLogTarget(c, args, true)
	if err == nil {
		c.px.p.Logs = append(c.px.p.Logs, lt)
		c.px.p.NoLog = false
	}
	return err
}

// errorfileCodes are the statuses HAProxy lets errorfile replace.
var errorfileCodes = map[int]bool{200: true, 400: true, 401: true, 403: true, 404: true, 405: true, 407: true,
	408: true, 410: true, 413: true, 425: true, 429: true, 500: true, 501: true, 502: true, 503: true, 504: true}

func parseErrorfile(c *lineCtx, args []string) error {
	if err := arity(c.name, args, 2, 2, "a status code and a file name"); err != nil {
		return err
	}
	code, err := errorCode(c.name, args[0])
	if err != nil {
		return err
	}
	data, err := os.ReadFile(args[1])
	if err != nil {
		return fmt.Errorf("'errorfile %d': cannot read file: %v", code, err)
	}
	if c.he != nil {
		c.he.files[code] = data
		return nil
	}
	c.px.setErrorPage(code, data)
	return nil
}
