package e2e

import (
	"bufio"
	"io"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

// TestTCPResponseContent runs tcp-response content rules on the server's
// first data: a greeting starting with BAD is refused before any byte of
// it reaches the client, BYE ends the session after the greeting, and any
// other greeting is relayed as usual.
func TestTCPResponseContent(t *testing.T) {
	t.Parallel()
	bad, bye, good := lbtest.NewTCPBackend(t, "BAD"), lbtest.NewTCPBackend(t, "BYE"), lbtest.NewTCPBackend(t, "good")
	p := lbtest.Start(t, tcpDefaults+`
frontend bad
    bind ${bad_fe}
    log stdout format raw local0
    log-format "be=%b ts=%ts"
    default_backend bad
frontend bye
    bind ${bye_fe}
    default_backend bye
frontend good
    bind ${good_fe}
    default_backend good

backend bad
    tcp-response inspect-delay 5s
    tcp-response content reject if { res.payload(0,3) -m str BAD }
    server s ${bad}
backend bye
    tcp-response content close if { res.payload(0,3) -m str BYE }
    server s ${bye}
backend good
    tcp-response inspect-delay 5s
    tcp-response content reject if { res.payload(0,3) -m str BAD }
    tcp-response content accept if { res.len ge 4 }
    server s ${good}
`, lbtest.Vars{"bad": bad.Addr, "bye": bye.Addr, "good": good.Addr})

	t.Run("reject", func(t *testing.T) {
		t.Parallel()
		if got := lbtest.Raw(t, p.Addr("bad_fe"), "", 10*time.Second); got != "" {
			t.Errorf("client got %q, want nothing", got)
		}
		p.WaitLog(t, "be=bad ts=PD", 10*time.Second)
	})
	t.Run("close", func(t *testing.T) {
		t.Parallel()
		// The server would echo until the client half-closes; close
		// ends the stream after its greeting.
		if got := lbtest.Raw(t, p.Addr("bye_fe"), "", 10*time.Second); got != "BYE\n" {
			t.Errorf("client got %q, want %q", got, "BYE\n")
		}
	})
	t.Run("accept relays", func(t *testing.T) {
		t.Parallel()
		c := lbtest.Dial(t, p.Addr("good_fe"))
		c.SetDeadline(time.Now().Add(10 * time.Second))
		r := bufio.NewReader(c)
		if line, err := r.ReadString('\n'); err != nil || line != "good\n" {
			t.Fatalf("greeting = %q, %v", line, err)
		}
		io.WriteString(c, "ping\n")
		if line, err := r.ReadString('\n'); err != nil || line != "ping\n" {
			t.Fatalf("echo = %q, %v", line, err)
		}
		c.CloseWrite()
		if rest, _ := io.ReadAll(r); string(rest) != "bye good\n" {
			t.Errorf("after half-close got %q", rest)
		}
	})
}

// TestTCPSetVar sets variables in tcp-request rules and reads them with
// var() in use_backend conditions and later rules, in mode tcp. As in
// HAProxy, set-var does not wait for data: its condition does.
func TestTCPSetVar(t *testing.T) {
	t.Parallel()
	a, b := lbtest.NewTCPBackend(t, "a"), lbtest.NewTCPBackend(t, "b")
	p := lbtest.Start(t, tcpDefaults+`
frontend fe
    bind ${fe}
    tcp-request connection set-var(sess.local) int(1) if { src 127.0.0.0/8 }
    tcp-request inspect-delay 5s
    tcp-request content set-var(txn.verb) req.payload(0,4) if { req.len ge 4 }
    tcp-request content reject if { var(txn.verb) -m str DROP }
    use_backend b if { var(txn.verb) -m str PING } { var(sess.local) -m int 1 }
    default_backend a

backend a
    server a ${a}
backend b
    server b ${b}
`, lbtest.Vars{"a": a.Addr, "b": b.Addr})
	tests := []struct {
		name, send, want string
	}{
		{name: "routed by variable", send: "PING\n", want: "b\n"},
		{name: "default", send: "PONG\n", want: "a\n"},
		{name: "rejected by variable", send: "DROP\n", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := lbtest.Dial(t, p.Addr("fe"))
			c.SetDeadline(time.Now().Add(10 * time.Second))
			io.WriteString(c, tc.send)
			got, _ := bufio.NewReader(c).ReadString('\n')
			if got != tc.want {
				t.Errorf("greeting = %q, want %q", got, tc.want)
			}
		})
	}
}
