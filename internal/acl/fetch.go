package acl

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// argType is the type of a fetch or converter argument.
type argType uint8

const (
	argStr argType = iota + 1
	argInt
	// argIntVar is an integer or a variable name ("txn.limit"), read
	// when the converter runs.
	argIntVar
)

func (t argType) String() string {
	if t == argInt || t == argIntVar {
		return "integer"
	}
	return "string"
}

// arg is one parsed argument: s as written, b the same bytes (so fetches
// can emit it without converting), i the value of an argInt; p holds what
// a converter's prepare step computed from it.
type arg struct {
	s string
	b []byte
	i int64
	p *argPrep
	// v is the variable the argument names, read at each evaluation
	// (resolveVars); "" for a constant. strVar is set when its text is
	// wanted (concat) rather than an integer.
	v      string
	strVar bool
}

// fetchFunc fetches sample values and hands each to e.emit, stopping when
// emit returns true.
type fetchFunc func(e *eval, args []arg)

// fetchDef describes a sample fetch: its name, arguments (the first
// minArgs mandatory), output type and whether it needs an HTTP request.
type fetchDef struct {
	name    string
	args    []argType
	minArgs int
	out     Type
	http    bool
	fn      fetchFunc
	// prepare checks and normalizes the arguments at compile time.
	prepare func(args []arg) error
	// hdrName marks fetches whose first argument is a header name; it is
	// lower-cased at compile time so matching folds only the request side.
	hdrName bool
}

// aclKeyword is an ACL-only keyword such as "path_beg": a fetch with an
// implied match method (configuration.txt 7.1, "ACL derivatives").
type aclKeyword struct {
	fetch  string
	method string
}

// fetchEntry declares a fetch under one or more names.
type fetchEntry struct {
	names []string
	def   fetchDef
}

var (
	fetches     = map[string]*fetchDef{}
	aclKeywords = map[string]aclKeyword{}
)

func init() {
	hdrArgs := []argType{argStr, argInt}
	defs := []fetchEntry{
		{[]string{"always_true"}, fetchDef{out: TypeBool, fn: fetchConst(true)}},
		{[]string{"always_false"}, fetchDef{out: TypeBool, fn: fetchConst(false)}},
		{[]string{"wait_end"}, fetchDef{out: TypeBool, fn: fetchWaitEnd}},
		{[]string{"int"}, fetchDef{args: []argType{argInt}, minArgs: 1, out: TypeInt, fn: fetchInt}},
		{[]string{"bool"}, fetchDef{args: []argType{argStr}, minArgs: 1, out: TypeBool, fn: fetchBoolConst, prepare: prepareBoolConst}},
		{[]string{"str"}, fetchDef{args: []argType{argStr}, minArgs: 1, out: TypeStr, fn: fetchStr}},
		{[]string{"src"}, fetchDef{out: TypeIP, fn: fetchAddr(Sample.Src)}},
		{[]string{"dst"}, fetchDef{out: TypeIP, fn: fetchAddr(Sample.Dst)}},
		{[]string{"src_port"}, fetchDef{out: TypeInt, fn: fetchPort(Sample.Src)}},
		{[]string{"dst_port"}, fetchDef{out: TypeInt, fn: fetchPort(Sample.Dst)}},
		{[]string{"req.proto_http", "req_proto_http"}, fetchDef{out: TypeBool, fn: fetchProtoHTTP}},
		{[]string{"path"}, fetchDef{out: TypeStr, http: true, fn: fetchBytes(Sample.Path)}},
		{[]string{"url"}, fetchDef{out: TypeStr, http: true, fn: fetchBytes(Sample.URI)}},
		{[]string{"query"}, fetchDef{out: TypeStr, http: true, fn: fetchBytes(Sample.Query)}},
		{[]string{"method"}, fetchDef{out: TypeStr, http: true, fn: fetchBytes(Sample.Method)}},
		{[]string{"req.ver", "req_ver"}, fetchDef{out: TypeStr, http: true, fn: fetchBytes(Sample.Version)}},
		{[]string{"base"}, fetchDef{out: TypeStr, http: true, fn: fetchBase}},
		{[]string{"url_ip"}, fetchDef{out: TypeIP, http: true, fn: fetchURLIP}},
		{[]string{"url_port"}, fetchDef{out: TypeInt, http: true, fn: fetchURLPort}},
		{[]string{"url_param", "urlp"}, fetchDef{args: []argType{argStr, argStr, argStr}, out: TypeStr, http: true,
			fn: fetchURLParam, prepare: prepareURLParam}},
		{[]string{"req.hdr"}, fetchDef{hdrName: true, args: hdrArgs, out: TypeStr, http: true, fn: fetchHdr(true, false)}},
		{[]string{"req.fhdr"}, fetchDef{hdrName: true, args: hdrArgs, minArgs: 1, out: TypeStr, http: true, fn: fetchHdr(false, false)}},
		{[]string{"req.hdr_val", "hdr_val"}, fetchDef{hdrName: true, args: hdrArgs, out: TypeInt, http: true, fn: fetchHdr(true, true)}},
		{[]string{"req.hdr_cnt", "hdr_cnt"}, fetchDef{hdrName: true, args: []argType{argStr}, out: TypeInt, http: true, fn: fetchHdrCnt(true)}},
		{[]string{"req.fhdr_cnt"}, fetchDef{hdrName: true, args: []argType{argStr}, out: TypeInt, http: true, fn: fetchHdrCnt(false)}},
	}
	defs = append(defs, moreFetches()...)
	defs = append(defs, l4Fetches()...)
	defs = append(defs, ppFetches()...)
	defs = append(defs, resL4Fetches()...)
	defs = append(defs, bodyFetches()...)
	defs = append(defs, scFetches()...)
	defs = append(defs, responseFetches()...)
	defs = append(defs, tableFetches()...)
	defs = append(defs, sslFetches()...)
	defs = append(defs, connErrFetches()...)
	for _, d := range defs {
		for _, n := range d.names {
			def := d.def
			def.name = n
			fetches[n] = &def
		}
	}
	// ACL derivatives: <base>_<method> applies <method> to <fetch>.
	for base, fetch := range map[string]string{
		"path": "path", "url": "url", "hdr": "req.hdr", "urlp": "url_param", "base": "base",
		"cook": "req.cook", "req.cook": "req.cook",
		"res.hdr": "res.hdr", "shdr": "res.hdr", "res.cook": "res.cook", "scook": "res.cook",
	} {
		aclKeywords[base] = aclKeyword{fetch, "str"}
		for _, m := range []string{"beg", "dir", "dom", "end", "len", "reg", "sub"} {
			aclKeywords[base+"_"+m] = aclKeyword{fetch, m}
		}
	}
}

func fetchConst(b bool) fetchFunc {
	v := value{typ: TypeBool}
	if b {
		v.i = 1
	}
	return func(e *eval, _ []arg) { e.emit(v) }
}

func fetchInt(e *eval, a []arg) { e.emit(value{typ: TypeInt, i: a[0].i}) }

// prepareBoolConst reads bool()'s argument: true, false, 1 or 0.
func prepareBoolConst(a []arg) error {
	switch a[0].s {
	case "true", "1":
		a[0].i = 1
	case "false", "0":
		a[0].i = 0
	default:
		return fmt.Errorf("bool() expects 'true', 'false', '1' or '0', got '%s'", a[0].s)
	}
	return nil
}

func fetchBoolConst(e *eval, a []arg) { e.emit(boolValue(a[0].i != 0)) }

func fetchStr(e *eval, a []arg) {
	e.emit(value{typ: TypeStr, b: a[0].b})
}

// fetchProtoHTTP is req.proto_http: true for a parsed HTTP request or, in
// mode tcp, for buffered bytes that start with an HTTP/1 request line.
func fetchProtoHTTP(e *eval, _ []arg) {
	if e.s.HTTP() {
		e.emit(boolValue(true))
		return
	}
	_, b, final, ok := e.content()
	if !ok {
		e.emit(boolValue(false))
		return
	}
	isHTTP, undecided := payloadIsHTTP(b)
	if undecided {
		e.needMore(final)
		return
	}
	e.emit(boolValue(isHTTP))
}

func fetchAddr(get func(Sample) netip.AddrPort) fetchFunc {
	return func(e *eval, _ []arg) {
		ap := get(e.s)
		if !ap.Addr().IsValid() {
			return
		}
		e.emit(value{typ: TypeIP, ip: ap.Addr().Unmap()})
	}
}

func fetchPort(get func(Sample) netip.AddrPort) fetchFunc {
	return func(e *eval, _ []arg) {
		ap := get(e.s)
		if !ap.IsValid() {
			return
		}
		e.emit(value{typ: TypeInt, i: int64(ap.Port())})
	}
}

// fetchBytes adapts a Sample accessor; nil means the sample is absent.
func fetchBytes(get func(Sample) []byte) fetchFunc {
	return func(e *eval, _ []arg) {
		if b := get(e.s); b != nil {
			e.emit(value{typ: TypeStr, b: b})
		}
	}
}

// fetchBase is the first Host header value followed by the path.
func fetchBase(e *eval, _ []arg) {
	path := e.s.Path()
	if path == nil {
		return
	}
	e.scratch = e.scratch[:0]
	e.walkHeaders(hdrQuery{name: "host", want: 1, capture: true})
	e.scratch = append(e.scratch, path...)
	e.emit(value{typ: TypeStr, b: e.scratch})
}

// prepareURLParam checks the delimiter and the "i" flag, and lower-cases
// the name when it is matched case-insensitively.
func prepareURLParam(a []arg) error {
	if len(a) > 1 && len(a[1].s) > 1 {
		return fmt.Errorf("delimiter must be a single character, got '%s'", a[1].s)
	}
	if len(a) > 2 && a[2].s != "i" && a[2].s != "" {
		return fmt.Errorf("third argument must be 'i', got '%s'", a[2].s)
	}
	if len(a) > 2 && a[2].s == "i" {
		a[0].s = toLowerASCII(a[0].s)
	}
	return nil
}

// fetchURLParam emits the value of every query parameter named a[0] (every
// parameter when no name is given). The query starts after '?' or the
// optional delimiter a[1]; parameters end at '&', ';' or the delimiter.
func fetchURLParam(e *eval, a []arg) {
	uri := e.s.URI()
	var name string
	var delim byte = '?'
	icase := false
	if len(a) > 0 {
		name = a[0].s
	}
	if len(a) > 1 && a[1].s != "" {
		delim = a[1].s[0]
	}
	if len(a) > 2 {
		icase = a[2].s == "i"
	}
	start := -1
	for i, c := range uri {
		if c == '?' || c == delim {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return
	}
	q := uri[start:]
	for len(q) > 0 {
		end := 0
		for end < len(q) && q[end] != '&' && q[end] != ';' && q[end] != delim {
			end++
		}
		if emitParam(e, q[:end], name, icase) {
			return
		}
		if end == len(q) {
			return
		}
		q = q[end+1:]
	}
}

// emitParam emits the value of param when its name matches; it returns
// true when the match succeeded and the fetch can stop.
func emitParam(e *eval, param []byte, name string, icase bool) bool {
	k, v := param, param[len(param):]
	for i, c := range param {
		if c == '=' {
			k, v = param[:i], param[i+1:]
			break
		}
	}
	if name != "" {
		if icase && !equalFoldString(k, name) || !icase && string(k) != name {
			return false
		}
	}
	return e.emit(value{typ: TypeStr, b: v})
}

// fetchHdr builds req.hdr (split on commas), req.fhdr (whole lines) and
// req.hdr_val (values as integers). With no occurrence argument an ACL
// tries every value, and a bare expression takes the last one, as HAProxy
// does.
func fetchHdr(split, asInt bool) fetchFunc { return fetchHdrOf(split, asInt, false) }

// fetchHdrOf is fetchHdr over the request (res false) or the response
// headers.
func fetchHdrOf(split, asInt, res bool) fetchFunc {
	return func(e *eval, a []arg) {
		q := hdrQuery{split: split, asInt: asInt, res: res}
		if len(a) > 0 {
			q.name = a[0].s
		}
		var occ int64
		if len(a) > 1 {
			occ = a[1].i
		}
		if occ == 0 && !e.iterate {
			occ = -1
		}
		if occ < 0 {
			count := e.walkHeaders(hdrQuery{name: q.name, split: split, count: true, res: res})
			occ += int64(count) + 1
			if occ < 1 {
				return
			}
		}
		q.want = int(occ)
		e.walkHeaders(q)
	}
}

func fetchHdrCnt(split bool) fetchFunc { return fetchHdrCntOf(split, false) }

// fetchHdrCntOf is fetchHdrCnt over the request or the response headers.
func fetchHdrCntOf(split, res bool) fetchFunc {
	return func(e *eval, a []arg) {
		q := hdrQuery{split: split, count: true, res: res}
		if len(a) > 0 {
			q.name = a[0].s
		}
		n := e.walkHeaders(q)
		e.emit(value{typ: TypeInt, i: int64(n)})
	}
}

// hdrQuery drives one walk over the request headers (see onHeader).
type hdrQuery struct {
	name    string // lower-case header name; "" means every header
	split   bool   // split values on commas outside quotes
	want    int    // only the want-th value (1-based); 0 means all
	count   bool   // only count values
	asInt   bool   // emit values as integers
	capture bool   // copy the wanted value into e.scratch instead of emitting
	cookie  bool   // walk the cookies of the Cookie headers (name is "cookie")
	cname   string // cookie name; "" means every cookie
	names   bool   // append names to e.scratch, separated by delim
	delim   string
	block   bool // append "name: value\r\n" lines to e.scratch
	res     bool // walk the response headers (see Responder)
	// setCookie reads only the first name=value pair of each value, as
	// in Set-Cookie headers.
	setCookie bool
	seen      int // values seen so far
	stop      bool
}

// walkHeaders runs q over the headers and returns the number of values seen.
func (e *eval) walkHeaders(q hdrQuery) int {
	e.hq = q
	if !q.res {
		e.s.Headers(e.hdrFn)
	} else if r, ok := e.s.(Responder); ok {
		r.ResHeaders(e.hdrFn)
	}
	return e.hq.seen
}

// onHeader is the Headers callback; it returns false to stop the walk.
func (e *eval) onHeader(name, val []byte) bool {
	q := &e.hq
	if q.name != "" && !equalFoldString(name, q.name) {
		return true
	}
	switch {
	case q.cookie:
		e.cookieValues(val)
		return !q.stop
	case q.names:
		e.appendName(name)
		return true
	case q.block:
		for _, c := range name {
			e.scratch = append(e.scratch, lowerASCII(c))
		}
		e.scratch = append(e.scratch, ':', ' ')
		e.scratch = append(e.scratch, val...)
		e.scratch = append(e.scratch, '\r', '\n')
		return true
	}
	if !q.split {
		e.headerValue(val)
		return !q.stop
	}
	start, quoted := 0, false
	for i := 0; i <= len(val) && !q.stop; i++ {
		if i < len(val) {
			switch c := val[i]; {
			case c == '"':
				quoted = !quoted
				continue
			case c == '\\' && quoted && i+1 < len(val):
				i++
				continue
			case c != ',' || quoted:
				continue
			}
		}
		e.headerValue(trimOWS(val[start:min(i, len(val))]))
		start = i + 1
	}
	return !q.stop
}

// headerValue handles one header value for the current query.
func (e *eval) headerValue(v []byte) {
	q := &e.hq
	q.seen++
	if q.count || (q.want != 0 && q.seen != q.want) {
		return
	}
	switch {
	case q.capture:
		e.scratch = append(e.scratch, v...)
		q.stop = true
		return
	case q.asInt:
		n, _ := parseLeadingInt(v)
		q.stop = e.emit(value{typ: TypeInt, i: n})
	default:
		q.stop = e.emit(value{typ: TypeStr, b: v})
	}
	if q.want != 0 {
		q.stop = true
	}
}

func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseArgValue parses one argument word as type t.
func parseArgValue(t argType, s string, pos int) (arg, error) {
	if t == argStr {
		return arg{s: s, b: []byte(s)}, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil && t == argIntVar && isVarName(s) {
		return arg{s: s, v: s}, nil
	}
	if err != nil {
		return arg{}, fmt.Errorf("failed to parse '%s' as type 'integer' at position %d", s, pos)
	}
	return arg{s: s, i: n}, nil
}

// isVarName reports whether s names a variable: a scope, a dot and a name
// ("txn.count").
func isVarName(s string) bool {
	scope, name, ok := strings.Cut(s, ".")
	if !ok || name == "" {
		return false
	}
	switch scope {
	case "proc", "sess", "txn", "req", "res":
		return true
	}
	return false
}
