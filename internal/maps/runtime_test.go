package maps

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

func TestVersionsCommit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "hosts.map")
	if err := os.WriteFile(path, []byte("a.example be_a\nb.example be_b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	m, err := reg.LoadMap(path)
	if err != nil {
		t.Fatal(err)
	}
	if reg.Find("#0") != m || reg.Find(path) != m || reg.Find("#1") != nil || reg.Find("#x") != nil {
		t.Fatal("Find")
	}
	mt, err := m.Matcher(Str, false)
	if err != nil {
		t.Fatal(err)
	}
	v := m.Prepare()
	if v != 1 {
		t.Fatalf("Prepare = %d", v)
	}
	if err := m.AddVersion(v, "c.example", "be_c"); err != nil {
		t.Fatal(err)
	}
	if _, ok := mt.Lookup([]byte("c.example")); ok {
		t.Fatal("staged entry visible before commit")
	}
	if err := m.AddVersion(7, "x", "y"); err != ErrVersion {
		t.Fatalf("AddVersion(7) = %v", err)
	}
	if err := m.Commit(v); err != nil {
		t.Fatal(err)
	}
	if got, ok := mt.Lookup([]byte("c.example")); !ok || got != "be_c" {
		t.Fatalf("after commit: %q %v", got, ok)
	}
	if _, ok := mt.Lookup([]byte("a.example")); ok {
		t.Fatal("old version still visible")
	}
	if err := m.Commit(v); err != ErrVersion {
		t.Fatalf("second commit = %v", err)
	}
	if c, n := m.Versions(); c != 1 || n != 1 {
		t.Fatalf("Versions = %d %d", c, n)
	}
	e := m.Entries()[0]
	if err := m.SetRef(e.Ref, "be_z"); err != nil {
		t.Fatal(err)
	}
	if g := m.Get("c.example"); !g.Found || g.Entry.Value != "be_z" || g.Kind != Str {
		t.Fatalf("Get = %+v", g)
	}
	if err := m.DelRef(e.Ref); err != nil || m.Len() != 0 {
		t.Fatalf("DelRef: %v, len %d", err, m.Len())
	}
	if err := m.DelRef(e.Ref); err != ErrNotFound {
		t.Fatalf("DelRef again = %v", err)
	}
}

// TestCommitIsAtomic replaces a map of many entries again and again while
// readers check that every lookup sees one whole version.
func TestCommitIsAtomic(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "v.map")
	if err := os.WriteFile(path, []byte("k0 v0\nk1 v0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := NewRegistry().LoadMap(path)
	if err != nil {
		t.Fatal(err)
	}
	mt, _ := m.Matcher(Str, false)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 2 {
		wg.Go(func() {
			for !stop.Load() {
				st := m.st.Load()
				a, _ := st.base[mt.slot].Lookup([]byte("k0"))
				b, _ := st.base[mt.slot].Lookup([]byte("k1"))
				if st.entries[a].Value != st.entries[b].Value {
					bad.Add(1)
				}
			}
		})
	}
	for i := range 500 {
		v := m.Prepare()
		val := "v" + string(rune('a'+i%26))
		_ = m.AddVersion(v, "k0", val)
		_ = m.AddVersion(v, "k1", val)
		if err := m.Commit(v); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d lookups saw a half-committed map", bad.Load())
	}
}
