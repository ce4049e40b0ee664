package maps

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func writeFile(t testing.TB, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "f.map")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadFile(t *testing.T) {
	t.Parallel()
	text := "# comment\n\n  key1   value one  \t\r\n\tkey2\n  # not a comment\nk3 v3\n"
	tests := []struct {
		name  string
		isMap bool
		want  []Entry
	}{
		{name: "map", isMap: true, want: []Entry{
			{Key: "key1", Value: "value one", Line: 3},
			{Key: "key2", Line: 4},
			{Key: "#", Value: "not a comment", Line: 5},
			{Key: "k3", Value: "v3", Line: 6},
		}},
		{name: "patterns", want: []Entry{
			{Key: "key1   value one  \t", Line: 3},
			{Key: "key2", Line: 4},
			{Key: "# not a comment", Line: 5},
			{Key: "k3 v3", Line: 6},
		}},
	}
	p := writeFile(t, text)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ReadFile(p, tc.isMap)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Error(diff)
			}
		})
	}
}

func TestReadFileMissing(t *testing.T) {
	t.Parallel()
	if _, err := ReadFile("/nonexistent/x.map", true); err == nil {
		t.Fatal("no error")
	}
}

// kindFile is the map every TestMatcher case reads.
const kindFile = `
/api          api
/api/v2       api2
example.com   ex
.org          org
img           img
^/u/[0-9]+$   user
10.0.0.0/8    ten
10.1.0.0/16   ten-one
10.1.2.3      host
2001:db8::/32 doc6
42            answer
100:200       range
`

func TestMatcher(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		kind   Kind
		icase  bool
		sample string
		want   string // "" means no match
	}{
		{name: "str exact", kind: Str, sample: "/api", want: "api"},
		{name: "str miss", kind: Str, sample: "/api/", want: ""},
		{name: "str case", kind: Str, sample: "/API", want: ""},
		{name: "str icase", kind: Str, icase: true, sample: "EXAMPLE.com", want: "ex"},
		{name: "beg longest", kind: Beg, sample: "/api/v2/users", want: "api2"},
		{name: "beg shorter", kind: Beg, sample: "/api/v1", want: "api"},
		{name: "beg miss", kind: Beg, sample: "/ap", want: ""},
		{name: "beg icase", kind: Beg, icase: true, sample: "/API/V2/x", want: "api2"},
		{name: "sub first in file order", kind: Sub, sample: "x/api/v2", want: "api"},
		{name: "sub", kind: Sub, sample: "www.example.com:80", want: "ex"},
		{name: "end", kind: End, sample: "www.gnu.org", want: "org"},
		{name: "end miss", kind: End, sample: "www.gnu.org.uk", want: ""},
		{name: "dir", kind: Dir, sample: "/static/img/logo.png", want: "img"},
		{name: "dir not a word", kind: Dir, sample: "/static/imgs/logo.png", want: ""},
		{name: "dom", kind: Dom, sample: "www.example.com", want: "ex"},
		{name: "dom org", kind: Dom, sample: "www.gnu.org", want: "org"},
		{name: "reg", kind: Reg, sample: "/u/42", want: "user"},
		{name: "reg miss", kind: Reg, sample: "/u/4x", want: ""},
		{name: "ip host", kind: IP, sample: "10.1.2.3", want: "host"},
		{name: "ip longest", kind: IP, sample: "10.1.9.9", want: "ten-one"},
		{name: "ip shortest", kind: IP, sample: "10.200.0.1", want: "ten"},
		{name: "ip miss", kind: IP, sample: "192.168.0.1", want: ""},
		{name: "ip v6", kind: IP, sample: "2001:db8::1", want: "doc6"},
		{name: "ip mapped v4", kind: IP, sample: "::ffff:10.1.2.3", want: "host"},
		{name: "ip 6to4", kind: IP, sample: "2002:a01:203::1", want: "host"},
		{name: "int exact", kind: Int, sample: "42", want: "answer"},
		{name: "int range", kind: Int, sample: "150", want: "range"},
		{name: "int miss", kind: Int, sample: "99", want: ""},
	}
	reg := NewRegistry()
	m, err := reg.LoadMap(writeFile(t, kindFile))
	if err != nil {
		t.Fatal(err)
	}
	// Keep only the keys valid for each kind in a map of their own.
	byKind := func(k Kind) *Matcher {
		sub := &Map{isMap: true}
		var entries []Entry
		for _, e := range m.Entries() {
			if validKey(k, e.Key) == nil && (k != IP || e.Value != "answer" && e.Value != "range") {
				entries = append(entries, e)
			}
		}
		sub.st.Store(&mapState{entries: entries, baseN: len(entries)})
		return sub.matcherT(t, k)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			mt := byKind(tc.kind)
			if tc.icase {
				var err error
				if mt, err = mt.m.Matcher(tc.kind, true); err != nil {
					t.Fatal(err)
				}
			}
			got, _ := mt.Lookup([]byte(tc.sample))
			if got != tc.want {
				t.Errorf("Lookup(%q) = %q, want %q", tc.sample, got, tc.want)
			}
		})
	}
}

func (m *Map) matcherT(t *testing.T, k Kind) *Matcher {
	t.Helper()
	mt, err := m.Matcher(k, false)
	if err != nil {
		t.Fatal(err)
	}
	return mt
}

func TestMatcherBadKey(t *testing.T) {
	t.Parallel()
	m, err := NewRegistry().LoadMap(writeFile(t, "10.0.0.1 a\nnot-an-ip b\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Matcher(IP, false); err == nil {
		t.Fatal("no error for a bad ip key")
	}
	if _, err := m.Matcher(Str, false); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryShares(t *testing.T) {
	t.Parallel()
	reg := NewRegistry()
	p := writeFile(t, "a 1\n")
	m1, err1 := reg.LoadMap(p)
	m2, err2 := reg.LoadMap(p)
	if err1 != nil || err2 != nil || m1 != m2 {
		t.Fatalf("not shared: %v %v %p %p", err1, err2, m1, m2)
	}
	if reg.Get(p) != m1 || len(reg.Maps()) != 1 {
		t.Fatal("registry does not list the map")
	}
}

func TestEdits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		edit func(m *Map) error
		key  string
		want string
	}{
		{name: "add", edit: func(m *Map) error { return m.Add("10.9.0.0/16", "new") }, key: "10.9.1.1", want: "new"},
		{name: "add bad key", edit: func(m *Map) error {
			if m.Add("bogus", "x") == nil {
				return fmt.Errorf("bad key accepted")
			}
			return nil
		}, key: "10.1.1.1", want: "old"},
		{name: "set", edit: func(m *Map) error {
			if m.Set("10.0.0.0/8", "changed") != 1 {
				return fmt.Errorf("set count")
			}
			return nil
		}, key: "10.1.1.1", want: "changed"},
		{name: "del", edit: func(m *Map) error {
			if m.Del("10.0.0.0/8") != 1 {
				return fmt.Errorf("del count")
			}
			return nil
		}, key: "10.1.1.1", want: ""},
		{name: "del keeps others", edit: func(m *Map) error { m.Del("10.0.0.0/8"); return nil }, key: "192.168.1.1", want: "lan"},
		{name: "clear", edit: func(m *Map) error { m.Clear(); return nil }, key: "192.168.1.1", want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewRegistry().LoadMap(writeFile(t, "10.0.0.0/8 old\n192.168.0.0/16 lan\n"))
			if err != nil {
				t.Fatal(err)
			}
			ips := m.matcherT(t, IP)
			strs := m.matcherT(t, Str)
			if err := tc.edit(m); err != nil {
				t.Fatal(err)
			}
			if got, _ := ips.LookupIP(netip.MustParseAddr(tc.key)); got != tc.want {
				t.Errorf("LookupIP(%s) = %q, want %q", tc.key, got, tc.want)
			}
			// The str index saw the same edits.
			st := m.st.Load()
			keys := st.base[strs.slot].Len()
			if x := st.tail[strs.slot]; x != nil {
				keys += x.Len()
			}
			if n := m.Len(); keys != n {
				t.Errorf("str indexes have %d keys, map %d", keys, n)
			}
		})
	}
}

// TestConcurrentEdits runs lookups during edits; -race checks the locking.
func TestConcurrentEdits(t *testing.T) {
	t.Parallel()
	m, err := NewRegistry().LoadMap(writeFile(t, "a 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	mt := m.matcherT(t, Str)
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			k := fmt.Sprint("k", i)
			_ = m.Add(k, "v")
			m.Set(k, "w")
			m.Del(k)
		}
	})
	for range 2000 {
		if v, ok := mt.Lookup([]byte("a")); !ok || v != "1" {
			t.Fatalf("lost entry: %q %v", v, ok)
		}
	}
	wg.Wait()
}

// TestIPTreeAgainstScan compares the radix tree with a linear scan over
// random prefixes, to catch split and descent mistakes.
func TestIPTreeAgainstScan(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	var tree IPTree
	var prefixes []netip.Prefix
	for i := range 2000 {
		var p netip.Prefix
		if i%2 == 0 {
			p = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))}), r.IntN(33)).Masked()
		} else {
			var b [16]byte
			b[0], b[1], b[2] = 0x20, 0x01, byte(r.IntN(4))
			b[15] = byte(r.IntN(256))
			p = netip.PrefixFrom(netip.AddrFrom16(b), r.IntN(129)).Masked()
		}
		tree.Insert(p, int32(i))
		prefixes = append(prefixes, p)
	}
	for range 5000 {
		var a netip.Addr
		if r.IntN(2) == 0 {
			a = netip.AddrFrom4([4]byte{10, byte(r.IntN(4)), byte(r.IntN(256)), byte(r.IntN(256))})
		} else {
			var b [16]byte
			b[0], b[1], b[2], b[15] = 0x20, 0x01, byte(r.IntN(4)), byte(r.IntN(256))
			a = netip.AddrFrom16(b)
		}
		want, wantOK := int32(0), false
		best := -1
		for i, p := range prefixes {
			if p.Contains(a) && p.Bits() > best {
				best, want, wantOK = p.Bits(), int32(i), true
			}
		}
		got, ok := tree.Lookup(a)
		if ok != wantOK || (ok && prefixes[got].Bits() != prefixes[want].Bits()) {
			t.Fatalf("Lookup(%s) = %d,%v want %d,%v", a, got, ok, want, wantOK)
		}
	}
}

func TestParseIP(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{name: "host", in: "10.1.2.3", want: "10.1.2.3/32"},
		{name: "short form", in: "127.1", want: "127.0.0.1/32"},
		{name: "dotted mask", in: "192.168.0.0/255.255.0.0", want: "192.168.0.0/16"},
		{name: "masked", in: "10.1.2.3/8", want: "10.0.0.0/8"},
		{name: "v6", in: "2001:db8::1/32", want: "2001:db8::/32"},
		{name: "mapped stays v6", in: "::ffff:1.2.3.4/120", want: "::ffff:1.2.3.0/120"},
		{name: "bad", in: "host.example", want: "error"},
		{name: "bad mask", in: "10.0.0.0/33", want: "error"},
		{name: "holey mask", in: "10.0.0.0/255.0.255.0", want: "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := ParseIP(tc.in)
			got := p.String()
			if err != nil {
				got = "error"
			}
			if got != tc.want {
				t.Errorf("ParseIP(%q) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}
