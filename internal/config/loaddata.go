package config

import (
	"os"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// LoadData is LoadFiles for one file whose text is in memory: the Data
// Plane API validates a configuration before it writes it, and the
// result must be exactly what "hawser -c -f name" would say of that text
// (same environment handling, same positions).
func LoadData(name string, data []byte) (*Snapshot, error) {
	f, err := cfgfile.Parse(name, data, os.LookupEnv)
	if err != nil {
		return nil, err
	}
	if ops := envOps([]*cfgfile.File{f}); len(ops) > 0 {
		if f, err = cfgfile.Parse(name, data, overlayEnv(ops, os.LookupEnv)); err != nil {
			return nil, err
		}
	}
	return Load([]*cfgfile.File{f})
}
