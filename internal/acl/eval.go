package acl

import (
	"sync"

	"github.com/hawser-lb/hawser/internal/maps"
)

// eval is the per-Match evaluation state. It comes from evalPool so that
// matching does not allocate: the header callback is bound once when the
// eval is created, and the scratch buffers keep their capacity.
type eval struct {
	s   Sample
	smp *Expr // sample expression being evaluated
	x   *expr // ACL being matched; nil when evaluating a bare Expr
	hit bool  // a value of x matched
	// iterate is set for ACLs, which try every value a fetch produces
	// (HAProxy's SMP_OPT_ITERATE); a bare Expr takes one value.
	iterate bool
	out     value // Expr result
	got     bool  // out is set

	hq    hdrQuery
	hdrFn func(name, value []byte) bool // e.onHeader, bound once

	conv    [2][]byte // converter output; step i writes conv[i%2]
	cast    []byte    // casts done before a converter
	mcast   []byte    // casts done before matching
	scratch []byte    // fetches that build a value (base, header copies)
	// miss is set by a content fetch that could not decide because more
	// data may come (see MatchMiss).
	miss bool
	// vargs and varBuf hold converter arguments read from variables
	// (resolveVars).
	vargs  []arg
	varBuf []byte
}

var evalPool = sync.Pool{New: func() any {
	e := &eval{}
	e.hdrFn = e.onHeader
	return e
}}

func getEval(s Sample) *eval {
	e := evalPool.Get().(*eval)
	e.s = s
	return e
}

func putEval(e *eval) {
	// Drop references to the request so the pool does not keep it alive.
	e.s, e.x, e.smp, e.out = nil, nil, nil, value{}
	evalPool.Put(e)
}

// run evaluates one ACL expression: it fetches the sample values and
// matches each until one matches.
func (e *eval) run(x *expr) bool {
	if x.fetch.http && !e.s.HTTP() {
		return false
	}
	e.x, e.smp, e.hit, e.iterate = x, x.Expr, false, true
	x.fetch.fn(e, x.args)
	return e.hit
}

// emit passes one fetched value through the converters and then the
// matcher (ACLs) or into e.out (a bare Expr). It returns true to tell the
// fetch to stop: when an ACL value matched, and always for a bare Expr,
// whose first value decides even when a converter fails.
func (e *eval) emit(v value) bool {
	convs := e.smp.convs
	for i := range convs {
		var ok bool
		if v, ok = convs[i].apply(e, i, v); !ok {
			return !e.iterate
		}
	}
	if !e.iterate {
		e.out, e.got = v, true
		return true
	}
	if e.x.matchValue(e, v) {
		e.hit = true
	}
	return e.hit
}

// matchValue tests one converted value against the expression's patterns.
func (x *expr) matchValue(e *eval, v value) bool {
	m := x.method
	if m.whole != nil {
		return m.whole(v)
	}
	cv, buf, ok := cast(v, m.input, e.mcast)
	e.mcast = buf
	if !ok {
		return false
	}
	if x.idx != nil && indexMatch(x.idx, cv) {
		return true
	}
	for _, mt := range x.files {
		if fileMatch(mt, cv) {
			return true
		}
	}
	for i := range x.pats {
		if m.match(cv, &x.pats[i]) {
			return true
		}
	}
	return false
}

// indexMatch looks a value, already cast for the method, up in an index.
func indexMatch(x *maps.Index, v value) bool {
	var ok bool
	switch x.Kind() {
	case maps.IP:
		_, ok = x.LookupIP(v.ip)
	case maps.Int:
		_, ok = x.LookupInt(v.i)
	default:
		_, ok = x.Lookup(v.b)
	}
	return ok
}

// fileMatch looks a value up in a shared "-f" file.
func fileMatch(mt *maps.Matcher, v value) bool {
	var ok bool
	switch mt.Kind() {
	case maps.IP:
		_, ok = mt.LookupIP(v.ip)
	case maps.Int:
		_, ok = mt.LookupInt(v.i)
	default:
		_, ok = mt.Lookup(v.b)
	}
	return ok
}
