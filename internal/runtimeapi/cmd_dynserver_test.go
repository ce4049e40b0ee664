package runtimeapi

import (
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

func TestDynamicServers(t *testing.T) {
	t.Parallel()
	for _, algo := range []string{"roundrobin", "leastconn", "first", "random", "source\n    hash-type consistent"} {
		t.Run(algo, func(t *testing.T) {
			t.Parallel()
			s1, s2 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2")
			fe := lbtest.FreeAddr(t)
			s := New(newProxy(t, fmt.Sprintf(`
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind %s
    default_backend app
backend app
    balance %s
    server s1 %s
backend static
    balance static-rr
    server x1 %s
`, fe, algo, s1.Addr, s1.Addr)), nil)
			counts := func(n int) map[string]int {
				c := map[string]int{}
				for range n {
					resp, err := http.Get("http://" + fe + "/")
					if err != nil {
						t.Fatal(err)
					}
					b, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					c[string(b)]++
				}
				return c
			}
			run := func(in string) string { return exchange(t, s, LevelAdmin, in) }
			steps := []struct{ in, want string }{
				{"add server app/s2 " + s2.Addr + " weight 1\n", "New server registered.\n\n"},
				{"add server app/s2 " + s2.Addr + "\n", "Already exists a server with the same name in backend.\n\n"},
				{"add server static/x2 " + s2.Addr + "\n", "Backend must use a dynamic load balancing to support dynamic servers.\n\n"},
				{"add server nope/x2 " + s2.Addr + "\n", "No such backend.\n"},
				{"add server app/s3 " + s2.Addr + " bogus\n", "'server s3': unknown option 'bogus'"},
				{"get weight app/s2\n", "1 (initial 1)\n\n"},
			}
			for _, st := range steps {
				if got := run(st.in); got != st.want && !(len(got) > len(st.want) && got[:len(st.want)] == st.want) {
					t.Fatalf("%q:\ngot  %q\nwant %q", st.in, got, st.want)
				}
			}
			// Added in maintenance: no traffic until enabled.
			if c := counts(6); c["s2"] != 0 {
				t.Fatalf("s2 took traffic in maintenance: %v", c)
			}
			if got := run("enable server app/s2\n"); got != "\n" {
				t.Fatalf("enable server: %q", got)
			}
			if algo == "first" || algo[:6] == "source" {
				// Both pin a client to one server: move it away from s1.
				run("set server app/s1 state maint\n")
			}
			if c := counts(20); c["s2"] == 0 {
				t.Fatalf("s2 took no traffic once enabled: %v", c)
			}
			run("set server app/s1 state ready\n")
			if got := run("del server app/s2\n"); got != "Only servers in maintenance mode can be deleted.\n" {
				t.Fatalf("del server in service: %q", got)
			}
			run("disable server app/s2\n")
			// A request that just ended may hold its server slot for a
			// moment: until then del server refuses.
			lbtest.WaitUntil(t, "del server", 5*time.Second, func() bool {
				got := run("del server app/s2\n")
				if got != "Server deleted.\n\n" && got != "Server still has connections attached to it, cannot remove it.\n\n" {
					t.Fatalf("del server: %q", got)
				}
				return got == "Server deleted.\n\n"
			})
			if c := counts(6); c["s1"] != 6 {
				t.Fatalf("after del server: %v", c)
			}
			if got := run("del server app/s2\n"); got != "No such server.\n" {
				t.Fatalf("del server twice: %q", got)
			}
		})
	}
}
