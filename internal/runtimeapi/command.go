package runtimeapi

import (
	"bufio"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hawser-lb/hawser/internal/engine"
)

// Level is the access level of a socket or a session: a command needs a
// level at least as high as its own.
type Level int

// The access levels of HAProxy's "stats socket ... level".
const (
	LevelUser Level = iota
	LevelOperator
	LevelAdmin
)

// ParseLevel returns the level named by "level user|operator|admin";
// "" is operator, HAProxy's default.
func ParseLevel(s string) (Level, error) {
	switch s {
	case "user":
		return LevelUser, nil
	case "", "operator":
		return LevelOperator, nil
	case "admin":
		return LevelAdmin, nil
	}
	return 0, fmt.Errorf("unknown level '%s'", s)
}

func (l Level) String() string {
	switch l {
	case LevelUser:
		return "user"
	case LevelOperator:
		return "operator"
	}
	return "admin"
}

// Handler runs a command. See the package doc for the ways it answers.
type Handler func(ctx *Context, args []string, payload string) (string, error)

// Command is one entry of the command table.
type Command struct {
	// Words are the fixed words naming the command, e.g. "set",
	// "server".
	Words []string
	// Level is the lowest level allowed to run it.
	Level Level
	// Usage is the synopsis shown by "help", e.g.
	// "set server <bk>/<srv> [opts]"; empty hides the command from help.
	Usage string
	// Help is the one-line description shown by "help".
	Help    string
	Handler Handler
}

// Context is what a handler gets: the process it acts on and the session
// it answers.
type Context struct {
	// Engine is the running proxy.
	Engine *engine.Engine
	// Server is the runtime API server the session belongs to.
	Server *Server
	// Level is the session's current level.
	Level Level
	// W receives dumps written as they are produced; it is flushed after
	// each command.
	W *bufio.Writer

	sess *session
}

// Errorf returns an error answer; the text is sent to the client as is.
func Errorf(format string, a ...any) error { return errors.New(fmt.Sprintf(format, a...)) }

// ErrorfBare is Errorf for the answers HAProxy ends without the empty
// line that closes every other answer (those of "add server", "del
// server" and "set server … check-port" among others): tools compare the
// bytes.
func ErrorfBare(format string, a ...any) error { return bareError(fmt.Sprintf(format, a...)) }

type bareError string

func (e bareError) Error() string { return string(e) }

// ErrPermission is the answer for a command above the session's level.
var ErrPermission = errors.New("Permission denied")

var (
	tableMu sync.RWMutex
	table   []*Command
)

// Register adds a command to the table; registering the same words twice
// panics. It is meant to be called from init functions.
func Register(c *Command) {
	if len(c.Words) == 0 || c.Handler == nil {
		panic("runtimeapi: command without words or handler")
	}
	tableMu.Lock()
	defer tableMu.Unlock()
	for _, o := range table {
		if slices.Equal(o.Words, c.Words) {
			panic("runtimeapi: command registered twice: " + strings.Join(c.Words, " "))
		}
	}
	table = append(table, c)
}

// Commands returns the registered commands sorted by usage.
func Commands() []*Command {
	tableMu.RLock()
	cs := slices.Clone(table)
	tableMu.RUnlock()
	slices.SortStableFunc(cs, func(a, b *Command) int { return strings.Compare(usage(a), usage(b)) })
	return cs
}

func usage(c *Command) string {
	if c.Usage != "" {
		return c.Usage
	}
	return strings.Join(c.Words, " ")
}

// lookup returns the command whose words are the longest prefix of args.
func lookup(args []string) *Command {
	tableMu.RLock()
	defer tableMu.RUnlock()
	var best *Command
	for _, c := range table {
		if len(c.Words) > len(args) || (best != nil && len(c.Words) <= len(best.Words)) {
			continue
		}
		if slices.Equal(c.Words, args[:len(c.Words)]) {
			best = c
		}
	}
	return best
}
