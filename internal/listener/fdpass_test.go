package listener

import (
	"bufio"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serveGetsocks answers one "_getsocks" on a unix socket as the runtime
// API does, with the pool's sockets, or with msg when it is not empty.
func serveGetsocks(t *testing.T, p *Pool, msg string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cli.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		line, _ := bufio.NewReader(c).ReadString('\n')
		if line != "_getsocks\n" {
			return
		}
		if msg != "" {
			c.Write([]byte(msg))
			return
		}
		keys, files, err := p.Files()
		if err != nil {
			return
		}
		SendFiles(c.(*net.UnixConn), keys, files)
		for _, f := range files {
			f.Close()
		}
	}()
	return path
}

// A new pool that inherits the old pool's sockets accepts on them without
// binding: connections queued before the old pool closes are not lost.
func TestFetchPassesSockets(t *testing.T) {
	t.Parallel()
	old, _ := newTestPool(t)
	specs := []Spec{
		{Network: "tcp4", Address: "127.0.0.1:0"},
		{Network: "unix", Address: filepath.Join(t.TempDir(), "fe.sock")},
	}
	if err := old.Ensure(specs); err != nil {
		t.Fatal(err)
	}
	tcpAddr := old.Addr(specs[0].Key()).String()
	path := serveGetsocks(t, old, "")
	ls, err := Fetch(path, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || ls[specs[0].Key()] == nil || ls[specs[1].Key()] == nil {
		t.Fatalf("received %v", ls)
	}
	// A client connects while both processes listen, the old one stops:
	// the new one accepts it from the shared queue.
	old.Close()
	if _, err := os.Stat(specs[1].Address); err != nil {
		t.Fatalf("old pool removed the passed unix socket file: %v", err)
	}
	c, err := net.Dial("tcp", tcpAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c2, err := net.Dial("unix", specs[1].Address)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	nw, got := newTestPool(t)
	nw.Inherit(ls)
	if err := nw.Ensure(specs); err != nil {
		t.Fatal(err)
	}
	if a := nw.Addr(specs[0].Key()).String(); a != tcpAddr {
		t.Fatalf("new pool listens on %s, want the inherited %s", a, tcpAddr)
	}
	for range 2 {
		select {
		case <-got:
		case <-time.After(5 * time.Second):
			t.Fatal("queued connection not accepted by the new pool")
		}
	}
}

// An error answer (a socket without "expose-fd listeners") is returned as
// the error.
func TestFetchError(t *testing.T) {
	t.Parallel()
	p, _ := newTestPool(t)
	path := serveGetsocks(t, p, "Permission denied\n")
	_, err := Fetch(path, 5*time.Second)
	if err == nil || !strings.Contains(err.Error(), "Permission denied") {
		t.Fatalf("err = %v", err)
	}
}

// Sockets inherited but not bound by the configuration are closed.
func TestDropInherited(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	p, _ := newTestPool(t)
	p.Inherit(map[string]net.Listener{"tcp4@" + addr: ln})
	if err := p.Ensure(nil); err != nil {
		t.Fatal(err)
	}
	p.DropInherited()
	if c, err := net.Dial("tcp", addr); err == nil {
		c.Close()
		t.Fatal("unused inherited socket still open")
	}
}
