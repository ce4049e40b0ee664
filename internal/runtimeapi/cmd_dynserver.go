package runtimeapi

import (
	"fmt"
	"strings"
	"sync"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/server"
)

// Dynamic servers: "add server" and "del server" derive a new
// configuration from the running one (Snapshot.Clone plus or minus one
// server) and apply it with Engine.ApplyRuntime, exactly as a reload
// would but keeping runtime map edits. Every balancing algorithm, the
// stats, health checks and "show servers state" thus see the change
// through the usual generation swap: the data path keeps reading one
// generation per request, with no lock. Server state (admin state,
// weights, counters) lives in the server registry and is kept for the
// servers that stay. Like HAProxy, a reload re-reads the file and forgets
// servers added at run time.
func init() {
	Register(&Command{Words: []string{"add", "server"}, Level: LevelAdmin,
		Usage: "add server <bk>/<srv> <addr> [kw...]", Help: "create a new server (in maintenance); 'add server help' lists the keywords", Handler: addServer})
	Register(&Command{Words: []string{"del", "server"}, Level: LevelAdmin,
		Usage: "del server <bk>/<srv>", Help: "remove a server in maintenance without connections", Handler: delServer})
}

// dynMu serialises runtime configuration changes, so that two of them
// never derive from the same running snapshot and lose one another.
var dynMu sync.Mutex

// dynamicAlgo reports whether servers can be added to a backend balanced
// by b: HAProxy refuses static-rr and map-based hashing, whose tables are
// sized once.
func dynamicAlgo(b config.Balance) bool {
	switch b.Algorithm {
	case "", "roundrobin", "leastconn", "first", "random":
		return true
	case "static-rr":
		return false
	}
	return b.HashType == "consistent"
}

func splitServerArg(arg string) (string, string, error) {
	b, s, ok := strings.Cut(arg, "/")
	if !ok || b == "" || s == "" {
		return "", "", Errorf("Require 'backend/server'.")
	}
	return b, s, nil
}

func findBackendCfg(snap *config.Snapshot, name string) *config.Backend {
	for _, b := range snap.Backends {
		if b.Name == name {
			return b
		}
	}
	return nil
}

// parseDynServer parses "server <name> <addr> [kw...]" with the
// configuration's own server keywords. default-server is not applied, as
// in HAProxy.
func parseDynServer(mode config.Mode, name string, words []string) (*config.Server, error) {
	var b strings.Builder
	b.WriteString("defaults\n    mode ")
	if mode == config.ModeHTTP {
		b.WriteString("http\n")
	} else {
		b.WriteString("tcp\n")
	}
	b.WriteString("backend dynamic\n    server '" + name + "'")
	for _, w := range words {
		if strings.ContainsAny(w, "'\n") {
			return nil, fmt.Errorf("invalid character in '%s'", w)
		}
		b.WriteString(" '" + w + "'")
	}
	b.WriteString("\n")
	f, err := cfgfile.Parse("add server", []byte(b.String()), func(string) (string, bool) { return "", false })
	if err != nil {
		return nil, err
	}
	snap, err := config.Load([]*cfgfile.File{f})
	if err != nil {
		return nil, err
	}
	return snap.Backends[0].Servers[0], nil
}

func addServer(ctx *Context, args []string, _ string) (string, error) {
	if len(args) == 1 && args[0] == "help" {
		return addServerHelp(), nil
	}
	if len(args) < 2 {
		return "", Errorf("'server' expects <name> and <addr>[:<port>] as arguments.")
	}
	bname, sname, err := splitServerArg(args[0])
	if err != nil {
		return "", err
	}
	dynMu.Lock()
	defer dynMu.Unlock()
	g := ctx.Engine.Active()
	if g == nil {
		return "", ErrorfBare("No such backend.")
	}
	snap := g.Snap.Clone()
	bc := findBackendCfg(snap, bname)
	if bc == nil {
		return "", ErrorfBare("No such backend.")
	}
	if !dynamicAlgo(bc.Balance) {
		return "", Errorf("Backend must use a dynamic load balancing to support dynamic servers.")
	}
	maxID := 0
	for i, s := range bc.Servers {
		if s.Name == sname {
			return "", Errorf("Already exists a server with the same name in backend.")
		}
		if s.ID == 0 {
			s.ID = i + 1 // keep every id as it is
		}
		maxID = max(maxID, s.ID)
	}
	// "track" names a server of the running configuration, which the
	// one-server configuration parseDynServer builds does not have: it
	// is resolved here against the running one.
	words, track := cutTrack(args[1:])
	var sc *config.Server
	if len(words) > 1 && words[1] == "from" {
		// HAProxy's positional "from none|be:[<b>]|srv:[<b>/]<s>",
		// right after the address: start from those settings.
		src, ferr := fromServer(snap, bc, words[2:])
		if ferr != nil {
			return "", ferr
		}
		words = append(words[:1:1], words[min(3, len(words)):]...)
		sc, err = config.ParseServerFrom(src, bc.Mode, append([]string{sname}, words...))
	} else {
		sc, err = parseDynServer(bc.Mode, sname, words)
	}
	if err == nil && track != "" {
		sc.Track = track
		if _, _, terr := config.ResolveTrack(snap, bc, sc); terr != nil {
			return "", Errorf("%v.", terr)
		}
	}
	if err != nil {
		// Drop the "add server:4 : " position of the synthetic line.
		msg := err.Error()
		if _, m, ok := strings.Cut(msg, " : "); ok {
			msg = m
		}
		return "", Errorf("%s", msg)
	}
	if sc.ID == 0 {
		sc.ID = maxID + 1
	}
	// The server starts in maintenance, as in HAProxy: "enable server"
	// (or "set server ... state ready") puts it in service.
	reg := ctx.Engine.Registry()
	st := reg.Get(bname, sname)
	st.SetAdmin(server.AdminMaint)
	bc.Servers = append(bc.Servers, sc)
	if err := ctx.Engine.ApplyRuntime(snap); err != nil {
		return "", Errorf("%v", err)
	}
	return "New server registered.\n", nil
}

func delServer(ctx *Context, args []string, _ string) (string, error) {
	if len(args) != 1 {
		return "", Errorf("Require 'backend/server'.")
	}
	bname, sname, err := splitServerArg(args[0])
	if err != nil {
		return "", err
	}
	dynMu.Lock()
	defer dynMu.Unlock()
	_, sv, err := findServer(ctx, args[0])
	if err != nil {
		return "", ErrorfBare("%v", err)
	}
	if sv.State.Admin() != server.AdminMaint {
		return "", ErrorfBare("Only servers in maintenance mode can be deleted.")
	}
	if sv.State.Cur() > 0 {
		return "", Errorf("Server still has connections attached to it, cannot remove it.")
	}
	snap := ctx.Engine.Active().Snap.Clone()
	bc := findBackendCfg(snap, bname)
	kept := bc.Servers[:0]
	for i, s := range bc.Servers {
		if s.ID == 0 {
			s.ID = i + 1
		}
		if s.Name != sname {
			kept = append(kept, s)
		}
	}
	bc.Servers = kept
	if err := ctx.Engine.ApplyRuntime(snap); err != nil {
		return "", Errorf("Cannot remove the server: %v", err)
	}
	return "Server deleted.\n", nil
}

// cutTrack removes "track <arg>" from a server line's keywords.
func cutTrack(words []string) (rest []string, track string) {
	for i := 0; i < len(words); i++ {
		if words[i] == "track" && i+1 < len(words) {
			track = words[i+1]
			i++
			continue
		}
		rest = append(rest, words[i])
	}
	return rest, track
}

// fromServer resolves the value of "from" (HAProxy's messages): nil for
// "none", a backend's default-server for "be:[<backend>]" (empty: this
// one), a server's settings for "srv:[<backend>/]<server>".
func fromServer(snap *config.Snapshot, be *config.Backend, args []string) (*config.Server, error) {
	if len(args) == 0 || args[0] == "" {
		return nil, Errorf("from: missing value.")
	}
	if len(args) > 1 && args[1] == "from" {
		return nil, Errorf("'from' keyword can only be specified once.")
	}
	v := args[0]
	switch {
	case v == "none":
		return nil, nil
	case strings.HasPrefix(v, "be:"):
		b := be
		if name := v[3:]; name != "" {
			if b = findBackendCfg(snap, name); b == nil {
				return nil, Errorf("from: unknown backend instance '%s'.", name)
			}
		}
		return b.DefaultServer, nil
	case strings.HasPrefix(v, "srv:"):
		b, name := be, v[4:]
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			if b = findBackendCfg(snap, name[:i]); b == nil {
				return nil, Errorf("from: No such backend.")
			}
			name = name[i+1:]
		}
		for _, s := range b.Servers {
			if s.Name == name {
				return s, nil
			}
		}
		return nil, Errorf("from: No such server.")
	}
	return nil, Errorf("invalid '%s' value for 'from' keyword.", v)
}

// addServerHelp is "add server help": the server keywords a dynamic
// server accepts (every server keyword hawser supports), one per line.
func addServerHelp() string {
	var b strings.Builder
	b.WriteString("List of keywords supported for dynamic server:\n")
	seen := map[string]bool{}
	for _, kw := range config.Keywords() {
		if kw.Scope != config.ScopeServer || !kw.Supported || seen[kw.Name] {
			continue
		}
		seen[kw.Name] = true
		b.WriteString(kw.Name + "\n")
	}
	return b.String()
}
