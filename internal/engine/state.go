package engine

import (
	"fmt"

	"github.com/hawser-lb/hawser/internal/auth"
	"github.com/hawser-lb/hawser/internal/config"
)

// Userlist is a compiled userlist: its checker and each user's groups,
// for the http_auth and http_auth_group fetches.
type Userlist struct {
	List   *auth.List
	Groups map[string][]string
}

// compileUserlists compiles every userlist of the snapshot.
func (g *Generation) compileUserlists(snap *config.Snapshot) error {
	g.Userlists = make(map[string]*Userlist, len(snap.Userlists))
	var errs compileErrors
	for _, ul := range snap.Userlists {
		l, err := auth.New(ul)
		if err != nil {
			errs.add(fmt.Sprintf("userlist %q: ", ul.Name), ul.Pos, err)
			continue
		}
		g.Userlists[ul.Name] = &Userlist{List: l, Groups: userGroups(ul)}
	}
	return errs.err()
}

// userGroups merges the groups named on "user" lines with the members
// listed on "group" lines.
func userGroups(ul *config.Userlist) map[string][]string {
	m := make(map[string][]string, len(ul.Users))
	seen := make(map[[2]string]bool)
	add := func(user, group string) {
		if !seen[[2]string{user, group}] {
			seen[[2]string{user, group}] = true
			m[user] = append(m[user], group)
		}
	}
	for _, u := range ul.Users {
		for _, gr := range u.Groups {
			add(u.Name, gr)
		}
	}
	for _, gr := range ul.Groups {
		for _, u := range gr.Users {
			add(u, gr.Name)
		}
	}
	return m
}

// NbSrv is the nbsrv fetch: the usable servers of backend name.
func (g *Generation) NbSrv(name string) (int, bool) {
	b := g.Backends[name]
	if b == nil {
		return 0, false
	}
	n := 0
	for _, sv := range b.Pool.Servers() {
		if sv.State.Usable() {
			n++
		}
	}
	return n, true
}

// BeConn is the be_conn fetch: the connections the servers of backend
// name currently serve.
func (g *Generation) BeConn(name string) (int, bool) {
	b := g.Backends[name]
	if b == nil {
		return 0, false
	}
	var n int64
	for _, sv := range b.Pool.Servers() {
		n += sv.State.Cur()
	}
	return int(n), true
}

// QueueLen is the queue fetch: requests waiting for a server of backend
// name.
func (g *Generation) QueueLen(name string) (int, bool) {
	b := g.Backends[name]
	if b == nil || b.Pool.Queue() == nil {
		return 0, b != nil
	}
	return b.Pool.Queue().Len(), true
}

// SrvIsUp is the srv_is_up fetch: whether the server is up and not in
// maintenance or drain.
func (g *Generation) SrvIsUp(backend, server string) (up, ok bool) {
	b := g.Backends[backend]
	if b == nil {
		return false, false
	}
	for _, sv := range b.Pool.Servers() {
		if sv.Name == server {
			return sv.State.Usable(), true
		}
	}
	return false, false
}

// FeConn is the fe_conn fetch: the current connections of frontend name.
func (g *Generation) FeConn(name string) (int, bool) {
	for _, f := range g.Frontends {
		if f.Cfg.Name == name {
			return int(f.CurConn.Load()), true
		}
	}
	return 0, false
}
