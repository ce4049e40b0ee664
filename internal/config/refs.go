package config

import (
	"regexp"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// fetchCall finds "name(args)" in a condition, an ACL or a rule argument
// (including inside "%[...]" log-format expressions).
var fetchCall = regexp.MustCompile(`([a-z0-9_.]+)\(([^()]*)\)`)

// backendFetches take a backend name as their argument; serverFetches a
// "backend/server" pair.
var (
	backendFetches = map[string]bool{
		"nbsrv": true, "be_conn": true, "be_conn_free": true, "be_sess_rate": true,
		"queue": true, "avg_queue": true, "connslots": true,
	}
	serverFetches = map[string]bool{
		"srv_is_up": true, "srv_conn": true, "srv_conn_free": true, "srv_queue": true,
		"srv_sess_rate": true, "srv_iweight": true, "srv_uweight": true, "srv_weight": true,
	}
)

// checkFetchRefs reports backends, servers and stick tables named by
// sample fetches that the configuration does not declare: HAProxy
// resolves these arguments when it loads the configuration and refuses
// unknown names, where hawser's engine would only find nothing at run
// time.
func (l *loader) checkFetchRefs() {
	for _, p := range l.allProxies() {
		for _, a := range p.ACLs {
			l.checkWordsRefs(a.Pos, a.Words)
		}
		if d := p.DefaultsRules; d != nil {
			l.checkRulesRefs(d.HTTPRequest, d.HTTPResponse, d.HTTPAfterResponse)
		}
		l.checkRulesRefs(p.HTTPRequest, p.HTTPResponse, p.HTTPAfterResponse, p.Redirects)
		for _, set := range [][]*TCPRule{p.TCP.Connection, p.TCP.Session, p.TCP.Content, p.TCP.ResponseContent} {
			for _, r := range set {
				if r.Cond != nil {
					l.checkWordsRefs(r.Cond.Pos, r.Cond.Words)
				}
			}
		}
	}
}

// allProxies returns each proxy once (a listen section's two halves
// share their rules).
func (l *loader) allProxies() []*Proxy {
	var out []*Proxy
	for _, fe := range l.snap.Frontends {
		out = append(out, &fe.Proxy)
	}
	for _, be := range l.snap.Backends {
		if !be.Listen {
			out = append(out, &be.Proxy)
		}
	}
	return out
}

func (l *loader) checkRulesRefs(sets ...[]*HTTPRule) {
	for _, rs := range sets {
		for _, r := range rs {
			l.checkWordsRefs(r.Pos, r.Args)
			if r.Cond != nil {
				l.checkWordsRefs(r.Cond.Pos, r.Cond.Words)
			}
		}
	}
}

func (l *loader) checkWordsRefs(pos cfgfile.Pos, words []string) {
	for _, w := range words {
		for _, m := range fetchCall.FindAllStringSubmatch(w, -1) {
			if msg := l.fetchRefProblem(m[1], strings.Split(m[2], ",")); msg != "" {
				l.errorf(pos, "%s in '%s'", msg, m[0])
			}
		}
	}
}

// fetchRefProblem returns why the arguments of fetch name do not resolve,
// or "" when they do (or name no proxy).
func (l *loader) fetchRefProblem(name string, args []string) string {
	arg := strings.TrimSpace(args[0])
	switch {
	case arg == "":
		return ""
	case backendFetches[name]:
		if l.snap.Backend(arg) == nil {
			return "unable to find backend '" + arg + "'"
		}
	case serverFetches[name]:
		be, srv, ok := strings.Cut(arg, "/")
		if !ok {
			return ""
		}
		b := l.snap.Backend(be)
		if b == nil {
			return "unable to find backend '" + be + "'"
		}
		for _, s := range b.Servers {
			if s.Name == srv {
				return ""
			}
		}
		return "unable to find server '" + srv + "' in backend '" + be + "'"
	default:
		if t := tableArg(name, args); t != "" && !l.hasTable(t) {
			return "unable to find stick table '" + t + "'"
		}
	}
	return ""
}

// tableArg returns the stick table a table_*, sc_*, scN_* or src_* fetch
// names explicitly, "" if none. The array forms (sc_get_gpc, src_gpc_rate,
// table_gpt...) take the array index first, and sc_* the counter number.
func tableArg(name string, args []string) string {
	i := 0
	switch {
	case strings.HasPrefix(name, "sc_"):
		i = 1
	case strings.HasPrefix(name, "table_"), strings.HasPrefix(name, "src_"),
		len(name) > 4 && name[:2] == "sc" && name[2] >= '0' && name[2] <= '9' && name[3] == '_':
	default:
		return ""
	}
	if strings.HasSuffix(name, "gpc") || strings.HasSuffix(name, "gpt") || strings.HasSuffix(name, "gpc_rate") {
		i++
	}
	if i >= len(args) {
		return ""
	}
	return strings.TrimSpace(args[i])
}

func (l *loader) hasTable(name string) bool {
	for _, p := range l.allProxies() {
		if p.Name == name && p.StickTable != nil {
			return true
		}
	}
	return false
}
