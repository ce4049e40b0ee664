package engine

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/serverstate"
)

func TestStateTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		addr     string
		initAddr string
		line     serverstate.Line
		want     string
	}{
		{name: "port applies", addr: "10.0.0.1:80", line: serverstate.Line{Addr: "10.0.0.1", Port: 8080}, want: "10.0.0.1:8080"},
		{name: "ip in the configuration wins", addr: "10.0.0.1:80", line: serverstate.Line{Addr: "10.0.0.9", Port: 80}, want: ""},
		{name: "ip kept, port applied", addr: "10.0.0.1:80", line: serverstate.Line{Addr: "10.0.0.9", Port: 81}, want: "10.0.0.1:81"},
		{name: "host name takes the saved address", addr: "app.example:80", line: serverstate.Line{Addr: "10.0.0.9", Port: 80}, want: "10.0.0.9:80"},
		{name: "init-addr last", addr: "app.example:80", initAddr: "last,none", line: serverstate.Line{Addr: "10.0.0.9", Port: 80}, want: "10.0.0.9:80"},
		{name: "init-addr libc first", addr: "app.example:80", initAddr: "libc,last", line: serverstate.Line{Addr: "10.0.0.9", Port: 80}, want: ""},
		{name: "no saved address", addr: "app.example:80", line: serverstate.Line{Addr: "-", Port: 80}, want: ""},
		{name: "no port column", addr: "10.0.0.1:80", line: serverstate.Line{Addr: "10.0.0.1"}, want: ""},
		{name: "port mapping", addr: "10.0.0.1:+1000", line: serverstate.Line{Addr: "10.0.0.1", Port: 80}, want: ""},
		{name: "no port", addr: "10.0.0.1", line: serverstate.Line{Addr: "10.0.0.1", Port: 80}, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sc := &config.Server{Name: "s1", Address: tc.addr, InitAddr: tc.initAddr}
			if got := stateTarget(sc, tc.addr, tc.line); got != tc.want {
				t.Errorf("stateTarget = %q, want %q", got, tc.want)
			}
		})
	}
}

// Which lines of a state file apply to which server, as HAProxy matches
// them: by backend name (global file), by backend name or id (local
// file, a name mismatch only with a forced id), then by server name.
func TestLoadServerStatesMatching(t *testing.T) {
	t.Parallel()
	line := func(beID int, be string, srvID int, srv string, admin, forced int) string {
		return fmt.Sprintf("%d %s %d %s 127.0.0.1 2 %d 1 1 0 1 0 2 0 0 %d 0 - 1 - 0 0 - - 0\n", beID, be, srvID, srv, admin, forced)
	}
	tests := []struct {
		name  string
		mode  string // load-server-state-from-file
		lines string
		maint bool // app/s1 ends in maintenance
	}{
		{name: "global by name", mode: "global", lines: line(9, "app", 7, "s1", 1, 0), maint: true},
		{name: "global other backend", mode: "global", lines: line(1, "other", 1, "s1", 1, 0)},
		{name: "server id ignored", mode: "global", lines: line(1, "app", 42, "s1", 1, 0), maint: true},
		{name: "first line wins", mode: "global", lines: line(1, "app", 1, "s1", 1, 0) + line(1, "app", 1, "s1", 0, 0), maint: true},
		{name: "local by name, id mismatch", mode: "local", lines: line(9, "app", 1, "s1", 1, 0), maint: true},
		{name: "local by id, renamed", mode: "local", lines: line(1, "old", 1, "s1", 1, 0)},
		{name: "local by id, renamed, forced id", mode: "local", lines: line(1, "old", 1, "s1", 1, 1), maint: true},
		{name: "local neither", mode: "local", lines: line(9, "old", 1, "s1", 1, 1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			file := "state"
			if tc.mode == "local" {
				file = "app"
			}
			if err := os.WriteFile(filepath.Join(dir, file), []byte("1\n# "+strings.Join(serverstate.Columns, " ")+"\n"+tc.lines), 0o644); err != nil {
				t.Fatal(err)
			}
			e := New(Options{})
			t.Cleanup(e.Close)
			apply(t, e, "global\n    server-state-base "+dir+"\n    server-state-file state\n"+
				"defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"+
				"backend app\n    load-server-state-from-file "+tc.mode+"\n    server s1 127.0.0.1:1\n    server s2 127.0.0.1:2\n")
			if got := e.Registry().Get("app", "s1").Admin() == server.AdminMaint; got != tc.maint {
				t.Errorf("s1 in maintenance: %v, want %v", got, tc.maint)
			}
			if e.Registry().Get("app", "s2").Admin() == server.AdminMaint {
				t.Error("s2 in maintenance")
			}
		})
	}
}
