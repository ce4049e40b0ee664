package l7

import (
	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/stick"
)

// The optional acl interfaces txn serves: the response, userlists, live
// proxy state and stick tables.
var (
	_ acl.Responder     = (*txn)(nil)
	_ acl.Authenticator = (*txn)(nil)
	_ acl.ProxyState    = (*txn)(nil)
	_ acl.TableFinder   = (*txn)(nil)
)

var (
	version10 = []byte("1.0")
	version11 = []byte("1.1")
	version20 = []byte("2.0")
)

// ResStatus is the status of the response the rules run on.
func (t *txn) ResStatus() (int, bool) {
	if !t.rs.inResponse {
		return 0, false
	}
	return t.resp.Status, true
}

// ResVersion is the response's HTTP version.
func (t *txn) ResVersion() []byte {
	if t.resp.Minor == 0 {
		return version10
	}
	return version11
}

// ResHeaders walks the response headers while response rules run.
func (t *txn) ResHeaders(fn func(name, value []byte) bool) {
	if !t.rs.inResponse {
		return
	}
	for _, h := range t.resp.Headers {
		if !fn(h.Name, h.Value) {
			return
		}
	}
}

// AuthUser checks the request's Basic credentials against a userlist.
func (t *txn) AuthUser(userlist string) (string, bool) {
	ul := t.sess.Gen.Userlists[userlist]
	if ul == nil {
		return "", false
	}
	return ul.List.Check(t.req.Get("authorization"))
}

// AuthGroups returns the groups of user in userlist.
func (t *txn) AuthGroups(userlist, user string) []string {
	ul := t.sess.Gen.Userlists[userlist]
	if ul == nil {
		return nil
	}
	return ul.Groups[user]
}

// backendName resolves "" to the request's backend.
func (t *txn) backendName(name string) string {
	if name == "" && t.be != nil {
		return t.be.Cfg.Name
	}
	return name
}

// NbSrv serves nbsrv([backend]).
func (t *txn) NbSrv(name string) (int, bool) { return t.sess.Gen.NbSrv(t.backendName(name)) }

// BeConn serves be_conn([backend]).
func (t *txn) BeConn(name string) (int, bool) { return t.sess.Gen.BeConn(t.backendName(name)) }

// Queue serves queue([backend]).
func (t *txn) Queue(name string) (int, bool) { return t.sess.Gen.QueueLen(t.backendName(name)) }

// SrvIsUp serves srv_is_up([backend/]server).
func (t *txn) SrvIsUp(backend, server string) (bool, bool) {
	return t.sess.Gen.SrvIsUp(t.backendName(backend), server)
}

// FeConn serves fe_conn([frontend]).
func (t *txn) FeConn(name string) (int, bool) {
	if name == "" {
		return int(t.fe.CurConn.Load()), true
	}
	return t.sess.Gen.FeConn(name)
}

// StickTable serves the table_* and src_* fetches: "" is the table of
// the proxy whose rules are running.
func (t *txn) StickTable(name string) *stick.Table {
	if name == "" {
		name = t.fe.Cfg.Name
		if t.rs.inBackend && t.be != nil {
			name = t.be.Cfg.Name
		}
	}
	return t.sess.Gen.Tables[name]
}
