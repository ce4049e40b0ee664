package runtimeapi

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/test/lbtest"
)

// fakeAgent answers every connection with the current reply and records
// what the checker sent.
type fakeAgent struct {
	ln    net.Listener
	reply atomic.Pointer[string]
	sent  atomic.Pointer[string]
	hits  atomic.Int64
}

func newFakeAgent(t *testing.T, reply string) *fakeAgent {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := &fakeAgent{ln: ln}
	a.reply.Store(&reply)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				// Answer at once, then read what the checker sent
				// before reading the answer (agent-send) until it
				// closes.
				fmt.Fprintf(c, "%s\n", *a.reply.Load())
				b, _ := io.ReadAll(bufio.NewReader(c))
				s := string(b)
				a.sent.Store(&s)
				a.hits.Add(1)
			}()
		}
	}()
	return a
}

func (a *fakeAgent) port() int { return a.ln.Addr().(*net.TCPAddr).Port }

// TestAgentCheck runs a server with agent-check against a fake agent: the
// agent's replies change the server's state, weight and maxconn, and the
// runtime API's agent commands switch and steer it.
func TestAgentCheck(t *testing.T) {
	t.Parallel()
	agent := newFakeAgent(t, "up 100%")
	other := newFakeAgent(t, "down #moved")
	e := newProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s
    default_backend app
backend app
    server s1 127.0.0.1:1 agent-check agent-addr 127.0.0.1 agent-port %d agent-inter 50ms
    server s2 127.0.0.1:2
`, lbtest.FreeAddr(t), agent.port()))
	s := New(e, nil)
	st := e.Registry().Get("app", "s1")
	run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
	wait := func(what string, cond func() bool) {
		t.Helper()
		lbtest.WaitUntil(t, what, 10*time.Second, cond)
	}
	reply := func(r string) {
		agent.reply.Store(&r)
		n := agent.hits.Load()
		// Two more answers: the second one was read after the change.
		wait("the agent to be asked again", func() bool { return agent.hits.Load() >= n+2 })
	}

	wait("a first agent check", func() bool { return agent.hits.Load() > 0 })
	reply("down#maintenance window")
	wait("the agent to take s1 down", func() bool { return !st.Up() })
	reply("up 50% maxconn:7")
	wait("the agent to bring s1 up", func() bool { return st.Up() })
	if st.WeightPercent() != 50 || st.UserMaxConn() != 7 {
		t.Errorf("weight %d%%, maxconn %d", st.WeightPercent(), st.UserMaxConn())
	}
	reply("drain")
	wait("the agent to drain s1", func() bool { return st.Admin() == server.AdminDrain })
	reply("ready,75%")
	wait("the agent to make s1 ready", func() bool { return st.Admin() == server.AdminReady && st.WeightPercent() == 75 })

	// Disabled, the agent's answers no longer count.
	if got := run("disable agent app/s1\n"); got != "\n" {
		t.Fatalf("disable agent: %q", got)
	}
	agent.reply.Store(new("down"))
	if got := run("set server app/s1 agent down\n"); got != "agent checks are not enabled on this server.\n\n" {
		t.Errorf("agent down while disabled: %q", got)
	}
	if !st.Up() {
		t.Fatal("a disabled agent took the server down")
	}
	agent.reply.Store(new("up"))
	if got := run("enable agent app/s1\n"); got != "\n" {
		t.Fatalf("enable agent: %q", got)
	}
	if got := run("set server app/s1 agent down\n"); got != "\n" || st.Up() {
		t.Fatalf("set server agent down: %q, up %v", got, st.Up())
	}
	if got := run("set server app/s1 agent up\n"); got != "\n" || !st.Up() {
		t.Fatalf("set server agent up: %q, up %v", got, st.Up())
	}
	// agent-port moves the checks to another agent, agent-send sets what
	// they send.
	steps := []struct{ in, want string }{
		{"set server app/s1 agent-send hello there\n", "\n"},
		{"set server app/s1 agent-port x\n", "provided port is not an integer\n\n"},
		{"set server app/s1 agent-addr nowhere\n", "invalid addr 'nowhere'\n\n"},
		{fmt.Sprintf("set server app/s1 agent-addr 127.0.0.1 port %d\n", other.port()), "\n"},
		{"set server app/s2 agent-port 1\n", "agent checks are not enabled on this server\n\n"},
		{"set server app/s2 agent up\n", "agent checks are not enabled on this server.\n\n"},
		{"set server app/s1 agent sideways\n", "'set server <srv> agent' expects 'up' or 'down'.\n\n"},
		{"enable agent app/s2\n", "Agent was not configured on this server, cannot enable.\n\n"},
		{"disable agent app/s2\n", "\n"},
		{"set server app/s1 agent-addr\n", "set server <b>/<s> agent-addr requires an address and optionally a port.\n\n"},
		{"set server app/s1 agent-port\n", "set server <b>/<s> agent-port requires a port.\n\n"},
	}
	for _, step := range steps {
		if got := run(step.in); got != step.want {
			t.Errorf("%q: got %q, want %q", step.in, got, step.want)
		}
	}
	wait("the other agent to take s1 down", func() bool { return !st.Up() && other.hits.Load() > 0 })
	if p := other.sent.Load(); p == nil || *p != "hello there" {
		t.Errorf("agent-send: the agent got %v", p)
	}
}
