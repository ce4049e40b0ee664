package engine

import (
	"encoding/binary"
	"net/netip"

	"fmt"
	"github.com/cespare/xxhash/v2"
	"slices"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/logging"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stick"
)

// Persist is a backend's compiled server persistence: force-persist and
// ignore-persist rules, use-server rules, the persistence cookie and the
// stick rules (configuration.txt "cookie", "stick", "use-server"). It is
// nil on a backend without any, so the data path pays one nil check.
//
// As in HAProxy, a request is assigned in this order: use-server, then
// the cookie (package l7, which owns the HTTP headers), then stick match
// rules; the first that names a server it may use wins and the others see
// the request as already assigned.
type Persist struct {
	// Cookie is the "cookie" line, nil if none.
	Cookie *config.Cookie
	// Option is "option persist".
	Option bool

	rules      []persistRule
	useServers []useServer
	sticks     []stickRule
	// storeResponse is set when a stick store-response rule exists.
	storeResponse bool

	byName   map[string]*balance.Server
	byCookie map[string]*balance.Server
	byID     map[int]*balance.Server
	cookieOf map[*balance.Server]string
}

type persistRule struct {
	ignore bool
	cond   *acl.Cond
}

type useServer struct {
	cond *acl.Cond
	srv  *balance.Server // a static name
	name *logging.Format // a dynamic name, resolved per request
}

type stickRule struct {
	kind  config.StickKind
	expr  *acl.Expr
	table *stick.Table
	cond  *acl.Cond
}

// compilePersist compiles a backend's persistence; it returns nil when
// the backend has none.
func (g *Generation) compilePersist(bc *config.Backend, servers []*balance.Server) (*Persist, error) {
	pc := &bc.Persist
	if !pc.Enabled() {
		return nil, nil
	}
	p := &Persist{
		Cookie:   pc.Cookie,
		Option:   pc.Option,
		byName:   make(map[string]*balance.Server, len(servers)),
		byCookie: make(map[string]*balance.Server),
		byID:     make(map[int]*balance.Server, len(servers)),
		cookieOf: make(map[*balance.Server]string),
	}
	for i, sv := range servers {
		p.byName[sv.Name] = sv
		p.byID[sv.ID] = sv
		ck := bc.Servers[i].Cookie
		if ck == "" && pc.Cookie != nil && pc.Cookie.Dynamic && pc.DynamicCookieKey != "" {
			ck = DynamicCookie(pc.DynamicCookieKey, sv.Addr)
		}
		if ck != "" {
			p.byCookie[ck] = sv
			p.cookieOf[sv] = ck
		}
	}
	defs := aclDefs(&bc.Proxy)
	var errs compileErrors
	for _, r := range pc.Rules {
		cond, err := compileCondMaps(r.Cond, defs, g.Maps)
		errs.add("", bc.Pos, err)
		p.rules = append(p.rules, persistRule{ignore: r.Ignore, cond: cond})
	}
	for _, u := range pc.UseServers {
		us, err := p.compileUseServer(g, u, defs)
		errs.add("", u.Pos, err)
		p.useServers = append(p.useServers, us)
	}
	for _, r := range pc.Sticks {
		sr, err := g.compileStick(bc.Name, r, defs)
		errs.add("", r.Pos, err)
		p.storeResponse = p.storeResponse || r.Kind == config.StickStoreResponse
		p.sticks = append(p.sticks, sr)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Persist) compileUseServer(g *Generation, u *config.UseServer, defs acl.Defs) (useServer, error) {
	cond, err := compileCondMaps(u.Cond, defs, g.Maps)
	if err != nil {
		return useServer{}, err
	}
	us := useServer{cond: cond}
	if u.Dynamic() {
		if us.name, err = logging.ParseFormatMaps(u.Server, g.Maps); err != nil {
			return useServer{}, at(u.Pos, fmt.Errorf("use-server: %w", err))
		}
		return us, nil
	}
	if us.srv = p.byName[u.Server]; us.srv == nil {
		return useServer{}, at(u.Pos, fmt.Errorf("use-server: no such server %q", u.Server))
	}
	return us, nil
}

func (g *Generation) compileStick(backend string, r *config.StickRule, defs acl.Defs) (stickRule, error) {
	at := func(err error) error {
		return at(r.Pos, fmt.Errorf("stick %s: %w", r.Kind, err))
	}
	cond, err := compileCondMaps(r.Cond, defs, g.Maps)
	if err != nil {
		return stickRule{}, err
	}
	expr, err := acl.CompileExprMaps(r.Expr, g.Maps)
	if err != nil {
		return stickRule{}, at(err)
	}
	name := stickTableName(backend, r)
	t := g.Tables[name]
	if t == nil {
		return stickRule{}, at(fmt.Errorf("no stick-table declared in proxy %q", name))
	}
	return stickRule{kind: r.Kind, expr: expr, table: t, cond: cond}, nil
}

// stickTableName is the proxy whose table a stick rule of backend uses.
func stickTableName(backend string, r *config.StickRule) string {
	if r.Table != "" {
		return r.Table
	}
	return backend
}

// persistTables lists the tables stick rules use: HAProxy stores
// server_id and server_key in them whatever their "store" list says.
func persistTables(snap *config.Snapshot) map[string]bool {
	var used map[string]bool
	for _, b := range snap.Backends {
		for _, r := range b.Persist.Sticks {
			if used == nil {
				used = make(map[string]bool)
			}
			used[stickTableName(b.Name, r)] = true
		}
	}
	return used
}

// enablePersistData adds server_id and server_key to a table stick rules
// use.
func enablePersistData(d *stick.Decl) error {
	if err := d.Enable(stick.ServerID); err != nil {
		return err
	}
	return d.Enable(stick.ServerKey)
}

// Flags evaluates force-persist and ignore-persist: the first rule whose
// condition matches decides.
func (p *Persist) Flags(s acl.Sample) (force, ignore bool) {
	for i := range p.rules {
		r := &p.rules[i]
		if r.cond.Match(s) {
			return !r.ignore, r.ignore
		}
	}
	return false, false
}

// Usable reports whether persistence may send a request to sv: it is
// not stopped (down or in maintenance; draining servers keep their
// persistent clients), or "option persist" or force-persist says to try
// it anyway.
func (p *Persist) Usable(sv *balance.Server, force bool) bool {
	st := sv.State
	return (st.Up() && st.Admin() != server.AdminMaint) || p.Option || force
}

// UseServer returns the server of the first use-server rule that matches
// and names a server the request may use, or nil.
func (p *Persist) UseServer(s acl.Sample, force bool) *balance.Server {
	for i := range p.useServers {
		u := &p.useServers[i]
		if !u.cond.Match(s) {
			continue
		}
		sv := u.srv
		if u.name != nil {
			sv = p.resolveServer(u.name, s)
		}
		// A server that is down lets the next rules have their say.
		if sv != nil && p.Usable(sv, force) {
			return sv
		}
	}
	return nil
}

// resolveServer formats a dynamic use-server name and looks it up.
func (p *Persist) resolveServer(name *logging.Format, s acl.Sample) *balance.Server {
	var e *logging.Entry
	if le, ok := s.(LogEntrier); ok {
		e = le.LogEntry()
	} else {
		e = &logging.Entry{}
	}
	buf := name.AppendSample(scratch(s), e, s)
	keepScratch(s, buf)
	return p.byName[string(buf)]
}

// ServerByCookie returns the server whose "cookie" value is v, or nil.
func (p *Persist) ServerByCookie(v []byte) *balance.Server {
	return p.byCookie[string(v)]
}

// CookieOf returns sv's "cookie" value, "" if it has none.
func (p *Persist) CookieOf(sv *balance.Server) string { return p.cookieOf[sv] }

// HasSticks reports whether stick match or store-request rules exist.
func (p *Persist) HasSticks() bool { return len(p.sticks) > 0 }

// HasStoreResponse reports whether stick store-response rules exist.
func (p *Persist) HasStoreResponse() bool { return p.storeResponse }

// StickMatch runs the stick on and stick match rules: the first whose
// key has an entry naming a server the request may use returns it. Every
// entry found is refreshed, as HAProxy does, even when it is not used.
func (p *Persist) StickMatch(s acl.Sample, force bool) *balance.Server {
	var found *balance.Server
	for i := range p.sticks {
		r := &p.sticks[i]
		if !r.kind.Matches() || !r.cond.Match(s) {
			continue
		}
		k, ok := r.key(s)
		if !ok {
			continue
		}
		e := r.table.Get(k)
		if e == nil {
			continue
		}
		if id, ok := e.ServerID(); ok && found == nil {
			if sv := p.byID[int(id)]; sv != nil && p.Usable(sv, force) {
				found = sv
			}
		}
		e.Touch()
	}
	return found
}

// StoreRequest runs the stick on and store-request rules once sv has been
// chosen: each table records sv under the key of its first matching rule.
func (p *Persist) StoreRequest(s acl.Sample, sv *balance.Server) {
	p.store(s, sv, config.StickKind.StoresRequest)
}

// StoreResponse runs the stick store-response rules on the response.
func (p *Persist) StoreResponse(s acl.Sample, sv *balance.Server) {
	p.store(s, sv, func(k config.StickKind) bool { return k == config.StickStoreResponse })
}

func (p *Persist) store(s acl.Sample, sv *balance.Server, kind func(config.StickKind) bool) {
	// HAProxy applies only the first store rule that yields a key for
	// each table, so that several rules can look for a key by decreasing
	// precision (a header, else the source address).
	var done [8]*stick.Table
	n := 0
	for i := range p.sticks {
		r := &p.sticks[i]
		if !kind(r.kind) || slices.Contains(done[:n], r.table) || !r.cond.Match(s) {
			continue
		}
		k, ok := r.key(s)
		if !ok {
			continue
		}
		if n < len(done) {
			done[n] = r.table
			n++
		}
		if e := r.table.Track(k); e != nil {
			e.SetServerID(int32(sv.ID))
			e.SetServerKey(serverKey(r.table, sv))
			e.Release()
		}
	}
}

// serverKey is what server_key holds for sv: its name, or its address
// with "srvkey addr".
func serverKey(t *stick.Table, sv *balance.Server) string {
	if t.Decl().SrvKey == stick.SrvKeyAddr {
		return sv.Addr
	}
	return sv.Name
}

// key evaluates the rule's expression into a table key.
func (r *stickRule) key(s acl.Sample) (stick.Key, bool) {
	v, buf, ok := r.expr.Eval(s, scratch(s))
	keepScratch(s, buf)
	if !ok {
		return stick.Key{}, false
	}
	return stickKey(v)
}

// scratch returns the sample's reusable buffer, emptied, or nil.
func scratch(s acl.Sample) []byte {
	if sc, ok := s.(Scratcher); ok {
		return (*sc.Scratch())[:0]
	}
	return nil
}

// keepScratch gives a grown buffer back to the sample.
func keepScratch(s acl.Sample, buf []byte) {
	if sc, ok := s.(Scratcher); ok {
		*sc.Scratch() = buf
	}
}

// DynamicCookie is the cookie value HAProxy computes for a server without
// one when the backend's cookie is "dynamic": the XXH64 hash (seed 0) of
// the dynamic-cookie-key, the server's address bytes (4 for IPv4, 16 for
// IPv6) and its port as four big-endian bytes, in 16 hex digits. A server
// whose address is not an IP:port gets none, as in HAProxy.
func DynamicCookie(key, addr string) string {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return ""
	}
	b := append([]byte(key), ap.Addr().Unmap().AsSlice()...)
	b = binary.BigEndian.AppendUint32(b, uint32(ap.Port()))
	return fmt.Sprintf("%016x", xxhash.Sum64(b))
}
