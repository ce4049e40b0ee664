package logging

import (
	"strconv"
	"sync"
	"unsafe"

	"github.com/hawser-lb/hawser/internal/acl"
)

// sampleBufs holds the buffers sample values are evaluated into before
// they are quoted or escaped into the line.
var sampleBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// appendSample evaluates a %[...] node and appends its string form like
// a text field: "-" when there is no value (with M), quoted with Q,
// escaped with E.
func appendSample(dst []byte, n *node, s acl.Sample) []byte {
	if s == nil {
		return appendText(dst, "", n.flags)
	}
	bp := sampleBufs.Get().(*[]byte)
	buf, _ := n.expr.AppendString((*bp)[:0], s)
	// The view is read only while buf is not modified.
	dst = appendText(dst, unsafe.String(unsafe.SliceData(buf), len(buf)), n.flags)
	*bp = buf
	sampleBufs.Put(bp)
	return dst
}

// Append appends the line for e to dst and returns the extended buffer. It
// does not allocate once dst has grown to the line's size, so callers keep
// one buffer per goroutine (or in a sync.Pool) and reuse it.
//
// Separators follow HAProxy: a run of spaces prints one space, and not
// when nothing was printed since the previous one, so an item that prints
// nothing (such as %hr without captures) does not leave a double space.
//
// Sample expressions (%[...]) need the request: Append logs them as "-"
// (or "" with +Q); AppendSample evaluates them.
func (f *Format) Append(dst []byte, e *Entry) []byte {
	return f.AppendSample(dst, e, nil)
}

// AppendSample is Append with the connection and request that sample
// expressions (%[...]) read; s may be nil. The request must still be
// available: call it before the request's buffers are reused.
func (f *Format) AppendSample(dst []byte, e *Entry, s acl.Sample) []byte {
	lastSpace := true // no separator before the first field
	for i := range f.nodes {
		n := &f.nodes[i]
		switch n.kind {
		case nodeSep:
			if !lastSpace {
				dst = append(dst, ' ')
				lastSpace = true
			}
		case nodeText:
			dst = append(dst, n.text...)
			lastSpace = false
		case nodeAlias, nodeExpr:
			before := len(dst)
			if n.kind == nodeAlias {
				dst = n.alias.render(dst, e, n.flags)
			} else {
				dst = appendSample(dst, n, s)
			}
			if len(dst) != before {
				lastSpace = false
			}
		}
	}
	return dst
}

// appendText appends a string field: quoted with Q, "-" when empty with M
// (HAProxy's default for log-format), escaped for RFC 5424 with E.
func appendText(d []byte, s string, fl flags) []byte {
	switch {
	case fl&flagQuote != 0:
		d = append(d, '"')
		d = appendEscaped(d, s, fl, nil)
		return append(d, '"')
	case s == "" && fl&flagMandatory != 0:
		return append(d, '-')
	}
	return appendEscaped(d, s, fl, nil)
}

// appendEncoded appends a request-derived field: quoted with Q, with
// non-printable characters '#'-encoded as HAProxy section 8.6 requires.
func appendEncoded(d []byte, s string, fl flags, enc *encodeMap) []byte {
	q := fl&flagQuote != 0
	if q {
		d = append(d, '"')
	}
	d = appendEscaped(d, s, fl, enc)
	if q {
		d = append(d, '"')
	}
	return d
}

// encodeMap marks the bytes written as '#' and two hex digits.
type encodeMap [256]bool

// urlEncode is for the request line: non-printable bytes, '"' and '#'.
// hdrEncode is for captured headers and adds '{', '|' and '}'.
var urlEncode, hdrEncode = buildEncodeMaps()

func buildEncodeMaps() (url, hdr encodeMap) {
	for c := range 256 {
		if c < 32 || c >= 127 {
			url[c], hdr[c] = true, true
		}
	}
	for _, c := range []byte(`"#`) {
		url[c], hdr[c] = true, true
	}
	for _, c := range []byte("{|}") {
		hdr[c] = true
	}
	return url, hdr
}

const hexDigits = "0123456789ABCDEF"

// appendEscaped appends s, '#'-encoding the bytes enc marks (if enc is not
// nil) and, with E, backslash-escaping '"', '\' and ']' so the value fits
// an RFC 5424 structured-data PARAM-VALUE (RFC 5424 section 6.3.3).
func appendEscaped(d []byte, s string, fl flags, enc *encodeMap) []byte {
	esc := fl&flagEscape != 0
	if enc == nil && !esc {
		return append(d, s...)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case enc != nil && enc[c]:
			d = append(d, '#', hexDigits[c>>4], hexDigits[c&15])
		case esc && (c == '"' || c == '\\' || c == ']'):
			d = append(d, '\\', c)
		default:
			d = append(d, c)
		}
	}
	return d
}

func appendInt(d []byte, v int64) []byte { return strconv.AppendInt(d, v, 10) }

// appendHex appends v in upper-case hex, zero-padded to at least width
// digits (HAProxy's "%0*X").
func appendHex(d []byte, v uint64, width int) []byte {
	var buf [16]byte
	i := len(buf)
	for v != 0 || i > len(buf)-width {
		i--
		buf[i] = hexDigits[v&15]
		v >>= 4
		if i == 0 {
			break
		}
	}
	return append(d, buf[i:]...)
}

// appendHexBytes appends b as upper-case hex, two digits per byte.
func appendHexBytes(d []byte, b []byte) []byte {
	for _, c := range b {
		d = append(d, hexDigits[c>>4], hexDigits[c&15])
	}
	return d
}

// appendPadded appends a non-negative v zero-padded to width digits.
func appendPadded(d []byte, v, width int) []byte {
	var buf [20]byte
	i := len(buf)
	for v > 0 || i > len(buf)-width {
		i--
		buf[i] = byte('0' + v%10)
		v /= 10
		if i == 0 {
			break
		}
	}
	return append(d, buf[i:]...)
}
