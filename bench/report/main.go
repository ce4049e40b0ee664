// Command report turns one results directory written by bench/run.sh
// (meta.tsv, runs.csv, idle.csv and the configs used) into
// docs/benchmarks.md and a chart of req/s ratios, docs/benchmarks.svg.
//
//	go run ./bench/report -results bench/results/<time> -out docs/benchmarks.md -svg docs/benchmarks.svg
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	results := flag.String("results", "", "results directory written by bench/run.sh")
	out := flag.String("out", "docs/benchmarks.md", "markdown file to write")
	svg := flag.String("svg", "", "SVG chart to write and link from the page (none if empty)")
	flag.Parse()
	if *results == "" {
		fmt.Fprintln(os.Stderr, "report: -results is required")
		os.Exit(2)
	}
	if err := run(*results, *out, *svg); err != nil {
		fmt.Fprintf(os.Stderr, "report: %v\n", err)
		os.Exit(1)
	}
}

// run writes the page to out and, when svgOut is set, the chart to svgOut,
// linked from the page by its path relative to the page's directory.
func run(dir, out, svgOut string) error {
	r, err := load(dir)
	if err != nil {
		return err
	}
	if len(r.Runs) == 0 && len(r.Idle) == 0 {
		return errors.New("no runs in " + dir)
	}
	if svgOut != "" {
		if r.ChartPath, err = filepath.Rel(filepath.Dir(out), svgOut); err != nil {
			return err
		}
		var buf bytes.Buffer
		writeSVG(&buf, r)
		if err := os.WriteFile(svgOut, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	if err := render(&buf, r); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// load reads a results directory. The configs are optional: a run with
// only the direct target has no proxy config.
func load(dir string) (*Report, error) {
	mf, err := os.Open(filepath.Join(dir, "meta.tsv"))
	if err != nil {
		return nil, err
	}
	defer mf.Close()
	meta, err := readMeta(mf)
	if err != nil {
		return nil, err
	}
	rf, err := os.Open(filepath.Join(dir, "runs.csv"))
	if err != nil {
		return nil, err
	}
	defer rf.Close()
	runs, err := readRuns(rf)
	if err != nil {
		return nil, err
	}
	r := &Report{Meta: meta, Runs: runs}
	if r.Idle, err = loadIdle(filepath.Join(dir, "idle.csv")); err != nil {
		return nil, err
	}
	// Both proxies run the same text; show whichever was written.
	for _, name := range []string{"hawser.cfg", "haproxy.cfg"} {
		if r.ProxyConfig, err = readOptional(filepath.Join(dir, name)); err != nil || r.ProxyConfig != "" {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	for dst, name := range map[*string]string{
		&r.BackendConfig: "backend-nginx.conf",
		&r.NginxConfig:   "nginx-proxy.conf",
		&r.CaddyConfig:   "Caddyfile",
	} {
		if *dst, err = readOptional(filepath.Join(dir, name)); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// loadIdle reads idle.csv, which results from before the idle scenario
// lack.
func loadIdle(path string) ([]IdleRun, error) {
	text, err := readOptional(path)
	if err != nil || text == "" {
		return nil, err
	}
	return readIdle(strings.NewReader(text))
}

func readOptional(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}
