package maps

import (
	"fmt"
	"net/netip"
	"strings"
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
