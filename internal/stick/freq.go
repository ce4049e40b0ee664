package stick

// freqCtr is HAProxy's freq_ctr used with a period (freq_ctr.c): the count
// of the current period, the count of the previous one, and the tick at
// which the current period started. Ticks are milliseconds on a wrapping
// 32-bit clock, so all tick arithmetic below is modular, as in C.
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
	f.prev, f.curr = f.curr, inc
	tick := f.currTick + period
	if now-tick >= period {
		// At least two periods went by without an event.
		f.prev = 0
		tick = now
	}
	// HAProxy keeps the low bit of curr_tick as a lock, so period starts
	// are always even; keep them even to give the same readings.
	f.currTick = tick &^ 1
}

// read returns the event rate per period at tick now
// (read_freq_ctr_period): the current count plus the share of the previous
// period's count that still falls inside a sliding window of one period.
func (f *freqCtr) read(now, period uint32) uint32 {
	past, curr := uint64(f.prev), uint64(f.curr)
	remain := int64(int32(f.currTick + period - now))
	if remain < 0 {
		// Past the current period: what was current is now the previous
		// period, unless a whole period more has gone by.
		remain += int64(period)
		if remain >= 0 {
			past = curr
		} else {
			past = 0
		}
		curr = 0
	}
	// Very low rates (0 or 1 event last period, none yet in this one)
	// report the past count as is so they do not flap between 0 and 1.
	if curr == 0 && past <= 1 {
		return uint32(past)
	}
	total := past*uint64(remain) + curr*uint64(period)
	return uint32(total / uint64(period))
}
