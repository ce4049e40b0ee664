package main

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSpreadOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		values []float64
		want   Spread
	}{
		{name: "empty", values: nil, want: Spread{}},
		{name: "one", values: []float64{7}, want: Spread{Median: 7, Min: 7, Max: 7, N: 1}},
		{name: "odd count unsorted", values: []float64{3, 1, 2}, want: Spread{Median: 2, Min: 1, Max: 3, N: 3}},
		{name: "even count takes the mean of the middle two", values: []float64{4, 1, 3, 2}, want: Spread{Median: 2.5, Min: 1, Max: 4, N: 4}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, spreadOf(tc.values)); diff != "" {
				t.Errorf("spreadOf(%v) (-want +got):\n%s", tc.values, diff)
			}
		})
	}
}

func TestFormatting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "int small", got: fmtInt(999.4), want: "999"},
		{name: "int rounds", got: fmtInt(999.5), want: "1,000"},
		{name: "int millions", got: fmtInt(1234567), want: "1,234,567"},
		{name: "latency micro", got: fmtLatency(812), want: "812 µs"},
		{name: "latency milli", got: fmtLatency(12345), want: "12.35 ms"},
		{name: "latency seconds", got: fmtLatency(4831490), want: "4.83 s"},
		{name: "ratio", got: fmtRatio(0.876), want: "0.88×"},
		{name: "ratio without baseline", got: fmtRatio(0), want: "–"},
		{name: "bytes", got: fmtBytes(1234.4), want: "1234 B"},
		{name: "kibibytes", got: fmtBytes(32 * 1024), want: "32.0 KiB"},
		{name: "mebibytes from KiB", got: fmtKiB(2560), want: "2.5 MiB"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestPer100k(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		ticks, requests int64
		clkTck          int
		want            float64
	}{
		{name: "one second for 100k", ticks: 100, requests: 100_000, clkTck: 100, want: 1},
		{name: "half a second for 400k", ticks: 200, requests: 400_000, clkTck: 100, want: 0.5},
		{name: "no requests", ticks: 5, requests: 0, clkTck: 100, want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := per100k(tc.ticks, tc.requests, tc.clkTck); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRun renders testdata/results and checks the lines that carry the
// numbers: medians, spreads, CPU, RSS and the ratios to HAProxy.
func TestRun(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := run("testdata/results", out, ""); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	tests := []struct {
		name string
		want string
	}{
		{
			name: "direct row has no proxy columns",
			want: "| direct (NGINX, no proxy) | 200,000 (190,000–210,000) | 150 µs | 800 µs | 1.60 ms | – | – | 4.00× | 0.13× | – |",
		},
		{
			// CPU: 60 ticks / 100 per s / 60,000 requests × 100k = 1.0 s.
			name: "hawser row",
			want: "| hawser | 60,000 (55,000–65,000) | 800 µs | 5.00 ms | 10.00 ms | 1.000 s | 14.0 MiB | 1.20× | 0.83× | 1.25× |",
		},
		{
			name: "haproxy row is the baseline",
			want: "| HAProxy | 50,000 (45,000–55,000) | 900 µs | 6.00 ms | 12.00 ms | 0.800 s | 15.0 MiB | 1.00× | 1.00× | 1.00× |",
		},
		{name: "per-round table with other processes' CPU", want: "| hawser | 55,000 (0.50) | 65,000 (0.00) |"},
		{name: "busy machine warning", want: "**The machine was busy**"},
		{name: "scenario title", want: "## HTTP/1.1 keep-alive, small responses"},
		{name: "versions", want: "| HAProxy | HAProxy version 2.6.12 |"},
		{name: "proxy config", want: "frontend fe"},
		{name: "no errors", want: "No target returned an error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(page, tc.want) {
				t.Errorf("page lacks %q:\n%s", tc.want, page)
			}
		})
	}
}

func TestReadRunsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		csv  string
		want string
	}{
		{name: "empty", csv: "", want: "header"},
		{name: "missing column", csv: "scenario,target\n", want: `missing column "round"`},
		{
			name: "bad number",
			csv:  strings.Join(csvColumns, ",") + "\nk,hawser,x,1,1,1,0,0,1,1,1,1,1,1,1,1\n",
			want: "runs.csv:2: column round",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := readRuns(strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// TestRunAllKinds renders testdata/full, which has a scenario of every
// kind: saturating, 2 threads (its own baseline), fixed rate, idle
// connections and one not measured yet.
func TestRunAllKinds(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out, svg := filepath.Join(dir, "benchmarks.md"), filepath.Join(dir, "chart.svg")
	if err := run("testdata/full", out, svg); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	tests := []struct {
		name string
		want string
	}{
		{name: "chart link relative to the page", want: "![req/s ratio to HAProxy per scenario](chart.svg)"},
		{name: "glance throughput", want: "| req/s: Keep-alive <small> | 1.20× | 0.80× | – |"},
		{name: "glance 2 threads against HAProxy with 2 threads", want: "| req/s: Two threads | 1.50× | – | – |"},
		{name: "glance fixed-rate p99", want: "| p99 latency: Fixed rate | 1.50× | 0.50× | – |"},
		// hawser grows by 32,000 KiB for 8,000 connections: 4 KiB each.
		{name: "glance idle memory", want: "| memory per connection: Idle | 4.00× | 0.50× | – |"},
		{name: "2-thread row", want: "| hawser, 2 threads | 90,000 (90,000–90,000) |"},
		{name: "idle row", want: "| hawser | 8,000 | 7.8 MiB | 39.1 MiB | 4096 B (4096 B–4096 B) | 39.1 MiB | 4.00× |"},
		{name: "idle cap explained", want: "Capped at 8000 connections."},
		{name: "targets behind the fixed rate", want: "**Saturated:** hawser, HAProxy, NGINX (proxy) could not sustain 30,000 req/s"},
		{name: "skipped scenario listed", want: "## Not measured yet\n\n- TLS handshakes: not yet: no TLS\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(page, tc.want) {
				t.Errorf("page lacks %q:\n%s", tc.want, page)
			}
		})
	}
}

// TestSVG checks the chart is well-formed XML with one bar per proxy and
// scenario, titles escaped.
func TestSVG(t *testing.T) {
	t.Parallel()
	r, err := load("testdata/full")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	writeSVG(&buf, r)
	chart := buf.String()
	if !strings.Contains(chart, "Keep-alive &lt;small&gt;") {
		t.Error("scenario title not escaped")
	}
	var bars []string
	dec := xml.NewDecoder(strings.NewReader(chart))
	inTitle := false
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			inTitle = tok.Name.Local == "title"
		case xml.CharData:
			if inTitle {
				bars = append(bars, string(tok))
			}
		case xml.EndElement:
			inTitle = false
		}
	}
	want := []string{"hawser 1.20×", "NGINX (proxy) 0.80×", "hawser 1.50×"}
	if diff := cmp.Diff(want, bars); diff != "" {
		t.Errorf("bars (-want +got):\n%s", diff)
	}
}

func TestReadIdleErrors(t *testing.T) {
	t.Parallel()
	header := strings.Join(idleColumns, ",") + "\n"
	tests := []struct {
		name string
		csv  string
		want string
	}{
		{name: "empty", csv: "", want: "header"},
		{name: "wrong header", csv: "scenario,target\n", want: "idle.csv: header"},
		{name: "bad number", csv: header + "idle,hawser,1,x,1,1,1\n", want: "idle.csv:2: column conns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := readIdle(strings.NewReader(tc.csv))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
