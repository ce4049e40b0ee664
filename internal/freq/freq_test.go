package freq

import (
	"sync"
	"testing"
)

func TestCtrConcurrentAdds(t *testing.T) {
	t.Parallel()
	var c Ctr
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 1000 {
				c.Add(10, 1000, 1)
			}
		})
	}
	wg.Wait()
	if got := c.Read(10, 1000); got != 8000 {
		t.Fatalf("rate = %d, want 8000", got)
	}
	// Half a period later, the previous period weighs half.
	c.Add(1200, 1000, 0)
	if got := c.Read(1500, 1000); got != 4000 {
		t.Fatalf("rate after rotation = %d, want 4000", got)
	}
	if got := c.Read(5000, 1000); got != 0 {
		t.Fatalf("rate long after = %d, want 0", got)
	}
}

func TestSWRate(t *testing.T) {
	t.Parallel()
	var s SWRate
	for i, v := range []uint64{10, 20, 30} {
		s.Add(uint64(i+1), v)
	}
	if got := s.Avg(3); got != 20 {
		t.Fatalf("avg = %d, want 20", got)
	}
	for n := uint64(4); n <= 5000; n++ {
		s.Add(n, 7)
	}
	if got := s.Avg(5000); got != 7 {
		t.Fatalf("avg = %d, want 7", got)
	}
}
