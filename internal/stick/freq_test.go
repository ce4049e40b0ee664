package stick

import "testing"

// The expected rates below are worked out by hand from HAProxy's
// update_freq_ctr_period_slow and _freq_ctr_total_from_values.
func TestFreqCtr(t *testing.T) {
	t.Parallel()
	type step struct {
		at   uint32 // tick in ms
		add  uint32 // events to add, or 0 to read
		want uint32 // expected read_freq_ctr_period result when add == 0
	}
	tests := []struct {
		name   string
		period uint32
		steps  []step
	}{
		{
			name:   "inside the first period",
			period: 10000,
			steps:  []step{{at: 1000, add: 3}, {at: 5000, want: 3}},
		},
		{
			name:   "sliding window over two periods",
			period: 10000,
			steps: []step{
				{at: 1000, add: 3},
				{at: 12000, add: 5},
				// 3*8000/10000 of the previous period plus 5 now: 74000/10000.
				{at: 12000, want: 7},
				{at: 15000, want: 6}, // (3*5000 + 5*10000) / 10000
				// Next period without events: 5*9000/10000.
				{at: 21000, want: 4},
				{at: 30000, want: 0},
				{at: 30001, want: 0},
			},
		},
		{
			name:   "low rates do not flap",
			period: 10000,
			// One event last period reads 1 rather than 5000/10000.
			steps: []step{{at: 1000, add: 1}, {at: 15000, want: 1}, {at: 20000, want: 1}, {at: 20001, want: 0}},
		},
		{
			name:   "odd period keeps even period starts",
			period: 999,
			steps: []step{
				{at: 1500, add: 1}, // period starts at 999 rounded down to 998
				{at: 1500, want: 1},
				{at: 2000, add: 2},  // rotates to 1997, rounded to 1996
				{at: 2000, want: 2}, // (1*995 + 2*999) / 999
			},
		},
		{
			name:   "idle for two periods forgets the past",
			period: 10000,
			steps:  []step{{at: 1000, add: 7}, {at: 35000, add: 1}, {at: 35000, want: 1}, {at: 40000, want: 1}},
		},
		{
			name:   "tick wraps around",
			period: 1000,
			steps: []step{
				{at: 1<<32 - 600, add: 4}, // the period starts at 2^32-600
				// 900ms later on the wrapped clock: still the same period.
				{at: 300, add: 2},
				{at: 300, want: 6},
				// The period ended at 400: 6 events * 400ms left / 1000.
				{at: 1000, want: 2},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var f freqCtr
			for _, s := range tc.steps {
				if s.add > 0 {
					f.update(s.at, tc.period, s.add)
					continue
				}
				if got := f.read(s.at, tc.period); got != s.want {
					t.Errorf("read at %d = %d, want %d (ctr %+v)", s.at, got, s.want, f)
				}
			}
		})
	}
}
