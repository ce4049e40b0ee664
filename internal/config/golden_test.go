package config

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/cfgfile"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txtar golden outputs")

// archive is a minimal txtar archive: a comment, then "-- name --" files.
type archive struct {
	comment string
	files   []archiveFile
}

type archiveFile struct {
	name string
	data string
}

func parseArchive(data string) archive {
	var a archive
	cur := -1
	for _, line := range strings.SplitAfter(data, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			a.files = append(a.files, archiveFile{name: strings.TrimSpace(trimmed[3 : len(trimmed)-3])})
			cur++
			continue
		}
		if cur < 0 {
			a.comment += line
		} else {
			a.files[cur].data += line
		}
	}
	return a
}

func (a archive) format() string {
	var b strings.Builder
	b.WriteString(a.comment)
	for _, f := range a.files {
		b.WriteString("-- " + f.name + " --\n")
		b.WriteString(f.data)
	}
	return b.String()
}

// loadText parses and loads one configuration text.
func loadText(t *testing.T, name, text string) (*Snapshot, error) {
	t.Helper()
	f, err := cfgfile.Parse(name, []byte(text), func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	return Load([]*cfgfile.File{f})
}

// render is the golden form of a Load result: the warnings, then either
// the error lines or the snapshot as indented JSON.
func render(snap *Snapshot, err error) string {
	var b strings.Builder
	if err != nil {
		b.WriteString(err.Error())
		b.WriteString("\n")
		return b.String()
	}
	for _, w := range snap.Warnings {
		b.WriteString("warning: " + w.Error() + "\n")
	}
	s := snap.Clone()
	s.Files, s.Warnings = nil, nil
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		return "json: " + err.Error()
	}
	b.Write(buf.Bytes())
	return b.String()
}

// TestGolden loads testdata/*.txtar: each holds "haproxy.cfg" (with $WORK
// standing for a directory holding the archive's other files) and "want",
// the rendered result.
func TestGolden(t *testing.T) {
	t.Parallel()
	paths, err := filepath.Glob("testdata/*.txtar")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, path := range paths {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			a := parseArchive(string(data))
			dir := t.TempDir()
			var cfg string
			wantIdx := -1
			for i, f := range a.files {
				switch f.name {
				case "haproxy.cfg":
					cfg = f.data
				case "want":
					wantIdx = i
				default:
					if err := os.WriteFile(filepath.Join(dir, f.name), []byte(f.data), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			cfg = strings.ReplaceAll(cfg, "$WORK", dir)
			got := strings.ReplaceAll(render(loadText(t, "haproxy.cfg", cfg)), dir, "$WORK")
			if *update {
				if wantIdx < 0 {
					a.files = append(a.files, archiveFile{name: "want"})
					wantIdx = len(a.files) - 1
				}
				a.files[wantIdx].data = got
				if err := os.WriteFile(path, []byte(a.format()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if wantIdx < 0 {
				t.Fatal("no 'want' section; run with -update")
			}
			if diff := cmp.Diff(a.files[wantIdx].data, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
