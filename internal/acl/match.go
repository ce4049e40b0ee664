package acl

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/maps"
)

// pattern is one compiled ACL value. Which fields are set depends on the
// match method that parsed it.
type pattern struct {
	b     []byte         // str-family text (lower-cased when icase) or bin bytes
	icase bool           // -i was in effect when the pattern was read
	re    *regexp.Regexp // reg
	lo    int64          // int and len: inclusive range
	hi    int64
	ne    bool         // int and len: match outside the range ("ne" operator)
	pfx   netip.Prefix // ip
}

// matchMethod is one "-m" method. parse turns a pattern word into a
// pattern once at compile time; match tests one sample value, already cast
// to input, against one pattern.
type matchMethod struct {
	name   string
	input  Type // type the sample is cast to before match; 0 for found and bool
	intOps bool // patterns may be preceded by eq/ne/lt/le/gt/ge
	parse  func(text string, icase bool) (pattern, error)
	match  func(v value, p *pattern) bool
	// whole, when set, decides the match without looking at patterns
	// (found and bool take no pattern).
	whole func(v value) bool
}

// matchMethods is the table of match methods, by "-m" name.
var matchMethods = map[string]*matchMethod{}

func init() {
	for _, m := range []*matchMethod{
		{name: "found", whole: func(value) bool { return true }},
		{name: "bool", whole: truthy},
		{name: "int", input: TypeInt, intOps: true, parse: parseIntPattern, match: matchInt},
		{name: "len", input: TypeStr, intOps: true, parse: parseIntPattern, match: matchLen},
		{name: "ip", input: TypeIP, parse: parseIPPattern, match: matchIP},
		{name: "bin", input: TypeBin, parse: parseBinPattern, match: matchBin},
		{name: "str", input: TypeStr, parse: parseStrPattern, match: matchStr},
		{name: "beg", input: TypeStr, parse: parseStrPattern, match: matchBeg},
		{name: "end", input: TypeStr, parse: parseStrPattern, match: matchEnd},
		{name: "sub", input: TypeStr, parse: parseStrPattern, match: matchSub},
		{name: "reg", input: TypeStr, parse: parseRegPattern, match: matchReg},
		{name: "dir", input: TypeStr, parse: parseStrPattern, match: matchDir},
		{name: "dom", input: TypeStr, parse: parseStrPattern, match: matchDom},
	} {
		matchMethods[m.name] = m
	}
}

// defaultMethod is the method implied by a sample type when neither "-m"
// nor an ACL keyword suffix chooses one. Binary samples have none.
func defaultMethod(t Type) *matchMethod {
	switch t {
	case TypeBool:
		return matchMethods["bool"]
	case TypeInt:
		return matchMethods["int"]
	case TypeIP:
		return matchMethods["ip"]
	case TypeStr:
		return matchMethods["str"]
	}
	return nil
}

// accepts reports whether m can match samples of type t.
func (m *matchMethod) accepts(t Type) bool {
	switch m.name {
	case "found":
		return true
	case "bool":
		return canCast(t, TypeBool)
	}
	return canCast(t, m.input)
}

func parseStrPattern(text string, icase bool) (pattern, error) {
	if icase {
		text = toLowerASCII(text)
	}
	return pattern{b: []byte(text), icase: icase}, nil
}

func parseRegPattern(text string, icase bool) (pattern, error) {
	expr := text
	if icase {
		expr = "(?i)" + text
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return pattern{}, fmt.Errorf("regex '%s': %v", text, err)
	}
	return pattern{re: re, icase: icase}, nil
}

func parseBinPattern(text string, _ bool) (pattern, error) {
	b, err := hex.DecodeString(text)
	if err != nil {
		return pattern{}, fmt.Errorf("'%s' is not a valid hexadecimal binary string", text)
	}
	return pattern{b: b}, nil
}

// parseIntPattern parses "n", "a:b", "a:" or ":b" into an inclusive range.
func parseIntPattern(text string, _ bool) (pattern, error) {
	lo, hi, found := strings.Cut(text, ":")
	p := pattern{lo: math.MinInt64, hi: math.MaxInt64}
	var err error
	if !found {
		p.lo, err = strconv.ParseInt(text, 10, 64)
		p.hi = p.lo
	} else {
		if lo != "" {
			p.lo, err = strconv.ParseInt(lo, 10, 64)
		}
		if err == nil && hi != "" {
			p.hi, err = strconv.ParseInt(hi, 10, 64)
		}
		if lo == "" && hi == "" {
			err = strconv.ErrSyntax
		}
	}
	if err != nil {
		return pattern{}, fmt.Errorf("'%s' is neither a number nor a supported operator", text)
	}
	return p, nil
}

// parseIPPattern parses an IPv4 or IPv6 address or network with
// maps.ParseIP (HAProxy's abbreviated IPv4 forms and dotted netmasks).
func parseIPPattern(text string, _ bool) (pattern, error) {
	p, err := maps.ParseIP(text)
	if err != nil {
		return pattern{}, err
	}
	return pattern{pfx: p}, nil
}

// equal compares sample bytes s with pattern bytes p, folding s when
// icase (p is already lower-case then).
func equal(s, p []byte, icase bool) bool {
	if icase {
		return equalFold(s, p)
	}
	return bytes.Equal(s, p)
}

func matchStr(v value, p *pattern) bool { return equal(v.b, p.b, p.icase) }

func matchBeg(v value, p *pattern) bool {
	return len(v.b) >= len(p.b) && equal(v.b[:len(p.b)], p.b, p.icase)
}

func matchEnd(v value, p *pattern) bool {
	return len(v.b) >= len(p.b) && equal(v.b[len(v.b)-len(p.b):], p.b, p.icase)
}

func matchSub(v value, p *pattern) bool {
	if p.icase {
		return indexFold(v.b, p.b) >= 0
	}
	return bytes.Contains(v.b, p.b)
}

func matchReg(v value, p *pattern) bool { return p.re.Match(v.b) }

func matchBin(v value, p *pattern) bool { return bytes.Equal(v.b, p.b) }

func matchInt(v value, p *pattern) bool { return inRange(v.i, p) }

func matchLen(v value, p *pattern) bool { return inRange(int64(len(v.b)), p) }

func inRange(n int64, p *pattern) bool {
	in := n >= p.lo && n <= p.hi
	return in != p.ne
}

func matchDir(v value, p *pattern) bool {
	return matchWord(v.b, p, isDirDelim)
}

func matchDom(v value, p *pattern) bool {
	return matchWord(v.b, p, isDomDelim)
}

func isDirDelim(c byte) bool { return c == '/' || c == '?' }

func isDomDelim(c byte) bool { return c == '/' || c == '?' || c == '.' || c == ':' }

// matchWord reports whether the pattern, stripped of delimiters at both
// ends, appears in s bounded by delimiters or the ends of s.
func matchWord(s []byte, p *pattern, delim func(byte) bool) bool {
	w := p.b
	for len(w) > 0 && delim(w[0]) {
		w = w[1:]
	}
	for len(w) > 0 && delim(w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	if len(w) == 0 {
		// A pattern made only of delimiters names no word.
		return false
	}
	atStart := true
	for i := 0; i+len(w) <= len(s); i++ {
		if delim(s[i]) {
			atStart = true
			continue
		}
		if !atStart {
			continue
		}
		atStart = false
		end := i + len(w)
		if end != len(s) && !delim(s[end]) {
			continue
		}
		if equal(s[i:end], w, p.icase) {
			return true
		}
	}
	return false
}

// matchIP follows configuration.txt 7.1.6: IPv4 patterns also match IPv6
// addresses that embed an IPv4 one (::ffff:a.b.c.d, ::a.b.c.d and
// 2002:a.b.c.d::), and IPv6 patterns see an IPv4 address as ::ffff:a.b.c.d.
func matchIP(v value, p *pattern) bool {
	a := v.ip.Unmap()
	if p.pfx.Addr().Is4() {
		if a.Is6() {
			var ok bool
			if a, ok = maps.EmbeddedIPv4(a); !ok {
				return false
			}
		}
		return p.pfx.Contains(a)
	}
	if a.Is4() {
		a = netip.AddrFrom16(a.As16())
	}
	return p.pfx.Contains(a)
}
