package main

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// MicroRun is one result line of `go test -bench -benchmem` output.
type MicroRun struct {
	// Pkg is the import path from the preceding "pkg:" line.
	Pkg string
	// Name is the benchmark's full name with its -GOMAXPROCS suffix
	// removed; Procs holds that suffix (1 when absent).
	Name  string
	Procs int
	Iters int64
	// NsPerOp, BytesPerOp and AllocsPerOp are the standard metrics;
	// HasMem is false when the line had no B/op (no -benchmem).
	NsPerOp     float64
	BytesPerOp  float64
	AllocsPerOp float64
	HasMem      bool
}

// MicroResults is a parsed micro-benchmark file: the runs in order and
// the `key: value` lines around them (the first value of each key).
type MicroResults struct {
	Config map[string]string
	Runs   []MicroRun
	// Failed lists the packages whose go test reported FAIL.
	Failed []string
}

// get returns a config value, or "?" when the file lacks it.
func (m *MicroResults) get(key string) string {
	if v := m.Config[key]; v != "" {
		return v
	}
	return "?"
}

// readMicro parses `go test -bench` output. Lines it does not know (PASS,
// ok, test logs) are skipped; a Benchmark line whose numbers do not parse
// is an error, since a silently dropped run would shift the medians.
func readMicro(r io.Reader) (*MicroResults, error) {
	res := &MicroResults{Config: map[string]string{}}
	pkg := ""
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "Benchmark"):
			run, ok, err := parseBenchLine(line)
			if err != nil {
				return nil, fmt.Errorf("line %d: %w", n, err)
			}
			if ok {
				run.Pkg = pkg
				res.Runs = append(res.Runs, run)
			}
		case strings.HasPrefix(line, "FAIL\t"):
			res.Failed = append(res.Failed, strings.Fields(line)[1])
		default:
			k, v, ok := configLine(line)
			if !ok {
				continue
			}
			if k == "pkg" {
				pkg = v
			}
			if _, seen := res.Config[k]; !seen {
				res.Config[k] = v
			}
		}
	}
	return res, sc.Err()
}

// configLine splits a `key: value` line as the Go benchmark format defines
// it: the key starts with a lower-case letter and holds no space or
// upper-case letter.
func configLine(line string) (key, value string, ok bool) {
	k, v, found := strings.Cut(line, ":")
	if !found || k == "" || k[0] < 'a' || k[0] > 'z' || strings.ContainsAny(k, " \t") || strings.ToLower(k) != k {
		return "", "", false
	}
	return k, strings.TrimSpace(v), true
}

// parseBenchLine reads "BenchmarkX-2  1000  123 ns/op  16 B/op  1 allocs/op".
// ok is false for lines that start like a benchmark but are not a result:
// a benchmark's name printed alone before its log output or failure.
func parseBenchLine(line string) (MicroRun, bool, error) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return MicroRun{}, false, nil
	}
	iters, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return MicroRun{}, false, nil
	}
	run := MicroRun{Iters: iters}
	run.Name, run.Procs = splitProcs(f[0])
	run.Name = absPath.ReplaceAllString(run.Name, "$1$2")
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return MicroRun{}, false, fmt.Errorf("%s: value %q: %w", f[0], f[i], err)
		}
		switch f[i+1] {
		case "ns/op":
			run.NsPerOp = v
		case "B/op":
			run.BytesPerOp, run.HasMem = v, true
		case "allocs/op":
			run.AllocsPerOp = v
		}
	}
	return run, true, nil
}

// absPath matches an absolute file path inside a benchmark name, such as
// the temporary map file in BenchmarkEval/...,map(/tmp/x123/001/hosts.map);
// it counts as a path only after "(" or ",", since a plain "/" separates
// sub-benchmark names. The groups are that delimiter and the base name.
// The directory differs from process to process, so keeping it would
// split one benchmark into several rows.
var absPath = regexp.MustCompile(`([(,])/(?:[^/,()\s]+/)+([^/,()\s]+)`)

// splitProcs removes the -N GOMAXPROCS suffix go test appends to a name.
func splitProcs(name string) (string, int) {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name, 1
	}
	p, err := strconv.Atoi(name[i+1:])
	if err != nil || p <= 0 {
		return name, 1
	}
	return name[:i], p
}

// MicroSummary is one benchmark's runs reduced to medians.
type MicroSummary struct {
	Pkg, Name   string
	Procs       int
	Ns          Spread
	BytesPerOp  float64
	AllocsPerOp float64
	HasMem      bool
}

// summariseMicro groups runs by package and name, in order of first
// appearance, and takes the median of each metric over the runs.
func summariseMicro(runs []MicroRun) []MicroSummary {
	type key struct{ pkg, name string }
	var order []key
	groups := map[key][]MicroRun{}
	for _, r := range runs {
		k := key{r.Pkg, r.Name}
		if _, ok := groups[k]; !ok {
			order = append(order, k)
		}
		groups[k] = append(groups[k], r)
	}
	out := make([]MicroSummary, 0, len(order))
	for _, k := range order {
		g := groups[k]
		ns, by, al := make([]float64, len(g)), make([]float64, len(g)), make([]float64, len(g))
		hasMem := true
		for i, r := range g {
			ns[i], by[i], al[i] = r.NsPerOp, r.BytesPerOp, r.AllocsPerOp
			hasMem = hasMem && r.HasMem
		}
		out = append(out, MicroSummary{
			Pkg: k.pkg, Name: k.name, Procs: g[0].Procs,
			Ns: spreadOf(ns), BytesPerOp: spreadOf(by).Median, AllocsPerOp: spreadOf(al).Median,
			HasMem: hasMem,
		})
	}
	return out
}

// microArea is a group of benchmarks in the report: the packages it
// covers, a line on what they measure, and the allocation targets.
type microArea struct {
	pkg, title, desc string
	// targets maps a benchmark name prefix to the most allocations per
	// op the issues allow.
	targets map[string]int
	// targetNote explains the targets; empty when the area has none.
	targetNote string
}

const modulePath = "github.com/hawser-lb/hawser/"

// microAreas lists the areas in report order. A package not listed here
// still shows up, under its import path, after these.
var microAreas = []microArea{
	{
		pkg:   "bench",
		title: "Proxied request hot path",
		desc: "hawser's engine inside the test process, in front of a raw loopback backend, driven by a raw client that " +
			"allocates nothing: one op is one proxied request. `Direct` is the harness without the proxy, the floor " +
			"to subtract; `EngineActive` is the generation load each connection makes; `…HTTPLogUDP` logs every " +
			"request with `option httplog` to a UDP syslog target, so its difference from the same benchmark " +
			"without it is the cost of logging at full load (`dropped/op` counts lines the logger dropped). " +
			"`DataplaneCommit10kServers` is not a request: one Data Plane API commit (one server weight changed, " +
			"as raw text) on 100 backends of 100 servers, validated as `hawser -c`, fsynced and applied to the running engine. " +
			"`ProxyLargeResponse` and `ProxyLargeRequest` move a 1 MiB body per op (MB/s), spliced between the sockets; " +
			"the harness's own client, which reads every byte, dominates their ns/op.",
		targets:    map[string]int{"BenchmarkProxyKeepAlive": 2, "BenchmarkProxyKeepAliveHTTPLogUDP": 2},
		targetNote: "issue 3 allows at most 2 allocations per request on HTTP/1.1 keep-alive; the aim is 0",
	},
	{
		pkg:        "internal/balance",
		title:      "Balancer picks",
		desc:       "One `Acquire` and `Release` of a server from a four-server pool, per algorithm; `Parallel` from every CPU at once.",
		targets:    map[string]int{"BenchmarkAcquireRelease": 0},
		targetNote: "allocation-free (issue 3)",
	},
	{
		pkg:   "internal/acl",
		title: "ACL evaluation",
		desc: "`Match`: one compiled condition against a request; `Eval`: one sample expression (fetch and converters); " +
			"`MatchIPFile100k`: `src -f` against 100,000 networks in a prefix tree.",
		targets:    map[string]int{"BenchmarkMatch": 0, "BenchmarkEval": 0},
		targetNote: "allocation-free (issue 3)",
	},
	{
		pkg:   "internal/maps",
		title: "Map lookups, 100,000 entries",
		desc: "One lookup in a 100k-entry map file: exact string (hash map), prefix (`map_beg`, a byte trie) and " +
			"IPv4/IPv6 networks (`map_ip`, a prefix tree).",
	},
	{
		pkg:   "internal/stick",
		title: "Stick-table updates",
		desc: "Track an entry, count an HTTP request (counter and rate) and release it: an existing IP or string key, " +
			"from every CPU on distinct or one hot key (`Parallel`), and creating entries in a full table, which evicts (`CreateEvict`).",
	},
	{
		pkg:   "internal/sockio",
		title: "Raw socket calls",
		desc: "A 64-byte ping-pong with a loopback echo peer through a connection whose reads and writes are raw " +
			"system calls (`raw`, what hawser uses for plain and TLS sockets) and through Go's `net.TCPConn` (`net`).",
		targets:    map[string]int{"BenchmarkConn": 0},
		targetNote: "allocation-free",
	},
	{
		pkg:   "internal/h1",
		title: "HTTP/1 parsing",
		desc:  "Parse a browser-like request head with ten header fields, find the end of a head, and copy a 64 KiB chunked body.",
	},
	{
		pkg:   "internal/logging",
		title: "Log lines",
		desc:  "Format one `option httplog` line, one log-format with sample expressions, and hand a line to a stdout logger.",
	},
	{
		pkg:   "internal/stats",
		title: "Prometheus scrape",
		desc: "One scrape of the exporter (`scope` all) for a frontend and a backend of 1,000 servers: the counters read, " +
			"the metric families built and written in the text exposition format (`bytes/scrape` is the page's size).",
	},
}

// writeMicro renders the "Go micro-benchmarks" section. source is how the
// raw file is named on the page.
func writeMicro(b *strings.Builder, m *MicroResults, source string) {
	b.WriteString("## Go micro-benchmarks\n\n")
	fmt.Fprintf(b, "`bench/micro.sh` runs `go test -run '^$' -bench <picked> -benchmem -count=%s -benchtime=%s` "+
		"package by package, one package at a time, at hawser %s (%s, %s); raw output: `%s`. "+
		"Each row is the median over the %s runs (ns/op with the min–max range). "+
		"B/op and allocs/op do not depend on machine load; ns/op does.\n\n",
		m.get("count"), m.get("benchtime"), m.get("hawser-rev"), m.get("go"), m.get("date"), source, m.get("count"))
	fmt.Fprintf(b, "Machine: %s CPUs (%s), load average (1, 5, 15 min) %s before and %s after.",
		m.get("nproc"), m.get("cpu"), m.get("load-before"), m.get("load-after"))
	if note := m.Config["note"]; note != "" {
		// The note is a sentence of its own, whatever case it was given in.
		b.WriteString(" " + strings.ToUpper(note[:1]) + strings.TrimSuffix(note[1:], ".") + ".")
	}
	b.WriteString("\n\n")
	if len(m.Failed) > 0 {
		fmt.Fprintf(b, "**Failed:** %s (see the raw output); their benchmarks are missing or partial.\n\n",
			strings.Join(m.Failed, ", "))
	}
	sums := summariseMicro(m.Runs)
	for _, a := range areasFor(sums) {
		writeMicroArea(b, a, sums)
	}
}

// areasFor returns the known areas that have results, then one plain
// area per unknown package.
func areasFor(sums []MicroSummary) []microArea {
	have := map[string]bool{}
	for _, s := range sums {
		have[strings.TrimPrefix(s.Pkg, modulePath)] = true
	}
	var out []microArea
	for _, a := range microAreas {
		if have[a.pkg] {
			out = append(out, a)
			delete(have, a.pkg)
		}
	}
	for _, s := range sums {
		p := strings.TrimPrefix(s.Pkg, modulePath)
		if have[p] {
			out = append(out, microArea{pkg: p, title: "`" + p + "`"})
			delete(have, p)
		}
	}
	return out
}

func writeMicroArea(b *strings.Builder, a microArea, sums []MicroSummary) {
	fmt.Fprintf(b, "### %s\n\n", a.title)
	if a.desc != "" {
		b.WriteString(a.desc + "\n")
	}
	if a.targetNote != "" {
		fmt.Fprintf(b, "Target: %s.\n", a.targetNote)
	}
	if a.desc != "" || a.targetNote != "" {
		b.WriteString("\n")
	}
	b.WriteString("| benchmark | ns/op median (min–max) | B/op | allocs/op | target allocs/op |\n|---|---|---|---|---|\n")
	for _, s := range sums {
		if strings.TrimPrefix(s.Pkg, modulePath) != a.pkg {
			continue
		}
		fmt.Fprintf(b, "| `%s` | %s (%s–%s) | %s | %s | %s |\n",
			microLabel(s), fmtNs(s.Ns.Median), fmtNs(s.Ns.Min), fmtNs(s.Ns.Max),
			memCell(s, s.BytesPerOp), memCell(s, s.AllocsPerOp), targetCell(a, s))
	}
	b.WriteString("\n")
}

// microLabel is the name shown in tables: without "Benchmark", with the
// GOMAXPROCS suffix where it is not 1, as go test prints it.
func microLabel(s MicroSummary) string {
	name := strings.TrimPrefix(s.Name, "Benchmark")
	if s.Procs > 1 {
		name += "-" + strconv.Itoa(s.Procs)
	}
	return name
}

func memCell(s MicroSummary, v float64) string {
	if !s.HasMem {
		return "–"
	}
	return fmtCount(v)
}

// targetCell shows the allocation limit that applies to a benchmark and
// whether its median meets it.
func targetCell(a microArea, s MicroSummary) string {
	limit, ok := targetFor(a, s.Name)
	if !ok {
		return "–"
	}
	cell := strconv.Itoa(limit)
	if limit > 0 {
		cell = "≤ " + cell
	}
	if !s.HasMem {
		return cell
	}
	if s.AllocsPerOp <= float64(limit) {
		return cell + " ✓"
	}
	return cell + " ✗"
}

// targetFor finds the target whose prefix matches the top-level name
// exactly ("BenchmarkMatch" covers BenchmarkMatch/path_beg but not
// BenchmarkMatchIPFile100k).
func targetFor(a microArea, name string) (int, bool) {
	top, _, _ := strings.Cut(name, "/")
	for prefix, limit := range a.targets {
		if top == prefix || strings.HasPrefix(top, prefix+"Parallel") {
			return limit, true
		}
	}
	return 0, false
}

// fmtNs shows nanoseconds with three significant digits, switching to µs
// at 10,000 ns so long ops stay readable.
func fmtNs(ns float64) string {
	switch {
	case ns >= 10_000:
		return fmt.Sprintf("%s µs", sig3(ns/1000))
	default:
		return fmt.Sprintf("%s ns", sig3(ns))
	}
}

// sig3 formats v with at least three significant digits and no
// exponent: 1.23, 12.3, 123, 1234.
func sig3(v float64) string {
	if v == 0 {
		return "0"
	}
	decimals := max(0, 2-int(math.Floor(math.Log10(math.Abs(v)))))
	return strconv.FormatFloat(v, 'f', decimals, 64)
}

// fmtCount shows a B/op or allocs/op median: an integer, or one decimal
// when an even count of runs put the median between two values.
func fmtCount(v float64) string {
	if v == math.Trunc(v) {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}
