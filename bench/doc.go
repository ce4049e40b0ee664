// Package bench holds hawser's benchmarks.
//
// run.sh compares the hawser binary with HAProxy and NGINX under wrk and
// writes docs/benchmarks.md (see that page for the method). The Go
// benchmarks in this package guard the data path in-process, so a change
// that adds latency or allocations per request shows up in
// `go test -bench . -benchmem ./bench/` without any external tool.
package bench
