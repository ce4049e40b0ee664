package rules

import (
	"strings"
	"sync"

	"github.com/hawser-lb/hawser/internal/acl"
)

// Vars holds a session's variables. Scopes follow HAProxy: "proc" is
// shared by the whole process (ProcVars, which survives reloads), "sess"
// lives as long as the client connection, "txn" as long as the request
// and its response, "req" and "res" while the request or the response is
// processed. A Vars is owned by the connection's goroutine.
type Vars struct {
	// Proc is the process-wide scope; nil drops proc variables.
	Proc  *ProcVars
	slots []varSlot
}

type varSlot struct {
	name string // full name, "txn.foo"; "" for a free slot
	v    acl.Value
	buf  []byte // owns v.Bytes
}

// Get returns the variable called name ("txn.foo").
func (vs *Vars) Get(name string) (acl.Value, bool) {
	if strings.HasPrefix(name, "proc.") {
		return vs.Proc.Get(name)
	}
	for i := range vs.slots {
		if vs.slots[i].name == name {
			return vs.slots[i].v, true
		}
	}
	return acl.Value{}, false
}

// Set stores v (copied) under name. name must be a string that outlives
// the Vars, such as one from a compiled rule, so Set does not allocate
// once the slots have grown.
func (vs *Vars) Set(name string, v acl.Value) {
	if strings.HasPrefix(name, "proc.") {
		vs.Proc.Set(name, v)
		return
	}
	free := -1
	for i := range vs.slots {
		s := &vs.slots[i]
		if s.name == name {
			s.set(v)
			return
		}
		if s.name == "" && free < 0 {
			free = i
		}
	}
	if free < 0 {
		vs.slots = append(vs.slots, varSlot{})
		free = len(vs.slots) - 1
	}
	vs.slots[free].name = name
	vs.slots[free].set(v)
}

func (s *varSlot) set(v acl.Value) {
	if v.Type == acl.TypeStr || v.Type == acl.TypeBin {
		s.buf = append(s.buf[:0], v.Bytes...)
		v.Bytes = s.buf
	}
	s.v = v
}

// Unset removes the variable called name.
func (vs *Vars) Unset(name string) {
	if strings.HasPrefix(name, "proc.") {
		vs.Proc.Unset(name)
		return
	}
	for i := range vs.slots {
		if vs.slots[i].name == name {
			vs.slots[i].name = ""
		}
	}
}

// Copy returns an independent copy of vs, sharing the proc scope.
func (vs *Vars) Copy() Vars {
	out := Vars{Proc: vs.Proc}
	for _, s := range vs.slots {
		if s.name != "" {
			out.Set(s.name, s.v)
		}
	}
	return out
}

// EndScope drops the variables of scope ("txn", "req", "res" or "sess")
// when its lifetime ends; the slots keep their buffers for reuse.
func (vs *Vars) EndScope(scope string) {
	for i := range vs.slots {
		n := vs.slots[i].name
		if len(n) > len(scope) && n[len(scope)] == '.' && n[:len(scope)] == scope {
			vs.slots[i].name = ""
		}
	}
}

// ProcVars are the process-wide variables, shared by every connection
// and kept across reloads.
type ProcVars struct {
	mu sync.RWMutex
	m  map[string]acl.Value
}

// NewProcVars returns an empty proc scope.
func NewProcVars() *ProcVars { return &ProcVars{m: map[string]acl.Value{}} }

// Get returns the variable called name.
func (p *ProcVars) Get(name string) (acl.Value, bool) {
	if p == nil {
		return acl.Value{}, false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	v, ok := p.m[name]
	return v, ok
}

// Set stores a copy of v.
func (p *ProcVars) Set(name string, v acl.Value) {
	if p == nil {
		return
	}
	if v.Bytes != nil {
		v.Bytes = append([]byte(nil), v.Bytes...)
	}
	p.mu.Lock()
	p.m[name] = v
	p.mu.Unlock()
}

// Unset removes the variable called name.
func (p *ProcVars) Unset(name string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	delete(p.m, name)
	p.mu.Unlock()
}

// varCond is set-var's optional condition ("ifexists", ...).
type varCond uint8

const (
	always varCond = iota
	ifExists
	ifNotExists
	ifEmpty
	ifNotEmpty
)

// parseVarName checks "scope.name[,cond...]" and returns the full name.
func (c *compileCtx) parseVarName(s string, allowCond bool) (string, varCond, error) {
	name, rest, hasCond := strings.Cut(s, ",")
	if err := CheckVarName(name); err != nil {
		return "", 0, c.errorf("%v", err)
	}
	if !hasCond {
		return name, always, nil
	}
	if !allowCond {
		return "", 0, c.errorf("unexpected condition '%s'", rest)
	}
	switch rest {
	case "ifexists":
		return name, ifExists, nil
	case "ifnotexists":
		return name, ifNotExists, nil
	case "ifempty":
		return name, ifEmpty, nil
	case "ifnotempty":
		return name, ifNotEmpty, nil
	}
	return "", 0, c.errorf("unsupported set-var condition '%s'", rest)
}

// CheckVarName checks a variable name: a scope among proc, sess, txn,
// req and res, a dot, and a name of letters, digits, '.', '_' and '-'.
func CheckVarName(name string) error {
	scope, rest, ok := strings.Cut(name, ".")
	switch scope {
	case "proc", "sess", "txn", "req", "res":
	default:
		return &varNameError{name, "unknown scope (expected proc, sess, txn, req or res)"}
	}
	if !ok || rest == "" {
		return &varNameError{name, "missing name after the scope"}
	}
	for i := 0; i < len(rest); i++ {
		ch := rest[i]
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '_' || ch == '-') {
			return &varNameError{name, "invalid character"}
		}
	}
	return nil
}

type varNameError struct{ name, why string }

func (e *varNameError) Error() string { return "variable '" + e.name + "': " + e.why }

func (vc varCond) allows(vs *Vars, name string, v acl.Value) bool {
	switch vc {
	case ifExists, ifNotExists:
		_, ok := vs.Get(name)
		return ok == (vc == ifExists)
	case ifEmpty:
		return len(v.Bytes) == 0 && (v.Type == acl.TypeStr || v.Type == acl.TypeBin)
	case ifNotEmpty:
		return !(len(v.Bytes) == 0 && (v.Type == acl.TypeStr || v.Type == acl.TypeBin))
	}
	return true
}

func compileSetVar(c *compileCtx, args []string) (execFunc, error) {
	name, vc, err := c.parseVarName(c.paren, true)
	if err != nil {
		return nil, err
	}
	if len(args) != 1 {
		return nil, c.errorf("expects one sample expression")
	}
	x, err := c.expr(args[0])
	if err != nil {
		return nil, err
	}
	return func(t Txn, _ *Outcome) Verdict {
		buf := t.Scratch()
		v, b, ok := x.Eval(t, (*buf)[:0])
		*buf = b
		if ok && vc.allows(t.Vars(), name, v) {
			t.Vars().Set(name, v)
		}
		return Continue
	}, nil
}

func compileSetVarFmt(c *compileCtx, args []string) (execFunc, error) {
	name, vc, err := c.parseVarName(c.paren, true)
	if err != nil {
		return nil, err
	}
	if len(args) != 1 {
		return nil, c.errorf("expects one log-format argument")
	}
	f, err := c.format(args[0])
	if err != nil {
		return nil, err
	}
	return func(t Txn, _ *Outcome) Verdict {
		buf := t.Scratch()
		*buf = f.AppendTxn((*buf)[:0], t)
		v := acl.Value{Type: acl.TypeStr, Bytes: *buf}
		if vc.allows(t.Vars(), name, v) {
			t.Vars().Set(name, v)
		}
		return Continue
	}, nil
}

func compileUnsetVar(c *compileCtx, args []string) (execFunc, error) {
	name, _, err := c.parseVarName(c.paren, false)
	if err != nil {
		return nil, err
	}
	if len(args) != 0 {
		return nil, c.errorf("unexpected argument '%s'", args[0])
	}
	return func(t Txn, _ *Outcome) Verdict {
		t.Vars().Unset(name)
		return Continue
	}, nil
}
