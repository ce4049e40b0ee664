package main

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
)

// dialers bounds how many connections idle mode opens at once, so the
// proxy sees a steady trickle rather than a listen-queue overflow.
const dialers = 64

// holdIdle opens n connections, completes one request on each, reports,
// and keeps them open until told to stop.
func holdIdle(addr string, req []byte, n int) error {
	clients := make([]*client, n)
	var next, failed atomic.Int64
	var wg sync.WaitGroup
	for range min(dialers, n) {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				c, err := openOne(addr, req)
				if err != nil {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "loadgen: connection %d: %v\n", i, err)
					continue
				}
				clients[i] = c
			}
		})
	}
	wg.Wait()
	fmt.Printf("HAWSER_IDLE\t%d\t%d\n", int64(n)-failed.Load(), failed.Load())
	os.Stdout.Sync()
	waitForStop()
	for _, c := range clients {
		if c != nil {
			c.close()
		}
	}
	return nil
}

// openOne dials and completes one request, so the connection has gone
// through the proxy's whole request path before it idles.
func openOne(addr string, req []byte) (*client, error) {
	c, err := dial(addr, req)
	if err != nil {
		return nil, err
	}
	status, _, err := c.roundTrip()
	if err == nil && status >= 400 {
		err = fmt.Errorf("status %d", status)
	}
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// waitForStop returns on SIGTERM or SIGINT. Standard input is not
// watched: a background job in a script gets /dev/null there.
func waitForStop() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	<-sig
}
