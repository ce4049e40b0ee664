package runtimeapi

import "strings"

func init() {
	Register(&Command{Words: []string{"clear", "counters"}, Level: LevelOperator, Usage: "clear counters [all]", Help: "clear max statistics counters (or all counters)", Handler: clearCounters})
	// HAProxy commands hawser does not implement yet: they say so rather
	// than answering "Unknown command".
	for _, c := range []struct{ words, usage, help string }{
		{"enable frontend", "enable frontend <frontend>", "re-enable specific frontend"},
		{"disable frontend", "disable frontend <frontend>", "temporarily disable specific frontend"},
		{"enable agent", "enable agent", "enable agent checks"},
		{"disable agent", "disable agent", "disable agent checks"},
		{"set maxconn frontend", "set maxconn frontend <frontend> <value>", "change a frontend's maxconn setting"},
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
