package acl

import (
	"math/rand/v2"
	"os"
)

// BackendState is an optional interface a Sample implements to serve
// nbsrv: NbSrv returns the number of usable servers of the backend called
// name ("" for the request's backend); ok is false when there is no such
// backend, and the fetch then gives no value.
type BackendState interface {
	NbSrv(name string) (n int, ok bool)
}

// moreFetches are the cookie, header-block and internal fetches.
func moreFetches() []fetchEntry {
	str := []argType{argStr}
	return []fetchEntry{
		{[]string{"req.cook", "cook"}, fetchDef{args: []argType{argStr}, out: TypeStr, http: true, fn: fetchCookie(false)}},
		{[]string{"req.cook_val", "cook_val"}, fetchDef{args: str, out: TypeInt, http: true, fn: fetchCookie(true)}},
		{[]string{"req.cook_cnt", "cook_cnt"}, fetchDef{args: str, out: TypeInt, http: true, fn: fetchCookieCnt}},
		{[]string{"req.cook_names"}, fetchDef{args: str, out: TypeStr, http: true, fn: fetchCookieNames}},
		{[]string{"req.hdrs"}, fetchDef{out: TypeStr, http: true, fn: fetchHdrs}},
		{[]string{"req.hdr_names"}, fetchDef{args: str, out: TypeStr, http: true, fn: fetchHdrNames}},
		{[]string{"rand"}, fetchDef{args: []argType{argInt}, out: TypeInt, fn: fetchRand}},
		{[]string{"env"}, fetchDef{args: str, minArgs: 1, out: TypeStr, fn: fetchEnv}},
	}
}

// fetchCookie is req.cook and req.cook_val: the value of the cookie named
// by the argument (any cookie without one) in the Cookie headers. An ACL
// tries every occurrence; a bare expression takes the last, as HAProxy.
func fetchCookie(asInt bool) fetchFunc {
	return func(e *eval, a []arg) {
		q := hdrQuery{name: "cookie", cookie: true, asInt: asInt}
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

func fetchCookieCnt(e *eval, a []arg) {
	q := hdrQuery{name: "cookie", cookie: true, count: true}
	if len(a) > 0 {
		q.cname = a[0].s
	}
	e.emit(intValue(int64(e.walkHeaders(q))))
}

// cookieValues walks one Cookie header value: "a=1; b=2". Names are
// compared case-sensitively, as cookie names are.
func (e *eval) cookieValues(val []byte) {
	q := &e.hq
	for len(val) > 0 && !q.stop {
		end := 0
		for end < len(val) && val[end] != ';' {
			end++
		}
		item := trimOWS(val[:end])
		if end < len(val) {
			end++
		}
		val = val[end:]
		name, v := item, item[len(item):]
		for i, c := range item {
			if c == '=' {
				name, v = trimOWS(item[:i]), trimOWS(item[i+1:])
				break
			}
		}
		if len(name) == 0 {
			continue
		}
		if q.names {
			e.appendName(name)
			if q.setCookie {
				return
			}
			continue
		}
		if q.cname != "" && string(name) != q.cname {
			if q.setCookie {
				return
			}
			continue
		}
		e.headerValue(v)
		if q.setCookie {
			return
		}
	}
}

// appendName adds a name to e.scratch, separated by the query's delimiter.
func (e *eval) appendName(name []byte) {
	if e.hq.seen > 0 {
		e.scratch = append(e.scratch, e.hq.delim...)
	}
	e.hq.seen++
	for _, c := range name {
		e.scratch = append(e.scratch, lowerIf(c, !e.hq.cookie))
	}
}

func lowerIf(c byte, lower bool) byte {
	if lower {
		return lowerASCII(c)
	}
	return c
}

// fetchCookieNames lists the cookie names, separated by the argument
// (default ",").
func fetchCookieNames(e *eval, a []arg) {
	e.scratch = e.scratch[:0]
	e.walkHeaders(hdrQuery{name: "cookie", cookie: true, names: true, delim: delimArg(a)})
	e.emit(strValue(e.scratch))
}

// fetchHdrNames lists the header names, lower-cased as HAProxy stores
// them, separated by the argument (default ",").
func fetchHdrNames(e *eval, a []arg) {
	e.scratch = e.scratch[:0]
	e.walkHeaders(hdrQuery{names: true, delim: delimArg(a)})
	e.emit(strValue(e.scratch))
}

func delimArg(a []arg) string {
	if len(a) > 0 && a[0].s != "" {
		return a[0].s
	}
	return ","
}

// fetchHdrs is the header block as HAProxy rebuilds it: one
// "name: value\r\n" line per header with lower-case names, then the empty
// line that ends the block.
func fetchHdrs(e *eval, _ []arg) {
	e.scratch = e.scratch[:0]
	e.walkHeaders(hdrQuery{block: true})
	e.scratch = append(e.scratch, '\r', '\n')
	e.emit(strValue(e.scratch))
}

// fetchRand is a random 32-bit integer, or one in [0, range) when a range
// is given (scaled, as HAProxy does, rather than taken modulo).
func fetchRand(e *eval, a []arg) {
	n := uint64(rand.Uint32())
	if len(a) > 0 && a[0].i > 0 {
		n = n * uint64(a[0].i) >> 32
	}
	e.emit(intValue(int64(n)))
}

// fetchEnv reads the environment variable at each evaluation; an unset
// variable gives no value.
func fetchEnv(e *eval, a []arg) {
	v, ok := os.LookupEnv(a[0].s)
	if !ok {
		return
	}
	e.scratch = append(e.scratch[:0], v...)
	e.emit(strValue(e.scratch))
}

func fetchNbSrv(e *eval, a []arg) {
	bs, ok := e.s.(BackendState)
	if !ok {
		return
	}
	name := ""
	if len(a) > 0 {
		name = a[0].s
	}
	if n, ok := bs.NbSrv(name); ok {
		e.emit(intValue(int64(n)))
	}
}
