package rules

import (
	"bytes"
	"regexp"
	"strings"

	"github.com/hawser-lb/hawser/internal/h1"
)

// msg returns the message a header action edits: the response in
// response rule sets, else the request.
func msg(t Txn, d Dir) *h1.Message {
	if d != Request {
		if r := t.Res(); r != nil {
			return &r.Message
		}
		return nil
	}
	return &t.Req().Message
}

// value evaluates f for t. A constant is returned as is; anything else is
// formatted into the scratch buffer and copied into the Txn's storage,
// since the header must outlive later rules.
func value(f Format, constant []byte, t Txn) []byte {
	if constant != nil {
		return constant
	}
	buf := t.Scratch()
	*buf = f.AppendTxn((*buf)[:0], t)
	return t.Own(*buf)
}

// constOf returns the bytes of a constant format, nil otherwise.
func constOf(f Format) []byte {
	if c, ok := f.(constFormat); ok {
		return []byte(c)
	}
	return nil
}

func compileSetHeader(add bool) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		if len(args) != 2 {
			return nil, c.errorf("expects a header name and a value")
		}
		f, err := c.format(args[1])
		if err != nil {
			return nil, err
		}
		name, constant, d := []byte(strings.ToLower(args[0])), constOf(f), c.dir
		return func(t Txn, _ *Outcome) Verdict {
			m := msg(t, d)
			if m == nil {
				return Continue
			}
			v := value(f, constant, t)
			if add {
				m.Add(name, v)
			} else {
				m.Set(name, v)
			}
			return Continue
		}, nil
	}
}

func compileDelHeader(c *compileCtx, args []string) (execFunc, error) {
	method := "str"
	switch {
	case len(args) == 1:
	case len(args) == 3 && args[1] == "-m":
		method = args[2]
	default:
		return nil, c.errorf("expects a header name, optionally followed by '-m <method>'")
	}
	match, err := nameMatcher(args[0], method)
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	d := c.dir
	return func(t Txn, _ *Outcome) Verdict {
		if m := msg(t, d); m != nil {
			delHeaders(m, match)
		}
		return Continue
	}, nil
}

// nameMatcher returns a header-name test for del-header's -m methods;
// names compare without regard to case, as HAProxy does.
func nameMatcher(name, method string) (func([]byte) bool, error) {
	lower := strings.ToLower(name)
	switch method {
	case "str":
		return func(b []byte) bool { return h1.EqualFold(b, lower) }, nil
	case "beg":
		return func(b []byte) bool { return len(b) >= len(lower) && h1.EqualFold(b[:len(lower)], lower) }, nil
	case "end":
		return func(b []byte) bool { return len(b) >= len(lower) && h1.EqualFold(b[len(b)-len(lower):], lower) }, nil
	case "sub":
		return func(b []byte) bool {
			for i := 0; i+len(lower) <= len(b); i++ {
				if h1.EqualFold(b[i:i+len(lower)], lower) {
					return true
				}
			}
			return false
		}, nil
	case "reg":
		re, err := regexp.Compile(name)
		if err != nil {
			return nil, err
		}
		return re.Match, nil
	}
	return nil, &unknownMethodError{method}
}

type unknownMethodError struct{ m string }

func (e *unknownMethodError) Error() string { return "unknown matching method '" + e.m + "'" }

func delHeaders(m *h1.Message, match func([]byte) bool) {
	out := m.Headers[:0]
	for _, h := range m.Headers {
		if !match(h.Name) {
			out = append(out, h)
		}
	}
	clear(m.Headers[len(out):])
	m.Headers = out
}

// replacer is a regex and a replacement format with \1..\9 references,
// shared by replace-header, replace-value, replace-path and replace-uri.
type replacer struct {
	re *regexp.Regexp
	to Format
}

func (c *compileCtx) replacer(re, to string) (*replacer, error) {
	rx, err := regexp.Compile(re)
	if err != nil {
		return nil, c.errorf("invalid regex '%s': %v", re, err)
	}
	f, err := c.format(to)
	if err != nil {
		return nil, err
	}
	return &replacer{re: rx, to: f}, nil
}

// replace appends the rewrite of s to dst when the regex matches s; ok
// is false when it does not. As in HAProxy, the expanded replacement
// stands for the whole of s, not only for the part the regex matched.
func (r *replacer) replace(dst, s []byte, t Txn) ([]byte, bool) {
	var idx [20]int
	m := r.re.FindSubmatchIndex(s)
	if m == nil {
		return dst, false
	}
	n := copy(idx[:], m)
	tmpl := t.Scratch()
	*tmpl = r.to.AppendTxn((*tmpl)[:0], t)
	return expand(dst, *tmpl, s, idx[:n]), true
}

// expand appends tmpl with \N replaced by group N of s.
func expand(dst, tmpl, s []byte, idx []int) []byte {
	for i := 0; i < len(tmpl); i++ {
		ch := tmpl[i]
		if ch == '\\' && i+1 < len(tmpl) && tmpl[i+1] >= '0' && tmpl[i+1] <= '9' {
			g := int(tmpl[i+1] - '0')
			if 2*g+1 < len(idx) && idx[2*g] >= 0 {
				dst = append(dst, s[idx[2*g]:idx[2*g+1]]...)
			}
			i++
			continue
		}
		dst = append(dst, ch)
	}
	return dst
}

func compileReplaceHeader(perValue bool) func(*compileCtx, []string) (execFunc, error) {
	return func(c *compileCtx, args []string) (execFunc, error) {
		if len(args) != 3 {
			return nil, c.errorf("expects a header name, a regex and a replacement")
		}
		r, err := c.replacer(args[1], args[2])
		if err != nil {
			return nil, err
		}
		name, d := strings.ToLower(args[0]), c.dir
		return func(t Txn, _ *Outcome) Verdict {
			m := msg(t, d)
			if m == nil {
				return Continue
			}
			for i := range m.Headers {
				h := &m.Headers[i]
				if !h1.EqualFold(h.Name, name) {
					continue
				}
				if nv, ok := r.rewrite(h.Value, perValue, t); ok {
					h.Value = nv
				}
			}
			return Continue
		}, nil
	}
}

// rewrite rewrites a header value, or each comma-separated element of it.
func (r *replacer) rewrite(v []byte, perValue bool, t Txn) ([]byte, bool) {
	var out []byte
	if !perValue {
		var ok bool
		if out, ok = r.replace(nil, v, t); !ok {
			return nil, false
		}
		return t.Own(out), true
	}
	changed := false
	for i, part := range bytes.Split(v, []byte(",")) {
		if i > 0 {
			out = append(out, ',')
		}
		lead := len(part) - len(bytes.TrimLeft(part, " \t"))
		out = append(out, part[:lead]...)
		var ok bool
		before := len(out)
		if out, ok = r.replace(out, part[lead:], t); !ok {
			out = append(out[:before], part[lead:]...)
		} else {
			changed = true
		}
	}
	if !changed {
		return nil, false
	}
	return t.Own(out), true
}
