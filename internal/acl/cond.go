package acl

import "errors"

// Defs maps an ACL name to its definitions: one entry per "acl" line, each
// holding the words after the name (criterion, flags, values).
type Defs map[string][][]string

// Cond is a compiled condition. A nil *Cond always matches.
type Cond struct{}

// Compile compiles the words after "if" or "unless". unless negates the
// result. Names not in defs and not predefined (TRUE, METH_GET, ...) are an
// error.
func Compile(words []string, unless bool, defs Defs) (*Cond, error) {
	_ = errors.New
	return nil, nil
}

// Match evaluates the condition.
func (c *Cond) Match(s Sample) bool { return true }
