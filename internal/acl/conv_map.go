package acl

import (
	"fmt"

	"unsafe"

	"github.com/hawser-lb/hawser/internal/maps"
)

// mapConverters are map(<file>[,<default>]) and the map_<match>[_<output>]
// family (configuration.txt 7.3.1, "map"): the input is looked up in the
// file with the match kind, and the value of the matching line is the
// output, read as a string, an integer or an address. Without a match the
// default value is returned, or no value at all when there is none.
func mapConverters() []*convDef {
	var defs []*convDef
	for _, kind := range []maps.Kind{maps.Str, maps.Beg, maps.Sub, maps.Dir, maps.Dom, maps.End, maps.Reg, maps.IP, maps.Int} {
		in := TypeStr
		switch kind {
		case maps.IP:
			in = TypeIP
		case maps.Int:
			in = TypeInt
		}
		for _, o := range []struct {
			suffix string
			out    Type
		}{{"", TypeStr}, {"_str", TypeStr}, {"_int", TypeInt}, {"_ip", TypeIP}} {
			d := &convDef{
				name: "map_" + kind.String() + o.suffix, args: []argType{argStr, argStr}, minArgs: 1,
				in: in, out: o.out, fn: convMap(kind, o.out), prepare: prepareMap(kind, o.out),
			}
			defs = append(defs, d)
			if kind == maps.Str && o.suffix == "" {
				alias := *d
				alias.name = "map"
				defs = append(defs, &alias)
			}
		}
	}
	return defs
}

// prepareMap loads the file through the registry, builds the index for
// the match kind and checks that every value and the default read as the
// output type, so a bad line is a configuration error as in HAProxy.
func prepareMap(kind maps.Kind, out Type) func([]arg, *compileEnv) error {
	return func(a []arg, env *compileEnv) error {
		m, err := env.registry().LoadMap(a[0].s)
		if err != nil {
			return err
		}
		mt, err := m.Matcher(kind, false)
		if err != nil {
			return err
		}
		for _, e := range m.Entries() {
			if _, ok := parseMapValue(e.Value, out); !ok {
				return fmt.Errorf("'%s' is not a valid %s value at line %d of file '%s'", e.Value, out, e.Line, a[0].s)
			}
		}
		p := &argPrep{mt: mt}
		if len(a) > 1 {
			if p.def, p.has = parseMapValue(a[1].s, out); !p.has {
				return fmt.Errorf("default value '%s' is not a valid %s", a[1].s, out)
			}
		}
		a[0].p = p
		return nil
	}
}

// parseMapValue reads a map value as the output type. String values point
// at the map's own string, which is never modified (a runtime "set map"
// stores a new string), so no copy is needed.
func parseMapValue(s string, out Type) (value, bool) {
	b := unsafe.Slice(unsafe.StringData(s), len(s))
	switch out {
	case TypeInt:
		n, ok := parseLeadingInt(b)
		return intValue(n), ok && len(b) > 0
	case TypeIP:
		p, err := maps.ParseIP(s)
		if err != nil || p.Bits() != p.Addr().BitLen() {
			return value{}, false
		}
		return value{typ: TypeIP, ip: p.Addr()}, true
	}
	return strValue(b), true
}

func convMap(kind maps.Kind, out Type) convFunc {
	return func(dst []byte, v value, a []arg) ([]byte, value, bool) {
		p := a[0].p
		var s string
		var ok bool
		switch kind {
		case maps.IP:
			s, ok = p.mt.LookupIP(v.ip)
		case maps.Int:
			s, ok = p.mt.LookupInt(v.i)
		default:
			s, ok = p.mt.Lookup(v.b)
		}
		if ok {
			if res, ok := parseMapValue(s, out); ok {
				return dst, res, true
			}
		}
		if p.has {
			return dst, p.def, true
		}
		return dst, value{}, false
	}
}
