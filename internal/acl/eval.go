package acl

import "sync"

// eval is the per-Match evaluation state. It comes from evalPool so that
// matching does not allocate: the header callback is bound once when the
// eval is created, and the scratch buffers keep their capacity.
type eval struct {
	s   Sample
	x   *expr // expression being evaluated
	hit bool  // a value of x matched

	hq    hdrQuery
	hdrFn func(name, value []byte) bool // e.onHeader, bound once

	conv    [2][]byte // converter output; step i writes conv[i%2]
	cast    []byte    // casts done before a converter
	mcast   []byte    // casts done before matching
	scratch []byte    // fetches that build a value (base, header copies)
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
	e.s, e.x = nil, nil
	evalPool.Put(e)
}

// run evaluates one ACL expression: it fetches the sample values and
// matches each until one matches.
func (e *eval) run(x *expr) bool {
	if x.fetch.http && !e.s.HTTP() {
		return false
	}
	e.x, e.hit = x, false
	x.fetch.fn(e, x.args)
	return e.hit
}

// emit passes one fetched value through the converters and the matcher.
// It returns true when the value matched, telling the fetch to stop.
func (e *eval) emit(v value) bool {
	x := e.x
	for i := range x.convs {
		var ok bool
		if v, ok = x.convs[i].apply(e, i, v); !ok {
			return false
		}
	}
	if x.matchValue(e, v) {
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
	for i := range x.pats {
		if m.match(cv, &x.pats[i]) {
			return true
		}
	}
	return false
}
