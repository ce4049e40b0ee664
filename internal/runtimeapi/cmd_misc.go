package runtimeapi

import (
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/engine"
)

func init() {
	Register(&Command{Words: []string{"enable", "frontend"}, Level: LevelAdmin, Usage: "enable frontend <frontend>", Help: "re-enable specific frontend", Handler: pauseFrontend(false)})
	Register(&Command{Words: []string{"disable", "frontend"}, Level: LevelAdmin, Usage: "disable frontend <frontend>", Help: "temporarily disable specific frontend", Handler: pauseFrontend(true)})
	Register(&Command{Words: []string{"set", "maxconn", "frontend"}, Level: LevelAdmin, Usage: "set maxconn frontend <frontend> <value>", Help: "change a frontend's maxconn setting", Handler: setMaxConnFrontend})
	Register(&Command{Words: []string{"set", "maxconn", "global"}, Level: LevelAdmin, Usage: "set maxconn global <value>", Help: "change the per-process maxconn setting", Handler: setMaxConnGlobal})
	Register(&Command{Words: []string{"set", "rate-limit"}, Level: LevelAdmin, Usage: "set rate-limit <setting> <value>", Help: "change a rate limiting value", Handler: setRateLimit})
	Register(&Command{Words: []string{"clear", "counters"}, Level: LevelOperator, Usage: "clear counters [all]", Help: "clear max statistics counters (or all counters)", Handler: clearCounters})
	// HAProxy commands hawser does not implement yet: they say so rather
	// than answering "Unknown command".
	for _, c := range []struct{ words, usage, help string }{
		{"show ssl ca-file", "show ssl ca-file [<cafile>]", "display the SSL CA files used in memory"},
		{"new ssl ca-file", "new ssl ca-file <cafile>", "create a new CA file to be used in a crt-list"},
		{"set ssl ca-file", "set ssl ca-file <cafile> <payload>", "replace a CA file"},
		{"add ssl ca-file", "add ssl ca-file <cafile> <payload>", "add a certificate into the CA file"},
		{"commit ssl ca-file", "commit ssl ca-file <cafile>", "commit a CA file"},
		{"abort ssl ca-file", "abort ssl ca-file <cafile>", "abort a transaction for a CA file"},
		{"del ssl ca-file", "del ssl ca-file <cafile>", "delete an unused CA file"},
		{"show ssl crl-file", "show ssl crl-file [<crlfile>]", "display the SSL CRL files used in memory"},
		{"set ssl crl-file", "set ssl crl-file <crlfile> <payload>", "replace a CRL file"},
		{"set ssl ocsp-response", "set ssl ocsp-response <resp|payload>", "update a certificate's OCSP Response from an input file or payload"},
	} {
		words := strings.Fields(c.words)
		Register(&Command{Words: words, Level: LevelAdmin, Usage: c.usage, Help: c.help, Handler: notSupported(c.words)})
	}
}

func notSupported(words string) Handler {
	return func(*Context, []string, string) (string, error) {
		return "", Errorf("'%s' is not supported by hawser.", words)
	}
}

func clearCounters(ctx *Context, args []string, _ string) (string, error) {
	all := len(args) > 0 && args[0] == "all"
	if all && ctx.Level < LevelAdmin {
		return "", ErrPermission
	}
	ctx.Engine.ClearCounters(all)
	return "", nil
}

func findFrontend(ctx *Context, args []string) (*engine.Frontend, error) {
	if len(args) == 0 {
		return nil, Errorf("A frontend name is expected.")
	}
	if g := ctx.Engine.Active(); g != nil {
		for _, f := range g.Frontends {
			if f.Cfg.Name == args[0] && f.Runtime != nil {
				return f, nil
			}
		}
	}
	return nil, Errorf("No such frontend.")
}

// pauseFrontend is "disable|enable frontend": a disabled frontend accepts
// no connection (they wait in the listen backlog), across reloads too.
func pauseFrontend(disable bool) Handler {
	return func(ctx *Context, args []string, _ string) (string, error) {
		f, err := findFrontend(ctx, args)
		if err != nil {
			return "", err
		}
		if f.Runtime.Disabled.Swap(disable) == disable {
			if disable {
				return "", Errorf("All sockets are already disabled.")
			}
			return "", Errorf("All sockets are already enabled.")
		}
		return "", nil
	}
}

func setMaxConnFrontend(ctx *Context, args []string, _ string) (string, error) {
	f, err := findFrontend(ctx, args)
	if err != nil {
		return "", err
	}
	if len(args) < 2 {
		return "", Errorf("Integer value expected.")
	}
	n, err := strconv.ParseInt(args[1], 10, 32)
	if err != nil || n < 0 {
		return "", Errorf("Integer value expected.")
	}
	f.Runtime.MaxConn.Store(n)
	return "", nil
}

// setMaxConnGlobal is "set maxconn global <n>": at most the configured
// global maxconn, when there is one. Connections beyond it wait in the
// listen backlog.
func setMaxConnGlobal(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("Expects an integer value.")
	}
	// Like HAProxy (atoi), a value that is not a number reads as 0,
	// which restores the configured maxconn.
	if ctx.Engine.SetMaxConnGlobal(atoi(args[0])) != nil {
		return "", Errorf("Value out of range.")
	}
	return "", nil
}

// setRateLimit is "set rate-limit connections|sessions|ssl-sessions global
// <n>" (0: no limit). hawser counts a session when it accepts a
// connection, so the first two limit the accept rate; ssl-sessions
// pauses TLS binds while the last second's handshakes reach it.
// Compression has no rate limit.
func setRateLimit(ctx *Context, args []string, _ string) (string, error) {
	const usage = "'set rate-limit' only supports :\n" +
		"   - 'connections global' to set the per-process maximum connection rate\n" +
		"   - 'sessions global' to set the per-process maximum session rate\n" +
		"   - 'ssl-sessions global' to set the per-process maximum SSL session rate\n" +
		"   - 'http-compression global' to set the per-process maximum compression speed in kB/s\n"
	if len(args) == 0 {
		return "", Errorf("%s", usage)
	}
	switch args[0] {
	case "connections", "sessions", "ssl-sessions":
	case "http-compression":
		return "", Errorf("'set rate-limit %s' is not supported by hawser.", args[0])
	default:
		return "", Errorf("%s", usage)
	}
	if len(args) < 2 || args[1] != "global" {
		return "", Errorf("%s", usage)
	}
	if len(args) < 3 {
		return "", Errorf("Expects an integer value.")
	}
	if err := ctx.Engine.SetRateLimit(args[0], atoi(args[2])); err != nil {
		return "", Errorf("%v", err)
	}
	return "", nil
}

// atoi reads the leading decimal digits of s, as C's atoi does for the
// non-negative values these commands take: "12x" is 12, "x" is 0.
func atoi(s string) int {
	n := 0
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 1<<30; i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}
