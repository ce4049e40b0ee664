package stick

import (
	"context"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func mustDecl(t testing.TB, line string) *Decl {
	t.Helper()
	d, err := ParseDecl(strings.Fields(line))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestRegistryKeepsTables(t *testing.T) {
	t.Parallel()
	base := "type ip size 10 expire 10s store gpc0"
	tests := []struct {
		name string
		next string
		keep bool
	}{
		{"same declaration", base, true},
		{"expire and nopurge change in place", "type ip size 10 expire 1m nopurge store gpc0", true},
		{"size change", "type ip size 20 expire 10s store gpc0", false},
		{"type change", "type ipv6 size 10 expire 10s store gpc0", false},
		{"store change", "type ip size 10 expire 10s store gpc0,gpc1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newFakeClock()
			r := NewRegistry(WithClock(c.Now))
			old := r.Get("fe", mustDecl(t, base))
			old.Track(ip("10.0.0.1")).Release()

			nt := r.Get("fe", mustDecl(t, tc.next))
			if (nt == old) != tc.keep {
				t.Fatalf("table kept = %v, want %v", nt == old, tc.keep)
			}
			if got, _ := r.Lookup("fe"); got != nt {
				t.Error("Lookup does not return the current table")
			}
			if tc.keep && nt.Get(ip("10.0.0.1")) == nil {
				t.Error("entry lost across the reload")
			}
			if !tc.keep && nt.Len() != 0 {
				t.Error("recreated table is not empty")
			}
		})
	}
}

func TestRegistryPolicyApplied(t *testing.T) {
	t.Parallel()
	c := newFakeClock()
	r := NewRegistry(WithClock(c.Now))
	tb := r.Get("fe", mustDecl(t, "type ip size 10 expire 10s"))
	tb.Track(ip("10.0.0.1")).Release()
	r.Get("fe", mustDecl(t, "type ip size 10 expire 1m"))
	c.Advance(30 * time.Second)
	if tb.Get(ip("10.0.0.1")) == nil {
		t.Error("the longer expire from the reload was not applied")
	}
}

func TestRegistryRetainAndTables(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	for _, n := range []string{"b", "a", "c"} {
		r.Get(n, mustDecl(t, "type ip size 1"))
	}
	r.Retain(map[string]bool{"a": true, "c": true})
	var names []string
	for _, tb := range r.Tables() {
		names = append(names, tb.Name())
	}
	if strings.Join(names, ",") != "a,c" {
		t.Errorf("Tables = %v, want [a c]", names)
	}
	if _, ok := r.Lookup("b"); ok {
		t.Error("retired table still found")
	}
}

func TestRegistryRunSweeps(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		r := NewRegistry() // time.Now is the bubble's fake clock
		tb := r.Get("fe", mustDecl(t, "type ip size 10 expire 5s"))
		tb.Track(ip("10.0.0.1")).Release()
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		wg.Go(func() { r.Run(ctx, time.Second) })
		time.Sleep(6 * time.Second) // fake time inside the bubble
		synctest.Wait()
		if tb.Len() != 0 {
			t.Errorf("Len = %d after the sweeper ran past the expiry", tb.Len())
		}
		cancel()
		wg.Wait()
	})
}

func TestTableRunStops(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		tb := New("fe", mustDecl(t, "type ip size 10 expire 1s"))
		tb.Track(ip("10.0.0.1")).Release()
		ctx, cancel := context.WithCancel(t.Context())
		done := make(chan struct{})
		go func() { tb.Run(ctx, 500*time.Millisecond); close(done) }()
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if tb.Len() != 0 {
			t.Errorf("Len = %d", tb.Len())
		}
		cancel()
		<-done
	})
}
