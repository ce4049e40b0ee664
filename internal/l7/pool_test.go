package l7

import (
	"log/slog"
	"sync"
	"testing"
)

// Concurrent first connections race to create the pool for a buffer size;
// the losers' spare pools must be stopped, the winner's kept, and Close
// must then stop the winner exactly once.
func TestHandlerPoolRace(t *testing.T) {
	t.Parallel()
	h := NewHandler(slog.Default())
	var wg sync.WaitGroup
	start := make(chan struct{})
	pools := make([]*connPool, 64)
	for i := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start // all goroutines ask at once, so that some lose the race
			pools[i] = h.pool(16384)
		}()
	}
	close(start)
	wg.Wait()
	for _, p := range pools[1:] {
		if p != pools[0] {
			t.Fatal("connections got different pools for one buffer size")
		}
	}
	h.Close() // panicked with "close of closed channel" before the fix
}
