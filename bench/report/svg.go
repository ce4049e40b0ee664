package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// peerColors colour the chart's bars, one per proxy.
var peerColors = map[string]string{
	"hawser": "#1f6fb4",
	"nginx":  "#2c9f3c",
	"caddy":  "#8e5fbf",
}

// Chart geometry, in pixels.
const (
	chartWidth   = 820
	labelWidth   = 300
	plotWidth    = 440
	barHeight    = 14
	barGap       = 3
	groupGap     = 14
	chartTop     = 56
	chartBottom  = 36
	ratioTickGap = 0.25
)

// writeSVG draws the req/s ratio to HAProxy of every proxy in every
// saturating scenario as horizontal bars, one group per scenario, with a
// line at 1 (HAProxy). It needs no tool beyond this program.
func writeSVG(w io.Writer, r *Report) {
	rows := throughputRows(r)
	top := 1.0
	for _, row := range rows {
		for _, v := range row.Ratios {
			top = max(top, v)
		}
	}
	top = math.Ceil(top/ratioTickGap+0.001) * ratioTickGap
	x := func(v float64) float64 { return labelWidth + v/top*plotWidth }
	groupHeight := len(peers)*(barHeight+barGap) + groupGap
	height := chartTop + len(rows)*groupHeight + chartBottom

	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="12">`+"\n",
		chartWidth, height, chartWidth, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="#fff"/>`+"\n")
	fmt.Fprintf(&b, `<text x="10" y="20" font-size="15" font-weight="bold">req/s as a ratio to HAProxy in the same run (%s, hawser %s)</text>`+"\n",
		html.EscapeString(r.Meta.get("date")), html.EscapeString(r.Meta.get("hawser_rev")))
	writeLegend(&b)
	plotBottom := float64(height - chartBottom)
	for v := 0.0; v <= top+1e-9; v += ratioTickGap {
		fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#ddd"/>`+"\n", x(v), chartTop-6, x(v), plotBottom)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="#555">%.2f×</text>`+"\n", x(v), plotBottom+14, v)
	}
	for i, row := range rows {
		y := chartTop + i*groupHeight
		fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end" dominant-baseline="middle">%s</text>`+"\n",
			labelWidth-8, y+len(peers)*(barHeight+barGap)/2, html.EscapeString(row.Title))
		for j, p := range peers {
			v, ok := row.Ratios[p]
			if !ok {
				continue
			}
			by := y + j*(barHeight+barGap)
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s</title></rect>`+"\n",
				labelWidth, by, x(v)-labelWidth, barHeight, peerColors[p], label(p), fmtRatio(v))
			fmt.Fprintf(&b, `<text x="%.1f" y="%d" dominant-baseline="middle" font-size="11">%s</text>`+"\n",
				x(v)+4, by+barHeight/2, fmtRatio(v))
		}
	}
	fmt.Fprintf(&b, `<line x1="%.1f" y1="%d" x2="%.1f" y2="%.1f" stroke="#d62728" stroke-width="2" stroke-dasharray="5,3"/>`+"\n",
		x(1), chartTop-6, x(1), plotBottom)
	fmt.Fprintf(&b, `<text x="%.1f" y="%d" text-anchor="middle" fill="#d62728">HAProxy = 1</text>`+"\n", x(1), chartTop-10)
	b.WriteString("</svg>\n")
	io.WriteString(w, b.String())
}

func writeLegend(b *strings.Builder) {
	for i, p := range peers {
		lx := 10 + i*140
		fmt.Fprintf(b, `<rect x="%d" y="30" width="12" height="12" fill="%s"/><text x="%d" y="40">%s</text>`+"\n",
			lx, peerColors[p], lx+16, html.EscapeString(label(p)))
	}
}
