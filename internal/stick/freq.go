package stick

import "github.com/hawser-lb/hawser/internal/freq"

// freqCtr is HAProxy's freq_ctr used with a period (freq_ctr.c): the count
// of the current period, the count of the previous one, and the tick at
// which the current period started. The arithmetic is package freq's.
//
// The counter is not safe for concurrent use; Entry guards it with its
// mutex, which replaces HAProxy's lock bit in curr_tick.
type freqCtr struct {
	currTick uint32
	curr     uint32
	prev     uint32
}

// update adds inc events at tick now, rotating the periods first when now
// is past the current one (update_freq_ctr_period_slow).
func (f *freqCtr) update(now, period, inc uint32) {
	if now-f.currTick < period {
		f.curr += inc
		return
	}
	f.currTick, f.prev = freq.Rotate(f.currTick, f.curr, now, period)
	f.curr = inc
}

// read returns the event rate per period at tick now
// (read_freq_ctr_period).
func (f *freqCtr) read(now, period uint32) uint32 {
	return freq.Read(f.currTick, f.curr, f.prev, now, period)
}
