package main

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Run is one measured wrk run against one target, as bench/run.sh writes
// it to runs.csv.
type Run struct {
	Scenario, Target string
	Round            int
	Requests         int64
	DurationUS       int64
	Bytes            int64
	Non2xx           int64
	SockErrors       int64
	P50US, P90US     int64
	P99US, P999US    int64
	MaxUS            int64
	// ProxyCPUTicks is utime+stime of the proxy during the run; HasProxy
	// is false for the direct target, which has no proxy.
	ProxyCPUTicks   int64
	HasProxy        bool
	BackendCPUTicks int64
	ProxyHWMKB      int64
	// WrkCPUTicks and OtherCPUTicks are what wrk used and what every
	// other process on the machine used during the run; HasOther is false
	// for results from before these columns existed.
	WrkCPUTicks   int64
	OtherCPUTicks int64
	HasOther      bool
}

// ReqPerSec is the run's throughput.
func (r Run) ReqPerSec() float64 {
	if r.DurationUS == 0 {
		return 0
	}
	return float64(r.Requests) * 1e6 / float64(r.DurationUS)
}

// csvColumns is the header bench/run.sh writes; reading by name keeps the
// two in step and lets columns be appended later.
var csvColumns = []string{
	"scenario", "target", "round", "requests", "duration_us", "bytes",
	"non2xx", "sock_errors", "p50_us", "p90_us", "p99_us", "p999_us",
	"max_us", "proxy_cpu_ticks", "backend_cpu_ticks", "proxy_hwm_kb",
}

// optionalColumns were added later; older results lack them.
var optionalColumns = []string{"wrk_cpu_ticks", "other_cpu_ticks"}

// readRuns parses runs.csv.
func readRuns(r io.Reader) ([]Run, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("runs.csv: header: %w", err)
	}
	col := make(map[string]int, len(header))
	for i, h := range header {
		col[h] = i
	}
	for _, name := range csvColumns {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("runs.csv: missing column %q", name)
		}
	}
	var runs []Run
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return runs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("runs.csv: %w", err)
		}
		run, err := parseRun(rec, col)
		if err != nil {
			return nil, fmt.Errorf("runs.csv:%d: %w", line, err)
		}
		runs = append(runs, run)
	}
}

func parseRun(rec []string, col map[string]int) (Run, error) {
	var firstErr error
	num := func(name string) int64 {
		i, ok := col[name]
		if !ok {
			return 0
		}
		v := rec[i]
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("column %s: %w", name, err)
		}
		return n
	}
	r := Run{
		Scenario:        rec[col["scenario"]],
		Target:          rec[col["target"]],
		Round:           int(num("round")),
		Requests:        num("requests"),
		DurationUS:      num("duration_us"),
		Bytes:           num("bytes"),
		Non2xx:          num("non2xx"),
		SockErrors:      num("sock_errors"),
		P50US:           num("p50_us"),
		P90US:           num("p90_us"),
		P99US:           num("p99_us"),
		P999US:          num("p999_us"),
		MaxUS:           num("max_us"),
		ProxyCPUTicks:   num("proxy_cpu_ticks"),
		HasProxy:        rec[col["proxy_cpu_ticks"]] != "",
		BackendCPUTicks: num("backend_cpu_ticks"),
		ProxyHWMKB:      num("proxy_hwm_kb"),
		WrkCPUTicks:     num("wrk_cpu_ticks"),
		OtherCPUTicks:   num("other_cpu_ticks"),
	}
	_, r.HasOther = col["other_cpu_ticks"]
	return r, firstErr
}

// Meta is the ordered key/value list from meta.tsv.
type Meta map[string]string

// readMeta parses meta.tsv: one "key<TAB>value" per line.
func readMeta(r io.Reader) (Meta, error) {
	m := Meta{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "\t")
		if !ok {
			return nil, fmt.Errorf("meta.tsv:%d: no tab", n)
		}
		m[k] = v
	}
	return m, sc.Err()
}

// get returns the value of key, or "?" so a missing fact is visible in
// the report instead of silently blank.
func (m Meta) get(key string) string {
	if v, ok := m[key]; ok && v != "" {
		return v
	}
	return "?"
}

// int returns the value of key as an int, or def.
func (m Meta) int(key string, def int) int {
	if n, err := strconv.Atoi(m[key]); err == nil {
		return n
	}
	return def
}

// IdleRun is one idle-connection measurement from idle.csv: the proxy's
// VmRSS before and while Conns client connections were held open.
type IdleRun struct {
	Scenario, Target string
	Round            int
	Conns            int64
	RSSBeforeKB      int64
	RSSAfterKB       int64
	ProxyHWMKB       int64
}

// BytesPerConn is the proxy's memory growth per held connection.
func (r IdleRun) BytesPerConn() float64 {
	if r.Conns == 0 {
		return 0
	}
	return float64(r.RSSAfterKB-r.RSSBeforeKB) * 1024 / float64(r.Conns)
}

// idleColumns is the header bench/run.sh writes to idle.csv.
var idleColumns = []string{"scenario", "target", "round", "conns", "rss_before_kb", "rss_after_kb", "proxy_hwm_kb"}

// readIdle parses idle.csv.
func readIdle(r io.Reader) ([]IdleRun, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("idle.csv: header: %w", err)
	}
	if !slices.Equal(header, idleColumns) {
		return nil, fmt.Errorf("idle.csv: header %q, want %q", header, idleColumns)
	}
	var runs []IdleRun
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			return runs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("idle.csv: %w", err)
		}
		var n [5]int64
		for i := range n {
			if n[i], err = strconv.ParseInt(rec[i+2], 10, 64); err != nil {
				return nil, fmt.Errorf("idle.csv:%d: column %s: %w", line, idleColumns[i+2], err)
			}
		}
		runs = append(runs, IdleRun{
			Scenario: rec[0], Target: rec[1], Round: int(n[0]), Conns: n[1],
			RSSBeforeKB: n[2], RSSAfterKB: n[3], ProxyHWMKB: n[4],
		})
	}
}
