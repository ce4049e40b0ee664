package engine

import (
	"io"
	"log/slog"

	"github.com/hawser-lb/hawser/internal/config"
)

// Check compiles snap exactly as Apply would, without binding a socket,
// opening a log target or starting a health check, and discards the
// result. "hawser -c" calls it after config.Load so that a configuration
// it calls valid is one a real start accepts, except for what only the
// system can refuse (addresses in use, permissions).
func Check(snap *config.Snapshot) error {
	e := New(Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.checkOnly = true
	defer e.Close()
	g, err := e.compile(snap)
	if err != nil {
		return err
	}
	g.cancel()
	return nil
}
