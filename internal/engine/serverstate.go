package engine

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/balance"
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
//
// Lines match as in HAProxy: a line of the global file belongs to the
// backend of its be_name; a line of a backend's own file to that backend
// when be_name or be_id matches (a name mismatch is only accepted when the
// id was forced with "id", bk_f_forced_id). Within the backend, a server
// is found by srv_name; srv_id is not compared. The first line for a
// backend/server pair wins.
func (e *Engine) loadServerStates(gen *Generation, snap *config.Snapshot) {
	files := map[string][]serverstate.Line{}
	var ids map[string]int
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
		if be == nil || be.Pool == nil || len(lines) == 0 {
			continue
		}
		if ids == nil {
			ids = make(map[string]int)
			for _, sp := range gen.statProxies() {
				ids[sp.name] = sp.iid
			}
		}
		byServer := map[string]serverstate.Line{}
		for _, l := range lines {
			if bc.LoadServerState == "global" {
				if l.Backend != bc.Name {
					continue
				}
			} else {
				idOK, nameOK := l.BackendID == ids[bc.Name], l.Backend == bc.Name
				switch {
				case !idOK && !nameOK:
					continue
				case !idOK:
					e.log.Warn("server state file: backend id mismatch", "file", path, "line", l.LineNo,
						"backend", bc.Name, "file_id", l.BackendID, "id", ids[bc.Name])
				case !nameOK:
					e.log.Warn("server state file: backend name mismatch", "file", path, "line", l.LineNo,
						"backend", bc.Name, "file_name", l.Backend)
					if !l.BkForcedID {
						continue
					}
				}
			}
			if _, dup := byServer[l.Server]; !dup {
				byServer[l.Server] = l
			}
		}
		for _, sv := range be.Pool.Servers() {
			l, ok := byServer[sv.Name]
			if !ok {
				continue
			}
			delete(byServer, sv.Name)
			e.applyStateLine(bc, sv, l)
		}
		for _, l := range byServer {
			e.log.Warn("server state file: no such server, line ignored", "file", path, "line", l.LineNo,
				"server", fmt.Sprintf("%s/%s", bc.Name, l.Server))
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

// applyStateLine applies one state line to its server: admin state,
// operational state, weight, then port and address.
func (e *Engine) applyStateLine(bc *config.Backend, sv *balance.Server, l serverstate.Line) {
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
	if t := stateTarget(configServer(bc, sv.Name), sv.Addr, l); t != "" {
		st.SetTarget(&server.Target{Base: sv.Addr, Addr: t, Key: st.Key() + "@" + t})
	}
}

// stateTarget returns the address a state line makes a server connect
// to instead of its configured address addr, or "" to keep it. As
// HAProxy: srv_port always applies (so a "set server ... addr ... port"
// survives); srv_addr only applies to a server configured with a host
// name whose init-addr starts with "last" (the default, "last,libc"):
// an IP address written in the configuration always wins.
func stateTarget(sc *config.Server, addr string, l serverstate.Line) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "" // no port: the client's port is used (port mapping)
	}
	if port == "" || strings.TrimLeft(port, "0123456789") != "" {
		return "" // "+1000" / "-1000": port mapping
	}
	newHost, newPort := host, port
	if l.Port > 0 {
		newPort = strconv.Itoa(l.Port)
	}
	if _, err := netip.ParseAddr(host); err != nil && sc != nil && initAddrLast(sc.InitAddr) {
		if ip, err := netip.ParseAddr(l.Addr); err == nil {
			newHost = ip.String()
		}
	}
	t := net.JoinHostPort(newHost, newPort)
	if t == addr {
		return ""
	}
	return t
}

// initAddrLast reports whether an init-addr setting tries the state
// file's address first.
func initAddrLast(s string) bool {
	first, _, _ := strings.Cut(s, ",")
	return s == "" || strings.TrimSpace(first) == "last"
}

// configServer returns backend bc's server named name, or nil.
func configServer(bc *config.Backend, name string) *config.Server {
	for _, sc := range bc.Servers {
		if sc.Name == name {
			return sc
		}
	}
	return nil
}
