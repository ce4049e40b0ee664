package stick

import (
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"
)

// TestConcurrentTrack hammers a small table from many goroutines with
// creations, evictions, updates, sweeps and dumps. Run it with -race.
func TestConcurrentTrack(t *testing.T) {
	t.Parallel()
	tb, c := newTable(t, "type ip size 64 expire 50ms store conn_cur,http_req_cnt,http_req_rate(1s),gpc(2)")
	const workers, rounds = 16, 500
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds {
				k := IPKey(netip.AddrFrom4([4]byte{10, 0, byte(w), byte(i % 100)}))
				e := tb.Track(k)
				if e == nil {
					continue // full of tracked entries: refused, as in HAProxy
				}
				e.Inc(ConnCur, 1)
				e.Record(EventHTTPReq, 1)
				e.IncGPC(1)
				e.Rate(HTTPReqRate)
				e.Dec(ConnCur)
				e.Release()
				switch i % 100 {
				case 0:
					tb.Sweep()
				case 50:
					tb.Dump(discard{})
				case 75:
					c.Advance(10 * time.Millisecond)
				}
			}
		})
	}
	// Some goroutines share one hot key.
	for range workers {
		wg.Go(func() {
			for range rounds {
				e := tb.Track(ip("192.0.2.1"))
				if e != nil {
					e.Record(EventHTTPReq, 1)
					e.Release()
				}
			}
		})
	}
	wg.Wait()
	if n := tb.Len(); n < 0 || n > 64 {
		t.Errorf("Len = %d, outside [0, 64]", n)
	}
	var live int
	for i := range tb.shards {
		live += len(tb.shards[i].m)
	}
	if live != tb.Len() {
		t.Errorf("count %d does not match %d entries in shards", tb.Len(), live)
	}
	for i := range tb.shards {
		for _, e := range tb.shards[i].m {
			if e.Refs() != 0 {
				t.Errorf("entry %d still has %d refs", e.id, e.Refs())
			}
		}
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

func BenchmarkTrackIncRelease(b *testing.B) {
	tb := New("st", mustDecl(b, "type ip size 1m expire 30s store http_req_cnt,http_req_rate(10s),conn_cur"))
	k := IPKey(netip.MustParseAddr("192.0.2.1"))
	tb.Track(k).Release()
	b.ReportAllocs()
	for b.Loop() {
		e := tb.Track(k)
		e.Record(EventHTTPReq, 1)
		e.Release()
	}
}

func BenchmarkTrackStringKey(b *testing.B) {
	tb := New("st", mustDecl(b, "type string len 64 size 1m expire 30s store http_req_rate(10s)"))
	k := StringKey("session-cookie-value-0123456789")
	tb.Track(k).Release()
	b.ReportAllocs()
	for b.Loop() {
		e := tb.Track(k)
		e.Record(EventHTTPReq, 1)
		e.Release()
	}
}

// BenchmarkParallel measures contention: each goroutine works on its own
// set of client addresses spread over the shards.
func BenchmarkParallel(b *testing.B) {
	for _, hot := range []bool{false, true} {
		b.Run(fmt.Sprintf("hot=%v", hot), func(b *testing.B) {
			tb := New("st", mustDecl(b, "type ip size 1m expire 30s store http_req_cnt,http_req_rate(10s)"))
			var mu sync.Mutex
			next := byte(0)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				mu.Lock()
				id := next
				next++
				mu.Unlock()
				i := 0
				for pb.Next() {
					a := [4]byte{10, id, byte(i >> 8), byte(i)}
					if hot {
						a = [4]byte{192, 0, 2, 1}
					}
					e := tb.Track(IPKey(netip.AddrFrom4(a)))
					e.Record(EventHTTPReq, 1)
					e.Release()
					i = (i + 1) % 1024
				}
			})
		})
	}
}

func BenchmarkCreateEvict(b *testing.B) {
	tb := New("st", mustDecl(b, "type integer size 10k store conn_cnt"))
	b.ReportAllocs()
	i := int64(0)
	for b.Loop() {
		tb.Track(IntKey(i)).Release()
		i++
	}
}
