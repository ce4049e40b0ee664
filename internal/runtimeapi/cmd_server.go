package runtimeapi

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/server"
)

// The commands acting on servers. They change the live state in the
// engine's server registry: traffic follows at the next pick, and a reload
// keeps the change (HAProxy loses it without a server-state-file).
func init() {
	Register(&Command{Words: []string{"set", "server"}, Level: LevelAdmin, Usage: "set server <bk>/<srv> [opts]", Help: "change a server's state, weight, address or ssl", Handler: setServer})
	Register(&Command{Words: []string{"enable", "server"}, Level: LevelAdmin, Usage: "enable server (DEPRECATED)", Help: "enable a disabled server (use 'set server' instead)", Handler: adminHandler(server.AdminReady)})
	Register(&Command{Words: []string{"disable", "server"}, Level: LevelAdmin, Usage: "disable server (DEPRECATED)", Help: "disable a server for maintenance (use 'set server' instead)", Handler: adminHandler(server.AdminMaint)})
	Register(&Command{Words: []string{"enable", "health"}, Level: LevelAdmin, Usage: "enable health", Help: "enable health checks", Handler: healthHandler(true)})
	Register(&Command{Words: []string{"disable", "health"}, Level: LevelAdmin, Usage: "disable health", Help: "disable health checks", Handler: healthHandler(false)})
	Register(&Command{Words: []string{"get", "weight"}, Level: LevelUser, Usage: "get weight <bk>/<srv>", Help: "report a server's current weight", Handler: getWeight})
	Register(&Command{Words: []string{"set", "weight"}, Level: LevelAdmin, Usage: "set weight <bk>/<srv>  (DEPRECATED)", Help: "change a server's weight (use 'set server' instead)", Handler: setWeightCmd})
	Register(&Command{Words: []string{"set", "maxconn", "server"}, Level: LevelAdmin, Usage: "set maxconn server <bk>/<srv>", Help: "change a server's maxconn setting", Handler: setMaxConnServer})
	Register(&Command{Words: []string{"shutdown", "sessions", "server"}, Level: LevelAdmin, Usage: "shutdown sessions server <bk>/<srv>", Help: "kill sessions on a server", Handler: shutdownServerSessions})
}

func adminHandler(state uint32) Handler {
	return func(ctx *Context, args []string, _ string) (string, error) {
		_, sv, err := serverArg(ctx, args)
		if err != nil {
			return "", err
		}
		sv.State.SetAdmin(state)
		wakeBackend(ctx, sv)
		return "", nil
	}
}

func healthHandler(on bool) Handler {
	return func(ctx *Context, args []string, _ string) (string, error) {
		_, sv, err := serverArg(ctx, args)
		if err != nil {
			return "", err
		}
		if !sv.State.Check().Configured {
			if on {
				return "", Errorf("Health check was not configured on this server, cannot enable.")
			}
			return "", Errorf("Health check was not configured on this server, cannot disable.")
		}
		sv.State.SetChecksEnabled(on)
		return "", nil
	}
}

func getWeight(ctx *Context, args []string, _ string) (string, error) {
	_, sv, err := serverArg(ctx, args)
	if err != nil {
		return "", err
	}
	return strconv.Itoa(sv.UWeight()) + " (initial " + strconv.Itoa(sv.Weight) + ")\n", nil
}

func setWeightCmd(ctx *Context, args []string, _ string) (string, error) {
	switch len(args) {
	case 0:
		return "", Errorf("Require 'backend/server' and 'weight' or 'weight%%'.")
	case 1:
		return "", Errorf("Require <weight> or <weight%%>.")
	}
	_, sv, err := findServer(ctx, args[0])
	if err != nil {
		return "", err
	}
	return "", setWeight(ctx, sv, args[1])
}

// setWeight applies "<w>" or "<w>%" (relative to the initial weight), as
// HAProxy's server_parse_weight_change_request.
func setWeight(ctx *Context, sv *balance.Server, arg string) error {
	pct := strings.HasSuffix(arg, "%")
	n, err := strconv.Atoi(strings.TrimSuffix(arg, "%"))
	if err != nil || n < 0 {
		return Errorf("Empty weight string empty or preceded by garbage")
	}
	w := n
	if pct {
		w = sv.Weight * n / 100
	}
	if w > 256 {
		return Errorf("Absolute weight can only be between 0 and 256 inclusive.")
	}
	sv.State.SetUserWeight(w)
	wakeBackend(ctx, sv)
	return nil
}

// wakeBackend lets the requests queued in sv's backend try again after a
// change that may have made room (ready, weight raised).
func wakeBackend(ctx *Context, sv *balance.Server) {
	if g := ctx.Engine.Active(); g != nil {
		if be := g.Backends[sv.State.Backend]; be != nil && be.Queue != nil {
			be.Queue.Wake()
		}
	}
}

func setServer(ctx *Context, args []string, _ string) (string, error) {
	_, sv, err := serverArg(ctx, args)
	if err != nil {
		return "", err
	}
	args = args[1:]
	if len(args) == 0 {
		return "", Errorf("usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight")
	}
	st := sv.State
	wake := func() { wakeBackend(ctx, sv) }
	switch args[0] {
	case "weight":
		if len(args) < 2 {
			return "", Errorf("Require <weight> or <weight%%>.")
		}
		return "", setWeight(ctx, sv, args[1])
	case "state":
		v := ""
		if len(args) > 1 {
			v = args[1]
		}
		switch v {
		case "ready":
			st.SetAdmin(server.AdminReady)
		case "drain":
			st.SetAdmin(server.AdminDrain)
		case "maint":
			st.SetAdmin(server.AdminMaint)
		default:
			return "", Errorf("'set server <srv> state' expects 'ready', 'drain' and 'maint'.")
		}
		wake()
		return "", nil
	case "health":
		v := ""
		if len(args) > 1 {
			v = args[1]
		}
		switch v {
		case "up":
			st.SetUp(true)
		case "stopping":
			st.SetUp(true)
		case "down":
			st.SetUp(false)
		default:
			return "", Errorf("'set server <srv> health' expects 'up', 'stopping', or 'down'.")
		}
		wake()
		return "", nil
	case "agent", "agent-addr", "agent-port", "agent-send":
		return setServerAgent(ctx, sv, args)
	case "addr":
		return setAddr(sv, args[1:])
	case "check-addr", "check-port":
		return setCheckTarget(sv, args)
	case "fqdn", "ssl", "name":
		return "", Errorf("'set server <srv> %s' is not supported by hawser.", args[0])
	}
	return "", Errorf("usage: set server <backend>/<server> addr | agent | agent-addr | agent-port | agent-send | check-addr | check-port | fqdn | health | ssl | state | weight")
}

func shutdownServerSessions(ctx *Context, args []string, _ string) (string, error) {
	_, sv, err := serverArg(ctx, args)
	if err != nil {
		return "", err
	}
	sv.State.ShutdownSessions()
	return "", nil
}

// setAddr is "set server <b>/<s> addr <ip> [port <port>]": new
// connections go to the new address at once; idle connections to the old
// one are no longer reused (the pool key changes). The answer is
// HAProxy's.
func setAddr(sv *balance.Server, args []string) (string, error) {
	if len(args) == 0 {
		return "", Errorf("set server <b>/<s> addr requires an address and optionally a port.")
	}
	const by = " by 'stats socket command'"
	ip, err := netip.ParseAddr(args[0])
	if err != nil {
		return "", Errorf("Invalid addr '%s'%s", args[0], by)
	}
	cur, _ := sv.Target()
	oldHost, oldPort := splitHostPort(cur)
	newHost, newPort := ip.String(), oldPort
	var msgs []string
	if newHost == oldHost {
		msgs = append(msgs, "no need to change the addr")
	} else {
		msgs = append(msgs, "IP changed from '"+oldHost+"' to '"+newHost+"'")
	}
	if len(args) >= 3 && args[1] == "port" {
		p, err := strconv.Atoi(args[2])
		switch {
		case err != nil || p < 0 || p > 65535:
			msgs = append(msgs, "problem converting port '"+args[2]+"' to an int")
		case strconv.Itoa(p) == oldPort:
			msgs = append(msgs, "no need to change the port")
		default:
			msgs = append(msgs, "port changed from '"+oldPort+"' to '"+strconv.Itoa(p)+"'")
			newPort = strconv.Itoa(p)
		}
	}
	if newHost != oldHost || newPort != oldPort {
		addr := net.JoinHostPort(newHost, newPort)
		base := sv.Addr
		if addr == base {
			sv.State.SetTarget(nil)
		} else {
			sv.State.SetTarget(&server.Target{Base: base, Addr: addr, Key: sv.State.Key() + "@" + addr})
		}
	}
	return strings.Join(msgs, ", ") + by + "\n", nil
}

// setCheckTarget is "set server <b>/<s> check-addr <ip> [port <p>]" and
// "set server <b>/<s> check-port <p>"; the answers are HAProxy's.
func setCheckTarget(sv *balance.Server, args []string) (string, error) {
	if args[0] == "check-port" && len(args) < 2 {
		return "", Errorf("set server <b>/<s> check-port requires a port.")
	}
	if args[0] == "check-addr" && len(args) < 2 {
		return "", Errorf("set server <b>/<s> check-addr requires an address and optionally a port.")
	}
	if !sv.State.Check().Configured {
		return "", ErrorfBare("health checks are not enabled on this server")
	}
	port := ""
	switch {
	case args[0] == "check-port":
		port = args[1]
	case len(args) >= 4 && args[2] == "port":
		port = args[3]
	}
	p := 0
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil {
			return "", Errorf("provided port is not an integer")
		}
		if n < 1 || n > 65535 {
			return "", Errorf("provided port is invalid")
		}
		p = n
	}
	if args[0] == "check-addr" {
		ip, err := netip.ParseAddr(args[1])
		if err != nil {
			return "", Errorf("invalid addr '%s'", args[1])
		}
		sv.State.SetCheckAddr(ip.String())
	}
	if p != 0 {
		sv.State.SetCheckPort(p)
	}
	return "", nil
}

func setMaxConnServer(ctx *Context, args []string, _ string) (string, error) {
	_, sv, err := serverArg(ctx, args)
	if err != nil {
		return "", err
	}
	if len(args) < 2 {
		return "", Errorf("Require <maxconn>.")
	}
	n, err := strconv.ParseInt(args[1], 10, 32)
	if err != nil || n < 0 {
		return "", Errorf("maxconn string empty or preceded by garbage")
	}
	sv.State.SetUserMaxConn(n)
	// A raised limit lets queued requests in now.
	wakeBackend(ctx, sv)
	return "", nil
}

// serverArg finds the server named by a command's first argument,
// "backend/server", answering HAProxy's message when it is missing.
func serverArg(ctx *Context, args []string) (*engine.Backend, *balance.Server, error) {
	if len(args) == 0 {
		return nil, nil, Errorf("Require 'backend/server'.")
	}
	return findServer(ctx, args[0])
}
