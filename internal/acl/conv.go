package acl

// convFunc converts v (already cast to the converter's input type) and
// writes any new bytes into dst, returning the grown buffer and the result.
type convFunc func(dst []byte, v value, args []arg) ([]byte, value, bool)

// convDef describes a converter: "<fetch>,<name>[(args)]".
type convDef struct {
	name    string
	args    []argType
	minArgs int
	in, out smpType
	fn      convFunc
}

// convCall is a converter with its compiled arguments.
type convCall struct {
	def  *convDef
	args []arg
}

var converters = map[string]*convDef{}

func init() {
	for _, c := range []*convDef{
		{name: "lower", in: typeStr, out: typeStr, fn: convCase(lowerASCII)},
		{name: "upper", in: typeStr, out: typeStr, fn: convCase(upperASCII)},
	} {
		converters[c.name] = c
	}
}

func upperASCII(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// convCase copies the string (samples may point into the request, which
// must not change) and maps every byte.
func convCase(f func(byte) byte) convFunc {
	return func(dst []byte, v value, _ []arg) ([]byte, value, bool) {
		dst = append(dst[:0], v.b...)
		for i, c := range dst {
			dst[i] = f(c)
		}
		return dst, value{typ: typeStr, b: dst}, true
	}
}

// apply runs converter number i of the current expression. Steps alternate
// between two buffers so a step never overwrites its own input.
func (c *convCall) apply(e *eval, i int, v value) (value, bool) {
	in, buf, ok := cast(v, c.def.in, e.cast)
	e.cast = buf
	if !ok {
		return value{}, false
	}
	out, res, ok := c.def.fn(e.conv[i%2], in, c.args)
	e.conv[i%2] = out
	return res, ok
}
