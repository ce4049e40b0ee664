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
