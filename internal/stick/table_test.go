package stick

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced time source.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTable parses line and builds a table on a fake clock.
func newTable(t testing.TB, line string) (*Table, *fakeClock) {
	t.Helper()
	d, err := ParseDecl(strings.Fields(line))
	if err != nil {
		t.Fatal(err)
	}
	c := newFakeClock()
	return New("st", d, WithClock(c.Now)), c
}

func ip(s string) Key { return IPKey(netip.MustParseAddr(s)) }

// dumpLines returns the entry lines of a dump, without the header.
func dumpLines(t *testing.T, tb *Table) []string {
	t.Helper()
	var sb strings.Builder
	if err := tb.Dump(&sb); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(sb.String(), "\n"), "\n")
	return lines[1:]
}

// keyOf returns what Dump prints after "key=" for the only entry.
func keyOf(t *testing.T, tb *Table) string {
	t.Helper()
	lines := dumpLines(t, tb)
	if len(lines) != 1 {
		t.Fatalf("want one entry, got %q", lines)
	}
	_, rest, _ := strings.Cut(lines[0], " key=")
	k, _, _ := strings.Cut(rest, " use=")
	return k
}

func TestKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		decl    string
		keys    []Key  // all must land on the same entry
		wantKey string // as Dump prints it
	}{
		{"ipv4", "type ip size 10", []Key{ip("10.0.0.1"), ip("::ffff:10.0.0.1"), ip("::10.0.0.1"), ip("2002:a00:1::"), IntKey(0x0a000001), StringKey("10.0.0.1")}, "10.0.0.1"},
		{"ipv6 maps ipv4", "type ipv6 size 10", []Key{ip("192.0.2.7"), ip("::ffff:192.0.2.7"), StringKey("::ffff:192.0.2.7")}, "::ffff:192.0.2.7"},
		{"ipv6", "type ipv6 size 10", []Key{ip("2001:db8::1"), StringKey("2001:db8:0::1")}, "2001:db8::1"},
		{"integer keeps 32 bits", "type integer size 10", []Key{IntKey(-1), IntKey(1<<32 - 1), StringKey("4294967295")}, "4294967295"},
		{"integer from ipv4", "type integer size 10", []Key{IntKey(16909060), ip("1.2.3.4")}, "16909060"},
		{"string truncated to len", "type string len 5 size 10", []Key{StringKey("hello world"), StringKey("hello"), StringKey("hello\x00x")}, "hello"},
		{"string default 31 characters", "type string size 10", []Key{StringKey(strings.Repeat("a", 40)), StringKey(strings.Repeat("a", 31))}, strings.Repeat("a", 31)},
		{"string escapes", "type string size 10", []Key{StringKey("a b=c\\\t\x01")}, `a\ b\=c\\\t\x01`},
		{"string from integer", "type string size 10", []Key{IntKey(42), StringKey("42")}, "42"},
		{"binary padded", "type binary len 4 size 10", []Key{BinaryKey([]byte{0xab}), BinaryKey([]byte{0xab, 0, 0}), BinaryKey([]byte{0xab, 0, 0, 0, 9})}, "AB000000"},
		{"binary from ipv4", "type binary len 4 size 10", []Key{ip("1.2.3.4"), StringKey("\x01\x02\x03\x04")}, "01020304"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, _ := newTable(t, tc.decl)
			first := tb.Track(tc.keys[0])
			if first == nil {
				t.Fatal("Track returned nil")
			}
			first.Release()
			for _, k := range tc.keys[1:] {
				if e := tb.Get(k); e != first {
					t.Errorf("Get(%+v) = %v, want the entry of %+v", k, e, tc.keys[0])
				}
			}
			if got := keyOf(t, tb); got != tc.wantKey {
				t.Errorf("dumped key = %q, want %q", got, tc.wantKey)
			}
		})
	}
}

func TestKeysNotConvertible(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		decl string
		key  Key
	}{
		{"ipv6 in ipv4 table", "type ip size 10", ip("2001:db8::1")},
		{"text in ipv4 table", "type ip size 10", StringKey("not an address")},
		{"text in integer table", "type integer size 10", StringKey("12abc")},
		{"ipv6 in integer table", "type integer size 10", ip("2001:db8::1")},
		{"zero key", "type ip size 10", Key{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, _ := newTable(t, tc.decl)
			if e := tb.Track(tc.key); e != nil {
				t.Errorf("Track created %v", e)
			}
			if tb.Len() != 0 {
				t.Errorf("Len = %d", tb.Len())
			}
		})
	}
}

func TestParseKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, decl, in string
		wantErr        bool
	}{
		{"ipv4", "type ip size 1", "127.0.0.1", false},
		{"ipv6 into ipv4", "type ip size 1", "2001:db8::1", true},
		{"bad address", "type ipv6 size 1", "x", true},
		{"integer", "type integer size 1", "-5", false},
		{"bad integer", "type integer size 1", "5x", true},
		{"string", "type string size 1", "anything", false},
		{"binary hex", "type binary size 1", "0aff", false},
		{"binary not hex", "type binary size 1", "zz", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, _ := newTable(t, tc.decl)
			k, err := tb.ParseKey(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseKey(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if err == nil {
				tb.Track(k).Release()
				if tb.Get(k) == nil {
					t.Error("parsed key not found after Track")
				}
			}
		})
	}
}

func TestDataTypes(t *testing.T) {
	t.Parallel()
	const decl = "type ip size 10 brates-factor 4 store server_id,gpt0,gpc0,gpc0_rate(10s),conn_cnt,conn_rate(10s),conn_cur," +
		"sess_cnt,sess_rate(10s),http_req_cnt,http_req_rate(10s),http_err_cnt,http_err_rate(10s),bytes_in_cnt,bytes_in_rate(10s)," +
		"bytes_out_cnt,bytes_out_rate(10s),gpc1,gpc1_rate(10s),server_key,http_fail_cnt,http_fail_rate(10s),glitch_cnt,glitch_rate(10s)"
	type check struct {
		dt   DataType
		want uint64
	}
	tests := []struct {
		name  string
		apply func(e *Entry)
		cnt   []check
		rate  []check
	}{
		{"conn event", func(e *Entry) { e.Record(EventConn, 2) }, []check{{ConnCnt, 2}}, []check{{ConnRate, 2}}},
		{"sess event", func(e *Entry) { e.Record(EventSess, 1) }, []check{{SessCnt, 1}}, []check{{SessRate, 1}}},
		{"http_req event", func(e *Entry) { e.Record(EventHTTPReq, 3) }, []check{{HTTPReqCnt, 3}}, []check{{HTTPReqRate, 3}}},
		{"http_err event", func(e *Entry) { e.Record(EventHTTPErr, 1) }, []check{{HTTPErrCnt, 1}}, []check{{HTTPErrRate, 1}}},
		{"http_fail event", func(e *Entry) { e.Record(EventHTTPFail, 1) }, []check{{HTTPFailCnt, 1}}, []check{{HTTPFailRate, 1}}},
		{"glitch event", func(e *Entry) { e.Record(EventGlitch, 4) }, []check{{GlitchCnt, 4}}, []check{{GlitchRate, 4}}},
		// brates-factor 4: 10 bytes count as ceil(10/4)=3 blocks, read as 12.
		{"bytes in", func(e *Entry) { e.Record(EventBytesIn, 10) }, []check{{BytesInCnt, 10}}, []check{{BytesInRate, 12}}},
		{"bytes out 64-bit", func(e *Entry) { e.Record(EventBytesOut, 1<<33) }, []check{{BytesOutCnt, 1 << 33}}, nil},
		{"conn_cur up and down, not below zero", func(e *Entry) {
			e.Inc(ConnCur, 2)
			e.Dec(ConnCur)
			e.Dec(ConnCur)
			e.Dec(ConnCur)
		}, []check{{ConnCur, 0}}, nil},
		{"32-bit counters wrap", func(e *Entry) { e.Set(ConnCnt, 1<<32-1); e.Inc(ConnCnt, 2) }, []check{{ConnCnt, 1}}, nil},
		{"gpc0 and its rate", func(e *Entry) { e.IncGPC0(); e.IncGPC0() }, []check{{GPC0, 2}}, []check{{GPC0Rate, 2}}},
		{"gpc1 and clear", func(e *Entry) { e.IncGPC1(); e.ClearGPC1(); e.IncGPC1() }, []check{{GPC1, 1}}, []check{{GPC1Rate, 2}}},
		{"gpt0", func(e *Entry) { e.Set(GPT0, 7) }, []check{{GPT0, 7}}, nil},
		{"server_id", func(e *Entry) { e.SetServerID(-3) }, []check{{ServerID, 1<<32 - 3}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, _ := newTable(t, decl)
			e := tb.Track(ip("10.0.0.1"))
			defer e.Release()
			tc.apply(e)
			for _, c := range tc.cnt {
				if got, ok := e.Counter(c.dt); !ok || got != c.want {
					t.Errorf("Counter(%s) = %d, %v, want %d", c.dt, got, ok, c.want)
				}
			}
			for _, c := range tc.rate {
				if got, ok := e.Rate(c.dt); !ok || got != c.want {
					t.Errorf("Rate(%s) = %d, %v, want %d", c.dt, got, ok, c.want)
				}
			}
		})
	}
}

func TestServerFields(t *testing.T) {
	t.Parallel()
	tb, _ := newTable(t, "type ip size 10 store server_id,server_key")
	e := tb.Track(ip("10.0.0.1"))
	defer e.Release()
	if id, ok := e.ServerID(); !ok || id != 0 {
		t.Errorf("ServerID = %d, %v", id, ok)
	}
	e.SetServerID(12)
	e.SetServerKey("s1")
	if id, _ := e.ServerID(); id != 12 {
		t.Errorf("ServerID = %d, want 12", id)
	}
	if k, ok := e.ServerKey(); !ok || k != "s1" {
		t.Errorf("ServerKey = %q, %v", k, ok)
	}
}

func TestArraysAndLegacyNames(t *testing.T) {
	t.Parallel()
	tb, _ := newTable(t, "type ip size 10 store gpt(3),gpc(2),gpc_rate(2,10s)")
	e := tb.Track(ip("10.0.0.1"))
	defer e.Release()
	if v, ok := e.IncGPC(1); !ok || v != 1 {
		t.Errorf("IncGPC(1) = %d, %v", v, ok)
	}
	if v, ok := e.IncGPC0(); !ok || v != 1 { // falls back to gpc[0]
		t.Errorf("IncGPC0 = %d, %v", v, ok)
	}
	if _, ok := e.IncGPC(2); ok {
		t.Error("IncGPC(2) beyond gpc(2) succeeded")
	}
	e.SetAt(GPT, 2, 9)
	checks := []struct {
		name string
		got  func() (uint64, bool)
		want uint64
	}{
		{"gpc[0]", func() (uint64, bool) { return e.CounterAt(GPC, 0) }, 1},
		{"gpc1 legacy name", func() (uint64, bool) { return e.Counter(GPC1) }, 1},
		{"gpc_rate[1]", func() (uint64, bool) { return e.RateAt(GPCRate, 1) }, 1},
		{"gpc0_rate legacy name", func() (uint64, bool) { return e.Rate(GPC0Rate) }, 1},
		{"gpt[2]", func() (uint64, bool) { return e.CounterAt(GPT, 2) }, 9},
		{"gpt0 legacy name", func() (uint64, bool) { return e.Counter(GPT0) }, 0},
	}
	for _, c := range checks {
		if v, ok := c.got(); !ok || v != c.want {
			t.Errorf("%s = %d, %v, want %d", c.name, v, ok, c.want)
		}
	}
	if old, ok := e.ClearGPC(1); !ok || old != 1 {
		t.Errorf("ClearGPC(1) = %d, %v", old, ok)
	}

	// gpc(idx) never falls back to the legacy gpc0.
	legacy, _ := newTable(t, "type ip size 10 store gpc0")
	le := legacy.Track(ip("10.0.0.1"))
	defer le.Release()
	if _, ok := le.IncGPC(0); ok {
		t.Error("IncGPC(0) used gpc0")
	}
}

func TestNotStored(t *testing.T) {
	t.Parallel()
	tb, _ := newTable(t, "type ip size 10 store gpc0")
	e := tb.Track(ip("10.0.0.1"))
	defer e.Release()
	if _, ok := e.Rate(HTTPReqRate); ok {
		t.Error("Rate of a type not stored reported ok")
	}
	if _, ok := e.Counter(ConnCnt); ok {
		t.Error("Counter of a type not stored reported ok")
	}
	if _, ok := e.Rate(GPC0); ok {
		t.Error("Rate of a counter reported ok")
	}
	if e.Inc(GPT0, 1) || e.Set(GPC0Rate, 1) {
		t.Error("update of a type not stored reported ok")
	}
	if _, ok := e.ServerKey(); ok {
		t.Error("ServerKey reported ok")
	}
	e.Record(EventHTTPReq, 1) // nothing stored: no effect, no panic
}

func TestRateThroughEntry(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 10 store http_req_rate(10s)")
	e := tb.Track(ip("10.0.0.1"))
	defer e.Release()
	c.Advance(time.Second)
	e.Record(EventHTTPReq, 3)
	c.Advance(11 * time.Second) // t=12s
	e.Record(EventHTTPReq, 5)
	if got, _ := e.Rate(HTTPReqRate); got != 7 { // see TestFreqCtr
		t.Errorf("rate at 12s = %d, want 7", got)
	}
	c.Advance(3 * time.Second)
	if got, _ := e.Rate(HTTPReqRate); got != 6 {
		t.Errorf("rate at 15s = %d, want 6", got)
	}
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 10 expire 10s store gpc0")
	e := tb.Track(ip("10.0.0.1"))
	e.Release()

	c.Advance(6 * time.Second)
	if got := tb.Get(ip("10.0.0.1")); got == nil || got.Expire() != 4*time.Second {
		t.Fatalf("Get after 6s = %v", got)
	}
	// An update refreshes the expiry; a Get does not.
	tb.Get(ip("10.0.0.1")).IncGPC0()
	c.Advance(6 * time.Second)
	if got := tb.Get(ip("10.0.0.1")); got == nil || got.Idle() != 6*time.Second {
		t.Fatalf("entry touched 6s ago is gone or idle wrong: %v", got)
	}
	c.Advance(4 * time.Second) // exactly at expiry
	if got := tb.Get(ip("10.0.0.1")); got != nil {
		t.Errorf("expired entry still found")
	}
	if tb.Len() != 0 {
		t.Errorf("Len = %d after lazy expiry", tb.Len())
	}
	// A new Track starts over with fresh counters.
	e = tb.Track(ip("10.0.0.1"))
	defer e.Release()
	if v, _ := e.Counter(GPC0); v != 0 {
		t.Errorf("gpc0 of recreated entry = %d", v)
	}
}

func TestTrackedEntriesDoNotExpire(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 10 expire 1s")
	e := tb.Track(ip("10.0.0.1"))
	c.Advance(5 * time.Second)
	if tb.Sweep() != 0 || tb.Get(ip("10.0.0.1")) != e {
		t.Fatal("tracked entry expired")
	}
	if e.Expire() != 0 {
		t.Errorf("Expire = %v past the date, want 0", e.Expire())
	}
	e.Release() // the last holder of an expired entry frees it
	if tb.Len() != 0 {
		t.Errorf("Len = %d after releasing an expired entry", tb.Len())
	}
}

func TestSweep(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type integer size 100 expire 10s")
	for i := range 10 { // key i touched at i seconds
		tb.Track(IntKey(int64(i))).Release()
		c.Advance(time.Second)
	}
	tb.Get(IntKey(5)).Touch() // at 10s
	held := tb.Track(IntKey(3))
	defer held.Release()
	c.Advance(6 * time.Second) // 16s: entries touched up to 6s are expired
	if got := tb.Sweep(); got != 5 {
		t.Errorf("Sweep removed %d, want 5 (keys 0, 1, 2, 4, 6)", got)
	}
	if tb.Len() != 5 {
		t.Errorf("Len = %d, want 5", tb.Len())
	}
	for _, k := range []int64{3, 5, 7, 8, 9} {
		if tb.Get(IntKey(k)) == nil {
			t.Errorf("key %d was swept", k)
		}
	}
}

func TestNoExpire(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 10")
	tb.Track(ip("10.0.0.1")).Release()
	c.Advance(1000 * time.Hour)
	if tb.Sweep() != 0 || tb.Get(ip("10.0.0.1")) == nil {
		t.Error("entry of a table without expire went away")
	}
}

func TestEviction(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		decl    string
		hold    []int64 // keys tracked and not released
		touch   []int64 // keys touched after all are created, in order
		newKey  int64
		evicted int64 // -1: the new key is refused
	}{
		{name: "oldest goes", decl: "type integer size 3", newKey: 9, evicted: 0},
		{name: "oldest by last touch", decl: "type integer size 3", touch: []int64{0}, newKey: 9, evicted: 1},
		{name: "held entries are skipped", decl: "type integer size 3", hold: []int64{0, 1}, newKey: 9, evicted: 2},
		{name: "all held refuses", decl: "type integer size 3", hold: []int64{0, 1, 2}, newKey: 9, evicted: -1},
		{name: "nopurge refuses", decl: "type integer size 3 nopurge", newKey: 9, evicted: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tb, c := newTable(t, tc.decl)
			for i := range int64(3) {
				tb.Track(IntKey(i)).Release()
				c.Advance(time.Second)
			}
			for _, k := range tc.hold {
				e := tb.Track(IntKey(k))
				t.Cleanup(e.Release)
				c.Advance(time.Second)
			}
			for _, k := range tc.touch {
				tb.Get(IntKey(k)).Touch()
				c.Advance(time.Second)
			}
			e := tb.Track(IntKey(tc.newKey))
			if tc.evicted < 0 {
				if e != nil {
					t.Fatal("Track succeeded in a full table")
				}
				if tb.Len() != 3 {
					t.Errorf("Len = %d, want 3", tb.Len())
				}
				return
			}
			if e == nil {
				t.Fatal("Track refused the new key")
			}
			e.Release()
			if tb.Len() != 3 {
				t.Errorf("Len = %d, want 3", tb.Len())
			}
			for i := range int64(3) {
				if got := tb.Get(IntKey(i)) == nil; got != (i == tc.evicted) {
					t.Errorf("key %d evicted = %v, want key %d evicted", i, got, tc.evicted)
				}
			}
		})
	}
}

func TestEvictionOrderManyShards(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 100")
	addr := func(i int) Key { return ip(fmt.Sprintf("10.0.%d.%d", i/256, i%256)) }
	for i := range 100 {
		tb.Track(addr(i)).Release()
		c.Advance(time.Millisecond)
	}
	for i := 100; i < 150; i++ {
		tb.Track(addr(i)).Release()
		c.Advance(time.Millisecond)
	}
	for i := range 150 {
		if gone := tb.Get(addr(i)) == nil; gone != (i < 50) {
			t.Fatalf("key %d gone = %v, want the 50 oldest gone", i, gone)
		}
	}
}

func TestDeleteAndClear(t *testing.T) {
	t.Parallel()
	tb, _ := newTable(t, "type ip size 10")
	tb.Track(ip("10.0.0.1")).Release()
	tb.Track(ip("10.0.0.2")).Release()
	held := tb.Track(ip("10.0.0.3"))
	defer held.Release()
	if tb.Delete(ip("10.0.0.3")) {
		t.Error("Delete removed a tracked entry")
	}
	if !tb.Delete(ip("10.0.0.1")) || tb.Delete(ip("10.0.0.1")) {
		t.Error("Delete of an unused entry: want true once")
	}
	if n := tb.Clear(); n != 1 {
		t.Errorf("Clear removed %d, want 1", n)
	}
	if tb.Len() != 1 || tb.Avail() != 9 {
		t.Errorf("Len, Avail = %d, %d, want 1, 9", tb.Len(), tb.Avail())
	}
}

func TestRefs(t *testing.T) {
	t.Parallel()
	tb, _ := newTable(t, "type ip size 10")
	a := tb.Track(ip("10.0.0.1"))
	b := tb.Track(ip("10.0.0.1"))
	if a != b || a.Refs() != 2 {
		t.Fatalf("two Tracks: same=%v refs=%d", a == b, a.Refs())
	}
	a.Release()
	b.Release()
	if a.Refs() != 0 {
		t.Errorf("Refs = %d after releases", a.Refs())
	}
	var nilEntry *Entry
	nilEntry.Release() // allowed: Track may return nil
	defer func() {
		if recover() == nil {
			t.Error("extra Release did not panic")
		}
	}()
	a.Release()
}
