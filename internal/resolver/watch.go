package resolver

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"time"

	"github.com/hawser-lb/hawser/internal/server"
)

// Target is a server whose name a Watch resolves.
type Target struct {
	// Base is the configured address ("name:port"); the resolved
	// address replaces it (server.Target) while the configuration keeps
	// it.
	Base       string
	Host, Port string
	State      *server.State
	// Prefer is "ipv4" or "ipv6" (the default); Nets are the preferred
	// networks, in order (resolve-net).
	Prefer string
	Nets   []netip.Prefix
	// AllowDup lets the server take an address another server of the
	// same group uses (resolve-opts allow-dup-ip).
	AllowDup bool
	// Maint is set for server-template servers: one that finds no
	// address of its own stays in maintenance (and leaves it once it
	// gets one), as HAProxy does.
	Maint bool
}

// Watch resolves the names of one backend's servers every "timeout
// resolve" until ctx ends, moving each server to an address of the
// answer. A server keeps its address while it is still in the answer;
// after a failed resolution it keeps it too (HAProxy's hold periods).
func Watch(ctx context.Context, c *Client, group []Target, log *slog.Logger) {
	every := c.Cfg.TimeoutResolve
	if every <= 0 {
		every = time.Second
	}
	for {
		for i := range group {
			if ctx.Err() != nil {
				return
			}
			resolveOne(ctx, c, group, i, log)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

func resolveOne(ctx context.Context, c *Client, group []Target, i int, log *slog.Logger) {
	t := &group[i]
	addrs, err := c.Lookup(ctx, t.Host)
	if err != nil {
		if ctx.Err() == nil && log != nil {
			log.Debug("server name resolution failed", "server", t.State.Key(), "error", err)
		}
		return
	}
	cur := current(t)
	used := map[netip.Addr]bool{}
	if !t.AllowDup {
		for j := range group {
			if j != i {
				if a := current(&group[j]); a.IsValid() {
					used[a] = true
				}
			}
		}
	}
	pick, free := choose(addrs, cur, used, t.Prefer, t.Nets)
	if t.Maint {
		t.State.SetConfigMaint(!free)
		if !free {
			return
		}
	}
	if !pick.IsValid() || pick == cur {
		return
	}
	addr := net.JoinHostPort(pick.String(), t.Port)
	t.State.SetTarget(&server.Target{Base: t.Base, Addr: addr, Key: t.State.Key() + "@" + addr})
	if log != nil {
		log.Info("server address changed by name resolution", "server", t.State.Key(), "addr", addr)
	}
}

// current is the address a target uses now, invalid before its first
// resolution.
func current(t *Target) netip.Addr {
	st := t.State.Target()
	if st == nil || st.Base != t.Base {
		return netip.Addr{}
	}
	ap, err := netip.ParseAddrPort(st.Addr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr()
}

// choose keeps cur if the answer still has it; else it takes the best
// address by preference (resolve-net order, then family) that no other
// server uses, or the best one if all are used.
// free is false when every address of the answer is used.
func choose(addrs []netip.Addr, cur netip.Addr, used map[netip.Addr]bool, prefer string, nets []netip.Prefix) (pick netip.Addr, free bool) {
	if cur.IsValid() && slices.Contains(addrs, cur) && !used[cur] {
		return cur, true
	}
	rank := func(a netip.Addr) int {
		r := len(nets)
		for i, n := range nets {
			if n.Contains(a) {
				r = i
				break
			}
		}
		r *= 2
		if a.Is4() != (prefer == "ipv4") {
			r++
		}
		return r
	}
	sorted := slices.Clone(addrs)
	slices.SortStableFunc(sorted, func(a, b netip.Addr) int { return rank(a) - rank(b) })
	for _, a := range sorted {
		if !used[a] {
			return a, true
		}
	}
	if len(sorted) > 0 {
		return sorted[0], false
	}
	return netip.Addr{}, false
}
