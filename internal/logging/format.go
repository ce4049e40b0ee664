package logging

import (
	"fmt"
	"strings"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/maps"
)

// Built-in formats, as HAProxy declares them internally (configuration.txt
// sections 8.2.2 and 8.2.3). The engine compiles one of these when a proxy
// has "option httplog", "option httplog clf", "option tcplog" or "option
// tcplog clf" and no "log-format".
const (
	HTTPLogFormat    = "%ci:%cp [%tr] %ft %b/%s %TR/%Tw/%Tc/%Tr/%Ta %ST %B %CC %CS %tsc %ac/%fc/%bc/%sc/%rc %sq/%bq %hr %hs %{+Q}r"
	HTTPLogCLFFormat = `%{+Q}o %{-Q}ci - - [%trg] %r %ST %B "" "" %cp %ms %ft %b %s %TR %Tw %Tc %Tr %Ta %tsc %ac %fc %bc %sc %rc %sq %bq %CC %CS %hrl %hsl`
	// HTTPSLogFormat is "option httpslog": the httplog line followed by
	// connection and TLS error codes, resumption, SNI, version and cipher.
	HTTPSLogFormat  = HTTPLogFormat + " %[fc_err]/%[ssl_fc_err,hex]/%[ssl_c_err]/%[ssl_c_ca_err]/%[ssl_fc_is_resumed] %[ssl_fc_sni]/%sslv/%sslc"
	TCPLogFormat    = "%ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq"
	TCPLogCLFFormat = `%{+Q}o %{-Q}ci - - [%T] "TCP " 000 %B "" "" %cp %ms %ft %b %s %Th %Tw %Tc %Tt %U %ts-- %ac %fc %bc %sc %rc %sq %bq "" "" `
)

// Format is a compiled log-format string. It is immutable and safe for
// concurrent use.
type Format struct {
	src   string
	nodes []node
}

// nodeKind tells how a node renders.
type nodeKind uint8

const (
	nodeText  nodeKind = iota // literal text
	nodeSep                   // one or more spaces, merged on output
	nodeAlias                 // a %alias
	nodeExpr                  // a %[sample expression]
)

// node is one compiled element of a format.
type node struct {
	kind  nodeKind
	text  string    // nodeText
	alias *alias    // nodeAlias
	expr  *acl.Expr // nodeExpr
	flags flags
	// name and typ are the optional "%(name:type)" item name and output
	// type; HAProxy only uses them with the json/cbor encodings, which
	// hawser does not support yet, so they are kept for when it does.
	name, typ string
}

// flags are a node's "%{+X,-Y}" options.
type flags uint8

const (
	flagMandatory flags = 1 << iota // M: log "-" for an empty string
	flagQuote                       // Q: quote strings
	flagHex                         // X: hexadecimal IPs, ports and counters
	flagEscape                      // E: backslash-escape '"', '\' and ']' (RFC 5424 SD)
)

// defaultFlags are the options HAProxy sets on every "log-format" item.
const defaultFlags = flagMandatory

// flagNames maps "%{...}" option names to flags. A zero value marks an
// option HAProxy has and hawser does not implement yet.
var flagNames = map[string]flags{
	"M":    flagMandatory,
	"Q":    flagQuote,
	"X":    flagHex,
	"E":    flagEscape,
	"bin":  0,
	"json": 0,
	"cbor": 0,
}

// String returns the format string the Format was compiled from.
func (f *Format) String() string { return f.src }

// ParseFormat compiles a log-format string (the argument of "log-format",
// already unquoted by the config lexer). As in HAProxy, spaces separate
// fields and runs of them are merged, "%%" is a literal '%', and items are
// written %alias, %{flags}alias or %(name)alias, or %[expr] with a sample
// expression (fetch and converters, compiled by acl.CompileExpr). Unknown
// aliases, bad expressions and malformed items are errors.
func ParseFormat(s string) (*Format, error) {
	return ParseFormatMaps(s, nil)
}

// ParseFormatMaps is ParseFormat with the registry that shares map files
// named by %[...] expressions with the rest of the configuration (see
// acl.CompileMaps).
func ParseFormatMaps(s string, reg *maps.Registry) (*Format, error) {
	p := parser{src: s, flags: defaultFlags, maps: reg}
	if err := p.parse(); err != nil {
		return nil, fmt.Errorf("log-format %q: %w", s, err)
	}
	return &Format{src: s, nodes: p.nodes}, nil
}

// MustParseFormat is ParseFormat for formats known to be valid, such as
// the built-in ones; it panics on error.
func MustParseFormat(s string) *Format {
	f, err := ParseFormat(s)
	if err != nil {
		panic(err)
	}
	return f
}

// parser holds the state of one ParseFormat call.
type parser struct {
	src   string
	pos   int
	text  strings.Builder // pending literal text
	nodes []node
	// flags are the defaults for the next items; "%o" changes them.
	flags flags
	// maps shares map files between expressions (nil: per format).
	maps *maps.Registry
}

func (p *parser) parse() error {
	for p.pos < len(p.src) {
		switch c := p.src[p.pos]; c {
		case ' ':
			p.flushText()
			if n := len(p.nodes); n == 0 || p.nodes[n-1].kind != nodeSep {
				p.nodes = append(p.nodes, node{kind: nodeSep})
			}
			p.pos++
		case '%':
			p.pos++
			if err := p.item(); err != nil {
				return err
			}
		default:
			p.text.WriteByte(c)
			p.pos++
		}
	}
	p.flushText()
	return nil
}

// flushText turns pending literal text into a node.
func (p *parser) flushText() {
	if p.text.Len() == 0 {
		return
	}
	p.nodes = append(p.nodes, node{kind: nodeText, text: p.text.String()})
	p.text.Reset()
}

// item parses what follows a '%'.
func (p *parser) item() error {
	if p.pos >= len(p.src) {
		return fmt.Errorf("'%%' at the end of the format (write '%%%%' for a literal '%%')")
	}
	if p.src[p.pos] == '%' {
		p.text.WriteByte('%')
		p.pos++
		return nil
	}
	var n node
	if p.src[p.pos] == '(' {
		if err := p.itemName(&n); err != nil {
			return err
		}
	}
	var args string
	hasArgs := false
	if p.pos < len(p.src) && p.src[p.pos] == '{' {
		end := strings.IndexByte(p.src[p.pos:], '}')
		if end < 0 {
			return fmt.Errorf("missing '}' after '%%%s'", p.src[p.pos:])
		}
		args, hasArgs = p.src[p.pos+1:p.pos+end], true
		p.pos += end + 1
	}
	if p.pos >= len(p.src) {
		return fmt.Errorf("missing variable name at the end of the format")
	}
	c := p.src[p.pos]
	switch {
	case c == '[':
		return p.sample(n, args)
	case isAlpha(c) || (hasArgs && isDigit(c)):
		return p.alias(n, args)
	case hasArgs:
		return fmt.Errorf("'%%{%s}' is not followed by a variable name", args)
	case c == '%' && n.name != "":
		// "%(name)%" is a literal '%', as in HAProxy.
		p.text.WriteByte('%')
		p.pos++
		return nil
	case isDigit(c) || c == ' ' || c == '\t':
		return fmt.Errorf("'%%' followed by %q at offset %d (write '%%%%' for a literal '%%')", c, p.pos)
	default:
		// HAProxy drops a '%' followed by punctuation and keeps the rest
		// as text; do the same so existing configs log identically.
		return nil
	}
}

// itemName parses "(name)" or "(name:type)" at p.pos.
func (p *parser) itemName(n *node) error {
	start := p.pos + 1
	end := strings.IndexByte(p.src[start:], ')')
	if end < 0 {
		return fmt.Errorf("missing ')' after '%%%s'", p.src[p.pos:])
	}
	inner := p.src[start : start+end]
	p.pos = start + end + 1
	name, typ, hasType := strings.Cut(inner, ":")
	for i := 0; i < len(name); i++ {
		if c := name[i]; !isAlpha(c) && !isDigit(c) && c != '_' && c != '-' {
			return fmt.Errorf("invalid character %q in item name %q", c, name)
		}
	}
	if hasType {
		switch typ {
		case "str", "sint", "bool", "raw":
		default:
			return fmt.Errorf("unknown output type %q in '%%(%s)': want str, sint, bool or raw", typ, inner)
		}
	}
	n.name, n.typ = name, typ
	return nil
}

// alias parses an alias name at p.pos and appends its node.
func (p *parser) alias(n node, args string) error {
	start := p.pos
	for p.pos < len(p.src) && (isAlpha(p.src[p.pos]) || isDigit(p.src[p.pos])) {
		p.pos++
	}
	name := p.src[start:p.pos]
	a, ok := aliases[name]
	if !ok {
		return fmt.Errorf("unknown log-format variable '%%%s' (write '%%%%' for a literal '%%')", name)
	}
	if a.render == nil && !a.global {
		return fmt.Errorf("log-format variable '%%%s' is not supported by hawser", name)
	}
	fl, err := applyArgs(p.flags, args)
	if err != nil {
		return fmt.Errorf("'%%{%s}%s': %w", args, name, err)
	}
	if a.global {
		// %o sets the defaults of every later item and prints nothing.
		p.flags = fl
		return nil
	}
	p.flushText()
	n.kind, n.alias, n.flags = nodeAlias, a, fl
	p.nodes = append(p.nodes, n)
	return nil
}

// applyArgs applies "+X,-Y" options to fl. As in HAProxy an option without
// a sign changes nothing; unlike HAProxy an unknown option name is an
// error, since it is always a typo.
func applyArgs(fl flags, args string) (flags, error) {
	if args == "" {
		return fl, nil
	}
	for _, arg := range strings.Split(args, ",") {
		sign, name := byte(0), arg
		if arg != "" && (arg[0] == '+' || arg[0] == '-') {
			sign, name = arg[0], arg[1:]
		}
		bit, ok := flagNames[name]
		switch {
		case !ok:
			return fl, fmt.Errorf("unknown option %q (want M, Q, X or E)", name)
		case bit == 0:
			return fl, fmt.Errorf("option %q is not supported by hawser", name)
		case sign == '+':
			fl |= bit
		case sign == '-':
			fl &^= bit
		}
	}
	return fl, nil
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// sample parses "[expr]" at p.pos and appends its node. The expression
// ends at the first ']' outside quotes and parentheses, so regsub and map
// arguments may contain brackets when quoted or parenthesised.
func (p *parser) sample(n node, args string) error {
	start := p.pos + 1
	end := exprEnd(p.src[start:])
	if end < 0 {
		return fmt.Errorf("missing ']' after '%%%s'", p.src[p.pos:])
	}
	text := p.src[start : start+end]
	x, err := acl.CompileExprMaps(text, p.maps)
	if err != nil {
		return err
	}
	fl, err := applyArgs(p.flags, args)
	if err != nil {
		return fmt.Errorf("'%%{%s}[%s]': %w", args, text, err)
	}
	p.pos = start + end + 1
	p.flushText()
	n.kind, n.expr, n.flags = nodeExpr, x, fl
	p.nodes = append(p.nodes, n)
	return nil
}

// exprEnd returns the index of the ']' closing a sample expression, or -1.
func exprEnd(s string) int {
	depth := 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case c == ']' && depth == 0:
			return i
		}
	}
	return -1
}
