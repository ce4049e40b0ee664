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
	Register(&Command{Words: []string{"clear", "counters"}, Level: LevelOperator, Usage: "clear counters [all]", Help: "clear max statistics counters (or all counters)", Handler: clearCounters})
	// HAProxy commands hawser does not implement yet: they say so rather
	// than answering "Unknown command".
	for _, c := range []struct{ words, usage, help string }{
		{"enable agent", "enable agent", "enable agent checks"},
		{"disable agent", "disable agent", "disable agent checks"},
		{"set maxconn global", "set maxconn global <value>", "change the per-process maxconn setting"},
		{"set rate-limit", "set rate-limit <setting> <value>", "change a rate limiting value"},
		{"show schema", "show schema json", "report schema used for stats"},
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
