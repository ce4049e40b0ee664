package engine

import (
	"strconv"

	"fmt"
	"github.com/hawser-lb/hawser/internal/health"
	"log/slog"
	"net"
	"slices"

	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/resolver"
	"github.com/hawser-lb/hawser/internal/server"
)

// resolveGroup is one backend's servers resolved by one resolvers
// section: a Watch resolves them in turn.
type resolveGroup struct {
	backend string
	client  *resolver.Client
	targets []resolver.Target
}

// addResolved registers a server with "resolvers <name>".
func (g *Generation) addResolved(backend string, sc *config.Server, st *server.State) error {
	host, port, err := net.SplitHostPort(sc.Address)
	if err != nil {
		return fmt.Errorf("server '%s/%s': 'resolvers' needs an address with a port: %w", backend, sc.Name, err)
	}
	var cfg *config.Resolvers
	for _, r := range g.Snap.Resolvers {
		if r.Name == sc.Resolvers {
			cfg = r
		}
	}
	if cfg == nil {
		return fmt.Errorf("server '%s/%s': no resolvers section named '%s'", backend, sc.Name, sc.Resolvers)
	}
	t := resolver.Target{
		Base: sc.Address, Host: host, Port: port, State: st,
		Prefer: sc.ResolvePrefer, Nets: sc.ResolveNet,
		AllowDup: slices.Contains(sc.ResolveOpts, "allow-dup-ip"),
		Maint:    sc.Template && !sc.Disabled,
	}
	if t.Maint && st.Target() == nil {
		// Until a resolution gives it an address of its own.
		st.SetConfigMaint(true)
	}
	for i := range g.resolve {
		if rg := &g.resolve[i]; rg.backend == backend && rg.client.Cfg == cfg {
			rg.targets = append(rg.targets, t)
			return nil
		}
	}
	g.resolve = append(g.resolve, resolveGroup{backend: backend, client: resolver.New(cfg), targets: []resolver.Target{t}})
	return nil
}

// startResolvers starts resolving, until the generation is retired.
func (g *Generation) startResolvers(log *slog.Logger) {
	for _, rg := range g.resolve {
		go func() {
			defer func() {
				if r := recover(); r != nil && log != nil {
					log.Error("resolver panic", "backend", rg.backend, "panic", r)
				}
			}()
			resolver.Watch(g.ctx, rg.client, rg.targets, log)
		}()
	}
}

// externalCheck is the program health checks of bc run ("option
// external-check"), nil without it. HAProxy passes the address of the
// listen section's first bind, or NOT_USED for a backend.
func externalCheck(snap *config.Snapshot, bc *config.Backend) (*health.External, error) {
	if !bc.ExternalCheck {
		return nil, nil
	}
	if !snap.Global.ExternalCheck {
		return nil, fmt.Errorf("backend '%s': 'option external-check' needs 'external-check' in the global section", bc.Name)
	}
	if bc.ExternalCheckCommand == "" {
		return nil, fmt.Errorf("backend '%s': 'option external-check' needs an 'external-check command'", bc.Name)
	}
	x := &health.External{Command: bc.ExternalCheckCommand, Path: bc.ExternalCheckPath,
		ProxyName: bc.Name, ProxyID: strconv.Itoa(bc.ID), ProxyAddr: "NOT_USED", ProxyPort: "NOT_USED"}
	if bc.Listen {
		for _, fe := range snap.Frontends {
			if fe.Name == bc.Name && len(fe.Binds) > 0 {
				if h, p, err := net.SplitHostPort(fe.Binds[0].Address); err == nil {
					x.ProxyAddr, x.ProxyPort = h, p
				}
			}
		}
	}
	return x, nil
}
