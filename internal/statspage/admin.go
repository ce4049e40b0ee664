package statspage

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
)

// applyAdmin applies the admin form posted to page p: "b" names the
// backend (or "#<id>"), "action" the action and each "s" a server. It
// returns HAProxy's result code for the ";st=" redirect: DONE when the
// action was applied to every server named, PART when to some, ERRP when
// to none or the parameters are invalid, NONE when no server was named.
func applyAdmin(gen *engine.Generation, p *engine.StatsPage, body []byte) string {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return "ERRP"
	}
	action := adminActions[form.Get("action")]
	be := findBackend(gen, form.Get("b"))
	if action == nil || be == nil {
		return "ERRP"
	}
	if !inScope(p, be.Cfg.Name) {
		return "DENY"
	}
	names := form["s"]
	if len(names) == 0 {
		return "NONE"
	}
	done := 0
	for _, name := range names {
		sv, sc := findServer(be, name)
		if sv == nil {
			continue
		}
		if action(sv.State, sc) {
			done++
		}
	}
	switch {
	case done == len(names):
		return "DONE"
	case done > 0:
		return "PART"
	}
	return "ERRP"
}

// adminActions are the actions of HAProxy's stats admin form, by their
// form value. Each reports whether it applied to the server.
var adminActions = map[string]func(st *server.State, sc *config.Server) bool{
	"ready": func(st *server.State, _ *config.Server) bool { st.SetAdmin(server.AdminReady); return true },
	"drain": func(st *server.State, _ *config.Server) bool { st.SetAdmin(server.AdminDrain); return true },
	"maint": func(st *server.State, _ *config.Server) bool { st.SetAdmin(server.AdminMaint); return true },
	"dhlth": func(st *server.State, sc *config.Server) bool {
		if !sc.Check {
			return false
		}
		st.SetChecksEnabled(false)
		return true
	},
	"ehlth": func(st *server.State, sc *config.Server) bool {
		if !sc.Check {
			return false
		}
		st.SetChecksEnabled(true)
		return true
	},
	"hrunn": func(st *server.State, sc *config.Server) bool { return forceHealth(st, sc, true) },
	"hdown": func(st *server.State, sc *config.Server) bool { return forceHealth(st, sc, false) },
	// The agent actions apply to servers whose agent check runs; hawser
	// runs none, so they change nothing, as HAProxy's do on a server
	// without "agent-check".
	"dagent": noAgent,
	"eagent": noAgent,
	"arunn":  noAgent,
	"adown":  noAgent,
	// "Kill sessions": abort the server's sessions, as "shutdown
	// sessions server" does.
	"shutdown": func(st *server.State, _ *config.Server) bool { st.ShutdownSessions(); return true },
}

func noAgent(*server.State, *config.Server) bool { return false }

// forceHealth sets a checked server's health as if its checks had just
// fully passed or failed (HAProxy's "set server ... health up|down").
func forceHealth(st *server.State, sc *config.Server, up bool) bool {
	if !sc.Check {
		return false
	}
	st.WithCheck(func(cs *server.CheckState) {
		cs.Health = 0
		if up {
			cs.Health = sc.Rise + sc.Fall - 1
		}
	})
	st.SetUp(up)
	return true
}

func findBackend(gen *engine.Generation, name string) *engine.Backend {
	if id, ok := strings.CutPrefix(name, "#"); ok {
		n, err := strconv.Atoi(id)
		if err != nil {
			return nil
		}
		// Proxy ids as "show stat" numbers them (iid).
		for _, r := range gen.Stats() {
			if r.Type == stats.TypeBackend && r.Get(stats.FIID).N() == int64(n) {
				return gen.Backends[r.Proxy()]
			}
		}
		return nil
	}
	return gen.Backends[name]
}

func findServer(be *engine.Backend, name string) (*balance.Server, *config.Server) {
	for _, sv := range be.Pool.Servers() {
		if sv.Name != name {
			continue
		}
		for _, sc := range be.Cfg.Servers {
			if sc.Name == name {
				return sv, sc
			}
		}
	}
	return nil, nil
}
