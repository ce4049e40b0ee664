package cfgfile

import (
	"fmt"
	"strings"
)

// Version is the HAProxy version hawser emulates. The version_atleast and
// version_before predicates of ".if" compare against it.
var Version = "3.0.0"

// Features lists the build features that ".if feature(NAME)" reports as
// present. hawser is not built from HAProxy's sources, so it is empty unless
// a caller declares something. Like Version, set it before parsing starts:
// Parse reads it without locking.
var Features = map[string]bool{}

// maxCondDepth bounds the recursion of the condition parser
// (MAX_CFG_RECURSION in HAProxy) so that "((((..." cannot exhaust the stack.
const maxCondDepth = 1024

// condError is a problem in a ".if"/".elif" expression at a 0-based offset
// of the expression text.
type condError struct {
	col int
	msg string
}

// predicate describes one function usable in a condition.
type predicate struct {
	nargs int
	eval  func(c *condParser, args []string) bool
}

// predicates are HAProxy's condition predicates. Those about the TLS library
// are false: hawser does not link OpenSSL or AWS-LC.
var predicates = map[string]predicate{
	"defined": {1, func(c *condParser, a []string) bool {
		_, ok := c.lookup(a[0])
		return ok
	}},
	"feature":                 {1, func(_ *condParser, a []string) bool { return Features[a[0]] }},
	"streq":                   {2, func(_ *condParser, a []string) bool { return a[0] == a[1] }},
	"strneq":                  {2, func(_ *condParser, a []string) bool { return a[0] != a[1] }},
	"strstr":                  {2, func(_ *condParser, a []string) bool { return strings.Contains(a[0], a[1]) }},
	"version_atleast":         {1, func(_ *condParser, a []string) bool { return compareVersion(a[0]) <= 0 }},
	"version_before":          {1, func(_ *condParser, a []string) bool { return compareVersion(a[0]) > 0 }},
	"enabled":                 {1, func(*condParser, []string) bool { return false }},
	"openssl_version_atleast": {1, func(*condParser, []string) bool { return false }},
	"openssl_version_before":  {1, func(*condParser, []string) bool { return false }},
	"ssllib_name_startswith":  {1, func(*condParser, []string) bool { return false }},
	"awslc_api_atleast":       {1, func(*condParser, []string) bool { return false }},
	"awslc_api_before":        {1, func(*condParser, []string) bool { return false }},
	"fips_mode":               {0, func(*condParser, []string) bool { return false }},
}

// condParser evaluates a condition while parsing it. Grammar, as in
// HAProxy 2.6+:
//
//	expr := and { "||" and }
//	and  := term { "&&" term }
//	term := { "!" } ( number | "(" expr ")" | predicate [ "(" args ")" ] )
//
// Evaluating while parsing is safe because no predicate has side effects.
type condParser struct {
	src    string
	i      int
	lookup func(string) (string, bool)
	err    *condError
}

// evalCondition evaluates the text of a ".if" or ".elif" line. An empty
// condition is false.
func evalCondition(text string, lookup func(string) (string, bool)) (bool, *condError) {
	if text == "" {
		return false, nil
	}
	c := &condParser{src: text, lookup: lookup}
	v := c.expr(maxCondDepth)
	if c.err != nil {
		return false, c.err
	}
	c.skipBlanks()
	if c.i < len(c.src) {
		return false, &condError{c.i, fmt.Sprintf("unexpected character '%c' at the end of conditional expression '%s'", c.src[c.i], text)}
	}
	return v, nil
}

func (c *condParser) fail(col int, format string, args ...any) bool {
	if c.err == nil {
		c.err = &condError{col, fmt.Sprintf(format, args...)}
	}
	return false
}

func (c *condParser) skipBlanks() {
	for c.i < len(c.src) && (c.src[c.i] == ' ' || c.src[c.i] == '\t') {
		c.i++
	}
}

func (c *condParser) expr(depth int) bool {
	v := c.and(depth - 1)
	for c.err == nil {
		c.skipBlanks()
		if !strings.HasPrefix(c.src[c.i:], "||") {
			break
		}
		c.i += 2
		c.skipBlanks()
		// Evaluate the right side even when v is true: a syntax error
		// there must still be reported.
		r := c.and(depth - 1)
		v = v || r
		// HAProxy recurses on each "||", so long chains use up its
		// depth budget too; counting down keeps the same limit.
		depth--
	}
	return v
}

func (c *condParser) and(depth int) bool {
	v := c.term(depth - 1)
	for c.err == nil {
		c.skipBlanks()
		if !strings.HasPrefix(c.src[c.i:], "&&") {
			break
		}
		c.i += 2
		c.skipBlanks()
		r := c.term(depth - 1)
		v = v && r
		depth--
	}
	return v
}

func (c *condParser) term(depth int) bool {
	c.skipBlanks()
	start := c.i
	if depth <= 0 {
		return c.fail(start, "unparsable conditional expression '%s'", c.src[start:])
	}
	if c.i >= len(c.src) {
		return c.fail(start, "unparsable conditional sub-expression '%s'", c.src[start:])
	}
	neg := false
	for c.i < len(c.src) && c.src[c.i] == '!' {
		neg = !neg
		c.i++
		c.skipBlanks()
	}
	v := c.operand(start, depth)
	return v != neg
}

// operand parses what follows the negations of a term.
func (c *condParser) operand(start, depth int) bool {
	if n, used := strtol(c.src[c.i:], 0); used > 0 {
		c.i += used
		return n != 0
	}
	if c.i < len(c.src) && c.src[c.i] == '(' {
		c.i++
		c.skipBlanks()
		if c.i >= len(c.src) {
			return c.fail(start, "unparsable conditional expression '%s'", c.src[start:])
		}
		v := c.expr(depth - 1)
		if c.err != nil {
			return false
		}
		c.skipBlanks()
		if c.i >= len(c.src) || c.src[c.i] != ')' {
			return c.fail(start, "expected ')' after conditional expression '%s'", c.src[start:])
		}
		c.i++
		c.skipBlanks()
		return v
	}
	return c.predicate(start)
}

func (c *condParser) predicate(start int) bool {
	rest := c.src[c.i:]
	name := rest
	if k := strings.IndexAny(rest, " ("); k >= 0 {
		name = rest[:k]
	}
	p, ok := predicates[name]
	if !ok {
		return c.fail(start, "unparsable conditional expression '%s'", c.src[start:])
	}
	c.i += len(name)
	args, errMsg := c.args(p.nargs)
	if errMsg != "" {
		return c.fail(c.i, "%s in argument %d of predicate '%s' used in conditional expression", errMsg, len(args), name)
	}
	return p.eval(c, args)
}

// args parses a predicate's "(a,b)" list like HAProxy's make_arg_list with
// string arguments: commas and the closing parenthesis end an argument
// outside quotes, quotes are removed and a few backslash escapes are
// decoded. All arguments of all predicates are mandatory.
func (c *condParser) args(n int) ([]string, string) {
	if c.i >= len(c.src) || c.src[c.i] != '(' {
		// Without parentheses HAProxy still reads one empty argument,
		// so a bare "defined" is valid (and false).
		switch n {
		case 0:
			return nil, ""
		case 1:
			return []string{""}, ""
		}
		return []string{""}, fmt.Sprintf("missing arguments (got 1/%d), type 'string' expected", n)
	}
	if n == 0 {
		return nil, fmt.Sprintf("expected ')' before '%s'", c.src[c.i:])
	}
	c.i++
	var args []string
	for len(args) < n {
		a, msg := c.arg()
		if msg != "" {
			return args, msg
		}
		args = append(args, a)
		if c.i >= len(c.src) || c.src[c.i] == ')' || len(args) >= n {
			break
		}
		c.i++ // ','
	}
	if len(args) < n {
		return args, fmt.Sprintf("missing arguments (got %d/%d), type 'string' expected", len(args), n)
	}
	if c.i >= len(c.src) {
		return args, "expected ')'"
	}
	if c.src[c.i] != ')' {
		return args, fmt.Sprintf("expected ')' before '%s'", c.src[c.i:])
	}
	c.i++
	return args, ""
}

// arg reads one predicate argument up to an unquoted ',' or ')'.
func (c *condParser) arg() (string, string) {
	var b strings.Builder
	squote, dquote := false, false
	for c.i < len(c.src) {
		ch := c.src[c.i]
		switch {
		case ch == '"' && !squote:
			dquote = !dquote
		case ch == '\'' && !dquote:
			squote = !squote
		case ch == '\\' && !squote:
			if c.i+1 >= len(c.src) {
				return "", fmt.Sprintf("failed to parse '%s' after '%s' as type 'string'", c.src[c.i:], b.String())
			}
			switch next := c.src[c.i+1]; next {
			case '\\', ' ', '"', '\'':
				b.WriteByte(next)
				c.i++
			case 'r':
				b.WriteByte('\r')
				c.i++
			case 'n':
				b.WriteByte('\n')
				c.i++
			case 't':
				b.WriteByte('\t')
				c.i++
			default:
				b.WriteByte('\\')
			}
		case !squote && !dquote && (ch == ',' || ch == ')'):
			return b.String(), ""
		default:
			b.WriteByte(ch)
		}
		c.i++
	}
	return b.String(), ""
}

// strtol parses a leading integer the way C's strtol does (optional sign;
// base 0 means 0x for hex and a leading 0 for octal) and returns its value
// and how many bytes it used, 0 when s does not start with a number. The
// value saturates instead of overflowing; callers only test it against zero
// or compare small version numbers.
func strtol(s string, base int) (int64, int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 0 {
		base = 10
		if i < len(s) && s[i] == '0' {
			base = 8
			if i+2 < len(s) && s[i+1]|0x20 == 'x' {
				if _, ok := unhex(s[i+2]); ok {
					base = 16
					i += 2
				}
			}
		}
	}
	start := i
	var v int64
	for i < len(s) {
		d, ok := unhex(s[i])
		if !ok || int(d) >= base {
			break
		}
		if v < 1<<50 {
			v = v*int64(base) + int64(d)
		}
		i++
	}
	if i == start {
		return 0, 0
	}
	if neg {
		v = -v
	}
	return v, i
}

// versionElts is how many numbers a version splits into: four dotted
// numbers, a tag kind (dev=1, rc/pre=2, release=3), a tag number and a
// commit count, as in HAProxy's split_version.
const versionElts = 7

// splitVersion parses "3.0.1", "2.4-dev18-f6818d-20" and similar.
func splitVersion(v string) ([versionElts]uint32, bool) {
	var out [versionElts]uint32
	out[4] = 3
	if v == "" {
		return out, false
	}
	p := v
	for k := 0; k < 4; k++ {
		n, used := strtol(p, 10)
		out[k] = uint32(n)
		p = p[used:]
		if p == "" {
			return out, true
		}
		switch {
		case p[0] == '-':
			return splitVersionTag(p[1:], out)
		case p[0] != '.' || k == 3:
			return out, false
		}
		p = p[1:]
	}
	return out, true
}

// splitVersionTag parses what follows the first '-' of a version.
func splitVersionTag(p string, out [versionElts]uint32) ([versionElts]uint32, bool) {
	if p == "" || !isDigit(p[0]) {
		tag := map[string]uint32{"dev": 1, "rc": 2, "pre": 2}
		for name, kind := range tag {
			if strings.HasPrefix(p, name) {
				out[4] = kind
				n, used := strtol(p[len(name):], 10)
				out[5] = uint32(n)
				p = p[len(name)+used:]
				if p == "" {
					return out, true
				}
				if p[0] != '-' {
					return out, false
				}
				p = p[1:]
				break
			}
		}
	}
	if k := strings.LastIndexByte(p, '-'); k >= 0 {
		p = p[k+1:]
		if p == "" {
			return out, false
		}
	}
	if n, used := strtol(p, 10); used == len(p) {
		out[6] = uint32(n)
	}
	return out, true
}

// compareVersion compares Version with v: -1 when v is older, 0 when equal,
// 1 when newer. An unparsable v gives -3, which HAProxy's callers treat like
// "older" (so version_atleast(garbage) is true); hawser keeps that quirk.
func compareVersion(v string) int {
	cur, ok := splitVersion(Version)
	if !ok {
		return -2
	}
	arg, ok := splitVersion(v)
	if !ok {
		return -3
	}
	for k := range cur {
		switch {
		case arg[k] < cur[k]:
			return -1
		case arg[k] > cur[k]:
			return 1
		}
	}
	return 0
}
