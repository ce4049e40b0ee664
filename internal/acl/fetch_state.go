package acl

import "encoding/base64"

// Responder is an optional interface a Sample implements while a response
// is being processed (http-response and http-after-response rules). It
// serves status, res.ver and the res.hdr* and res.cook* fetches; a Sample
// without it, or one whose ResStatus reports false, gives them no value.
type Responder interface {
	// ResStatus is the status of the response; ok is false before one
	// exists.
	ResStatus() (status int, ok bool)
	// ResVersion is the response's HTTP version ("1.0", "1.1").
	ResVersion() []byte
	// ResHeaders calls fn for each response header line in order; it
	// stops early when fn returns false.
	ResHeaders(fn func(name, value []byte) bool)
}

// Authenticator is an optional interface a Sample implements to serve
// http_auth and http_auth_group. AuthUser checks the request's credentials
// against the userlist called userlist and returns the user's name;
// AuthGroups returns the groups that user belongs to in that list.
type Authenticator interface {
	AuthUser(userlist string) (user string, ok bool)
	AuthGroups(userlist, user string) []string
}

// ProxyState is an optional interface a Sample implements to serve
// fetches that read live proxy state. An empty backend name means the
// request's backend (the frontend's for FeConn); ok is false for an
// unknown backend or server, and the fetch then gives no value.
type ProxyState interface {
	BackendState
	// BeConn is the number of connections the backend currently serves.
	BeConn(backend string) (n int, ok bool)
	// Queue is the number of requests waiting in the backend's queue.
	Queue(backend string) (n int, ok bool)
	// SrvIsUp reports whether the server is up (neither down nor in
	// maintenance).
	SrvIsUp(backend, server string) (up, ok bool)
	// FeConn is the number of connections the frontend currently has.
	FeConn(frontend string) (n int, ok bool)
}

// responseFetches are the fetches served by Responder.
func responseFetches() []fetchEntry {
	hdrArgs := []argType{argStr, argInt}
	str := []argType{argStr}
	return []fetchEntry{
		{[]string{"status"}, fetchDef{out: TypeInt, http: true, fn: fetchStatus}},
		{[]string{"res.ver", "resp_ver", "resp.ver"}, fetchDef{out: TypeStr, http: true, fn: fetchResVer}},
		{[]string{"res.hdr", "shdr"}, fetchDef{hdrName: true, args: hdrArgs, out: TypeStr, http: true, fn: fetchHdrOf(true, false, true)}},
		{[]string{"res.fhdr"}, fetchDef{hdrName: true, args: hdrArgs, out: TypeStr, http: true, fn: fetchHdrOf(false, false, true)}},
		{[]string{"res.hdr_val", "shdr_val"}, fetchDef{hdrName: true, args: hdrArgs, out: TypeInt, http: true, fn: fetchHdrOf(true, true, true)}},
		{[]string{"res.hdr_cnt", "shdr_cnt"}, fetchDef{hdrName: true, args: str, out: TypeInt, http: true, fn: fetchHdrCntOf(true, true)}},
		{[]string{"res.fhdr_cnt"}, fetchDef{hdrName: true, args: str, out: TypeInt, http: true, fn: fetchHdrCntOf(false, true)}},
		{[]string{"res.cook", "scook"}, fetchDef{args: str, out: TypeStr, http: true, fn: fetchResCookie(false)}},
		{[]string{"res.cook_val", "scook_val"}, fetchDef{args: str, out: TypeInt, http: true, fn: fetchResCookie(true)}},
		{[]string{"res.cook_cnt", "scook_cnt"}, fetchDef{args: str, out: TypeInt, http: true, fn: fetchResCookieCnt}},
		{[]string{"http_auth"}, fetchDef{args: str, minArgs: 1, out: TypeBool, http: true, fn: fetchHTTPAuth}},
		{[]string{"http_auth_group"}, fetchDef{args: str, minArgs: 1, out: TypeStr, http: true, fn: fetchHTTPAuthGroup}},
		{[]string{"http_auth_user"}, fetchDef{out: TypeStr, http: true, fn: fetchBasicPart(0)}},
		{[]string{"http_auth_pass"}, fetchDef{out: TypeStr, http: true, fn: fetchBasicPart(1)}},
		{[]string{"http_auth_type"}, fetchDef{out: TypeStr, http: true, fn: fetchAuthType}},
		{[]string{"nbsrv"}, fetchDef{args: str, out: TypeInt, fn: fetchNbSrv}},
		{[]string{"be_conn"}, fetchDef{args: str, out: TypeInt, fn: fetchProxyInt(ProxyState.BeConn)}},
		{[]string{"queue"}, fetchDef{args: str, out: TypeInt, fn: fetchProxyInt(ProxyState.Queue)}},
		{[]string{"fe_conn"}, fetchDef{args: str, out: TypeInt, fn: fetchProxyInt(ProxyState.FeConn)}},
		{[]string{"srv_is_up"}, fetchDef{args: str, minArgs: 1, out: TypeBool, fn: fetchSrvIsUp, prepare: prepareSrvIsUp}},
	}
}

func responder(e *eval) (Responder, bool) {
	r, ok := e.s.(Responder)
	if !ok {
		return nil, false
	}
	_, ok = r.ResStatus()
	return r, ok
}

func fetchStatus(e *eval, _ []arg) {
	if r, ok := e.s.(Responder); ok {
		if st, ok := r.ResStatus(); ok {
			e.emit(intValue(int64(st)))
		}
	}
}

func fetchResVer(e *eval, _ []arg) {
	if r, ok := responder(e); ok {
		e.emit(strValue(r.ResVersion()))
	}
}

// fetchResCookie is res.cook and res.cook_val: the value of the cookie
// named by the argument in the Set-Cookie headers, each of which sets one
// cookie with its first name=value pair (the rest are attributes).
func fetchResCookie(asInt bool) fetchFunc {
	return func(e *eval, a []arg) {
		q := hdrQuery{name: "set-cookie", cookie: true, setCookie: true, res: true, asInt: asInt}
		if len(a) > 0 {
			q.cname = a[0].s
		}
		if !e.iterate {
			c := q
			c.count = true
			n := e.walkHeaders(c)
			if n == 0 {
				return
			}
			q.want = n
		}
		e.walkHeaders(q)
	}
}

func fetchResCookieCnt(e *eval, a []arg) {
	q := hdrQuery{name: "set-cookie", cookie: true, setCookie: true, res: true, count: true}
	if len(a) > 0 {
		q.cname = a[0].s
	}
	e.emit(intValue(int64(e.walkHeaders(q))))
}

func fetchHTTPAuth(e *eval, a []arg) {
	au, ok := e.s.(Authenticator)
	if !ok {
		e.emit(boolValue(false))
		return
	}
	_, ok = au.AuthUser(a[0].s)
	e.emit(boolValue(ok))
}

// fetchHTTPAuthGroup is http_auth_group(userlist). In an ACL its patterns
// are group names, so it yields each group of the authenticated user;
// as a bare expression it yields the user's name, as HAProxy does.
func fetchHTTPAuthGroup(e *eval, a []arg) {
	au, ok := e.s.(Authenticator)
	if !ok {
		return
	}
	user, ok := au.AuthUser(a[0].s)
	if !ok {
		return
	}
	if !e.iterate {
		e.emit(strValue([]byte(user)))
		return
	}
	for _, g := range au.AuthGroups(a[0].s, user) {
		if e.emit(strValue([]byte(g))) {
			return
		}
	}
}

// authorization returns the first Authorization header's value.
func (e *eval) authorization() []byte {
	e.scratch = e.scratch[:0]
	if e.walkHeaders(hdrQuery{name: "authorization", want: 1, capture: true}) == 0 {
		return nil
	}
	return e.scratch
}

// fetchAuthType is http_auth_type: the scheme of the Authorization
// header, as HAProxy names it ("Basic", "Bearer", "Digest").
func fetchAuthType(e *eval, _ []arg) {
	v := e.authorization()
	if v == nil {
		return
	}
	scheme := v
	for i, c := range v {
		if c == ' ' {
			scheme = v[:i]
			break
		}
	}
	// equalFoldString folds only its first argument.
	for _, s := range [...]string{"basic", "bearer", "digest"} {
		if equalFoldString(scheme, s) {
			e.emit(strValue(authSchemes[s]))
			return
		}
	}
}

var authSchemes = map[string][]byte{"basic": []byte("Basic"), "bearer": []byte("Bearer"), "digest": []byte("Digest")}

// fetchBasicPart is http_auth_user (part 0) and http_auth_pass (part 1):
// the unverified user name or password of Basic credentials.
func fetchBasicPart(part int) fetchFunc {
	return func(e *eval, _ []arg) {
		v := e.authorization()
		const basic = "basic "
		if len(v) < len(basic) || !equalFoldString(v[:len(basic)], basic) {
			return
		}
		cred := trimOWS(v[len(basic):])
		n := base64.StdEncoding.DecodedLen(len(cred))
		start := len(e.scratch)
		e.scratch = append(e.scratch, make([]byte, n)...)
		out := e.scratch[start:]
		n, err := base64.StdEncoding.Decode(out, cred)
		if err != nil {
			return
		}
		out = out[:n]
		for i, c := range out {
			if c == ':' {
				if part == 0 {
					e.emit(strValue(out[:i]))
				} else {
					e.emit(strValue(out[i+1:]))
				}
				return
			}
		}
	}
}

func fetchProxyInt(get func(ProxyState, string) (int, bool)) fetchFunc {
	return func(e *eval, a []arg) {
		ps, ok := e.s.(ProxyState)
		if !ok {
			return
		}
		name := ""
		if len(a) > 0 {
			name = a[0].s
		}
		if n, ok := get(ps, name); ok {
			e.emit(intValue(int64(n)))
		}
	}
}

// prepareSrvIsUp checks the "backend/server" argument.
func prepareSrvIsUp(a []arg) error {
	if _, _, ok := cutSrv(a[0].s); !ok {
		return errorString("srv_is_up: expects '<backend>/<server>' or '<server>', got '" + a[0].s + "'")
	}
	return nil
}

// cutSrv splits "backend/server"; a bare server name is in the request's
// backend.
func cutSrv(s string) (be, srv string, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '/' {
			be, srv = s[:i], s[i+1:]
			return be, srv, be != "" && srv != ""
		}
	}
	return "", s, s != ""
}

func fetchSrvIsUp(e *eval, a []arg) {
	ps, ok := e.s.(ProxyState)
	if !ok {
		return
	}
	be, srv, _ := cutSrv(a[0].s)
	if up, ok := ps.SrvIsUp(be, srv); ok {
		e.emit(boolValue(up))
	}
}
