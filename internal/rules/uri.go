package rules

import (
	"bytes"
	"sort"
)

// uriPart names the part of the request target an action rewrites.
type uriPart uint8

const (
	partPath uriPart = iota
	partPathQ
	partURI
	partQuery
)

// part returns the current value of p for t.
func part(t Txn, p uriPart) []byte {
	switch p {
	case partPath:
		return t.Path()
	case partQuery:
		return t.Query()
	case partPathQ:
		return pathQ(t)
	}
	return t.URI()
}

// pathQ is the path and query part of the target (origin form).
func pathQ(t Txn) []byte {
	u := t.URI()
	p := t.Path()
	if len(p) == 0 {
		return u
	}
	// Path points into URI; keep from its start.
	if i := bytes.Index(u, p); i >= 0 {
		return u[i:]
	}
	return u
}

// setPart rebuilds the target with part p replaced by v, in the scratch
// buffer, and installs it.
func setPart(t Txn, p uriPart, v []byte) {
	u := t.URI()
	buf := t.Scratch()
	b := (*buf)[:0]
	switch p {
	case partURI:
		b = append(b, v...)
	case partPath, partPathQ:
		pq := pathQ(t)
		b = append(b, u[:len(u)-len(pq)]...) // scheme://authority of an absolute target
		b = append(b, v...)
		if p == partPath && t.Query() != nil {
			b = append(b, '?')
			b = append(b, t.Query()...)
		}
	case partQuery:
		q := t.Query()
		end := len(u)
		if q != nil {
			end = len(u) - len(q) - 1
		}
		b = append(b, u[:end]...)
		if len(v) > 0 {
			b = append(b, '?')
			b = append(b, v...)
		}
	}
	*buf = b
	t.SetURI(b)
}

func compileSetURIPart(p uriPart) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		if len(args) != 1 {
			return nil, c.errorf("expects one log-format argument")
		}
		f, err := c.format(args[0])
		if err != nil {
			return nil, err
		}
		return func(t Txn, _ *Outcome) Verdict {
			// The value is formatted into the Txn's storage, since setPart
			// reuses the scratch buffer.
			setPart(t, p, value(f, constOf(f), t))
			return Continue
		}, nil
	}
}

func compileSetMethod(c *compileCtx, args []string) (execFunc, error) {
	if len(args) != 1 {
		return nil, c.errorf("expects one log-format argument")
	}
	f, err := c.format(args[0])
	if err != nil {
		return nil, err
	}
	constant := constOf(f)
	return func(t Txn, _ *Outcome) Verdict {
		t.SetMethod(value(f, constant, t))
		return Continue
	}, nil
}

func compileReplaceURIPart(p uriPart) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		if len(args) != 2 {
			return nil, c.errorf("expects a regex and a replacement")
		}
		r, err := c.replacer(args[0], args[1])
		if err != nil {
			return nil, err
		}
		return func(t Txn, _ *Outcome) Verdict {
			nv, ok := r.replace(nil, part(t, p), t)
			if ok {
				setPart(t, p, t.Own(nv))
			}
			return Continue
		}, nil
	}
}

// normalizer rewrites a request target; it returns the new target
// appended to dst.
type normalizer func(dst, uri []byte) []byte

func compileNormalizeURI(c *compileCtx, args []string) (execFunc, error) {
	if len(args) == 0 {
		return nil, c.errorf("expects a normalizer")
	}
	var n normalizer
	opt := ""
	if len(args) > 1 {
		opt = args[1]
	}
	bad := func() (execFunc, error) { return nil, c.errorf("unexpected argument '%s'", args[len(args)-1]) }
	switch args[0] {
	case "path-merge-slashes":
		n = onPath(mergeSlashes)
	case "path-strip-dot":
		n = onPath(stripDot)
	case "path-strip-dotdot":
		if opt != "" && opt != "full" {
			return bad()
		}
		full := opt == "full"
		n = onPath(func(dst, p []byte) []byte { return stripDotDot(dst, p, full) })
	case "percent-to-uppercase":
		if opt != "" && opt != "strict" {
			return bad()
		}
		n = percentUpper
	case "percent-decode-unreserved":
		if opt != "" && opt != "strict" {
			return bad()
		}
		n = decodeUnreserved
	case "query-sort-by-name":
		n = sortQuery
	case "fragment-strip":
		n = fragmentStrip
	case "fragment-encode":
		n = fragmentEncode
	default:
		return nil, c.errorf("unknown normalizer '%s'", args[0])
	}
	if len(args) > 2 || (len(args) == 2 && args[0] != "path-strip-dotdot" && args[0] != "percent-to-uppercase" && args[0] != "percent-decode-unreserved") {
		return bad()
	}
	return func(t Txn, _ *Outcome) Verdict {
		buf := t.Scratch()
		*buf = n((*buf)[:0], t.URI())
		if !bytes.Equal(*buf, t.URI()) {
			t.SetURI(*buf)
		}
		return Continue
	}, nil
}

// onPath applies fn to the path of an origin-form target, keeping the
// query (and anything before the path) as is.
func onPath(fn func(dst, path []byte) []byte) normalizer {
	return func(dst, uri []byte) []byte {
		start := 0
		if len(uri) > 0 && uri[0] != '/' {
			if i := bytes.Index(uri, []byte("://")); i >= 0 {
				if j := bytes.IndexByte(uri[i+3:], '/'); j >= 0 {
					start = i + 3 + j
				} else {
					return append(dst, uri...)
				}
			}
		}
		end := len(uri)
		if i := bytes.IndexAny(uri[start:], "?#"); i >= 0 {
			end = start + i
		}
		dst = append(dst, uri[:start]...)
		dst = fn(dst, uri[start:end])
		return append(dst, uri[end:]...)
	}
}

func mergeSlashes(dst, p []byte) []byte {
	for i, ch := range p {
		if ch == '/' && i > 0 && p[i-1] == '/' {
			continue
		}
		dst = append(dst, ch)
	}
	return dst
}

// stripDot removes "/." segments; the path keeps its leading slash.
func stripDot(dst, p []byte) []byte {
	start := len(dst)
	for _, seg := range segments(p) {
		if string(seg) == "." {
			continue
		}
		dst = append(dst, '/')
		dst = append(dst, seg...)
	}
	if len(p) > 0 && len(dst) == start {
		dst = append(dst, '/')
	} else if bytes.HasSuffix(p, []byte("/.")) {
		dst = append(dst, '/')
	}
	return dst
}

// stripDotDot removes "segment/.." pairs; with full, ".." segments that
// would go above the root are dropped too.
func stripDotDot(dst, p []byte, full bool) []byte {
	var keep [][]byte
	for _, seg := range segments(p) {
		if string(seg) == ".." {
			if n := len(keep); n > 0 && string(keep[n-1]) != ".." {
				keep = keep[:n-1]
				continue
			}
			if full {
				continue
			}
		}
		keep = append(keep, seg)
	}
	for _, seg := range keep {
		dst = append(dst, '/')
		dst = append(dst, seg...)
	}
	if len(keep) == 0 && len(p) > 0 || bytes.HasSuffix(p, []byte("/..")) {
		dst = append(dst, '/')
	}
	return dst
}

// segments splits an absolute path into its segments (without slashes).
func segments(p []byte) [][]byte {
	if len(p) > 0 && p[0] == '/' {
		p = p[1:]
	}
	return bytes.Split(p, []byte("/"))
}

func percentUpper(dst, uri []byte) []byte {
	for i := 0; i < len(uri); i++ {
		ch := uri[i]
		if ch == '%' && i+2 < len(uri) && isHex(uri[i+1]) && isHex(uri[i+2]) {
			dst = append(dst, '%', upperHex(uri[i+1]), upperHex(uri[i+2]))
			i += 2
			continue
		}
		dst = append(dst, ch)
	}
	return dst
}

func decodeUnreserved(dst, uri []byte) []byte {
	for i := 0; i < len(uri); i++ {
		ch := uri[i]
		if ch == '%' && i+2 < len(uri) && isHex(uri[i+1]) && isHex(uri[i+2]) {
			v := unhex(uri[i+1])<<4 | unhex(uri[i+2])
			if isUnreserved(v) {
				dst = append(dst, v)
				i += 2
				continue
			}
		}
		dst = append(dst, ch)
	}
	return dst
}

func sortQuery(dst, uri []byte) []byte {
	i := bytes.IndexByte(uri, '?')
	if i < 0 {
		return append(dst, uri...)
	}
	end := len(uri)
	if j := bytes.IndexByte(uri[i:], '#'); j >= 0 {
		end = i + j
	}
	params := bytes.Split(uri[i+1:end], []byte("&"))
	sort.SliceStable(params, func(a, b int) bool {
		na, _, _ := bytes.Cut(params[a], []byte("="))
		nb, _, _ := bytes.Cut(params[b], []byte("="))
		return bytes.Compare(na, nb) < 0
	})
	dst = append(dst, uri[:i+1]...)
	dst = append(dst, bytes.Join(params, []byte("&"))...)
	return append(dst, uri[end:]...)
}

func fragmentStrip(dst, uri []byte) []byte {
	if i := bytes.IndexByte(uri, '#'); i >= 0 {
		uri = uri[:i]
	}
	return append(dst, uri...)
}

func fragmentEncode(dst, uri []byte) []byte {
	for _, ch := range uri {
		if ch == '#' {
			dst = append(dst, "%23"...)
			continue
		}
		dst = append(dst, ch)
	}
	return dst
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func upperHex(c byte) byte {
	if c >= 'a' && c <= 'f' {
		return c - 'a' + 'A'
	}
	return c
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

// isUnreserved reports RFC 3986 unreserved characters.
func isUnreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
