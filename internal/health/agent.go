package health

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// Agent is one server's agent check ("agent-check"): at every interval
// it connects to the agent, sends agent-send (if any) and reads one line
// of words that change the server's weight, maxconn, admin state or
// operational state (configuration.txt, "agent-check"). Failing to reach
// the agent changes nothing: connectivity is the health check's job.
type Agent struct {
	Backend string
	Server  *config.Server
	State   *server.State
	// Addr is the agent's host:port from the configuration (agent-addr,
	// default the server's address, and agent-port).
	Addr string
}

// agentReadLimit bounds the agent's answer, as HAProxy's check buffer
// does.
const agentReadLimit = 1024

// RunAgents starts one goroutine per agent; they run until ctx is done.
// notify, which may be nil, gets a message when the agent takes the
// server down or releases it.
func (k *Checker) RunAgents(ctx context.Context, agents []Agent, notify Notify) <-chan struct{} {
	if notify == nil {
		notify = func(string, bool) {}
	}
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Go(func() { k.agentLoop(ctx, &a, notify) })
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return done
}

func (a *Agent) inter() time.Duration {
	if a.Server.Agent != nil && a.Server.Agent.Inter > 0 {
		return a.Server.Agent.Inter
	}
	return orInter(a.Server.Inter, defaultInter)
}

// target returns the agent's address with the runtime API's overrides.
func (a *Agent) target() string {
	ra, rp := a.State.AgentOverride()
	if ra == "" && rp == 0 {
		return a.Addr
	}
	host, port, err := net.SplitHostPort(a.Addr)
	if err != nil {
		return a.Addr
	}
	if ra != "" {
		host = ra
	}
	if rp != 0 {
		port = strconv.Itoa(rp)
	}
	return net.JoinHostPort(host, port)
}

func (k *Checker) agentLoop(ctx context.Context, a *Agent, notify Notify) {
	// The first check runs soon, spread like health checks.
	wait := k.spread(a.inter())
	for {
		if !sleep(ctx, wait, nil) {
			return
		}
		wait = a.inter()
		if !a.State.AgentEnabled() {
			continue
		}
		k.agentOnce(ctx, a, notify)
	}
}

// agentOnce runs one agent check; a panic is logged and the loop goes on.
func (k *Checker) agentOnce(ctx context.Context, a *Agent, notify Notify) {
	defer func() {
		if r := recover(); r != nil {
			k.logger().Error("agent check panicked", "backend", a.Backend, "server", a.Server.Name,
				"panic", r, "stack", string(debug.Stack()))
		}
	}()
	ctx, cancel := context.WithTimeout(ctx, a.inter())
	defer cancel()
	line, err := k.askAgent(ctx, a)
	if err != nil || ctx.Err() != nil {
		return
	}
	wasUp := a.State.Up()
	desc := ApplyAgent(a.State, line)
	if up := a.State.Up(); up != wasUp {
		state := "DOWN"
		if up {
			state = "UP"
		}
		msg := fmt.Sprintf("Server %s/%s is %s, reason: Agent reports the server %s", a.Backend, a.Server.Name, state, strings.ToLower(state))
		if desc != "" {
			msg += fmt.Sprintf(", info: %q", desc)
		}
		notify(msg+".", up)
	}
}

// askAgent connects, sends agent-send and returns the first line.
func (k *Checker) askAgent(ctx context.Context, a *Agent) (string, error) {
	dial := k.Dial
	if dial == nil {
		var d net.Dialer
		dial = d.DialContext
	}
	c, err := dial(ctx, "tcp", a.target())
	if err != nil {
		return "", err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	send := ""
	if a.Server.Agent != nil {
		send = a.Server.Agent.Send
	}
	if v, ok := a.State.AgentSend(); ok {
		send = v
	}
	if send != "" {
		if _, err := io.WriteString(c, send); err != nil {
			return "", err
		}
	}
	line, err := bufio.NewReader(io.LimitReader(c, agentReadLimit)).ReadString('\n')
	if err != nil && (err != io.EOF || line == "") {
		return "", err
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// ApplyAgent applies an agent's answer to a server and returns its
// description (the text after '#'). Words are separated by blanks or
// commas; unknown words are ignored, as in HAProxy:
//
//	75%          weight: 75% of the configured weight
//	maxconn:30   maxconn
//	ready|drain|maint   admin state
//	up|down|fail|failed|stopped   operational state
func ApplyAgent(st *server.State, line string) string {
	text, desc, _ := strings.Cut(line, "#")
	desc = strings.TrimSpace(desc)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	for _, w := range words {
		switch {
		case strings.HasSuffix(w, "%"):
			if p, err := strconv.Atoi(strings.TrimSuffix(w, "%")); err == nil && p >= 0 {
				st.SetWeightPercent(p)
			}
		case strings.HasPrefix(w, "maxconn:"):
			if n, err := strconv.Atoi(strings.TrimPrefix(w, "maxconn:")); err == nil && n >= 0 {
				st.SetUserMaxConn(int64(n))
			}
		case w == "ready":
			st.SetAdmin(server.AdminReady)
		case w == "drain":
			st.SetAdmin(server.AdminDrain)
		case w == "maint":
			st.SetAdmin(server.AdminMaint)
		case w == "up":
			st.SetAgentDown(false)
		case w == "down", w == "fail", w == "failed", w == "stopped":
			st.SetAgentDown(true)
		}
	}
	return desc
}
