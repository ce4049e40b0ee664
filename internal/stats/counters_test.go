package stats

import "testing"

func TestAvailability(t *testing.T) {
	t.Parallel()
	const s = int64(1e9)
	var c Counters
	if _, _, ok := c.Availability(0); ok {
		t.Fatal("availability known before the first state")
	}
	steps := []struct {
		name       string
		at         int64
		up         bool
		since, dwn int64 // expected at the same instant, in seconds
	}{
		{name: "starts up", at: 100 * s, up: true, since: 0, dwn: 0},
		{name: "same state moves nothing", at: 150 * s, up: true, since: 50, dwn: 0},
		{name: "goes down", at: 200 * s, up: false, since: 0, dwn: 0},
		{name: "down keeps counting", at: 230 * s, up: false, since: 30, dwn: 30},
		{name: "back up", at: 260 * s, up: true, since: 0, dwn: 60},
		{name: "later", at: 300 * s, up: true, since: 40, dwn: 60},
	}
	for _, st := range steps {
		c.SetAvailable(st.up, st.at)
		since, down, ok := c.Availability(st.at)
		if !ok || since/s != st.since || down/s != st.dwn {
			t.Errorf("%s: lastchg %ds, downtime %ds, want %d, %d", st.name, since/s, down/s, st.since, st.dwn)
		}
	}
}
