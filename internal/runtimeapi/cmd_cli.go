package runtimeapi

import (
	"fmt"
	"strings"
)

// The commands about the CLI session itself.
func init() {
	Register(&Command{Words: []string{"help"}, Level: LevelUser, Usage: "help [<command>]", Help: "list matching or all commands", Handler: cmdHelp})
	Register(&Command{Words: []string{"prompt"}, Level: LevelUser, Usage: "prompt", Help: "toggle interactive mode with prompt", Handler: cmdPrompt})
	Register(&Command{Words: []string{"quit"}, Level: LevelUser, Usage: "quit", Help: "disconnect", Handler: cmdQuit})
	Register(&Command{Words: []string{"user"}, Level: LevelUser, Help: "lower the level of the current CLI session to user", Handler: lower(LevelUser)})
	Register(&Command{Words: []string{"operator"}, Level: LevelUser, Help: "lower the level of the current CLI session to operator", Handler: lower(LevelOperator)})
	Register(&Command{Words: []string{"set", "severity-output"}, Level: LevelUser, Usage: "set severity-output [none|number|string]", Help: "set presence of severity level in feedback information", Handler: cmdSeverity})
}

// builtins are listed last by help, as HAProxy does.
var builtins = []string{"help", "prompt", "quit"}

func isBuiltin(c *Command) bool {
	return len(c.Words) == 1 && (c.Words[0] == "help" || c.Words[0] == "prompt" || c.Words[0] == "quit")
}

func helpLine(c *Command) string {
	return fmt.Sprintf("  %-40s: %s\n", usage(c), c.Help)
}

// listCommands formats the commands allowed at level that keep returns
// true for, then the built-in ones.
func listCommands(level Level, keep func(*Command) bool) string {
	var b strings.Builder
	var tail []*Command
	for _, c := range Commands() {
		if c.Level > level || c.Help == "" {
			continue
		}
		if isBuiltin(c) {
			tail = append(tail, c)
			continue
		}
		if keep(c) {
			b.WriteString(helpLine(c))
		}
	}
	for _, name := range builtins {
		for _, c := range tail {
			if c.Words[0] == name {
				b.WriteString(helpLine(c))
			}
		}
	}
	return b.String()
}

func cmdHelp(ctx *Context, args []string, _ string) (string, error) {
	keep := func(*Command) bool { return true }
	if len(args) > 0 {
		keep = func(c *Command) bool {
			for i, a := range args {
				if i >= len(c.Words) || c.Words[i] != a {
					return false
				}
			}
			return true
		}
	}
	return "The following commands are valid at this level:\n" + listCommands(ctx.Level, keep), nil
}

func cmdPrompt(ctx *Context, _ []string, _ string) (string, error) {
	ctx.sess.prompt = !ctx.sess.prompt
	return "", nil
}

func cmdQuit(ctx *Context, _ []string, _ string) (string, error) {
	ctx.sess.quit = true
	return "", nil
}

func lower(l Level) Handler {
	return func(ctx *Context, _ []string, _ string) (string, error) {
		if l < ctx.sess.level {
			ctx.sess.level = l
		}
		return "", nil
	}
}

func cmdSeverity(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 1 {
		switch args[0] {
		case "none":
			ctx.sess.severity = sevNone
			return "", nil
		case "number":
			ctx.sess.severity = sevNumber
			return "", nil
		case "string":
			ctx.sess.severity = sevString
			return "", nil
		}
	}
	return "", Errorf("one of 'none', 'number', 'string' is a required argument")
}

// unknownCommand is the answer to a command nobody registered: the
// closest commands allowed at level, as HAProxy suggests them.
func unknownCommand(args []string, level Level) string {
	type cand struct {
		c    *Command
		dist int
	}
	var cands []cand
	for _, c := range Commands() {
		if c.Level > level || c.Help == "" || isBuiltin(c) {
			continue
		}
		n := min(len(args), len(c.Words))
		cands = append(cands, cand{c, distance(strings.Join(args[:n], " "), strings.Join(c.Words, " "))})
	}
	// Keep the five nearest, in help order.
	best := make(map[*Command]bool)
	for range 5 {
		bi := -1
		for i, cd := range cands {
			if !best[cd.c] && (bi < 0 || cd.dist < cands[bi].dist) {
				bi = i
			}
		}
		if bi < 0 {
			break
		}
		best[cands[bi].c] = true
	}
	return "Unknown command, but maybe one of the following ones is a better match:\n" +
		listCommands(level, func(c *Command) bool { return best[c] })
}

// distance compares two strings by their character bigrams: the number of
// bigrams one has and the other lacks.
func distance(a, b string) int {
	count := func(s string) map[[2]byte]int {
		m := make(map[[2]byte]int)
		s = " " + s + " "
		for i := 0; i+1 < len(s); i++ {
			m[[2]byte{s[i], s[i+1]}]++
		}
		return m
	}
	ma, mb := count(a), count(b)
	d := 0
	for k, v := range ma {
		d += abs(v - mb[k])
	}
	for k, v := range mb {
		if _, ok := ma[k]; !ok {
			d += v
		}
	}
	return d
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}
