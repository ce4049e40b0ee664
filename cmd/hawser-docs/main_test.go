package main

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/config"
)

// TestDocsUpToDate fails when docs/config.md no longer matches the keyword
// tables; regenerate it with go run ./cmd/hawser-docs > docs/config.md.
func TestDocsUpToDate(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), generate(config.Keywords())); diff != "" {
		t.Errorf("docs/config.md is stale; run: go run ./cmd/hawser-docs > docs/config.md\n(-file +generated):\n%s", diff)
	}
}
