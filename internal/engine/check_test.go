package engine

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

// TestCheckAcceptsWhatConfigAccepts compiles every configuration of
// config's golden files and of the shared corpus that config.Load accepts:
// "hawser -c" must not call valid a configuration a real start refuses.
func TestCheckAcceptsWhatConfigAccepts(t *testing.T) {
	t.Parallel()
	golden, _ := filepath.Glob("../config/testdata/*.txtar")
	corpus, _ := filepath.Glob("../../../shared/corpus/haproxy-cfg/*.cfg")
	if len(golden) == 0 {
		t.Fatal("no config golden files")
	}
	for _, path := range append(golden, corpus...) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			t.Parallel()
			snap := loadForCheck(t, path)
			if snap == nil {
				t.Skip("config.Load refuses it")
			}
			err := Check(snap)
			if err != nil && strings.Contains(err.Error(), "no such file or directory") {
				// Certificates and CA files are read at compile time, as
				// HAProxy reads them while parsing; the corpus names
				// files that only exist on their authors' machines.
				t.Skipf("names files absent here: %v", err)
			}
			if err != nil {
				t.Errorf("config.Load accepts it, engine.Check does not: %v", err)
			}
		})
	}
}

// loadForCheck loads a .cfg file, or the haproxy.cfg of a golden txtar
// archive with its other files written next to it. It returns nil when
// the configuration does not load.
func loadForCheck(t *testing.T, path string) *config.Snapshot {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := string(data)
	if strings.HasSuffix(path, ".txtar") {
		cfg = extractArchive(t, cfg)
	}
	f, err := cfgfile.Parse("haproxy.cfg", []byte(cfg), func(string) (string, bool) { return "", false })
	if err != nil {
		return nil
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		return nil
	}
	return snap
}

// extractArchive writes the files of a txtar archive other than
// haproxy.cfg and want to a temporary directory and returns haproxy.cfg
// with $WORK pointing there.
func extractArchive(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]*strings.Builder{}
	var order []string
	var cur *strings.Builder
	for _, line := range strings.SplitAfter(text, "\n") {
		trimmed := strings.TrimRight(line, "\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			name := strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			cur = &strings.Builder{}
			files[name] = cur
			order = append(order, name)
			continue
		}
		if cur != nil {
			cur.WriteString(line)
		}
	}
	for _, name := range order {
		if name == "haproxy.cfg" || name == "want" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(files[name].String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg := files["haproxy.cfg"]
	if cfg == nil {
		return ""
	}
	return strings.ReplaceAll(cfg.String(), "$WORK", dir)
}
