// Package rules compiles and runs HAProxy's http-request, http-response and
// http-after-response rules (configuration.txt 4.2). Every action is
// declared once in a table (see Actions) with the rule sets it is valid in,
// its usage, help and compile function; config validates rule lines with
// the same table that the engine compiles them with, and docs/config.md is
// generated from it.
//
// A compiled Rule runs against a Txn, which the data plane implements over
// the request (and response) being processed. Running a rule set never
// allocates in the common path: values built from log-format strings are
// written into the Txn's scratch buffer.
package rules

import (
	"fmt"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/h1"
	"github.com/hawser-lb/hawser/internal/maps"
	"github.com/hawser-lb/hawser/internal/stick"
)

// Dir is the rule set an action is written in; actions declare the set of
// Dirs they are valid in.
type Dir uint8

// Rule sets.
const (
	Request Dir = 1 << iota
	Response
	AfterResponse
)

// String returns the keyword that starts a rule line of the set.
func (d Dir) String() string {
	switch d {
	case Request:
		return "http-request"
	case Response:
		return "http-response"
	case AfterResponse:
		return "http-after-response"
	}
	return "http-rules"
}

// Has reports whether d contains every set in o.
func (d Dir) Has(o Dir) bool { return d&o == o }

// ParseDir maps a rule keyword ("http-request") to its Dir.
func ParseDir(kw string) (Dir, bool) {
	for _, d := range []Dir{Request, Response, AfterResponse} {
		if d.String() == kw {
			return d, true
		}
	}
	return 0, false
}

// Verdict is what a rule set decided.
type Verdict uint8

// Verdicts. Continue lets processing go on; Stop ends the rule set (allow);
// Respond answers with Outcome.Response; Close drops the connection
// (reject, silent-drop); Tarpit holds the connection for Outcome.Delay
// then answers with Outcome.Response; Service hands the request to the
// internal service Outcome.Service (use-service), which answers it.
const (
	Continue Verdict = iota
	Stop
	Respond
	Close
	Tarpit
	Service
)

// Outcome is filled by a rule that ends processing.
type Outcome struct {
	Verdict Verdict
	// Response is a complete HTTP/1.1 response (status line, headers and
	// body) for Respond and Tarpit; it may point into the Txn's scratch
	// buffer and is valid until the next rule runs.
	Response []byte
	// Status is the status of Response, for logs.
	Status int
	// Delay is how long Tarpit holds the connection.
	Delay time.Duration
	// Term is the first termination-state character for the log: 'P' for
	// a proxy decision (deny, tarpit, reject), 'L' for a local answer
	// (return, redirect, auth), 'c' or 's' for a client or server
	// timeout (wait-for-body), 0 for none.
	Term byte
	// Silent is set by silent-drop: close without a FIN or RST courtesy.
	Silent bool
	// Service names the internal service of use-service (Services).
	Service string
}

// Txn is the transaction rules act on; the data plane implements it. The
// Sample half serves fetches in conditions and expressions.
type Txn interface {
	acl.Sample
	// Req is the request head; rules edit its headers in place.
	Req() *h1.Request
	// Res is the response head, nil while running http-request rules.
	Res() *h1.Response
	// SetURI replaces the request target; the Txn re-derives path and
	// query from it. uri may point into Scratch's buffer: the Txn copies
	// it.
	SetURI(uri []byte)
	// SetMethod replaces the request method (copied).
	SetMethod(m []byte)
	// Scratch returns a per-transaction buffer that rules may grow; its
	// contents are only valid until the next call.
	Scratch() *[]byte
	// Own copies b into storage that lives as long as the request head
	// (header values set by rules must survive later rules).
	Own(b []byte) []byte
	// Vars holds the transaction's variables.
	Vars() *Vars
	// Tracked returns the entry tracked by counter slot (0..2), or nil.
	Tracked(slot int) *stick.Entry
	// Track starts tracking e in slot; the Txn releases it when the slot's
	// lifetime ends. It reports false when the slot is already taken (the
	// caller then releases e).
	Track(slot int, e *stick.Entry) bool
	// SetLogLevel changes the level of this request's log line;
	// "silent" (-1) suppresses it.
	SetLogLevel(level int)
	// SetTimeout changes a timeout for this stream ("server", "tunnel" or
	// "client").
	SetTimeout(kind string, d time.Duration)
	// SetStatus replaces the response status and reason.
	SetStatus(status int, reason []byte)
	// Capture stores v in capture slot id of the frontend, a response
	// slot when res is set; the Txn truncates v to the slot's length and
	// copies it. Slots that do not exist are ignored.
	Capture(res bool, id int, v []byte)
}

// Format is a compiled log-format string: the engine compiles it with the
// logging package and appends its value for t.
type Format interface {
	AppendTxn(dst []byte, t Txn) []byte
}

// Env is what compiling a rule needs from its surroundings. Fields left
// nil make the matching actions compile for validation only (config uses
// that at load time) or fail when the rule is run.
type Env struct {
	// Proxy is the name of the proxy the rule is written in.
	Proxy string
	// Defs are the proxy's named ACLs.
	Defs acl.Defs
	// Maps shares map files; nil loads them privately.
	Maps *maps.Registry
	// Format compiles a log-format string. Nil: CheckFormat validates it.
	Format func(s string) (Format, error)
	// Table returns the stick table called name ("" is the proxy's own);
	// ok is false when there is none. Nil: any table name is accepted.
	Table func(name string) (*stick.Table, bool)
	// Challenge builds the 401 response of "http-request auth".
	Challenge func(realm string) []byte
	// Tarpit is "timeout tarpit" (defaults to "timeout connect").
	Tarpit time.Duration
	// Captures and ResCaptures are the numbers of request and response
	// capture slots of the frontend, to check "capture ... id <n>"; -1
	// skips the check (backends: their rules use the slots of whichever
	// frontend the request came through).
	Captures, ResCaptures int
	// ReadFile reads payload files; nil uses os.ReadFile.
	ReadFile func(path string) ([]byte, error)
}

// Rule is a compiled rule.
type Rule struct {
	// Pos is "file:line" for messages.
	Pos  string
	Cond *acl.Cond
	exec execFunc
}

// execFunc runs an action; it returns Continue or fills o and returns the
// verdict that ends the rule set.
type execFunc func(t Txn, o *Outcome) Verdict

// Compile compiles one rule: the action name and its arguments (words,
// the condition removed) in rule set d. cond may be nil.
func Compile(d Dir, action string, args []string, cond *acl.Cond, env *Env) (*Rule, error) {
	base, paren, hasParen := splitParen(action)
	a := Lookup(base)
	if a == nil {
		return nil, fmt.Errorf("'%s %s': unknown action", d, action)
	}
	if a.Compile == nil {
		return nil, fmt.Errorf("'%s %s' is not supported by hawser", d, action)
	}
	if !a.Dirs.Has(d) {
		return nil, fmt.Errorf("'%s %s' is not valid in %s rules", d, action, d)
	}
	if hasParen != a.Paren {
		if a.Paren {
			return nil, fmt.Errorf("'%s %s' expects an argument in parentheses", d, base)
		}
		return nil, fmt.Errorf("'%s %s': unexpected argument in parentheses", d, base)
	}
	c := &compileCtx{dir: d, name: d.String() + " " + base, env: env, paren: paren}
	exec, err := a.Compile(c, args)
	if err != nil {
		return nil, err
	}
	return &Rule{Cond: cond, exec: exec}, nil
}

// Run evaluates rules in order for t. It stops at the first rule whose
// action ends processing and returns its verdict (Continue when none
// did); o describes it.
func Run(rules []*Rule, t Txn, o *Outcome) Verdict {
	for _, r := range rules {
		if r.Cond != nil && !r.Cond.Match(t) {
			continue
		}
		if v := r.exec(t, o); v != Continue {
			o.Verdict = v
			return v
		}
	}
	return Continue
}

// compileCtx is handed to an action's compile function.
type compileCtx struct {
	dir  Dir
	name string // "http-request set-header", for messages
	env  *Env
	// paren is the argument written in parentheses after the action
	// name: set-var(txn.x), sc-inc-gpc0(1), set-map(/etc/m.map).
	paren string
}

// splitParen splits "set-var(txn.x)" into "set-var" and "txn.x".
func splitParen(action string) (base, paren string, ok bool) {
	i := strings.IndexByte(action, '(')
	if i < 0 || !strings.HasSuffix(action, ")") {
		return action, "", false
	}
	return action[:i], action[i+1 : len(action)-1], true
}

func (c *compileCtx) errorf(format string, a ...any) error {
	return fmt.Errorf("'%s': "+format, append([]any{c.name}, a...)...)
}

// expr compiles a sample expression argument.
func (c *compileCtx) expr(s string) (*acl.Expr, error) {
	x, err := acl.CompileExprMaps(s, c.env.Maps)
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	return x, nil
}

// format compiles a log-format argument. Strings without '%' stay
// constants, so the common "set-header X-Foo bar" costs a copy at most.
func (c *compileCtx) format(s string) (Format, error) {
	if !strings.Contains(s, "%") {
		return constFormat(unescapeFormat(s)), nil
	}
	if c.env.Format == nil {
		if err := CheckFormat(s, c.env.Maps); err != nil {
			return nil, c.errorf("%v", err)
		}
		return constFormat(s), nil
	}
	f, err := c.env.Format(s)
	if err != nil {
		return nil, c.errorf("%v", err)
	}
	return f, nil
}

// constFormat is a format without any '%' item.
type constFormat string

func (f constFormat) AppendTxn(dst []byte, _ Txn) []byte { return append(dst, f...) }

func unescapeFormat(s string) string { return s }

// CheckFormat validates the sample expressions (%[...]) of a log-format
// string without the logging package (which config cannot import); the
// engine compiles the full format later.
func CheckFormat(s string, reg *maps.Registry) error {
	for {
		i := strings.Index(s, "%[")
		if i < 0 {
			return nil
		}
		s = s[i+2:]
		end := exprEnd(s)
		if end < 0 {
			return fmt.Errorf("missing ']' after '%%[' in log-format '%s'", s)
		}
		if _, err := acl.CompileExprMaps(s[:end], reg); err != nil {
			return err
		}
		s = s[end+1:]
	}
}

// exprEnd finds the ']' closing a sample expression, skipping brackets
// and parentheses inside it.
func exprEnd(s string) int {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '(', '[':
			depth++
		case ')':
			depth--
		case ']':
			if depth == 0 {
				return i
			}
			depth--
		}
	}
	return -1
}
