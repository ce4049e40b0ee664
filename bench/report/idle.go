package main

import (
	"fmt"
	"strings"
)

// IdleSummary is one target's line in the idle-connection table.
type IdleSummary struct {
	Target string
	Conns  int64
	// BytesPerConn is the VmRSS growth per held connection.
	BytesPerConn Spread
	RSSBeforeKB  Spread
	RSSAfterKB   Spread
	PeakRSSKB    int64
}

// summariseIdle groups idle runs by target, in the order targets are
// listed, skipping targets without runs.
func summariseIdle(runs []IdleRun, scenario string, targets []string) []IdleSummary {
	var out []IdleSummary
	for _, t := range targets {
		var per, before, after []float64
		s := IdleSummary{Target: t}
		for _, r := range runs {
			if r.Scenario != scenario || r.Target != t {
				continue
			}
			per = append(per, r.BytesPerConn())
			before = append(before, float64(r.RSSBeforeKB))
			after = append(after, float64(r.RSSAfterKB))
			s.Conns = max(s.Conns, r.Conns)
			s.PeakRSSKB = max(s.PeakRSSKB, r.ProxyHWMKB)
		}
		if len(per) == 0 {
			continue
		}
		s.BytesPerConn, s.RSSBeforeKB, s.RSSAfterKB = spreadOf(per), spreadOf(before), spreadOf(after)
		out = append(out, s)
	}
	return out
}

// writeIdle writes the idle-connection table: memory per connection is
// what the target (≤ 3× HAProxy) is about.
func writeIdle(b *strings.Builder, r *Report, scenario string, targets []string) {
	m := r.Meta
	sums := summariseIdle(r.Idle, scenario, targets)
	fmt.Fprintf(b, "## %s\n\n%s\n\n", m.get("scenario."+scenario+".title"), m.get("scenario."+scenario+".desc"))
	if capped := m["idle_capped"]; capped != "" {
		fmt.Fprintf(b, "%s\n\n", capped)
	}
	var base float64
	for _, s := range sums {
		if s.Target == scenarioBaseline(m, scenario) {
			base = s.BytesPerConn.Median
		}
	}
	b.WriteString("| target | connections held | VmRSS before | VmRSS holding them | memory per connection median (min–max) | peak RSS | per connection vs HAProxy |\n")
	b.WriteString("|---|---|---|---|---|---|---|\n")
	for _, s := range sums {
		rel := "–"
		if base > 0 {
			rel = fmtRatio(s.BytesPerConn.Median / base)
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s (%s–%s) | %s | %s |\n",
			label(s.Target), fmtInt(float64(s.Conns)),
			fmtKiB(s.RSSBeforeKB.Median), fmtKiB(s.RSSAfterKB.Median),
			fmtBytes(s.BytesPerConn.Median), fmtBytes(s.BytesPerConn.Min), fmtBytes(s.BytesPerConn.Max),
			fmtKiB(float64(s.PeakRSSKB)), rel)
	}
	b.WriteString("\n")
}

// fmtKiB shows a size given in KiB in MiB.
func fmtKiB(kb float64) string { return fmt.Sprintf("%.1f MiB", kb/1024) }

// fmtBytes shows bytes below 10 KiB and KiB with one decimal above.
func fmtBytes(n float64) string {
	if n < 10*1024 {
		return fmt.Sprintf("%.0f B", n)
	}
	return fmt.Sprintf("%.1f KiB", n/1024)
}
