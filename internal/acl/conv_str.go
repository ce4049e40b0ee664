package acl

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"
)

// stringConverters are the converters on strings and binary samples
// (configuration.txt 7.3.1).
func stringConverters() []*convDef {
	fieldArgs := []argType{argInt, argStr, argInt}
	return []*convDef{
		{name: "lower", in: TypeStr, out: TypeStr, fn: convCase(lowerASCII)},
		{name: "upper", in: TypeStr, out: TypeStr, fn: convCase(upperASCII)},
		{name: "field", args: fieldArgs, minArgs: 2, in: TypeStr, out: TypeStr, fn: convField(false), prepare: prepareField},
		{name: "word", args: fieldArgs, minArgs: 2, in: TypeStr, out: TypeStr, fn: convField(true), prepare: prepareField},
		{name: "regsub", args: []argType{argStr, argStr, argStr}, minArgs: 2, in: TypeStr, out: TypeStr, fn: convRegsub, prepare: prepareRegsub},
		{name: "concat", args: []argType{argStr, argStr, argStr}, in: TypeStr, out: TypeStr, fn: convConcat, prepare: prepareConcat},
		{name: "base64", in: TypeBin, out: TypeStr, fn: convBase64},
		{name: "b64dec", in: TypeStr, out: TypeBin, fn: convB64dec},
		{name: "hex", in: TypeBin, out: TypeStr, fn: convHex},
		{name: "length", in: TypeStr, out: TypeInt, fn: convLength},
		{name: "bytes", args: []argType{argInt, argInt}, minArgs: 1, in: TypeBin, out: TypeBin, fn: convBytes, prepare: prepareBytes},
		{name: "url_dec", args: []argType{argInt}, in: TypeStr, out: TypeStr, fn: convURLDec},
		{name: "json", args: []argType{argStr}, in: TypeStr, out: TypeStr, fn: convJSON, prepare: prepareJSON},
		{name: "ltrim", args: []argType{argStr}, minArgs: 1, in: TypeStr, out: TypeStr, fn: convTrim(true)},
		{name: "rtrim", args: []argType{argStr}, minArgs: 1, in: TypeStr, out: TypeStr, fn: convTrim(false)},
	}
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// convCase copies the string (samples may point into the request, which
// must not change) and maps every byte.
func convCase(f func(byte) byte) convFunc {
	return func(dst []byte, v value, _ []arg) ([]byte, value, bool) {
		dst = append(dst[:0], v.b...)
		for i, c := range dst {
			dst[i] = f(c)
		}
		return dst, strValue(dst), true
	}
}

func prepareField(a []arg, _ *compileEnv) error {
	if a[0].i == 0 {
		return errors.New("index must not be 0 (fields count from 1 or -1)")
	}
	if len(a) > 2 && a[2].i < 0 {
		return errors.New("count must not be negative")
	}
	if a[1].s == "" {
		return errors.New("empty delimiter list")
	}
	return nil
}

// convField implements field(index,delims[,count]) and word(...). Fields
// are the spans between delimiter bytes; words are the non-empty fields,
// so runs of delimiters separate one pair of words. A positive index
// counts from the start and count extends towards the end; a negative one
// counts from the end and count extends towards the start; count 0 takes
// every remaining field. The text between the selected fields is kept as
// is. An index past the last field gives an empty string, as in HAProxy.
func convField(words bool) convFunc {
	return func(dst []byte, v value, a []arg) ([]byte, value, bool) {
		idx, delims := a[0].i, a[1].s
		count := int64(1)
		if len(a) > 2 {
			count = a[2].i
		}
		var spans [][2]int
		var stack [32][2]int
		spans = stack[:0]
		start := 0
		for i := 0; i <= len(v.b); i++ {
			if i < len(v.b) && strings.IndexByte(delims, v.b[i]) < 0 {
				continue
			}
			if !words || i > start {
				spans = append(spans, [2]int{start, i})
			}
			start = i + 1
		}
		n := int64(len(spans))
		var first, last int64 // 0-based, inclusive
		if idx > 0 {
			first, last = idx-1, idx-1+count-1
			if count == 0 {
				last = n - 1
			}
		} else {
			last = n + idx
			first = last - count + 1
			if count == 0 {
				first = 0
			}
		}
		first, last = max(first, 0), min(last, n-1)
		if first > last || first >= n || last < 0 {
			return dst, strValue(v.b[:0]), true
		}
		return dst, strValue(v.b[spans[first][0]:spans[last][1]]), true
	}
}

// prepareRegsub compiles the regex with the "i" flag and checks the
// flags; "g" replaces every match instead of the first.
func prepareRegsub(a []arg, _ *compileEnv) error {
	expr := a[0].s
	if len(a) > 2 {
		for _, f := range a[2].s {
			switch f {
			case 'i':
				expr = "(?i)" + expr
			case 'g':
			default:
				return fmt.Errorf("invalid regex flag '%c', only 'i' and 'g' are supported", f)
			}
		}
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("invalid regex '%s': %v", a[0].s, err)
	}
	a[0].p = &argPrep{re: re}
	a[1].s = haproxyTemplate(a[1].s)
	a[1].b = []byte(a[1].s)
	return nil
}

// haproxyTemplate turns HAProxy's "\1" back-references into Go's "${1}"
// and protects literal '$' signs.
func haproxyTemplate(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '$':
			b.WriteString("$$")
		case c == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			fmt.Fprintf(&b, "${%c}", s[i+1])
			i++
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func convRegsub(dst []byte, v value, a []arg) ([]byte, value, bool) {
	re, tmpl := a[0].p.re, a[1].b
	global := len(a) > 2 && strings.Contains(a[2].s, "g")
	dst = dst[:0]
	src, pos := v.b, 0
	for pos <= len(src) {
		m := re.FindSubmatchIndex(src[pos:])
		if m == nil {
			break
		}
		for i := range m {
			if m[i] >= 0 {
				m[i] += pos
			}
		}
		dst = append(dst, src[pos:m[0]]...)
		dst = re.Expand(dst, tmpl, src, m)
		pos = m[1]
		if m[0] == m[1] {
			// An empty match: copy one byte to make progress.
			if pos < len(src) {
				dst = append(dst, src[pos])
			}
			pos++
		}
		if !global {
			break
		}
	}
	if pos < len(src) {
		dst = append(dst, src[pos:]...)
	}
	return dst, strValue(dst), true
}

// prepareConcat checks the variable argument, read at each evaluation.
func prepareConcat(a []arg, _ *compileEnv) error {
	if len(a) > 1 && a[1].s != "" {
		if !isVarName(a[1].s) {
			return fmt.Errorf("invalid variable name '%s'", a[1].s)
		}
		a[1].v, a[1].strVar = a[1].s, true
	}
	return nil
}

// convConcat is concat(<start>,<var>,<end>): it appends <start>, the
// variable's value and <end> after the sample, as HAProxy 2.6 does
// ("abc",concat(-,,+) gives "abc-+").
func convConcat(dst []byte, v value, a []arg) ([]byte, value, bool) {
	dst = append(dst[:0], v.b...)
	if len(a) > 0 {
		dst = append(dst, a[0].s...)
	}
	if len(a) > 1 && a[1].v != "" {
		// resolveVars put the variable's text in b; a missing one
		// adds nothing, as in HAProxy.
		dst = append(dst, a[1].b...)
	}
	if len(a) > 2 {
		dst = append(dst, a[2].s...)
	}
	return dst, strValue(dst), true
}

func convBase64(dst []byte, v value, _ []arg) ([]byte, value, bool) {
	dst = base64.StdEncoding.AppendEncode(dst[:0], v.b)
	return dst, strValue(dst), true
}

// convB64dec fails on input that is not valid padded base64, as HAProxy's
// decoder does.
func convB64dec(dst []byte, v value, _ []arg) ([]byte, value, bool) {
	out, err := base64.StdEncoding.AppendDecode(dst[:0], v.b)
	if err != nil {
		return dst, value{}, false
	}
	return out, binValue(out), true
}

// convHex writes upper-case hex, two digits per byte.
func convHex(dst []byte, v value, _ []arg) ([]byte, value, bool) {
	const digits = "0123456789ABCDEF"
	dst = dst[:0]
	for _, c := range v.b {
		dst = append(dst, digits[c>>4], digits[c&15])
	}
	return dst, strValue(dst), true
}

func convLength(dst []byte, v value, _ []arg) ([]byte, value, bool) {
	return dst, intValue(int64(len(v.b))), true
}

func prepareBytes(a []arg, _ *compileEnv) error {
	if a[0].i < 0 || len(a) > 1 && a[1].i < 0 {
		return errors.New("offset and length must not be negative")
	}
	return nil
}

// convBytes takes length bytes (all remaining when absent or 0) from
// offset; an offset past the end gives an empty sample.
func convBytes(dst []byte, v value, a []arg) ([]byte, value, bool) {
	off := int(min(a[0].i, int64(len(v.b))))
	out := v.b[off:]
	if len(a) > 1 && a[1].i > 0 && int(a[1].i) < len(out) {
		out = out[:a[1].i]
	}
	return dst, binValue(out), true
}

// convURLDec decodes %XX escapes. '+' becomes a space in the query part
// (after '?'), or everywhere when the in_form argument is non-zero; a bad
// escape fails the conversion, as in HAProxy.
func convURLDec(dst []byte, v value, a []arg) ([]byte, value, bool) {
	inQuery := len(a) > 0 && a[0].i != 0
	dst = dst[:0]
	s := v.b
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '?':
			inQuery = true
		case c == '+' && inQuery:
			c = ' '
		case c == '%':
			if i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2]) {
				return dst, value{}, false
			}
			c = unhex(s[i+1])<<4 | unhex(s[i+2])
			i += 2
		}
		dst = append(dst, c)
	}
	return dst, strValue(dst), true
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'f'
}

func unhex(c byte) byte {
	if c <= '9' {
		return c - '0'
	}
	return c | 0x20 - 'a' + 10
}

func prepareJSON(a []arg, _ *compileEnv) error {
	if len(a) == 0 {
		return nil
	}
	switch a[0].s {
	case "", "ascii", "utf8", "utf8s", "utf8p", "utf8ps":
		return nil
	}
	return fmt.Errorf("unexpected input code type '%s'. Allowed value are 'ascii', 'utf8', 'utf8s', 'utf8p' and 'utf8ps'", a[0].s)
}

// convJSON escapes the string for a JSON string body: quotes, backslash,
// '/' and control characters, and non-ASCII as \uXXXX. With "ascii" (the
// default) every byte is one character; with the utf8 codes invalid
// sequences fail the conversion, or are skipped with the "s" variants.
func convJSON(dst []byte, v value, a []arg) ([]byte, value, bool) {
	code := "ascii"
	if len(a) > 0 && a[0].s != "" {
		code = a[0].s
	}
	utf, skip := code != "ascii", strings.HasSuffix(code, "s")
	dst = dst[:0]
	for s := v.b; len(s) > 0; {
		r, size := rune(s[0]), 1
		if utf && r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(s)
			if r == utf8.RuneError && size <= 1 {
				if !skip {
					return dst, value{}, false
				}
				s = s[1:]
				continue
			}
		}
		s = s[size:]
		dst = appendJSONRune(dst, r)
	}
	return dst, strValue(dst), true
}

func appendJSONRune(dst []byte, r rune) []byte {
	switch r {
	case '"', '\\', '/':
		return append(dst, '\\', byte(r))
	case '\b':
		return append(dst, '\\', 'b')
	case '\f':
		return append(dst, '\\', 'f')
	case '\n':
		return append(dst, '\\', 'n')
	case '\r':
		return append(dst, '\\', 'r')
	case '\t':
		return append(dst, '\\', 't')
	}
	if r >= 0x20 && r < 0x7f {
		return append(dst, byte(r))
	}
	if r > 0xffff {
		r -= 0x10000
		dst = appendU(dst, 0xd800+(r>>10))
		return appendU(dst, 0xdc00+(r&0x3ff))
	}
	return appendU(dst, r)
}

func appendU(dst []byte, r rune) []byte {
	const digits = "0123456789abcdef"
	return append(dst, '\\', 'u', digits[r>>12&15], digits[r>>8&15], digits[r>>4&15], digits[r&15])
}

// convTrim removes the bytes listed in the argument from one end.
func convTrim(left bool) convFunc {
	return func(dst []byte, v value, a []arg) ([]byte, value, bool) {
		s, set := v.b, a[0].s
		if left {
			for len(s) > 0 && strings.IndexByte(set, s[0]) >= 0 {
				s = s[1:]
			}
		} else {
			for len(s) > 0 && strings.IndexByte(set, s[len(s)-1]) >= 0 {
				s = s[:len(s)-1]
			}
		}
		return dst, strValue(s), true
	}
}
