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
	if err := run("testdata/results", out, "", ""); err != nil {
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
	if err := run("testdata/full", out, svg, ""); err != nil {
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

func TestParseBenchLine(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		line    string
		want    MicroRun
		wantOK  bool
		wantErr string
	}{
		{
			name:   "benchmem",
			line:   "BenchmarkProxyKeepAlive-2   \t   52225\t     12586 ns/op\t       1 B/op\t       0 allocs/op",
			want:   MicroRun{Name: "BenchmarkProxyKeepAlive", Procs: 2, Iters: 52225, NsPerOp: 12586, BytesPerOp: 1, HasMem: true},
			wantOK: true,
		},
		{
			name:   "no benchmem and no procs suffix",
			line:   "BenchmarkWidget \t 1000\t 1.5 ns/op",
			want:   MicroRun{Name: "BenchmarkWidget", Procs: 1, Iters: 1000, NsPerOp: 1.5},
			wantOK: true,
		},
		{
			name:   "SetBytes adds MB/s",
			line:   "BenchmarkParseRequest-2 \t 100 \t 500 ns/op \t 900.00 MB/s \t 0 B/op \t 0 allocs/op",
			want:   MicroRun{Name: "BenchmarkParseRequest", Procs: 2, Iters: 100, NsPerOp: 500, HasMem: true},
			wantOK: true,
		},
		{
			name:   "sub-benchmark keeps its slashes, a temporary path loses its directory",
			line:   "BenchmarkEval/x,map(/tmp/BenchmarkEval9/001/hosts.map,default)-4 \t 10 \t 400 ns/op \t 8 B/op \t 1 allocs/op",
			want:   MicroRun{Name: "BenchmarkEval/x,map(hosts.map,default)", Procs: 4, Iters: 10, NsPerOp: 400, BytesPerOp: 8, AllocsPerOp: 1, HasMem: true},
			wantOK: true,
		},
		{
			name:   "a slash in a regexp argument is not a path",
			line:   "BenchmarkEval/path,regsub(^/api/,/,g)-2 \t 10 \t 200 ns/op",
			want:   MicroRun{Name: "BenchmarkEval/path,regsub(^/api/,/,g)", Procs: 2, Iters: 10, NsPerOp: 200},
			wantOK: true,
		},
		{name: "name printed before a panic", line: "BenchmarkX-2   \tpanic: close of closed channel"},
		{name: "name alone", line: "BenchmarkX-2"},
		{name: "bad value", line: "BenchmarkX-2 \t 10 \t fast ns/op", wantErr: `value "fast"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok, err := parseBenchLine(tc.line)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tc.wantOK)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadMicro parses testdata/micro.txt: config lines, packages, a
// crashed package and the medians over the runs.
func TestReadMicro(t *testing.T) {
	t.Parallel()
	m, err := loadMicro("testdata/micro.txt")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"github.com/hawser-lb/hawser/bench"}, m.Failed); diff != "" {
		t.Errorf("failed packages (-want +got):\n%s", diff)
	}
	for key, want := range map[string]string{
		"load-before": "1.50 1.20 1.10", "load-after": "1.90 1.30 1.10", "cpu": "Intel(R) Xeon(R) Processor",
		"pkg": "github.com/hawser-lb/hawser/bench", "hawser-rev": "abc1234",
	} {
		if got := m.Config[key]; got != want {
			t.Errorf("config %s = %q, want %q", key, got, want)
		}
	}
	sums := summariseMicro(m.Runs)
	tests := []struct {
		name string
		want MicroSummary
	}{
		{
			name: "median of three, B/op from the middle run",
			want: MicroSummary{Pkg: "github.com/hawser-lb/hawser/bench", Name: "BenchmarkProxyKeepAlive", Procs: 2,
				Ns: Spread{Median: 11428, Min: 11352, Max: 12586, N: 3}, HasMem: true},
		},
		{
			name: "runs with different temporary paths are one benchmark",
			want: MicroSummary{Pkg: "github.com/hawser-lb/hawser/internal/acl", Name: "BenchmarkEval/req.hdr(host),map(hosts.map,default)", Procs: 2,
				Ns: Spread{Median: 442.6, Min: 392.6, Max: 492.6, N: 3}, HasMem: true},
		},
		{
			name: "the run before a crash counts",
			want: MicroSummary{Pkg: "github.com/hawser-lb/hawser/bench", Name: "BenchmarkProxyKeepAliveParallel", Procs: 2,
				Ns: Spread{Median: 11600, Min: 11600, Max: 11600, N: 1}, BytesPerOp: 1, AllocsPerOp: 3, HasMem: true},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, s := range sums {
				if s.Pkg == tc.want.Pkg && s.Name == tc.want.Name {
					if diff := cmp.Diff(tc.want, s); diff != "" {
						t.Errorf("(-want +got):\n%s", diff)
					}
					return
				}
			}
			t.Errorf("no summary for %s", tc.want.Name)
		})
	}
	if len(sums) != 8 {
		t.Errorf("%d summaries, want 8", len(sums))
	}
}

func TestReadMicroEmpty(t *testing.T) {
	t.Parallel()
	f := filepath.Join(t.TempDir(), "micro.txt")
	if err := os.WriteFile(f, []byte("goos: linux\nFAIL\tgithub.com/x\t0.1s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadMicro(f); err == nil || !strings.Contains(err.Error(), "no benchmark results") {
		t.Errorf("err = %v, want no benchmark results", err)
	}
}

func TestMicroFormatting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{name: "ns small", got: fmtNs(1.234), want: "1.23 ns"},
		{name: "ns tens", got: fmtNs(30.55), want: "30.6 ns"},
		{name: "ns hundreds", got: fmtNs(325.7), want: "326 ns"},
		{name: "ns thousands", got: fmtNs(5172), want: "5172 ns"},
		{name: "µs", got: fmtNs(12586), want: "12.6 µs"},
		{name: "ms as µs", got: fmtNs(1234567), want: "1235 µs"},
		{name: "zero", got: fmtNs(0), want: "0 ns"},
		{name: "count", got: fmtCount(16), want: "16"},
		{name: "count between two runs", got: fmtCount(0.5), want: "0.5"},
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

// TestRunWithMicro merges testdata/micro.txt into the page rendered from
// testdata/results and checks the section's rows, targets and notes.
func TestRunWithMicro(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "benchmarks.md")
	if err := run("testdata/results", out, "", "testdata/micro.txt"); err != nil {
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
		{name: "section", want: "## Go micro-benchmarks\n"},
		{name: "command", want: "-benchmem -count=3 -benchtime=500ms"},
		{name: "raw file named", want: "raw output: `testdata/micro.txt`"},
		{name: "load average and note", want: "load average (1, 5, 15 min) 1.50 1.20 1.10 before and 1.90 1.30 1.10 after. An engineer was building internal/l7 at the same time.\n"},
		{name: "crashed package", want: "**Failed:** github.com/hawser-lb/hawser/bench"},
		{name: "hot path group with its target", want: "### Proxied request hot path\n"},
		{name: "keep-alive meets its target", want: "| `ProxyKeepAlive-2` | 11.4 µs (11.4 µs–12.6 µs) | 0 | 0 | ≤ 2 ✓ |"},
		{name: "parallel misses its target", want: "| `ProxyKeepAliveParallel-2` | 11.6 µs (11.6 µs–11.6 µs) | 1 | 3 | ≤ 2 ✗ |"},
		{name: "no target for new connections", want: "| `ProxyNewConn-2` | 61.0 µs (60.0 µs–62.0 µs) | 4200 | 31 | – |"},
		{name: "ACL match allocation-free", want: "| `Match/path_beg-2` | 35.5 ns (30.5 ns–40.5 ns) | 0 | 0 | 0 ✓ |"},
		{name: "ACL eval allocating misses", want: "| `Eval/path,regsub(^/api/,/,g)-2` | 191 ns (181 ns–201 ns) | 16 | 1 | 0 ✗ |"},
		{name: "IP file is not under the Match target", want: "| `MatchIPFile100k-2` | 221 ns (221 ns–221 ns) | 0 | 0 | – |"},
		{name: "unknown package gets its own group", want: "### `internal/newthing`\n"},
		{name: "without benchmem", want: "| `Widget` | 1235 µs (1235 µs–1235 µs) | – | – | – |"},
		{name: "configs still follow", want: "## Configurations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(page, tc.want) {
				t.Errorf("page lacks %q:\n%s", tc.want, page)
			}
		})
	}
	if strings.Contains(page, "## In-process benchmarks") {
		t.Error("the micro section should replace the in-process pointer")
	}
	if strings.Index(page, "### Proxied request hot path") > strings.Index(page, "### ACL evaluation") {
		t.Error("areas out of order")
	}
}

func TestRunMicroOnly(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "micro.md")
	if err := runMicro("testdata/micro.txt", out); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if page := string(b); !strings.HasPrefix(page, "# Go micro-benchmarks\n") || !strings.Contains(page, "### ACL evaluation") {
		t.Errorf("unexpected page:\n%s", page)
	}
}
