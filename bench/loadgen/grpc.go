package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/net/http2"
)

// gRPC mode saturates a gRPC server (or a proxy in front of one) with
// unary calls over h2c, as ghz does, and prints the same HAWSER_BENCH line:
//
//	loadgen -grpc -addr 127.0.0.1:18088 -conns 1 -streams 50 -duration 5s
//
// Each of the conns HTTP/2 connections carries streams concurrent calls,
// each call starting when the previous one on its slot ends (closed loop:
// this measures throughput, not latency at a given rate). The call is
// grpc.testing.TestService/EmptyCall of the gRPC interop service: an empty
// message each way, so the numbers are the proxy's per-call cost. A call
// counts as failed (the non2xx column) unless it ends with grpc-status 0.

// grpcEmptyCall is the request body: one uncompressed, empty message.
var grpcEmptyCall = []byte{0, 0, 0, 0, 0}

const grpcEmptyCallPath = "/grpc.testing.TestService/EmptyCall"

func runGRPC(addr string, conns, streams int, d time.Duration) (result, error) {
	if conns < 1 || streams < 1 {
		return result{}, fmt.Errorf("-conns and -streams must be at least 1")
	}
	tr := &http2.Transport{DisableCompression: true}
	ccs := make([]*http2.ClientConn, conns)
	for i := range ccs {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			return result{}, err
		}
		cc, err := tr.NewClientConn(c)
		if err != nil {
			c.Close()
			return result{}, err
		}
		defer cc.Close()
		ccs[i] = cc
		// One call first, so that a target that cannot carry gRPC
		// fails the run instead of producing a row of errors.
		if _, _, err := grpcCall(cc, addr); err != nil {
			return result{}, fmt.Errorf("first call: %w", err)
		}
	}
	workers := make([]worker, conns*streams)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for i := range workers {
		w, cc := &workers[i], ccs[i/streams]
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t0 := time.Now()
				n, ok, err := grpcCall(cc, addr)
				if err != nil {
					w.sockErrors++
					continue
				}
				w.requests++
				w.bytes += n
				if !ok {
					w.non2xx++
				}
				w.latencies = append(w.latencies, time.Since(t0).Microseconds())
			}
		})
	}
	wg.Wait()
	return merge(workers, time.Since(start)), nil
}

// grpcCall makes one EmptyCall and returns the response bytes read and
// whether it ended with grpc-status 0.
func grpcCall(cc *http2.ClientConn, authority string) (int64, bool, error) {
	req := &http.Request{
		Method: "POST",
		URL:    &url.URL{Scheme: "http", Host: authority, Path: grpcEmptyCallPath},
		Host:   authority,
		Header: http.Header{
			"Content-Type": {"application/grpc"},
			"Te":           {"trailers"},
			"User-Agent":   {"hawser-loadgen"},
		},
		Body:          io.NopCloser(bytes.NewReader(grpcEmptyCall)),
		ContentLength: int64(len(grpcEmptyCall)),
	}
	req = req.WithContext(context.Background())
	resp, err := cc.RoundTrip(req)
	if err != nil {
		return 0, false, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return n, false, err
	}
	status := resp.Trailer.Get("Grpc-Status")
	if status == "" {
		// A trailers-only response carries the status in the head.
		status = resp.Header.Get("Grpc-Status")
	}
	return n, resp.StatusCode == 200 && status == "0", nil
}
