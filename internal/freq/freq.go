// Package freq holds HAProxy's event frequency counters (freq_ctr.c) and
// sliding-window averages (swrate): the arithmetic shared by stick tables
// and the proxy counters of package stats.
//
// Ticks are milliseconds on a wrapping 32-bit clock, so all tick arithmetic
// is modular, as in C. Now gives the process's tick.
package freq

import (
	"runtime"
	"sync/atomic"
	"time"
)

var start = time.Now()

// Now is the current tick: milliseconds since the process started, on a
// monotonic clock, wrapping every 49 days like HAProxy's now_ms.
func Now() uint32 { return uint32(time.Since(start) / time.Millisecond) }

// Read is read_freq_ctr_period: the event rate per period at tick now for
// a counter whose current period started at currTick with curr events, the
// previous one having had prev. It counts the current events plus the
// share of the previous period's events that still falls inside a sliding
// window of one period.
func Read(currTick, curr, prev, now, period uint32) uint32 {
	past, cur := uint64(prev), uint64(curr)
	remain := int64(int32(currTick + period - now))
	if remain < 0 {
		// Past the current period: what was current is now the previous
		// period, unless a whole period more has gone by.
		remain += int64(period)
		if remain >= 0 {
			past = cur
		} else {
			past = 0
		}
		cur = 0
	}
	// Very low rates (0 or 1 event last period, none yet in this one)
	// report the past count as is so they do not flap between 0 and 1.
	if cur == 0 && past <= 1 {
		return uint32(past)
	}
	total := past*uint64(remain) + cur*uint64(period)
	return uint32(total / uint64(period))
}

// Rotate is the period rotation of update_freq_ctr_period: called with the
// counter's state when now is past the current period, it returns the new
// period start (always even, as HAProxy keeps the low bit as a lock) and
// the new previous-period count.
func Rotate(currTick, curr, now, period uint32) (tick, prev uint32) {
	prev = curr
	tick = currTick + period
	if now-tick >= period {
		// At least two periods went by without an event.
		prev = 0
		tick = now
	}
	return tick &^ 1, prev
}

// Ctr is a frequency counter safe for concurrent use without a lock on its
// fast path: an event inside the current period is one atomic add. A
// rotation takes the low bit of tick as a spin lock, as HAProxy does.
type Ctr struct {
	tick atomic.Uint32 // start of the current period; low bit = locked
	curr atomic.Uint32
	prev atomic.Uint32
}

// Add records inc events at tick now for the given period.
func (c *Ctr) Add(now, period, inc uint32) {
	for {
		t := c.tick.Load()
		if t&1 == 0 && now-t < period {
			c.curr.Add(inc)
			return
		}
		if t&1 != 0 || !c.tick.CompareAndSwap(t, t|1) {
			runtime.Gosched()
			continue
		}
		if now-t < period {
			// Another goroutine rotated first.
			c.curr.Add(inc)
			c.tick.Store(t)
			return
		}
		tick, prev := Rotate(t, c.curr.Load(), now, period)
		c.prev.Store(prev)
		c.curr.Store(inc)
		c.tick.Store(tick)
		return
	}
}

// Read returns the rate per period at tick now.
func (c *Ctr) Read(now, period uint32) uint32 {
	t := c.tick.Load() &^ 1
	return Read(t, c.curr.Load(), c.prev.Load(), now, period)
}

// Max raises m to v if v is larger (HA_ATOMIC_UPDATE_MAX).
func Max(m *atomic.Uint32, v uint32) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

// Max64 is Max for 64-bit gauges.
func Max64(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

// Samples is the window of the sliding averages of queue, connect,
// response and total times: HAProxy's TIME_STATS_SAMPLES.
const Samples = 512

// SWRate is HAProxy's sliding-window average (swrate_add / swrate_avg):
// sum holds about Samples times the average, and each new value replaces
// one Samples-th of it. Until the window is full the sum is the plain sum
// of the values seen, so the first averages are exact.
type SWRate struct {
	sum atomic.Uint64
}

// Add adds value v; n is the number of values seen, this one included.
func (s *SWRate) Add(n, v uint64) {
	if n <= Samples {
		s.sum.Add(v)
		return
	}
	for {
		old := s.sum.Load()
		next := old - (old+Samples-1)/Samples + v
		if s.sum.CompareAndSwap(old, next) {
			return
		}
	}
}

// Avg is the average of the last values, given n, the number of values
// seen.
func (s *SWRate) Avg(n uint64) uint64 {
	if n == 0 {
		return 0
	}
	if n > Samples {
		n = Samples
	}
	return (s.sum.Load() + n - 1) / n
}
