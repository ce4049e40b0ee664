// Package statspage serves HAProxy's stats page ("stats enable", "stats
// uri"...): the HTML report, its ";csv" and ";json" exports, and the admin
// actions posted by its form. Package l7 calls Serve for requests whose URI
// starts with a proxy's stats URI, once the access rules passed. The page
// reads the rows of package stats, the same that "show stat" and the
// Prometheus exporter read.
package statspage

import (
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/stats"
)

// Proxy is one table of the page: the FRONTEND row, the server rows and
// the BACKEND row of one proxy, as HAProxy shows a listen section; a
// frontend has no servers and no backend row, a backend no frontend row.
type Proxy struct {
	Name     string
	Desc     string
	Frontend *stats.Row
	Servers  []*stats.Row
	Backend  *stats.Row
}

// inScope reports whether page p shows proxy name ("stats scope").
func inScope(p *engine.StatsPage, name string) bool {
	if len(p.Cfg.Scope) == 0 {
		return true
	}
	for _, s := range p.Cfg.Scope {
		if s == name || s == "." && name == p.Proxy {
			return true
		}
	}
	return false
}

// scopedRows returns the stats rows of the proxies page p shows, in
// "show stat" order.
func scopedRows(gen *engine.Generation, p *engine.StatsPage) []stats.Row {
	rows := gen.Stats()
	if len(p.Cfg.Scope) == 0 {
		return rows
	}
	out := rows[:0]
	for _, r := range rows {
		if inScope(p, r.Proxy()) {
			out = append(out, r)
		}
	}
	return out
}

// collect groups the rows page p shows by proxy.
func collect(gen *engine.Generation, p *engine.StatsPage) []*Proxy {
	rows := scopedRows(gen, p)
	desc := map[string]string{}
	for _, f := range gen.Snap.Frontends {
		desc[f.Name] = f.Description
	}
	for _, b := range gen.Snap.Backends {
		if b.Description != "" {
			desc[b.Name] = b.Description
		}
	}
	var out []*Proxy
	var cur *Proxy
	for i := range rows {
		r := &rows[i]
		if cur == nil || cur.Name != r.Proxy() {
			cur = &Proxy{Name: r.Proxy(), Desc: desc[r.Proxy()]}
			out = append(out, cur)
		}
		switch r.Type {
		case stats.TypeFrontend:
			cur.Frontend = r
		case stats.TypeBackend:
			cur.Backend = r
		case stats.TypeServer:
			cur.Servers = append(cur.Servers, r)
		}
	}
	return out
}
