package acl

import "fmt"

// Body is an optional interface a Sample implements in mode http, where
// the request body can be buffered before the rules that follow
// ("http-request wait-for-body", "option http-buffer-request"). A Sample
// without Body gives the body fetches no value.
type Body interface {
	// ReqBody returns the request body buffered so far, decoded when the
	// body is chunked, and its advertised size: Content-Length, or the
	// buffered size of a chunked body. ok is false when the body was not
	// waited for, so that nothing is known about it.
	ReqBody() (b []byte, size int64, ok bool)
	// ReqLen returns the number of request bytes buffered: the head and
	// the body bytes as they were received.
	ReqLen() int64
}

// bodyFetches are the HTTP request body fetches (configuration.txt 7.3.6).
func bodyFetches() []fetchEntry {
	return []fetchEntry{
		{[]string{"req.body"}, fetchDef{out: TypeBin, http: true, fn: fetchBody}},
		{[]string{"req.body_len"}, fetchDef{out: TypeInt, http: true, fn: fetchBodyLen}},
		{[]string{"req.body_size"}, fetchDef{out: TypeInt, http: true, fn: fetchBodySize}},
		{[]string{"req.body_param"}, fetchDef{args: []argType{argStr, argStr}, out: TypeStr, http: true,
			fn: fetchBodyParam, prepare: prepareBodyParam}},
		{[]string{"res.body"}, fetchDef{out: TypeBin, http: true, fn: fetchResBody(0)}},
		{[]string{"res.body_len"}, fetchDef{out: TypeInt, http: true, fn: fetchResBody(1)}},
		{[]string{"res.body_size"}, fetchDef{out: TypeInt, http: true, fn: fetchResBody(2)}},
	}
}

// ResBody is an optional interface a Sample implements while response
// rules run, after "http-response wait-for-body": the response body
// buffered, decoded when chunked, and its advertised size. ok is false
// when the body was not waited for.
type ResBody interface {
	ResBody() (b []byte, size int64, ok bool)
}

// fetchResBody serves res.body (what 0), res.body_len (1) and
// res.body_size (2).
func fetchResBody(what int) fetchFunc {
	return func(e *eval, _ []arg) {
		s, ok := e.s.(ResBody)
		if !ok {
			return
		}
		b, size, ok := s.ResBody()
		if !ok {
			return
		}
		switch what {
		case 0:
			e.emit(binValue(b))
		case 1:
			e.emit(intValue(int64(len(b))))
		default:
			e.emit(intValue(size))
		}
	}
}

// body returns the sample's buffered request body; ok is false when the
// Sample has no Body or the body was not waited for.
func (e *eval) body() (b []byte, size int64, ok bool) {
	s, ok := e.s.(Body)
	if !ok {
		return nil, 0, false
	}
	return s.ReqBody()
}

func fetchBody(e *eval, _ []arg) {
	if b, _, ok := e.body(); ok {
		e.emit(binValue(b))
	}
}

// fetchBodyLen is the length of the buffered body, lower than the
// advertised size when the body did not fit in the buffer.
func fetchBodyLen(e *eval, _ []arg) {
	if b, _, ok := e.body(); ok {
		e.emit(intValue(int64(len(b))))
	}
}

func fetchBodySize(e *eval, _ []arg) {
	if _, size, ok := e.body(); ok {
		e.emit(intValue(size))
	}
}

func prepareBodyParam(a []arg) error {
	if len(a) > 1 && a[1].s != "" && a[1].s != "i" {
		return fmt.Errorf("second argument must be 'i', got '%s'", a[1].s)
	}
	if len(a) > 1 && a[1].s == "i" {
		a[0].s = toLowerASCII(a[0].s)
	}
	return nil
}

// fetchBodyParam emits the value of every parameter named a[0] (every
// parameter when no name is given) of an url-encoded form body, where
// parameters are separated by '&'.
func fetchBodyParam(e *eval, a []arg) {
	b, _, ok := e.body()
	if !ok {
		return
	}
	var name string
	if len(a) > 0 {
		name = a[0].s
	}
	icase := len(a) > 1 && a[1].s == "i"
	for len(b) > 0 {
		end := 0
		for end < len(b) && b[end] != '&' {
			end++
		}
		if emitParam(e, b[:end], name, icase) || end == len(b) {
			return
		}
		b = b[end+1:]
	}
}
