package acl

import (
	"regexp"

	"github.com/hawser-lb/hawser/internal/maps"
)

// convFunc converts v (already cast to the converter's input type) and
// writes any new bytes into dst, returning the grown buffer and the result.
// It must not write into v.b, which may point into the request.
type convFunc func(dst []byte, v value, args []arg) ([]byte, value, bool)

// convDef describes a converter: "<fetch>,<name>[(args)]".
type convDef struct {
	name    string
	args    []argType
	minArgs int
	in, out Type
	fn      convFunc
	// prepare checks the arguments and precomputes what fn needs (a
	// compiled regex, a map index) at compile time.
	prepare func(args []arg, env *compileEnv) error
}

// convCall is a converter with its compiled arguments.
type convCall struct {
	def  *convDef
	args []arg
	// vars is set when an argument names a variable.
	vars bool
}

var converters = map[string]*convDef{}

func init() {
	for _, list := range [][]*convDef{stringConverters(), numericConverters(), mapConverters()} {
		for _, c := range list {
			converters[c.name] = c
		}
	}
}

// argPrep is the compile-time state some converters keep in their first
// argument.
type argPrep struct {
	re  *regexp.Regexp
	mt  *maps.Matcher
	def value // map default value, cast to the output type
	has bool  // def is set
}

// apply runs converter number i of the current expression. Steps alternate
// between two buffers so a step never overwrites its own input.
func (c *convCall) apply(e *eval, i int, v value) (value, bool) {
	in, buf, ok := castConv(v, c.def.in, e.cast)
	e.cast = buf
	if !ok {
		return value{}, false
	}
	args := c.args
	if c.vars {
		if args, ok = e.resolveVars(c.args); !ok {
			return value{}, false
		}
	}
	out, res, ok := c.def.fn(e.conv[i%2], in, args)
	e.conv[i%2] = out
	return res, ok
}

// resolveVars returns a copy of args, in the eval's reusable slice, with
// each variable argument replaced by the variable's value: an integer in
// i, its text in b. A missing integer variable makes the converter fail,
// as HAProxy's; a missing text one (concat) is empty.
func (e *eval) resolveVars(args []arg) ([]arg, bool) {
	e.vargs = append(e.vargs[:0], args...)
	e.varBuf = e.varBuf[:0]
	vr, _ := e.s.(VarReader)
	for j := range e.vargs {
		a := &e.vargs[j]
		if a.v == "" {
			continue
		}
		var v Value
		found := false
		if vr != nil {
			v, found = vr.Var(a.v)
		}
		a.b, a.i = nil, 0
		if found {
			start := len(e.varBuf)
			e.varBuf = v.AppendString(e.varBuf)
			a.b = e.varBuf[start:]
			switch v.Type {
			case TypeInt, TypeBool:
				a.i = v.Int
			default:
				n, ok := parseLeadingInt(a.b)
				if !ok && !a.strVar {
					return nil, false
				}
				a.i = n
			}
		} else if !a.strVar {
			return nil, false
		}
	}
	return e.vargs, true
}

// strValue and intValue build results.
func strValue(b []byte) value { return value{typ: TypeStr, b: b} }
func binValue(b []byte) value { return value{typ: TypeBin, b: b} }
func intValue(n int64) value  { return value{typ: TypeInt, i: n} }

func boolValue(b bool) value {
	if b {
		return value{typ: TypeBool, i: 1}
	}
	return value{typ: TypeBool}
}
