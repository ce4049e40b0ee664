package engine

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

// A logger the new configuration no longer uses is closed once
// hard-stop-after has passed: its TCP connection does not outlive it.
func TestReloadClosesUnusedLoggers(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	bind := free.Addr().String()
	free.Close()
	cfg := func(target string) string {
		return fmt.Sprintf("global\n    hard-stop-after 10ms\ndefaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n    timeout connect 1s\n"+
			"frontend web\n    bind %s\n    log %s local0\n    default_backend app\nbackend app\n    server s1 127.0.0.1:4\n", bind, target)
	}
	e := New(Options{})
	t.Cleanup(e.Close)
	apply(t, e, cfg("tcp@"+ln.Addr().String()))
	// Make the TCP target connect by logging one line through it.
	e.Active().Frontends[0].Log.Log(6, []byte("hello"))
	c, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	apply(t, e, cfg("stdout"))
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(c); err != nil {
		t.Fatalf("the old logger's connection stayed open: %v", err)
	}
}

// apply loads cfg and applies it with Apply, listeners included.
func apply(t *testing.T, e *Engine, cfg string) {
	t.Helper()
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Apply(snap); err != nil {
		t.Fatal(err)
	}
}

// Frontends logging to the same target with different "sample" ranges
// get loggers of their own, and those with the same ranges share one.
func TestLoggersKeepSampleRanges(t *testing.T) {
	t.Parallel()
	cfg := "defaults\n    mode http\n" +
		"frontend a\n    bind 127.0.0.1:19401\n    log stdout sample 1:2 local0\n    default_backend app\n" +
		"frontend b\n    bind 127.0.0.1:19402\n    log stdout sample 2:2 local0\n    default_backend app\n" +
		"frontend c\n    bind 127.0.0.1:19403\n    log stdout sample 2:2 local0\n    default_backend app\n" +
		"frontend d\n    bind 127.0.0.1:19404\n    log stdout local0\n    default_backend app\n" +
		"backend app\n    server s1 127.0.0.1:4\n"
	e := applied(t, cfg)
	logs := map[string]any{}
	for _, f := range e.Active().Frontends {
		logs[f.Cfg.Name] = f.Log
	}
	if logs["a"] == logs["b"] || logs["a"] == logs["d"] || logs["b"] == logs["d"] || logs["b"] != logs["c"] {
		t.Errorf("loggers shared wrongly: a=%p b=%p c=%p d=%p", logs["a"], logs["b"], logs["c"], logs["d"])
	}
}
