package main

import (
	"fmt"
	"slices"
	"strings"
)

// peers are the proxies compared with HAProxy in the overview and the
// chart, in column order.
var peers = []string{"hawser", "nginx", "caddy"}

// ratioRow is one line of the overview: a scenario and each proxy's
// ratio to HAProxy in it (missing when that proxy did not run).
type ratioRow struct {
	Title  string
	Ratios map[string]float64
}

// throughputRows gives each saturating scenario's req/s median as a ratio
// to its baseline, by proxy family (the 2-thread scenario's hawser_2t
// counts as hawser).
func throughputRows(r *Report) []ratioRow {
	var rows []ratioRow
	for _, sc := range scenarioOrder(r) {
		if scenarioKind(r.Meta, sc) != "wrk" {
			continue
		}
		sums := summarise(r.Runs, sc, allTargets(r.Meta), r.Meta.int("clk_tck", 100))
		base := baseSummary(sums, scenarioBaseline(r.Meta, sc))
		if base == nil {
			continue
		}
		row := ratioRow{Title: r.Meta.get("scenario." + sc + ".title"), Ratios: map[string]float64{}}
		for _, s := range sums {
			if f := family(s.Target); slices.Contains(peers, f) {
				row.Ratios[f] = ratio(s.ReqPerSec.Median, base.ReqPerSec.Median)
			}
		}
		rows = append(rows, row)
	}
	return rows
}

// writeGlance writes the overview: req/s ratios per scenario, then the
// fixed-rate p99 and idle memory ratios, and links the chart.
func writeGlance(b *strings.Builder, r *Report) {
	rows := throughputRows(r)
	b.WriteString("## At a glance\n\nEach proxy as a ratio to HAProxy in the same run (medians). " +
		"Throughput: above 1 is faster. Latency and memory: below 1 is better.\n\n")
	if r.ChartPath != "" {
		fmt.Fprintf(b, "![req/s ratio to HAProxy per scenario](%s)\n\n", r.ChartPath)
	}
	b.WriteString("| scenario |")
	for _, p := range peers {
		fmt.Fprintf(b, " %s |", label(p))
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(peers)) + "\n")
	for _, row := range rows {
		writeRatioRow(b, "req/s: "+row.Title, row.Ratios)
	}
	for _, sc := range scenarioOrder(r) {
		switch scenarioKind(r.Meta, sc) {
		case "rate":
			writeRatioRow(b, "p99 latency: "+r.Meta.get("scenario."+sc+".title"), rateP99Ratios(r, sc))
		case "idle":
			writeRatioRow(b, "memory per connection: "+r.Meta.get("scenario."+sc+".title"), idleRatios(r, sc))
		}
	}
	b.WriteString("\n")
}

func writeRatioRow(b *strings.Builder, title string, ratios map[string]float64) {
	fmt.Fprintf(b, "| %s |", title)
	for _, p := range peers {
		v, ok := ratios[p]
		if !ok {
			b.WriteString(" – |")
			continue
		}
		fmt.Fprintf(b, " %s |", fmtRatio(v))
	}
	b.WriteString("\n")
}

// rateP99Ratios compares p99 latency at the fixed rate with HAProxy's.
func rateP99Ratios(r *Report, scenario string) map[string]float64 {
	sums := summarise(r.Runs, scenario, allTargets(r.Meta), r.Meta.int("clk_tck", 100))
	base := baseSummary(sums, scenarioBaseline(r.Meta, scenario))
	out := map[string]float64{}
	if base == nil {
		return out
	}
	for _, s := range sums {
		if slices.Contains(peers, s.Target) {
			out[s.Target] = ratio(s.P99US.Median, base.P99US.Median)
		}
	}
	return out
}

// idleRatios compares memory per idle connection with HAProxy's.
func idleRatios(r *Report, scenario string) map[string]float64 {
	sums := summariseIdle(r.Idle, scenario, allTargets(r.Meta))
	out := map[string]float64{}
	var base float64
	for _, s := range sums {
		if s.Target == scenarioBaseline(r.Meta, scenario) {
			base = s.BytesPerConn.Median
		}
	}
	if base <= 0 {
		return out
	}
	for _, s := range sums {
		if slices.Contains(peers, s.Target) {
			out[s.Target] = s.BytesPerConn.Median / base
		}
	}
	return out
}
