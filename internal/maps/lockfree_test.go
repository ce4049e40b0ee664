package maps

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// TestTailAnswers checks that entries added at run time (kept in the tail
// index until it is folded) answer as if they were in the file: the first
// entry wins, except for beg and ip where the longest match wins.
func TestTailAnswers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		kind      Kind
		file, add string
		key, want string
	}{
		{"str first wins", Str, "a.example base\n", "a.example tail", "a.example", "base"},
		{"str tail only", Str, "a.example base\n", "b.example tail", "b.example", "tail"},
		{"beg longer tail wins", Beg, "/api base\n", "/api/v2 tail", "/api/v2/x", "tail"},
		{"beg longer base wins", Beg, "/api/v2 base\n", "/api tail", "/api/v2/x", "base"},
		{"beg same length base wins", Beg, "/api base\n", "/api tail", "/api/x", "base"},
		{"ip longer tail wins", IP, "10.0.0.0/8 base\n", "10.1.0.0/16 tail", "10.1.2.3", "tail"},
		{"ip longer base wins", IP, "10.1.0.0/16 base\n", "10.0.0.0/8 tail", "10.1.2.3", "base"},
		{"sub first wins", Sub, "api base\n", "ap tail", "/api", "base"},
		{"int first wins", Int, "1:10 base\n", "5 tail", "5", "base"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := NewRegistry().LoadMap(writeFile(t, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			mt := m.matcherT(t, tc.kind)
			k, v, _ := strings.Cut(tc.add, " ")
			if err := m.Add(k, v); err != nil {
				t.Fatal(err)
			}
			if st := m.st.Load(); st.tail[mt.slot] == nil {
				t.Fatal("the added entry is not in the tail")
			}
			got := lookupAny(t, mt, tc.key)
			if got != tc.want {
				t.Errorf("lookup %q = %q, want %q", tc.key, got, tc.want)
			}
			// Folding the tail (a deletion rebuilds) gives the same answer.
			m.Del("absent")
			m.Set("nothing", "x")
			if err := m.AddEntries(nil); err != nil {
				t.Fatal(err)
			}
			for range tailLimit(m.Len()) + 1 {
				_ = m.Add(fmt.Sprintf("%d", 1000000+m.Len()), "filler")
			}
			if st := m.st.Load(); st.baseN != m.Len() && st.baseN < 2 {
				t.Fatal("tail not folded")
			}
			if got := lookupAny(t, mt, tc.key); got != tc.want {
				t.Errorf("after fold: lookup %q = %q, want %q", tc.key, got, tc.want)
			}
		})
	}
}

func lookupAny(t *testing.T, mt *Matcher, key string) string {
	t.Helper()
	var v string
	switch mt.Kind() {
	case IP:
		v, _ = mt.LookupIP(netip.MustParseAddr(key))
	case Int:
		v, _ = mt.Lookup([]byte(key))
	default:
		v, _ = mt.Lookup([]byte(key))
	}
	return v
}

// TestLookupsDuringBulkEdits runs lookups on several matchers while a
// writer adds payloads, sets, deletes, clears and commits versions. Under
// -race this checks that lookups need no lock; every lookup must also see
// a whole state: "k0" and "k1" are in every version, so they are always
// found, even while a commit or a deletion rebuilds the indexes.
func TestLookupsDuringBulkEdits(t *testing.T) {
	t.Parallel()
	m, err := NewRegistry().LoadMap(writeFile(t, "k0 v0\nk1 v0\n"))
	if err != nil {
		t.Fatal(err)
	}
	str, beg, sub := m.matcherTB(t, Str), m.matcherTB(t, Beg), m.matcherTB(t, Sub)
	var stop atomic.Bool
	var bad, seen atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for !stop.Load() {
				_, okA := str.Lookup([]byte("k0"))
				_, okB := beg.Lookup([]byte("k1-and-more"))
				if !okA || !okB {
					bad.Add(1)
				}
				str.Lookup([]byte("host123.example"))
				sub.Lookup([]byte("zzz"))
				seen.Add(1)
			}
		})
	}
	letter := "v"
	for i := range 300 {
		val := fmt.Sprintf("%c%d", 'a'+i%26, i)
		switch i % 5 {
		case 0: // a bulk payload
			add := make([]Entry, 0, 200)
			for j := range 200 {
				add = append(add, Entry{Key: fmt.Sprintf("host%d.example", i*200+j), Value: val})
			}
			if err := m.AddEntries(add); err != nil {
				t.Fatal(err)
			}
		case 1:
			v := m.Prepare()
			_ = m.AddEntriesVersion(v, []Entry{{Key: "k0", Value: val}, {Key: "k1", Value: val}})
			letter = val[:1]
			if err := m.Commit(v); err != nil {
				t.Fatal(err)
			}
		case 2:
			m.Del("host0.example")
		case 3:
			_ = m.Add("k2", val)
		case 4:
			// Set changes one key at a time, so keep the first letter
			// the last commit gave both.
			m.Set("k0", letter+"x")
			m.Set("k1", letter+"y")
		}
	}
	stop.Store(true)
	wg.Wait()
	if bad.Load() != 0 {
		t.Fatalf("%d of %d lookups saw an inconsistent map", bad.Load(), seen.Load())
	}
}

func (m *Map) matcherTB(t testing.TB, k Kind) *Matcher {
	t.Helper()
	mt, err := m.Matcher(k, false)
	if err != nil {
		t.Fatal(err)
	}
	return mt
}
