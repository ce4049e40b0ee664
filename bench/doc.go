// Package bench holds hawser's benchmarks.
//
// run.sh compares the hawser binary with HAProxy, and with NGINX and
// Caddy as reverse proxies, under wrk and bench/loadgen (fixed-rate
// latency, idle connections), and writes docs/benchmarks.md and its chart
// (see that page for the method; bench/report renders both). The Go
// benchmarks in this package guard the data path in-process, so a change
// that adds latency or allocations per request shows up in
// `go test -bench . -benchmem ./bench/` without any external tool.
package bench
