package stick

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// Registry holds the tables of the running configuration by name, so a
// reload finds the tables its predecessor left: stick tables are state
// that outlives config, like server.Registry. It is safe for concurrent
// use.
type Registry struct {
	opts []Option
	mu   sync.Mutex
	m    map[string]*Table // guarded by mu
}

// NewRegistry returns an empty registry; opts apply to every table it
// creates.
func NewRegistry(opts ...Option) *Registry {
	return &Registry{opts: opts, m: make(map[string]*Table)}
}

// Get returns the table name for declaration d. An existing table is kept,
// with its entries, when d has the same key type, key length, size,
// srvkey, brates-factor and stored data; a changed expire or nopurge is
// applied to it in place. Otherwise a new, empty table replaces it (the
// old one keeps serving whoever still holds it).
func (r *Registry) Get(name string, d *Decl) *Table {
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.m[name]; ok && t.decl.sameLayout(d) {
		t.setPolicy(d)
		return t
	}
	t := New(name, d, r.opts...)
	r.m[name] = t
	return t
}

// Lookup returns the table name if it exists (the "table" argument of
// fetches and Runtime API commands).
func (r *Registry) Lookup(name string) (*Table, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	t, ok := r.m[name]
	return t, ok
}

// Retain drops every table whose name is not in keep. The engine calls it
// once a new generation is live.
func (r *Registry) Retain(keep map[string]bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for name := range r.m {
		if !keep[name] {
			delete(r.m, name)
		}
	}
}

// Tables returns the tables sorted by name, for "show table".
func (r *Registry) Tables() []*Table {
	r.mu.Lock()
	ts := make([]*Table, 0, len(r.m))
	for _, t := range r.m {
		ts = append(ts, t)
	}
	r.mu.Unlock()
	slices.SortFunc(ts, func(a, b *Table) int { return strings.Compare(a.name, b.name) })
	return ts
}

// Run sweeps expired entries from every table every interval until ctx
// is done.
func (r *Registry) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			for _, t := range r.Tables() {
				t.Sweep()
			}
		}
	}
}
