package runtimeapi

import (
	"fmt"
	"strings"

	"github.com/hawser-lb/hawser/internal/engine"
)

func init() {
	Register(&Command{Words: []string{"show", "servers", "conn"}, Level: LevelUser,
		Usage: "show servers conn [<backend>]", Help: "dump server connections status (all or for a single backend)", Handler: showServersConn})
}

// serversConnHeader is HAProxy's header with one idle_per_thr column:
// hawser keeps one pool of idle connections per process, not one per
// thread.
const serversConnHeader = "# bkname/svname bkid/svid addr port - purge_delay used_cur used_max need_est unsafe_nb safe_nb idle_lim idle_cur idle_per_thr[1]\n"

// showServersConn is "show servers conn": per server, the connections in
// use and kept idle. hawser does not split idle connections into safe
// and unsafe ones (unsafe_nb is 0) and keeps at most 256 per server
// (idle_lim), purged after 5s idle (purge_delay, HAProxy's default).
func showServersConn(ctx *Context, args []string, _ string) (string, error) {
	g := ctx.Engine.Active()
	if g == nil {
		return "", Errorf("Can't find backend.")
	}
	if len(args) > 0 && g.Backends[args[0]] == nil {
		return "", Errorf("Can't find backend.")
	}
	ids := proxyIDs(ctx)
	var b strings.Builder
	b.WriteString(serversConnHeader)
	for _, bc := range g.Snap.Backends {
		if len(args) > 0 && bc.Name != args[0] {
			continue
		}
		be := g.Backends[bc.Name]
		if be == nil || be.Pool == nil {
			continue
		}
		for _, sv := range be.Pool.Servers() {
			writeServerConn(&b, ctx.Engine, ids[bc.Name], bc.Name, sv.Name, sv.ID, sv.Key, sv.State.Cur(), sv.State.Counters.Max.Load(), sv.Addr)
		}
	}
	ctx.W.WriteString(b.String())
	return "", nil
}

func writeServerConn(b *strings.Builder, e *engine.Engine, beID int, be, name string, id int, key string, cur, maxCur int64, addr string) {
	host, port := splitHostPort(addr)
	if port == "" {
		port = "0"
	}
	idle := e.IdleConns(key)
	fmt.Fprintf(b, "%s/%s %d/%d %s %s - %d %d %d %d %d %d %d %d %d\n",
		be, name, beID, id, host, port, 5000, cur, maxCur, cur+int64(idle), 0, idle, 256, idle, idle)
}
