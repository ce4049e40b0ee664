package runtimeapi

import (
	"bufio"
	"bytes"
	"errors"
	"strings"
)

// Exec runs one command at the admin level, as a client of an admin
// socket would, and returns what the command answered. An error is the
// command's error answer (HAProxy's text, e.g. "No such server."). It
// lets other control planes of the process (the Data Plane API) change
// live state through exactly the code the runtime API runs.
func (s *Server) Exec(line, payload string) (string, error) {
	cmds := splitCommands(line)
	if len(cmds) != 1 || len(cmds[0]) == 0 {
		return "", errors.New("exactly one command expected")
	}
	args := cmds[0]
	c := lookup(args)
	if c == nil {
		return "", Errorf("Unknown command: %s", strings.Join(args, " "))
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	ss := &session{srv: s, w: w, level: LevelAdmin, timeout: s.timeout()}
	ctx := &Context{Engine: s.Engine, Server: s, Level: LevelAdmin, W: w, sess: ss}
	out, err := ss.call(c, ctx, args[len(c.Words):], payload)
	w.Flush()
	return buf.String() + out, err
}
