package engine

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/serverstate"
)

// stateFilePath is the file "load-server-state-from-file" makes bc read,
// or "" when it reads none.
func stateFilePath(glob *config.Global, bc *config.Backend) string {
	var f string
	switch bc.LoadServerState {
	case "global":
		f = glob.ServerStateFile
	case "local":
		f = bc.ServerStateFileName
		if f == "" {
			f = bc.Name
		}
	}
	if f == "" {
		return ""
	}
	if !filepath.IsAbs(f) && glob.ServerStateBase != "" {
		f = filepath.Join(glob.ServerStateBase, f)
	}
	return f
}

// loadServerStates applies the server state files of gen's backends to
// their live servers before gen serves. As HAProxy, a missing or
// unreadable file, or a line that no longer matches a server, is a
// warning: the configuration's state stays.
func (e *Engine) loadServerStates(gen *Generation, snap *config.Snapshot) {
	files := map[string][]serverstate.Line{}
	for _, bc := range snap.Backends {
		path := stateFilePath(&snap.Global, bc)
		if path == "" {
			continue
		}
		lines, ok := files[path]
		if !ok {
			lines = e.readStateFile(path)
			files[path] = lines
		}
		be := gen.Backends[bc.Name]
		if be == nil || be.Pool == nil {
			continue
		}
		for _, l := range lines {
			if l.Backend != bc.Name {
				continue
			}
			if l.BkForcedID && bc.ID != 0 && bc.ID != l.BackendID {
				e.log.Warn("server state file: backend id mismatch, line ignored", "file", path, "line", l.LineNo, "backend", bc.Name)
				continue
			}
			e.applyStateLine(path, be, l)
		}
	}
}

func (e *Engine) readStateFile(path string) []serverstate.Line {
	f, err := os.Open(path)
	if err != nil {
		e.log.Warn("can't load server state file", "file", path, "err", err)
		return nil
	}
	defer f.Close()
	lines, warns, err := serverstate.Parse(f)
	if err != nil {
		e.log.Warn("can't load server state file", "file", path, "err", err)
		return nil
	}
	for _, w := range warns {
		e.log.Warn("server state file: line ignored", "file", path, "why", w)
	}
	return lines
}

func (e *Engine) applyStateLine(path string, be *Backend, l serverstate.Line) {
	for _, sv := range be.Pool.Servers() {
		if sv.Name != l.Server {
			continue
		}
		if l.SrvForcedID && sv.ID != l.ServerID {
			e.log.Warn("server state file: server id mismatch, line ignored", "file", path, "line", l.LineNo,
				"server", fmt.Sprintf("%s/%s", l.Backend, l.Server))
			return
		}
		st := sv.State
		switch {
		case l.AdminState&serverstate.AdminForcedMaint != 0:
			st.SetAdmin(server.AdminMaint)
		case l.AdminState&serverstate.AdminForcedDrain != 0:
			st.SetAdmin(server.AdminDrain)
		default:
			st.SetAdmin(server.AdminReady)
		}
		// A stopped server stays down until its checks see it up again;
		// one without checks would never come back, so it keeps its state.
		if l.OpState == serverstate.OpStopped && l.AdminState&serverstate.AdminForcedMaint == 0 && st.Check().Configured {
			st.SetUp(false)
		}
		// The saved weight applies while the configuration's weight is the
		// one it was saved against: a new weight in the configuration wins.
		if l.IWeight == sv.Weight && l.UWeight >= 0 && l.UWeight <= 256 {
			if l.UWeight == sv.Weight {
				st.SetUserWeight(-1)
			} else {
				st.SetUserWeight(l.UWeight)
			}
		}
		return
	}
	e.log.Warn("server state file: no such server, line ignored", "file", path, "line", l.LineNo,
		"server", fmt.Sprintf("%s/%s", l.Backend, l.Server))
}
