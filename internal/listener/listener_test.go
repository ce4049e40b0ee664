package listener

import (
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"testing"
	"time"
)

func newTestPool(t *testing.T) (*Pool, chan string) {
	t.Helper()
	got := make(chan string, 16)
	p := NewPool(func(c net.Conn, key string) {
		got <- key
		c.Close()
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	t.Cleanup(p.Close)
	return p, got
}

func TestEnsureKeepsSocketsAndRetainCloses(t *testing.T) {
	t.Parallel()
	p, got := newTestPool(t)
	spec := Spec{Network: "tcp4", Address: "127.0.0.1:0"}
	if err := p.Ensure([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	addr := p.Addr(spec.Key()).String()
	// A second Ensure with the same spec (a reload) keeps the same socket.
	if err := p.Ensure([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	if again := p.Addr(spec.Key()).String(); again != addr {
		t.Fatalf("socket reopened: %s then %s", addr, again)
	}
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case key := <-got:
		if key != spec.Key() {
			t.Fatalf("accepted under key %q, want %q", key, spec.Key())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("connection not handed to the accept func")
	}
	p.Retain(nil)
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Fatal("socket still accepts after Retain dropped it")
	}
}

// A failing bind leaves the pool as it was: sockets opened by the same
// call are closed again.
func TestEnsureRollsBackOnError(t *testing.T) {
	t.Parallel()
	p, _ := newTestPool(t)
	good := Spec{Network: "tcp4", Address: "127.0.0.1:0"}
	bad := Spec{Network: "unix", Address: filepath.Join(t.TempDir(), "no", "such", "dir", "s.sock")}
	if err := p.Ensure([]Spec{good, bad}); err == nil {
		t.Fatal("bind on a missing directory succeeded")
	}
	if p.Addr(good.Key()) != nil {
		t.Fatal("the socket opened before the failure was kept")
	}
}

func TestUnixSocketReplacesStaleFile(t *testing.T) {
	t.Parallel()
	p, got := newTestPool(t)
	path := filepath.Join(t.TempDir(), "h.sock")
	stale, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	// Leave the file behind, as a crashed process would.
	stale.(*net.UnixListener).SetUnlinkOnClose(false)
	stale.Close()
	spec := Spec{Network: "unix", Address: path, Mode: 0o600}
	if err := p.Ensure([]Spec{spec}); err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("unix connection not accepted")
	}
}

// A held pool accepts connections (the socket is open) but hands them over
// only once released; closing a held pool does not hang.
func TestHoldUntilRelease(t *testing.T) {
	t.Parallel()
	for _, release := range []bool{true, false} {
		p, got := newTestPool(t)
		p.Hold()
		spec := Spec{Network: "tcp4", Address: "127.0.0.1:0"}
		if err := p.Ensure([]Spec{spec}); err != nil {
			t.Fatal(err)
		}
		c, err := net.Dial("tcp", p.Addr(spec.Key()).String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		select {
		case <-got:
			t.Fatal("connection handed over before Release")
		default:
		}
		if !release {
			p.Close()
			continue
		}
		p.Release()
		select {
		case <-got:
		case <-time.After(10 * time.Second):
			t.Fatal("connection not handed over after Release")
		}
	}
}
