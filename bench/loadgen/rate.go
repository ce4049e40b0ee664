package main

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is what a rate run measured.
type result struct {
	requests, bytes, non2xx, sockErrors int64
	elapsed                             time.Duration
	// latencies are in microseconds, sorted.
	latencies []int64
}

// worker is one connection's share of a run.
type worker struct {
	requests, bytes, non2xx, sockErrors int64
	latencies                           []int64
}

// runRate sends rate requests per second for d over conns connections.
func runRate(addr string, req []byte, rate float64, conns int, d time.Duration) (result, error) {
	if conns < 1 {
		return result{}, fmt.Errorf("-conns must be at least 1")
	}
	interval := time.Duration(float64(time.Second) / rate)
	if interval <= 0 {
		return result{}, fmt.Errorf("rate %v is too high", rate)
	}
	clients := make([]*client, conns)
	for i := range clients {
		c, err := dial(addr, req)
		if err != nil {
			return result{}, err
		}
		clients[i] = c
	}
	total := int64(d / interval)
	var next atomic.Int64
	workers := make([]worker, conns)
	// Start a little in the future so every goroutine is running when the
	// first request is due.
	start := time.Now().Add(20 * time.Millisecond)
	var wg sync.WaitGroup
	for i := range clients {
		workers[i].latencies = make([]int64, 0, total/int64(conns)+16)
		wg.Go(func() { workers[i].run(clients[i], addr, req, start, interval, total, &next) })
	}
	wg.Wait()
	elapsed := time.Since(start)
	for _, c := range clients {
		if c != nil {
			c.close()
		}
	}
	return merge(workers, elapsed), nil
}

// run takes the next due request until the run is over. Requests are
// taken in order, so a worker that takes a request after it was due found
// every other connection busy too.
func (w *worker) run(c *client, addr string, req []byte, start time.Time, interval time.Duration, total int64, next *atomic.Int64) {
	defer func() {
		if c != nil {
			c.close()
		}
	}()
	for {
		i := next.Add(1) - 1
		if i >= total {
			return
		}
		due := start.Add(time.Duration(i) * interval)
		from := due
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
			from = time.Now()
		}
		if c == nil {
			var err error
			if c, err = dial(addr, req); err != nil {
				w.sockErrors++
				continue
			}
		}
		status, n, err := c.roundTrip()
		if err != nil {
			w.sockErrors++
			c.close()
			c = nil
			continue
		}
		w.requests++
		w.bytes += n
		if status >= 400 {
			w.non2xx++
		}
		w.latencies = append(w.latencies, time.Since(from).Microseconds())
	}
}

func merge(workers []worker, elapsed time.Duration) result {
	r := result{elapsed: elapsed}
	for _, w := range workers {
		r.requests += w.requests
		r.bytes += w.bytes
		r.non2xx += w.non2xx
		r.sockErrors += w.sockErrors
		r.latencies = append(r.latencies, w.latencies...)
	}
	slices.Sort(r.latencies)
	return r
}

// percentile returns the smallest latency that q of the requests did not
// exceed (nearest rank), or 0 without requests.
func (r result) percentile(q float64) int64 {
	n := len(r.latencies)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(q / 100 * float64(n)))
	return r.latencies[min(max(rank, 1), n)-1]
}

// summaryLine formats the result like bench/wrk/summary.lua:
// HAWSER_BENCH requests duration_us bytes non2xx3xx sock_errors p50 p90
// p99 p999 max, tab separated, latencies in microseconds.
func (r result) summaryLine() string {
	return fmt.Sprintf("HAWSER_BENCH\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d",
		r.requests, r.elapsed.Microseconds(), r.bytes, r.non2xx, r.sockErrors,
		r.percentile(50), r.percentile(90), r.percentile(99), r.percentile(99.9), r.percentile(100))
}
