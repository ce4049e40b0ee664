package acl

import "strings"

// VarReader is an optional interface a Sample implements to serve the
// var() fetch: Var returns the variable called name ("txn.foo"). A
// Sample without it has no variables, so var() gives no value.
type VarReader interface {
	Var(name string) (Value, bool)
}

func init() {
	fetches["var"] = &fetchDef{name: "var", args: []argType{argStr, argStr}, minArgs: 1, out: TypeStr, fn: fetchVar, prepare: prepareVar}
}

// prepareVar checks the variable name at compile time.
func prepareVar(a []arg) error {
	scope, name, ok := strings.Cut(a[0].s, ".")
	switch scope {
	case "proc", "sess", "txn", "req", "res":
	default:
		return errorString("var(): unknown variable scope in '" + a[0].s + "'")
	}
	if !ok || name == "" {
		return errorString("var(): missing variable name in '" + a[0].s + "'")
	}
	return nil
}

// fetchVar returns the variable's value with its own type; the optional
// second argument is the default for an unset variable.
func fetchVar(e *eval, a []arg) {
	vr, ok := e.s.(VarReader)
	var v Value
	if ok {
		v, ok = vr.Var(a[0].s)
	}
	if !ok {
		if len(a) > 1 {
			e.emit(strValue(a[1].b))
		}
		return
	}
	e.emit(value{typ: v.Type, i: v.Int, ip: v.IP, b: v.Bytes})
}
