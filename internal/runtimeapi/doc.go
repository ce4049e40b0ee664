// Package runtimeapi serves HAProxy's Runtime API (the "stats socket"):
// its line protocol and the commands, with HAProxy's output formats so
// that tools written for HAProxy (socat scripts, dataplaneapi, exporters)
// work unchanged.
//
// # Protocol
//
// A connection starts non-interactive: the client sends one line, which
// may hold several commands separated by ';' ("\;" is a literal
// semicolon, a backslash escapes any character), gets every answer, each
// followed by an empty line, and the connection closes. The "prompt"
// command toggles the interactive mode, where each answer is followed by
// an empty line and the "> " prompt, until "quit" or the end of input. A
// command line ending with "<<" takes a payload: the following lines up
// to an empty line.
//
// # Adding a command
//
// Commands live in a table. Each area declares its commands in its own
// file (cmd_show.go, cmd_server.go, cmd_map.go...) from an init
// function:
//
//	func init() {
//		runtimeapi.Register(&runtimeapi.Command{
//			Words:   []string{"show", "backend"},
//			Level:   runtimeapi.LevelUser,
//			Usage:   "show backend",
//			Help:    "list backends in the current running config",
//			Handler: showBackend,
//		})
//	}
//
//	func showBackend(ctx *runtimeapi.Context, args []string, payload string) (string, error) {
//		var b strings.Builder
//		b.WriteString("# name\n")
//		for _, name := range ctx.Engine.Active().BackendNames() {
//			b.WriteString(name + "\n")
//		}
//		return b.String(), nil
//	}
//
// The longest registered word sequence matching the start of a command
// wins, so "show servers state" and "show servers conn" can coexist with
// "show sess". args are the words after the command's own words, with
// escapes removed; payload is the text after "<<" (each line ending with
// "\n"), or "" without one.
//
// A handler answers in one of three ways:
//   - a returned string is the answer (HAProxy's cli_msg): it should end
//     with "\n", and gets the severity prefix when "set severity-output"
//     asked for one;
//   - a returned error is an error message (HAProxy's cli_err): its text
//     is written as is, plus "\n" if missing, e.g. Errorf("No such
//     backend.");
//   - a long dump is written to ctx.W as it is produced (no severity
//     prefix, as HAProxy's dumps have none), returning "" and nil.
//
// The framework checks Level before calling the handler (answering
// "Permission denied"), writes the empty line ending each answer, and
// recovers from a handler panic. Handlers run on the connection's
// goroutine, never on the data path; they read the running configuration
// through ctx.Engine.Active() once and change live state through the
// engine's and server registry's methods, never a generation.
package runtimeapi
