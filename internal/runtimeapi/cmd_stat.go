package runtimeapi

import (
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/serverstate"
	"github.com/hawser-lb/hawser/internal/stats"
)

func init() {
	Register(&Command{Words: []string{"show", "stat"}, Level: LevelUser, Usage: "show stat [desc|json|no-maint|typed|up]*", Help: "report counters for each proxy and server", Handler: showStat})
	Register(&Command{Words: []string{"show", "servers", "state"}, Level: LevelUser, Usage: "show servers state [<backend>]", Help: "dump volatile server information for all known backends", Handler: showServersState})
}

// The object types of "show stat"'s type bitmask.
const (
	statFE = 1 << iota
	statBE
	statSV
	statSO
)

func showStat(ctx *Context, args []string, _ string) (string, error) {
	proxy, iid, typ, sid := "", -1, -1, -1
	if len(args) >= 3 && !isStatOption(args[0]) {
		if n, err := strconv.Atoi(args[0]); err == nil {
			iid = n
		} else {
			proxy = args[0]
		}
		var err error
		if typ, err = strconv.Atoi(args[1]); err != nil {
			return "", Errorf("Invalid type.")
		}
		if sid, err = strconv.Atoi(args[2]); err != nil {
			return "", Errorf("Invalid server ID.")
		}
		args = args[3:]
	}
	format, noMaint, up := "", false, false
	for _, a := range args {
		switch a {
		case "typed", "json":
			format = a
		case "no-maint":
			noMaint = true
		case "up":
			up = true
		}
		// Other words are ignored, as HAProxy does.
	}
	all := ctx.Engine.Stats()
	if proxy != "" {
		found := false
		for i := range all {
			if all[i].Proxy() == proxy {
				found = true
				break
			}
		}
		if !found {
			return "", Errorf("No such proxy.")
		}
	}
	rows := all[:0:0]
	for _, r := range all {
		if proxy != "" && r.Proxy() != proxy || iid != -1 && int(r.Get(stats.FIID).N()) != iid {
			continue
		}
		if typ != -1 && typ&(1<<r.Type) == 0 {
			continue
		}
		if r.Type == stats.TypeServer {
			if sid != -1 && int(r.Get(stats.FSID).N()) != sid {
				continue
			}
			st := r.Get(stats.FStatus).String()
			if noMaint && strings.HasPrefix(st, "MAINT") {
				continue
			}
			if up && (strings.HasPrefix(st, "DOWN") || strings.HasPrefix(st, "MAINT")) {
				continue
			}
		}
		rows = append(rows, r)
	}
	switch format {
	case "typed":
		ctx.W.Write(stats.AppendTyped(nil, rows))
	case "json":
		ctx.W.Write(stats.AppendJSON(nil, rows))
	default:
		// stats.WriteCSV ends with the empty line, which here is the
		// framework's end of answer.
		ctx.W.WriteString(stats.CSVHeader + "\n")
		var buf []byte
		for i := range rows {
			buf = stats.AppendCSV(buf[:0], &rows[i])
			ctx.W.Write(buf)
		}
	}
	return "", nil
}

func isStatOption(a string) bool {
	switch a {
	case "typed", "json", "no-maint", "up", "desc":
		return true
	}
	return false
}

// serversStateHeader is the header of "show servers state" and of
// server-state-file, format version 1.
var serversStateHeader = serverstate.Header

func showServersState(ctx *Context, args []string, _ string) (string, error) {
	g := ctx.Engine.Active()
	if g == nil {
		return "", Errorf("No such backend.")
	}
	if len(args) > 0 && g.Backends[args[0]] == nil {
		return "", Errorf("Can't find backend.")
	}
	ids := proxyIDs(ctx)
	var b strings.Builder
	b.WriteString(serversStateHeader)
	for _, bc := range g.Snap.Backends {
		if len(args) > 0 && bc.Name != args[0] {
			continue
		}
		be := g.Backends[bc.Name]
		if be == nil || be.Pool == nil {
			continue
		}
		for i, sv := range be.Pool.Servers() {
			var sc *config.Server
			if i < len(bc.Servers) && bc.Servers[i].Name == sv.Name {
				sc = bc.Servers[i]
			}
			b.WriteString(serverStateLine(ids[bc.Name], bc, sv, sc))
		}
	}
	ctx.W.WriteString(b.String())
	return "", nil
}

// proxyIDs returns each proxy's id as "show stat" numbers it.
func proxyIDs(ctx *Context) map[string]int {
	ids := make(map[string]int)
	for _, r := range ctx.Engine.Stats() {
		if r.Type == stats.TypeBackend || r.Type == stats.TypeFrontend {
			ids[r.Proxy()] = int(r.Get(stats.FIID).N())
		}
	}
	return ids
}

func serverStateLine(beID int, bc *config.Backend, sv *balance.Server, sc *config.Server) string {
	st := sv.State
	addr, _ := sv.Target()
	host, port := splitHostPort(addr)
	op := 0 // stopped, as HAProxy reports a server in maintenance
	if st.Up() && st.Admin() != server.AdminMaint {
		op = 2 // running
	}
	admin := 0
	switch st.Admin() {
	case server.AdminMaint:
		admin = 0x01
	case server.AdminDrain:
		admin = 0x08
	}
	chk := st.Check()
	checkStatus, checkResult, checkState := 0, 0, 0
	if chk.Configured {
		checkState = 0x02
		if st.ChecksEnabled() {
			checkState |= 0x04
		}
		checkStatus = checkStatusCode(chk.LastStatus)
		switch {
		case chk.LastStatus == "":
			checkResult = 0
		case strings.HasSuffix(chk.LastStatus, "OK"):
			checkResult = 3
		default:
			checkResult = 2
		}
	}
	health := chk.Health
	if !chk.Configured {
		// As HAProxy: an unchecked server is "INI" with a full health
		// while it is up.
		checkStatus, health = 1, 0
		if st.Up() {
			health = 2
			if sc != nil && sc.Rise > 0 {
				health = sc.Rise
			}
		}
	}
	useSSL, checkPort, checkAddr, agentAddr, agentPort := 0, 0, "-", "-", 0
	forced := 0
	if sc != nil {
		if sc.TLS != nil {
			useSSL = 1
		}
		checkPort = sc.CheckPort
		if sc.CheckAddr != "" {
			checkAddr = sc.CheckAddr
		}
		if a, p := st.CheckOverride(); a != "" || p != 0 {
			if a != "" {
				checkAddr = a
			}
			if p != 0 {
				checkPort = p
			}
		}
		if sc.ID != 0 {
			forced = 1
		}
	}
	beForced := 0
	if bc.ID != 0 {
		beForced = 1
	}
	since := int64(time.Since(st.LastChange()) / time.Second)
	f := []string{
		strconv.Itoa(beID), bc.Name, strconv.Itoa(sv.ID), sv.Name, host,
		strconv.Itoa(op), strconv.Itoa(admin), strconv.Itoa(sv.UWeight()), strconv.Itoa(sv.Weight),
		strconv.FormatInt(since, 10), strconv.Itoa(checkStatus), strconv.Itoa(checkResult), strconv.Itoa(health),
		strconv.Itoa(checkState), "0", strconv.Itoa(beForced), strconv.Itoa(forced), "-", port, "-",
		strconv.Itoa(useSSL), strconv.Itoa(checkPort), checkAddr, agentAddr, strconv.Itoa(agentPort),
	}
	return strings.Join(f, " ") + "\n"
}

// checkStatusCode is HAProxy's HCHK_STATUS_* number of a check status.
func checkStatusCode(s string) int {
	codes := map[string]int{"UNK": 0, "INI": 1, "SOCKERR": 4, "L4OK": 5, "L4TOUT": 6, "L4CON": 7,
		"L6OK": 8, "L6TOUT": 9, "L6RSP": 10, "L7TOUT": 11, "L7RSP": 12, "L7OK": 13, "L7OKC": 14, "L7STS": 15}
	if s == "" {
		return 1
	}
	return codes[s]
}

func splitHostPort(a string) (host, port string) {
	i := strings.LastIndexByte(a, ':')
	if i < 0 {
		return a, "0"
	}
	host, port = strings.Trim(a[:i], "[]"), a[i+1:]
	if port == "" {
		port = "0"
	}
	return host, port
}

// findServer resolves "<backend>/<server>" in the running configuration,
// with HAProxy's error messages.
func findServer(ctx *Context, arg string) (*engine.Backend, *balance.Server, error) {
	bname, sname, ok := strings.Cut(arg, "/")
	if !ok || bname == "" || sname == "" {
		return nil, nil, Errorf("Require 'backend/server'.")
	}
	g := ctx.Engine.Active()
	var be *engine.Backend
	if g != nil {
		be = g.Backends[bname]
	}
	if be == nil || be.Pool == nil {
		return nil, nil, Errorf("No such backend.")
	}
	for _, sv := range be.Pool.Servers() {
		if sv.Name == sname {
			return be, sv, nil
		}
	}
	return nil, nil, Errorf("No such server.")
}
