// Command loadgen is bench/run.sh's open-loop load generator and idle
// connection holder.
//
// Rate mode sends requests at a fixed rate over a fixed set of keep-alive
// connections and prints latency percentiles, in the same HAWSER_BENCH
// line bench/wrk/summary.lua prints, so the script treats it like wrk:
//
//	loadgen -addr 127.0.0.1:18081 -rate 40000 -conns 50 -duration 5s
//
// Request i is due at start + i/rate, whatever happened to earlier
// requests (open loop). Its latency runs from the moment it was due if
// every connection was still busy then (the wait is the server's fault,
// and leaving it out is the "coordinated omission" closed-loop tools
// make), and from the moment it was sent otherwise (a late wake-up of
// the generator's own timer is not the server's fault).
//
// Idle mode opens N connections, sends one request on each, keeps them
// all open and prints "HAWSER_IDLE <open> <failed>" once they are; it
// closes them and exits on SIGTERM or SIGINT:
//
//	loadgen -addr 127.0.0.1:18081 -idle 10000
//
// gRPC mode (grpc.go) saturates a gRPC server with unary calls.
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	addr := flag.String("addr", "", "host:port to send requests to")
	path := flag.String("path", "/", "request path")
	method := flag.String("method", "GET", "request method")
	bodySize := flag.Int("body", 0, "request body size in bytes")
	rate := flag.Float64("rate", 0, "requests per second (rate mode)")
	conns := flag.Int("conns", 50, "connections (rate mode)")
	duration := flag.Duration("duration", 5*time.Second, "how long to send (rate mode)")
	idle := flag.Int("idle", 0, "connections to open and hold (idle mode)")
	grpc := flag.Bool("grpc", false, "gRPC unary calls over h2c (gRPC mode)")
	streams := flag.Int("streams", 50, "concurrent calls per connection (gRPC mode)")
	flag.Parse()
	req := buildRequest(*method, *addr, *path, *bodySize)
	var err error
	switch {
	case *addr == "":
		err = fmt.Errorf("-addr is required")
	case *grpc:
		var res result
		res, err = runGRPC(*addr, *conns, *streams, *duration)
		if err == nil {
			fmt.Println(res.summaryLine())
		}
	case *idle > 0:
		err = holdIdle(*addr, req, *idle)
	case *rate > 0:
		var res result
		res, err = runRate(*addr, req, *rate, *conns, *duration)
		if err == nil {
			fmt.Println(res.summaryLine())
		}
	default:
		err = fmt.Errorf("give -rate, -idle or -grpc")
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "loadgen: %v\n", err)
		os.Exit(1)
	}
}
