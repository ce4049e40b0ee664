package main

import (
	"slices"
)

// Spread is the median of a set of per-run values and their extremes.
type Spread struct {
	Median, Min, Max float64
	N                int
}

// spreadOf summarises values; the median of an even count is the mean of
// the middle two. An empty set gives the zero Spread.
func spreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{}
	}
	s := slices.Clone(values)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Spread{Median: med, Min: s[0], Max: s[n-1], N: n}
}

// Summary is one target's line in a scenario table.
type Summary struct {
	Target    string
	ReqPerSec Spread
	P50US     Spread
	P99US     Spread
	P999US    Spread
	// CPUPer100k is the proxy's CPU seconds per 100,000 requests; HasCPU
	// is false for targets without a proxy process.
	CPUPer100k Spread
	HasCPU     bool
	// BackendCPUPer100k shows whether the backend did the same work behind
	// every target.
	BackendCPUPer100k Spread
	PeakRSSKB         int64
	Non2xx            int64
	SockErrors        int64
}

// summarise groups a scenario's runs by target, in the order targets are
// listed, skipping targets without runs.
func summarise(runs []Run, scenario string, targets []string, clkTck int) []Summary {
	var out []Summary
	for _, t := range targets {
		var rps, p50, p99, p999, cpu, bcpu []float64
		s := Summary{Target: t}
		for _, r := range runs {
			if r.Scenario != scenario || r.Target != t {
				continue
			}
			rps = append(rps, r.ReqPerSec())
			p50 = append(p50, float64(r.P50US))
			p99 = append(p99, float64(r.P99US))
			p999 = append(p999, float64(r.P999US))
			bcpu = append(bcpu, per100k(r.BackendCPUTicks, r.Requests, clkTck))
			if r.HasProxy {
				s.HasCPU = true
				cpu = append(cpu, per100k(r.ProxyCPUTicks, r.Requests, clkTck))
			}
			s.PeakRSSKB = max(s.PeakRSSKB, r.ProxyHWMKB)
			s.Non2xx += r.Non2xx
			s.SockErrors += r.SockErrors
		}
		if len(rps) == 0 {
			continue
		}
		s.ReqPerSec = spreadOf(rps)
		s.P50US, s.P99US, s.P999US = spreadOf(p50), spreadOf(p99), spreadOf(p999)
		s.CPUPer100k, s.BackendCPUPer100k = spreadOf(cpu), spreadOf(bcpu)
		out = append(out, s)
	}
	return out
}

// cpus converts CPU clock ticks used during a run into the average number
// of CPUs kept busy.
func cpus(ticks, durationUS int64, clkTck int) float64 {
	if durationUS == 0 || clkTck == 0 {
		return 0
	}
	return float64(ticks) / float64(clkTck) / (float64(durationUS) / 1e6)
}

// per100k converts CPU clock ticks spent on requests into CPU seconds per
// 100,000 requests.
func per100k(ticks, requests int64, clkTck int) float64 {
	if requests == 0 || clkTck == 0 {
		return 0
	}
	return float64(ticks) / float64(clkTck) / float64(requests) * 1e5
}

// ratio is a/b, or 0 when b is 0 (shown as a dash).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
