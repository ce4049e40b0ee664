package runtimeapi

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

func init() {
	Register(&Command{Words: []string{"show", "sess"}, Level: LevelOperator, Usage: "show sess [id]", Help: "report the list of current sessions or dump this exact session", Handler: showSess})
	Register(&Command{Words: []string{"shutdown", "session"}, Level: LevelAdmin, Usage: "shutdown session [id]", Help: "kill a specific session", Handler: shutdownSession})
}

// showSess prints one line per client connection, a subset of HAProxy's
// fields; the id is the one "shutdown session" takes.
func showSess(ctx *Context, args []string, _ string) (string, error) {
	var want uint64
	if len(args) > 0 && args[0] != "all" {
		id, err := parseSessID(args[0])
		if err != nil {
			return "", err
		}
		want = id
	}
	now := time.Now()
	for _, s := range ctx.Engine.Sessions() {
		if want != 0 && s.ID != want {
			continue
		}
		proto := "tcpv4"
		if s.Src.Addr().Is6() && !s.Src.Addr().Is4In6() {
			proto = "tcpv6"
		}
		idle := 0
		if s.Idle {
			idle = 1
		}
		fmt.Fprintf(ctx.W, "%#x: proto=%s src=%s fe=%s be=<NONE> srv=<none> ts=00 age=%s idle=%d\n",
			s.ID, proto, s.Src, s.Frontend, humanAge(now.Sub(s.Accept)), idle)
	}
	return "", nil
}

func parseSessID(a string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimPrefix(a, "0x"), "0X"), 16, 64)
	if err != nil || id == 0 {
		return 0, Errorf("Require a valid session pointer.")
	}
	return id, nil
}

func shutdownSession(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("Session pointer expected (use 'show sess').")
	}
	id, err := parseSessID(args[0])
	if err != nil {
		// HAProxy reads a null pointer as no pointer at all.
		return "", Errorf("Session pointer expected (use 'show sess').")
	}
	if !ctx.Engine.ShutdownSession(id) {
		return "", Errorf("No such session (use 'show sess').")
	}
	return "", nil
}

// humanAge formats a duration as HAProxy's human_time: "7s", "4m27s",
// "2h03m", "3d04h".
func humanAge(d time.Duration) string {
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm%02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh%02dm", s/3600, s/60%60)
	}
	return fmt.Sprintf("%dd%02dh", s/86400, s/3600%24)
}
