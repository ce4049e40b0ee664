package engine

import (
	"bytes"
	"fmt"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/auth"
	"github.com/hawser-lb/hawser/internal/config"
)

// StatsPage is a proxy's compiled stats page settings ("stats enable",
// "stats uri", ...); package statspage serves it.
type StatsPage struct {
	Cfg *config.Stats
	// Proxy is the name of the proxy that declares the page, for "stats
	// scope .".
	Proxy string
	// uri is Cfg.URI as bytes, for the per-request prefix match.
	uri []byte
	// users checks "stats auth" credentials; nil when there are none.
	users *auth.List
	rules []statsRule
	admin []*acl.Cond
}

type statsRule struct {
	action string // allow, deny, auth
	realm  string
	cond   *acl.Cond
}

// StatsAccess is the verdict of the stats page's access rules.
type StatsAccess int

// Stats access verdicts.
const (
	StatsAllow StatsAccess = iota
	StatsDeny
	StatsAuth // answer 401 with the realm StatsCheck returned
)

func compileStats(g *Generation, p *config.Proxy) (*StatsPage, error) {
	if p.Stats == nil {
		return nil, nil
	}
	c := p.Stats
	sp := &StatsPage{Cfg: c, Proxy: p.Name, uri: []byte(c.URI)}
	defs := aclDefs(p)
	if len(c.Auth) > 0 {
		l, err := auth.New(&config.Userlist{Name: "stats", Users: c.Auth})
		if err != nil {
			return nil, fmt.Errorf("stats auth: %w", err)
		}
		sp.users = l
	}
	for _, r := range c.HTTPRequest {
		cond, err := compileCondMaps(r.Cond, defs, g.Maps)
		if err != nil {
			return nil, fmt.Errorf("stats http-request: %w", err)
		}
		sr := statsRule{action: r.Action, cond: cond, realm: config.DefaultStatsRealm}
		if len(r.Args) == 2 {
			sr.realm = r.Args[1]
		}
		sp.rules = append(sp.rules, sr)
	}
	for _, a := range c.Admin {
		cond, err := compileCondMaps(a, defs, g.Maps)
		if err != nil {
			return nil, fmt.Errorf("stats admin: %w", err)
		}
		sp.admin = append(sp.admin, cond)
	}
	return sp, nil
}

// Match reports whether a request is for the stats page: as in HAProxy,
// a GET, HEAD or POST whose URI (the path and query of an absolute URI)
// starts with the stats URI.
func (sp *StatsPage) Match(method, uri []byte) bool {
	switch string(method) {
	case "GET", "HEAD", "POST":
	default:
		return false
	}
	if len(sp.uri) == 0 {
		// Only a snapshot built in code can have no URI.
		return false
	}
	if len(uri) > 0 && uri[0] != '/' && sp.uri[0] == '/' {
		// Absolute form: compare from the path.
		if i := bytes.Index(uri, []byte("://")); i >= 0 {
			rest := uri[i+3:]
			j := bytes.IndexAny(rest, "/?")
			if j < 0 {
				return false
			}
			uri = rest[j:]
		}
	}
	return bytes.HasPrefix(uri, sp.uri)
}

// Check runs the "stats http-request" rules in order, then, when "stats
// auth" users are set, HAProxy's implicit final rule "auth unless the
// credentials are valid". authorization is the request's Authorization
// header. For StatsAuth, realm is the realm of the challenge.
func (sp *StatsPage) Check(s acl.Sample, authorization []byte) (v StatsAccess, realm string) {
	for _, r := range sp.rules {
		if r.cond != nil && !r.cond.Match(s) {
			continue
		}
		switch r.action {
		case "allow":
			return StatsAllow, ""
		case "deny":
			return StatsDeny, ""
		default:
			return StatsAuth, r.realm
		}
	}
	if sp.users != nil {
		if _, ok := sp.users.Check(authorization); !ok {
			return StatsAuth, sp.Cfg.Realm
		}
	}
	return StatsAllow, ""
}

// Admin reports whether the admin actions are allowed for this request:
// a "stats admin" condition holds.
func (sp *StatsPage) Admin(s acl.Sample) bool {
	for _, c := range sp.admin {
		if c.Match(s) {
			return true
		}
	}
	return false
}
