package e2e

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/test/lbtest"
)

const serverStateCfg = `
global
    stats socket ipv4@${cli} level admin
    server-state-base ${base}
    server-state-file state
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
    load-server-state-from-file global
frontend fe
    bind ${fe}
    default_backend app
backend app
    balance roundrobin
    server s1 ${s1}
    server s2 ${s2}
    server s3 ${s3}
`

// A state file as "show servers state" writes it (HAProxy 2.6 columns)
// puts s1 in maintenance and s2 at weight 5 before hawser serves.
func TestServerStateFile(t *testing.T) {
	t.Parallel()
	s1, s2, s3 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2"), lbtest.NewBackend(t, "s3")
	base := t.TempDir()
	state := "1\n" +
		"# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port\n" +
		"3 app 1 s1 127.0.0.1 0 1 1 1 12 1 0 0 0 0 0 0 - " + port(s1.Addr) + " - 0 0 - - 0\n" +
		"3 app 2 s2 127.0.0.1 2 0 5 1 12 1 0 2 0 0 0 0 - " + port(s2.Addr) + " - 0 0 - - 0\n" +
		"3 app 4 gone 127.0.0.1 2 0 1 1 12 1 0 2 0 0 0 0 - 8082 - 0 0 - - 0\n"
	if err := os.WriteFile(filepath.Join(base, "state"), []byte(state), 0o644); err != nil {
		t.Fatal(err)
	}
	p := lbtest.Start(t, serverStateCfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "s3": s3.Addr, "base": base})
	got := serverCounts(t, p.URL("fe", "/"), 12)
	if got["s1"] != 0 || got["s2"] != 10 || got["s3"] != 2 {
		t.Errorf("traffic after loading the state file: %v, want s2:10 s3:2", got)
	}
	out := cli(t, "tcp", p.Addr("cli"), "show servers state app")
	for _, want := range []string{" s1 127.0.0.1 0 1 1 1 ", " s2 127.0.0.1 2 0 5 1 "} {
		if !strings.Contains(out, want) {
			t.Errorf("show servers state lacks %q:\n%s", want, out)
		}
	}
	p.WaitLog(t, "no such server", 5*time.Second)
}

// A missing state file is a warning: hawser serves with the
// configuration's state.
func TestServerStateFileMissing(t *testing.T) {
	t.Parallel()
	s1, s2, s3 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2"), lbtest.NewBackend(t, "s3")
	p := lbtest.Start(t, serverStateCfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "s3": s3.Addr, "base": t.TempDir()})
	if got := serverCounts(t, p.URL("fe", "/"), 9); got["s1"] != 3 || got["s2"] != 3 || got["s3"] != 3 {
		t.Errorf("traffic without a state file: %v", got)
	}
	p.WaitLog(t, "can't load server state file", 5*time.Second)
}

// The operator's sequence: change a server at run time, save "show servers
// state" into the file, reload; the change survives the reload.
func TestServerStateFileReload(t *testing.T) {
	t.Parallel()
	s1, s2, s3 := lbtest.NewBackend(t, "s1"), lbtest.NewBackend(t, "s2"), lbtest.NewBackend(t, "s3")
	base := t.TempDir()
	p := lbtest.Start(t, serverStateCfg, lbtest.Vars{"s1": s1.Addr, "s2": s2.Addr, "s3": s3.Addr, "base": base})
	admin := p.Addr("cli")
	cli(t, "tcp", admin, "set server app/s3 state maint")
	if err := os.WriteFile(filepath.Join(base, "state"), []byte(cli(t, "tcp", admin, "show servers state")), 0o644); err != nil {
		t.Fatal(err)
	}
	// Back to ready in memory: only the file can put s3 in maint again.
	cli(t, "tcp", admin, "set server app/s3 state ready")
	if !p.Reload(t) {
		t.Fatal("reload failed")
	}
	lbtest.WaitUntil(t, "s3 back in maint from the state file", 5*time.Second, func() bool {
		return strings.Contains(cli(t, "tcp", admin, "show servers state app"), " s3 127.0.0.1 0 1 ")
	})
	if got := serverCounts(t, p.URL("fe", "/"), 10); got["s3"] != 0 || got["s1"] != 5 || got["s2"] != 5 {
		t.Errorf("after reload: %v, want s3 kept in maint", got)
	}
}

// port returns the port of a host:port address.
func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
