package runtimeapi

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/balance"
)

// Agent check commands: "enable|disable agent" and "set server <b>/<s>
// agent|agent-addr|agent-port|agent-send". They act on server.State, so
// the agent checker sees them at its next check and a reload keeps them.
func init() {
	Register(&Command{Words: []string{"enable", "agent"}, Level: LevelAdmin, Usage: "enable agent <bk>/<srv>", Help: "enable agent checks", Handler: agentHandler(true)})
	Register(&Command{Words: []string{"disable", "agent"}, Level: LevelAdmin, Usage: "disable agent <bk>/<srv>", Help: "disable agent checks", Handler: agentHandler(false)})
}

func agentHandler(on bool) Handler {
	return func(ctx *Context, args []string, _ string) (string, error) {
		_, sv, err := serverArg(ctx, args)
		if err != nil {
			return "", err
		}
		// As in HAProxy, only enabling needs an agent-check line.
		if on && !sv.State.AgentConfigured() {
			return "", Errorf("Agent was not configured on this server, cannot enable.")
		}
		sv.State.SetAgentEnabled(on)
		return "", nil
	}
}

const errNoAgent = "agent checks are not enabled on this server."

// setServerAgent runs the agent forms of "set server"; args[0] is the
// field.
func setServerAgent(ctx *Context, sv *balance.Server, args []string) (string, error) {
	st := sv.State
	arg := func(i int) string {
		if i < len(args) {
			return args[i]
		}
		return ""
	}
	switch args[0] {
	case "agent":
		if !st.AgentEnabled() {
			return "", Errorf(errNoAgent)
		}
		switch arg(1) {
		case "up":
			st.SetAgentDown(false)
		case "down":
			st.SetAgentDown(true)
		default:
			return "", Errorf("'set server <srv> agent' expects 'up' or 'down'.")
		}
		wakeBackend(ctx, sv)
		return "", nil
	case "agent-addr":
		if arg(1) == "" {
			return "", Errorf("set server <b>/<s> agent-addr requires an address and optionally a port.")
		}
		port := ""
		if arg(2) == "port" {
			port = arg(3)
		}
		return agentTarget(sv, arg(1), port)
	case "agent-port":
		if arg(1) == "" {
			return "", Errorf("set server <b>/<s> agent-port requires a port.")
		}
		return agentTarget(sv, "", arg(1))
	case "agent-send":
		if !st.AgentEnabled() {
			return "", Errorf(errNoAgent)
		}
		st.SetAgentSend(strings.Join(args[1:], " "))
		return "", nil
	}
	return "", Errorf("unknown agent field")
}

// agentTarget applies agent-addr and agent-port; nothing changes when
// one of them is invalid. HAProxy answers a problem as a warning.
func agentTarget(sv *balance.Server, addr, port string) (string, error) {
	if !sv.State.AgentEnabled() {
		return strings.TrimSuffix(errNoAgent, ".") + "\n", nil
	}
	var ip netip.Addr
	if addr != "" {
		var err error
		if ip, err = netip.ParseAddr(addr); err != nil {
			return "invalid addr '" + addr + "'\n", nil
		}
	}
	p := 0
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return "provided port is not an integer\n", nil
		}
		if n < 0 || n > 65535 {
			return "provided port is invalid\n", nil
		}
		p = n
	}
	if addr != "" {
		sv.State.SetAgentAddr(ip.String())
	}
	if port != "" {
		sv.State.SetAgentPort(p)
	}
	return "", nil
}
