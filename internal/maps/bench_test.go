package maps

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
)

const benchEntries = 100_000

// benchMap builds a 100k-entry map file with keys made by key(i).
func benchMap(b *testing.B, key func(i int) string) *Map {
	b.Helper()
	var sb strings.Builder
	for i := range benchEntries {
		fmt.Fprintf(&sb, "%s backend%d\n", key(i), i%50)
	}
	m, err := NewRegistry().LoadMap(writeFile(b, sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	return m
}

func BenchmarkLookupStr100k(b *testing.B) {
	m := benchMap(b, func(i int) string { return fmt.Sprintf("host%d.example.com", i) })
	mt, err := m.Matcher(Str, false)
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("host77777.example.com")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := mt.Lookup(key); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkLookupBeg100k(b *testing.B) {
	m := benchMap(b, func(i int) string { return fmt.Sprintf("/p%d/", i) })
	mt, err := m.Matcher(Beg, false)
	if err != nil {
		b.Fatal(err)
	}
	key := []byte("/p77777/some/longer/path")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := mt.Lookup(key); !ok {
			b.Fatal("miss")
		}
	}
}

func BenchmarkLookupIP100k(b *testing.B) {
	m := benchMap(b, func(i int) string {
		if i%2 == 0 {
			return fmt.Sprintf("10.%d.%d.0/24", i>>8&255, i&255)
		}
		return fmt.Sprintf("2001:db8:%x:%x::/64", i>>16, i&0xffff)
	})
	mt, err := m.Matcher(IP, false)
	if err != nil {
		b.Fatal(err)
	}
	for _, addr := range []string{"10.1.2.77", "2001:db8:1:7777::1"} {
		b.Run(addr, func(b *testing.B) {
			a := netip.MustParseAddr(addr)
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := mt.LookupIP(a); !ok {
					b.Fatal("miss")
				}
			}
		})
	}
}

// BenchmarkLookupDuringEdits measures lookups on a 100k-entry map while
// another goroutine adds, sets and deletes entries: lookups take no lock
// and allocate nothing, so writers do not slow them down.
func BenchmarkLookupDuringEdits(b *testing.B) {
	m := benchMap(b, func(i int) string { return fmt.Sprintf("host%d.example.com", i) })
	mt, err := m.Matcher(Str, false)
	if err != nil {
		b.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			k := fmt.Sprintf("new%d.example.com", i)
			_ = m.Add(k, "x")
			if i%16 == 0 {
				m.Set(k, "y")
			}
		}
	})
	key := []byte("host77777.example.com")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := mt.Lookup(key); !ok {
			b.Fatal("miss")
		}
	}
	close(done)
	wg.Wait()
}

// BenchmarkAdd measures one "add map" on a 100k-entry map.
func BenchmarkAdd(b *testing.B) {
	m := benchMap(b, func(i int) string { return fmt.Sprintf("host%d.example.com", i) })
	if _, err := m.Matcher(Str, false); err != nil {
		b.Fatal(err)
	}
	i := 0
	for b.Loop() {
		i++
		_ = m.Add(fmt.Sprintf("new%d.example.com", i), "x")
	}
}
