package server

import (
	"sync"
	"testing"
)

func TestTryIncRespectsMax(t *testing.T) {
	t.Parallel()
	s := NewState("b", "s")
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted := 0
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.TryInc(10) {
				mu.Lock()
				granted++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if granted != 10 || s.Cur() != 10 {
		t.Fatalf("granted %d, cur %d; want 10 and 10", granted, s.Cur())
	}
	if s.Total.Load() != 10 {
		t.Fatalf("total %d, want 10", s.Total.Load())
	}
	s.Dec()
	if !s.TryInc(10) {
		t.Fatal("a released slot was not granted again")
	}
	if !s.TryInc(0) {
		t.Fatal("max 0 means no limit")
	}
}

func TestSetUpReportsTransitionsOnce(t *testing.T) {
	t.Parallel()
	s := NewState("b", "s")
	calls := 0
	s.OnStateChange(func(*State) { calls++ })
	if s.SetUp(true) {
		t.Fatal("a new server is already up: no transition")
	}
	if !s.SetUp(false) || s.SetUp(false) {
		t.Fatal("down transition must be reported exactly once")
	}
	if !s.SetUp(true) {
		t.Fatal("up transition not reported")
	}
	if calls != 2 {
		t.Fatalf("callback ran %d times, want 2", calls)
	}
}

func TestUsable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		up    bool
		admin uint32
		want  bool
	}{
		{"up and ready", true, AdminReady, true},
		{"down", false, AdminReady, false},
		{"maint", true, AdminMaint, false},
		{"drain", true, AdminDrain, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := NewState("b", "s")
			s.SetUp(tc.up)
			s.SetAdmin(tc.admin)
			if got := s.Usable(); got != tc.want {
				t.Fatalf("Usable() = %v, want %v", got, tc.want)
			}
		})
	}
}

// "disabled" in the config puts a server in maintenance and a reload that
// drops it takes it out, but never undoes a maintenance set at run time.
func TestSetConfigMaint(t *testing.T) {
	t.Parallel()
	s := NewState("b", "s")
	s.SetConfigMaint(true)
	if s.Admin() != AdminMaint {
		t.Fatal("disabled server not in maintenance")
	}
	s.SetConfigMaint(false)
	if s.Admin() != AdminReady {
		t.Fatal("reload without disabled left the server in maintenance")
	}
	s.SetAdmin(AdminMaint) // runtime API
	s.SetConfigMaint(false)
	if s.Admin() != AdminMaint {
		t.Fatal("a reload undid a runtime maintenance")
	}
}

func TestRegistryKeepsStateAcrossGenerations(t *testing.T) {
	t.Parallel()
	r := NewRegistry()
	a := r.Get("app", "s1")
	a.SetUp(false)
	if b := r.Get("app", "s1"); b != a {
		t.Fatal("same backend/server must give the same state")
	}
	r.Get("app", "s2")
	r.Retain(map[string]bool{"app/s1": true})
	if _, ok := r.Lookup("app", "s2"); ok {
		t.Fatal("removed server still in the registry")
	}
	if s, ok := r.Lookup("app", "s1"); !ok || s.Up() {
		t.Fatal("kept server lost its state")
	}
}
