package acl

import (
	"fmt"

	"github.com/hawser-lb/hawser/internal/maps"
)

// compileEnv is what compiling needs besides the text.
type compileEnv struct {
	maps *maps.Registry // nil until a file is needed when none was given
}

// registry returns the map registry, creating a private one on first use
// when the caller gave none.
func (env *compileEnv) registry() *maps.Registry {
	if env.maps == nil {
		env.maps = maps.NewRegistry()
	}
	return env.maps
}

// Expr is a compiled sample expression: a fetch with its arguments and a
// chain of converters, as HAProxy writes it in log formats, rule actions
// and ACLs ("req.hdr(host),lower,map_str(/etc/hosts.map,default)"). An
// Expr is immutable and safe for concurrent use.
type Expr struct {
	src     string // as written, for String
	kw      string // fetch keyword as written, for messages
	fetch   *fetchDef
	args    []arg
	convs   []convCall
	implied string // match method implied by an ACL keyword such as path_beg
}

// CompileExpr compiles a sample expression. Unknown fetches and
// converters are errors; HAProxy ones hawser lacks say "not supported by
// hawser". ACL-only keywords with an implied match method (path_beg) are
// not sample fetches and are refused.
func CompileExpr(expr string) (*Expr, error) {
	return CompileExprMaps(expr, nil)
}

// CompileExprMaps is CompileExpr with the registry sharing map files (see
// CompileMaps).
func CompileExprMaps(expr string, reg *maps.Registry) (*Expr, error) {
	x, err := parseSample(expr, &compileEnv{maps: reg})
	if err != nil {
		return nil, fmt.Errorf("%v in sample expression '%s'", err, expr)
	}
	if x.implied != "" && x.implied != "str" {
		return nil, fmt.Errorf("unknown fetch method '%s' in sample expression '%s'", x.kw, expr)
	}
	return x, nil
}

// String returns the expression as written.
func (x *Expr) String() string { return x.src }

// Type returns the type of the values Eval returns (the output type of
// the last converter, or of the fetch).
func (x *Expr) Type() Type {
	if n := len(x.convs); n > 0 {
		return x.convs[n-1].def.out
	}
	return x.fetch.out
}

// Eval evaluates the expression against s. It returns the value, dst
// grown with the value's bytes (Value.Bytes points into it for string and
// binary results, so the value stays valid after the call), and whether
// there was a value: a missing header, a non-HTTP sample for an HTTP fetch
// or a failed converter give none. Where HAProxy iterates over several
// values (one per header or cookie), Eval takes the one HAProxy takes
// outside ACLs: the last header or cookie occurrence, the first URL
// parameter. Eval does not allocate once dst is large enough.
func (x *Expr) Eval(s Sample, dst []byte) (Value, []byte, bool) {
	if x.fetch.http && !s.HTTP() {
		return Value{}, dst, false
	}
	e := getEval(s)
	e.x, e.smp, e.iterate, e.got = nil, x, false, false
	x.fetch.fn(e, x.args)
	v, ok := e.out, e.got
	var out Value
	if ok {
		out = Value{Type: v.typ, Int: v.i, IP: v.ip}
		if v.typ == TypeStr || v.typ == TypeBin {
			start := len(dst)
			dst = append(dst, v.b...)
			out.Bytes = dst[start:len(dst):len(dst)]
		}
	}
	putEval(e)
	return out, dst, ok
}

// AppendString evaluates the expression and appends the value's string
// form (Value.AppendString) to dst; ok is false when there is no value and
// nothing was appended.
func (x *Expr) AppendString(dst []byte, s Sample) ([]byte, bool) {
	start := len(dst)
	v, dst, ok := x.Eval(s, dst)
	if !ok {
		return dst[:start], false
	}
	if v.Type == TypeStr || v.Type == TypeBin {
		// Eval already appended the bytes.
		return dst, true
	}
	return v.AppendString(dst[:start]), true
}
