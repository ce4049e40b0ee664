// Command report turns one results directory written by bench/run.sh
// (meta.tsv, runs.csv and the configs used) into docs/benchmarks.md.
//
//	go run ./bench/report -results bench/results/<time> -out docs/benchmarks.md
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

func main() {
	results := flag.String("results", "", "results directory written by bench/run.sh")
	out := flag.String("out", "docs/benchmarks.md", "markdown file to write")
	flag.Parse()
	if *results == "" {
		fmt.Fprintln(os.Stderr, "report: -results is required")
		os.Exit(2)
	}
	if err := run(*results, *out); err != nil {
		fmt.Fprintf(os.Stderr, "report: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, out string) error {
	r, err := load(dir)
	if err != nil {
		return err
	}
	if len(r.Runs) == 0 {
		return errors.New("no runs in " + dir)
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
	// Both proxies run the same text; show whichever was written.
	for _, name := range []string{"hawser.cfg", "haproxy.cfg"} {
		if r.ProxyConfig, err = readOptional(filepath.Join(dir, name)); err != nil || r.ProxyConfig != "" {
			break
		}
	}
	if err != nil {
		return nil, err
	}
	if r.BackendConfig, err = readOptional(filepath.Join(dir, "backend-nginx.conf")); err != nil {
		return nil, err
	}
	return r, nil
}

func readOptional(path string) (string, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	return string(b), err
}
