package acl

import (
	"errors"
	"fmt"
	"github.com/hawser-lb/hawser/internal/maps"
	"strings"
)

// Defs maps an ACL name to its definitions: one entry per "acl" line, each
// holding the words after the name (criterion, flags, values).
type Defs map[string][][]string

// Cond is a compiled condition: an OR of suites, each an AND of possibly
// negated ACLs (configuration.txt 7.2). A nil *Cond always matches. A Cond
// is immutable and safe for concurrent use.
type Cond struct {
	unless bool
	suites [][]term
}

// term is one ACL reference in a suite.
type term struct {
	acl *namedACL
	neg bool
}

// namedACL is an ACL: its definitions OR together, tried in order.
type namedACL struct {
	name  string
	exprs []*expr
}

// predefined are HAProxy's built-in ACLs (configuration.txt 7.4). A user
// ACL with the same name takes precedence, as in HAProxy.
var predefined = map[string][]string{
	"TRUE":           {"always_true"},
	"FALSE":          {"always_false"},
	"HTTP":           {"req.proto_http"},
	"HTTP_1.0":       {"req.ver", "1.0"},
	"HTTP_1.1":       {"req.ver", "1.1"},
	"HTTP_2.0":       {"req.ver", "2.0"},
	"HTTP_3.0":       {"req.ver", "3.0"},
	"HTTP_CONTENT":   {"req.hdr_val(content-length)", "gt", "0"},
	"HTTP_URL_ABS":   {"url_reg", "^[^/:]*://"},
	"HTTP_URL_SLASH": {"url_beg", "/"},
	"HTTP_URL_STAR":  {"url", "*"},
	"LOCALHOST":      {"src", "127.0.0.1/8", "::1"},
	"METH_CONNECT":   {"method", "CONNECT"},
	"METH_DELETE":    {"method", "DELETE"},
	"METH_GET":       {"method", "GET", "HEAD"},
	"METH_HEAD":      {"method", "HEAD"},
	"METH_OPTIONS":   {"method", "OPTIONS"},
	"METH_POST":      {"method", "POST"},
	"METH_PUT":       {"method", "PUT"},
	"METH_TRACE":     {"method", "TRACE"},
	"RDP_COOKIE":     {"req.rdp_cookie_cnt", "gt", "0"},
	// HAProxy tests "req.len gt 0": data waiting in the request buffer.
	// hawser evaluates rules on a parsed request with no such buffer in
	// view, so there is never pending content to report.
	"REQ_CONTENT": {"always_false"},
	// Content inspection never waits in hawser, so the wait has ended.
	"WAIT_END": {"wait_end"},
}

// Compile compiles the words after "if" or "unless". unless negates the
// result. Names not in defs and not predefined (TRUE, METH_GET, ...) are an
// error. Terms are ANDed, "||" or "or" separates OR'ed suites, "!" negates
// the next term, and "{ ... }" holds an anonymous ACL.
func Compile(words []string, unless bool, defs Defs) (*Cond, error) {
	return CompileMaps(words, unless, defs, nil)
}

// CompileMaps is Compile with the registry that shares map and pattern
// files ("-f", "-M", map converters) between every condition, expression
// and runtime command of one configuration generation. A nil registry
// reads the files for this call only.
func CompileMaps(words []string, unless bool, defs Defs, reg *maps.Registry) (*Cond, error) {
	c := compiler{defs: defs, named: map[string]*namedACL{}, env: &compileEnv{maps: reg}}
	cond := &Cond{unless: unless}
	var suite []term
	neg := false
	for i := 0; i < len(words); i++ {
		w := words[i]
		for strings.HasPrefix(w, "!") {
			neg, w = !neg, w[1:]
		}
		switch {
		case w == "":
			// A lone "!" negates the next word.
			continue
		case w == "||" || strings.EqualFold(w, "or"):
			cond.addSuite(suite)
			suite, neg = nil, false
			continue
		case w == "}":
			return nil, errors.New("unexpected '}' without a matching '{'")
		}
		var a *namedACL
		var err error
		if w == "{" {
			a, i, err = c.anonymous(words, i)
		} else {
			a, err = c.lookup(w)
		}
		if err != nil {
			return nil, err
		}
		suite = append(suite, term{acl: a, neg: neg})
		neg = false
	}
	cond.addSuite(suite)
	return cond, nil
}

func (c *Cond) addSuite(s []term) {
	if len(s) > 0 {
		c.suites = append(c.suites, s)
	}
}

// compiler holds the state of one Compile call. Named ACLs are compiled
// once per call even when referenced several times.
type compiler struct {
	defs  Defs
	named map[string]*namedACL
	env   *compileEnv
}

// anonymous compiles "{ ... }" starting at words[open] and returns the
// index of the closing brace.
func (c *compiler) anonymous(words []string, open int) (*namedACL, int, error) {
	end := open + 1
	for end < len(words) && words[end] != "}" {
		end++
	}
	if end == len(words) {
		return nil, 0, errors.New("missing '}' to close anonymous ACL")
	}
	x, err := parseExpr(words[open+1:end], c.env)
	if err != nil {
		return nil, 0, err
	}
	return &namedACL{name: "anonymous", exprs: []*expr{x}}, end, nil
}

// lookup compiles the ACL called name from defs, or a predefined one.
func (c *compiler) lookup(name string) (*namedACL, error) {
	if a, ok := c.named[name]; ok {
		return a, nil
	}
	lines, ok := c.defs[name]
	if !ok {
		p, ok := predefined[name]
		if !ok {
			return nil, fmt.Errorf("no such ACL : '%s'", name)
		}
		lines = [][]string{p}
	}
	a := &namedACL{name: name}
	for _, words := range lines {
		x, err := parseExpr(words, c.env)
		if err != nil {
			return nil, fmt.Errorf("acl '%s': %w", name, err)
		}
		a.exprs = append(a.exprs, x)
	}
	c.named[name] = a
	return a, nil
}

// Match evaluates the condition against s. It does not allocate for the
// built-in fetches and match methods.
func (c *Cond) Match(s Sample) bool {
	if c == nil {
		return true
	}
	e := getEval(s)
	ok := c.eval(e)
	putEval(e)
	return ok != c.unless
}

// eval stops at the first suite whose terms all hold.
func (c *Cond) eval(e *eval) bool {
	for _, suite := range c.suites {
		if suiteHolds(e, suite) {
			return true
		}
	}
	return false
}

func suiteHolds(e *eval, suite []term) bool {
	for _, t := range suite {
		if t.acl.match(e) == t.neg {
			return false
		}
	}
	return true
}

func (a *namedACL) match(e *eval) bool {
	for _, x := range a.exprs {
		if e.run(x) {
			return true
		}
	}
	return false
}

// Tri is the result of a condition that may wait for data: HAProxy's
// ACL_TEST_FAIL, ACL_TEST_MISS and ACL_TEST_PASS.
type Tri uint8

// Condition results for MatchMiss.
const (
	Fail Tri = iota
	Miss     // undecided until more data arrives
	Pass
)

func (t Tri) not() Tri { return Pass - t }

// MatchMiss evaluates the condition like Match, in HAProxy's three-valued
// logic for "tcp-request content" rules: an ACL that did not match while a
// content fetch could still see more data (Content.Payload not final) is
// Miss rather than Fail; AND gives Fail over Miss over Pass, OR gives Pass
// over Miss over Fail, and negation keeps Miss. A nil *Cond passes.
func (c *Cond) MatchMiss(s Sample) Tri {
	if c == nil {
		return Pass
	}
	e := getEval(s)
	res := Fail
	for _, suite := range c.suites {
		r := suiteTri(e, suite)
		if r == Pass {
			res = Pass
			break
		}
		if r == Miss {
			res = Miss
		}
	}
	e.miss = false
	putEval(e)
	if c.unless {
		return res.not()
	}
	return res
}

func suiteTri(e *eval, suite []term) Tri {
	res := Pass
	for _, t := range suite {
		r := t.acl.matchTri(e)
		if t.neg {
			r = r.not()
		}
		if r == Fail {
			return Fail
		}
		if r == Miss {
			res = Miss
		}
	}
	return res
}

func (a *namedACL) matchTri(e *eval) Tri {
	res := Fail
	for _, x := range a.exprs {
		e.miss = false
		if e.run(x) {
			return Pass
		}
		if e.miss {
			res = Miss
		}
	}
	return res
}
