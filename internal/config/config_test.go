package config

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/cfgfile"
)

func mustLoad(t *testing.T, text string) *Snapshot {
	t.Helper()
	s, err := loadText(t, "haproxy.cfg", text)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return s
}

func TestInheritance(t *testing.T) {
	t.Parallel()
	const cfg = `
defaults base
    mode http
    timeout client 1s
    log 127.0.0.1:514 local0
    retries 4
    default-server inter 7s

defaults child from base
    timeout server 2s
    log 127.0.0.1:515 local1

defaults
    timeout client 9s

backend reset
    server s 10.0.0.1:80

backend fromchild from child
    log 127.0.0.1:516 local2
    server s 10.0.0.1:80

backend nolog from child
    no log
`
	s := mustLoad(t, cfg)
	tests := []struct {
		name     string
		backend  string
		mode     Mode
		client   time.Duration
		server   time.Duration
		retries  int
		inter    time.Duration
		logPorts []string
	}{
		{name: "anonymous defaults start from built-ins", backend: "reset", mode: ModeTCP, client: 9 * time.Second, retries: 3, inter: 2 * time.Second},
		{name: "from chains named defaults and log lines add up", backend: "fromchild", mode: ModeHTTP, client: time.Second, server: 2 * time.Second, retries: 4, inter: 7 * time.Second,
			logPorts: []string{"127.0.0.1:514", "127.0.0.1:515", "127.0.0.1:516"}},
		{name: "no log clears inherited targets", backend: "nolog", mode: ModeHTTP, client: time.Second, server: 2 * time.Second, retries: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			be := s.Backend(tc.backend)
			if be == nil {
				t.Fatalf("no backend %q", tc.backend)
			}
			var ports []string
			for _, l := range be.Logs {
				ports = append(ports, l.Address)
			}
			got := []any{be.Mode, be.Timeouts.Client, be.Timeouts.Server, be.Retries, ports}
			want := []any{tc.mode, tc.client, tc.server, tc.retries, tc.logPorts}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if len(be.Servers) > 0 && be.Servers[0].Inter != tc.inter {
				t.Errorf("inter = %v, want %v", be.Servers[0].Inter, tc.inter)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	s := mustLoad(t, "backend b\n    option httpchk\n    server s 10.0.0.1:80\n")
	be := s.Backends[0]
	srv := be.Servers[0]
	got := []any{be.Retries, be.HTTPReuse, be.Balance.Algorithm, be.Balance.HashType, srv.Weight, srv.Inter, srv.FastInter, srv.DownInter,
		srv.Rise, srv.Fall, s.Global.BufSize, be.HTTPCheck.Method, be.HTTPCheck.URI, be.HTTPCheck.Version}
	want := []any{3, "safe", "roundrobin", "map-based", 1, 2 * time.Second, 2 * time.Second, 2 * time.Second,
		2, 3, 16384, "OPTIONS", "/", "HTTP/1.0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestCloneIndependent checks that a clone shares no pointer, slice or map
// with its original, so new fields cannot silently alias.
func TestCloneIndependent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ef := filepath.Join(dir, "503.http")
	if err := os.WriteFile(ef, []byte("HTTP/1.0 503 x\r\n\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := mustLoad(t, `
global
    log stdout local0
    log-send-hostname
    stats socket /run/s mode 600 expose-fd listeners
    setenv A b
userlist u
    group g users a
    user a insecure-password x groups g
frontend fe
    mode http
    bind :80 v4v6 name x
    acl a path /x
    use_backend be if a
    http-request return status 200 content-type t string s hdr A b if a
    http-response set-header A b
    redirect location /y if a
    errorfile 503 `+ef+`
backend be
    mode http
    option httpchk
    http-check send hdr X y
    http-check expect status 200
    server s 10.0.0.1:80 check
`)
	c := s.Clone()
	if diff := cmp.Diff(s, c, cmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		t.Fatalf("clone differs (-orig +clone):\n%s", diff)
	}
	var shared []string
	noAlias(reflect.ValueOf(s), reflect.ValueOf(c), "Snapshot", &shared)
	if len(shared) > 0 {
		t.Errorf("clone shares memory with the original at:\n%s", strings.Join(shared, "\n"))
	}
	// Modifying the clone leaves the original alone.
	c.Frontends[0].Binds[0].Options[0] = "changed"
	c.Backends[0].Servers[0].Weight = 9
	if s.Frontends[0].Binds[0].Options[0] == "changed" || s.Backends[0].Servers[0].Weight == 9 {
		t.Error("modifying the clone changed the original")
	}
}

// noAlias walks a and b in parallel and records the paths where both hold
// the same pointer, the same non-empty slice array or the same map.
func noAlias(a, b reflect.Value, path string, shared *[]string) {
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return
		}
		if a.Pointer() == b.Pointer() {
			*shared = append(*shared, path)
			return
		}
		noAlias(a.Elem(), b.Elem(), path, shared)
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Pointer() == b.Pointer() {
			*shared = append(*shared, path)
			return
		}
		for i := 0; i < min(a.Len(), b.Len()); i++ {
			noAlias(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i), shared)
		}
	case reflect.Map:
		if !a.IsNil() && a.Pointer() == b.Pointer() {
			*shared = append(*shared, path)
			return
		}
		keys := a.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			if bv := b.MapIndex(k); bv.IsValid() {
				noAlias(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, k), shared)
			}
		}
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			noAlias(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name, shared)
		}
	}
}

func posAt(file string, line int) cfgfile.Pos { return cfgfile.Pos{File: file, Line: line} }
