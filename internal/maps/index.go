package maps

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Kind is the match method that compares a sample with map keys, the
// suffix of map_<kind> (configuration.txt 7.3.1, "map").
type Kind uint8

// The match kinds of map converters and ACL pattern files.
const (
	Str Kind = iota + 1
	Beg
	Sub
	Dir
	Dom
	End
	Reg
	IP
	Int
)

var kindNames = [...]string{Str: "str", Beg: "beg", Sub: "sub", Dir: "dir", Dom: "dom", End: "end", Reg: "reg", IP: "ip", Int: "int"}

// String returns the HAProxy name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "unknown"
}

// ParseKind returns the kind called name ("str", "beg", ...).
func ParseKind(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name && n != "" {
			return Kind(k), true
		}
	}
	return 0, false
}

// Index finds the entry whose key matches a sample, for one kind. Entry
// values are the caller's numbers (positions in a Map). An Index is not
// safe for concurrent writes; Map guards its indexes.
type Index struct {
	kind  Kind
	icase bool
	n     int

	exact map[string]int32 // str, beg
	lens  []int            // beg: distinct key lengths, longest first
	list  []listEntry      // sub, dir, dom, end, reg, int ranges
	ip    IPTree
	ints  map[int64]int32 // int while every key is a single number
}

// listEntry is one key of a kind matched by scanning in file order.
type listEntry struct {
	key    []byte
	re     *regexp.Regexp
	lo, hi int64
	val    int32
}

// NewIndex returns an empty index for kind. With icase, string kinds
// compare without ASCII case (the ACL "-i" flag).
func NewIndex(kind Kind, icase bool) *Index {
	x := &Index{kind: kind, icase: icase}
	switch kind {
	case Str, Beg:
		x.exact = map[string]int32{}
	case Int:
		x.ints = map[int64]int32{}
	}
	return x
}

// Kind returns the kind the index matches.
func (x *Index) Kind() Kind { return x.kind }

// Len returns the number of keys added.
func (x *Index) Len() int { return x.n }

// Add adds key with value val. A key that does not parse for the kind (a
// bad regex, address or integer) is an error. When several keys match a
// sample, the first added wins, except for beg and ip where the longest
// match wins, as in HAProxy.
func (x *Index) Add(key string, val int32) error {
	if x.icase && x.kind != Reg && x.kind != IP && x.kind != Int {
		key = lowerString(key)
	}
	switch x.kind {
	case Str:
		addFirst(x.exact, key, val)
	case Beg:
		addFirst(x.exact, key, val)
		if !slices.Contains(x.lens, len(key)) {
			x.lens = append(x.lens, len(key))
			slices.SortFunc(x.lens, func(a, b int) int { return b - a })
		}
	case Sub, Dir, Dom, End:
		x.list = append(x.list, listEntry{key: []byte(key), val: val})
	case Reg:
		return x.addReg(key, val)
	case IP:
		p, err := ParseIP(key)
		if err != nil {
			return err
		}
		x.ip.Insert(p, val)
	case Int:
		return x.addInt(key, val)
	default:
		return fmt.Errorf("unknown match kind %d", x.kind)
	}
	x.n++
	return nil
}

func addFirst(m map[string]int32, key string, val int32) {
	if _, dup := m[key]; !dup {
		m[key] = val
	}
}

func (x *Index) addReg(key string, val int32) error {
	expr := key
	if x.icase {
		expr = "(?i)" + key
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		return fmt.Errorf("regex '%s': %v", key, err)
	}
	x.list = append(x.list, listEntry{re: re, val: val})
	x.n++
	return nil
}

func (x *Index) addInt(key string, val int32) error {
	lo, hi, err := ParseIntRange(key)
	if err != nil {
		return err
	}
	x.list = append(x.list, listEntry{lo: lo, hi: hi, val: val})
	if x.ints != nil && lo == hi {
		if _, dup := x.ints[lo]; !dup {
			x.ints[lo] = val
		}
	} else {
		// A range breaks the hash shortcut: scan in file order instead.
		x.ints = nil
	}
	x.n++
	return nil
}

// ParseIntRange parses an integer pattern: "n", "a:b", "a:" or ":b",
// giving an inclusive range.
func ParseIntRange(text string) (lo, hi int64, err error) {
	a, b, isRange := strings.Cut(text, ":")
	lo, hi = math.MinInt64, math.MaxInt64
	switch {
	case !isRange:
		lo, err = strconv.ParseInt(text, 10, 64)
		hi = lo
	case a == "" && b == "":
		err = strconv.ErrSyntax
	default:
		if a != "" {
			lo, err = strconv.ParseInt(a, 10, 64)
		}
		if err == nil && b != "" {
			hi, err = strconv.ParseInt(b, 10, 64)
		}
	}
	if err != nil {
		return 0, 0, fmt.Errorf("'%s' is not a valid integer or range", text)
	}
	return lo, hi, nil
}

// Lookup returns the value of the key matching s, for string kinds. An
// int index parses s as a decimal integer first; an ip index parses it as
// an address.
func (x *Index) Lookup(s []byte) (int32, bool) {
	switch x.kind {
	case IP:
		a, err := netip.ParseAddr(string(s))
		if err != nil {
			return 0, false
		}
		return x.LookupIP(a)
	case Int:
		n, err := strconv.ParseInt(string(s), 10, 64)
		if err != nil {
			return 0, false
		}
		return x.LookupInt(n)
	}
	if x.kind == Str || x.kind == Beg {
		return x.lookupHashed(s)
	}
	if x.icase {
		// The regexp engine keeps its input, so a stack buffer would
		// escape anyway: case-insensitive list kinds allocate.
		s = lowerInto(make([]byte, 0, len(s)), s)
	}
	return x.scan(s)
}

// lookupHashed serves str and beg without allocating: a short sample is
// lower-cased (for icase) in a stack buffer.
func (x *Index) lookupHashed(s []byte) (int32, bool) {
	var buf [128]byte
	if x.icase {
		s = lowerInto(buf[:0], s)
	}
	if x.kind == Str {
		v, ok := x.exact[string(s)]
		return v, ok
	}
	for _, n := range x.lens {
		if n > len(s) {
			continue
		}
		if v, ok := x.exact[string(s[:n])]; ok {
			return v, true
		}
	}
	return 0, false
}

// scan tries the list kinds in file order.
func (x *Index) scan(s []byte) (int32, bool) {
	for i := range x.list {
		e := &x.list[i]
		var hit bool
		switch x.kind {
		case Sub:
			hit = bytes.Contains(s, e.key)
		case End:
			hit = bytes.HasSuffix(s, e.key)
		case Dir:
			hit = MatchWord(s, e.key, isDirDelim)
		case Dom:
			hit = MatchWord(s, e.key, isDomDelim)
		case Reg:
			hit = e.re.Match(s)
		}
		if hit {
			return e.val, true
		}
	}
	return 0, false
}

// LookupIP returns the value of the longest prefix containing a.
func (x *Index) LookupIP(a netip.Addr) (int32, bool) {
	if x.kind != IP {
		return 0, false
	}
	return x.ip.Lookup(a)
}

// LookupInt returns the value of the first key (or range) holding n.
func (x *Index) LookupInt(n int64) (int32, bool) {
	if x.kind != Int {
		return 0, false
	}
	if x.ints != nil {
		v, ok := x.ints[n]
		return v, ok
	}
	for _, e := range x.list {
		if n >= e.lo && n <= e.hi {
			return e.val, true
		}
	}
	return 0, false
}

func isDirDelim(c byte) bool { return c == '/' || c == '?' }

func isDomDelim(c byte) bool { return c == '/' || c == '?' || c == '.' || c == ':' }

// MatchWord reports whether w, stripped of delimiters at both ends,
// appears in s bounded by delimiters or the ends of s: HAProxy's "dir"
// and "dom" matching, case-sensitively.
func MatchWord(s, w []byte, delim func(byte) bool) bool {
	for len(w) > 0 && delim(w[0]) {
		w = w[1:]
	}
	for len(w) > 0 && delim(w[len(w)-1]) {
		w = w[:len(w)-1]
	}
	if len(w) == 0 {
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
		if (end == len(s) || delim(s[end])) && bytes.Equal(s[i:end], w) {
			return true
		}
	}
	return false
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// lowerInto appends s lower-cased to dst (a stack buffer for short
// samples, so icase lookups do not allocate).
func lowerInto(dst, s []byte) []byte {
	for _, c := range s {
		dst = append(dst, lowerByte(c))
	}
	return dst
}

func lowerString(s string) string {
	return string(lowerInto(make([]byte, 0, len(s)), []byte(s)))
}
