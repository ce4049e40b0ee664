package acl

import (
	"errors"
	"fmt"
	"strings"
)

// Lookup sets built from the HAProxy keyword lists, to tell "not
// implemented yet" from "misspelled".
var (
	haproxyFetches    = wordSet(haproxyFetchNames + haproxyACLKeywordNames)
	haproxyConverters = wordSet(haproxyConverterNames)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// isIdentChar reports whether c may appear in a fetch or converter name.
func isIdentChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '-' || c == '+'
}

func ident(s string) string {
	i := 0
	for i < len(s) && isIdentChar(s[i]) {
		i++
	}
	return s[:i]
}

// parseSample parses "<fetch>[(args)][,<conv>[(args)]]...".
func parseSample(s string, env *compileEnv) (*Expr, error) {
	kw := ident(s)
	if kw == "" {
		return nil, errors.New("missing fetch method")
	}
	se := &Expr{src: s, kw: kw}
	fetchName := kw
	if k, ok := aclKeywords[kw]; ok {
		fetchName, se.implied = k.fetch, k.method
	}
	def, ok := fetches[fetchName]
	if !ok {
		if haproxyFetches[kw] {
			return nil, fmt.Errorf("fetch method '%s' is not supported by hawser", kw)
		}
		return nil, fmt.Errorf("unknown fetch method '%s'", kw)
	}
	se.fetch = def
	args, rest, err := parseArgs(s[len(kw):], def.args, def.minArgs)
	if err != nil {
		return nil, fmt.Errorf("fetch method '%s' : %v", kw, err)
	}
	if def.hdrName && len(args) > 0 {
		args[0].s = toLowerASCII(args[0].s)
		args[0].b = []byte(args[0].s)
	}
	if def.prepare != nil {
		if err := def.prepare(args); err != nil {
			return nil, fmt.Errorf("invalid args in fetch method '%s' : %v", kw, err)
		}
	}
	se.args = args
	se.convs, err = parseConverters(rest, def.out, env)
	return se, err
}

// parseConverters parses the ",conv[(args)]" chain after a fetch, checking
// that each converter accepts the type produced before it.
func parseConverters(s string, in Type, env *compileEnv) ([]convCall, error) {
	var convs []convCall
	prev := ""
	for s != "" {
		if s[0] != ',' {
			if prev == "" {
				return nil, errors.New("missing comma after fetch keyword")
			}
			return nil, fmt.Errorf("missing comma after converter '%s'", prev)
		}
		s = s[1:]
		name := ident(s)
		def, ok := converters[name]
		switch {
		case name == "":
			return nil, errors.New("missing converter name after ','")
		case !ok && haproxyConverters[name]:
			return nil, fmt.Errorf("converter '%s' is not supported by hawser", name)
		case !ok:
			return nil, fmt.Errorf("unknown converter '%s'", name)
		case !canConvert(in, def.in):
			return nil, fmt.Errorf("converter '%s' cannot be applied", name)
		}
		args, rest, err := parseArgs(s[len(name):], def.args, def.minArgs)
		if err != nil {
			return nil, fmt.Errorf("invalid args in converter '%s' : %v", name, err)
		}
		if def.prepare != nil {
			if err := def.prepare(args, env); err != nil {
				return nil, fmt.Errorf("invalid args in converter '%s' : %v", name, err)
			}
		}
		call := convCall{def: def, args: args}
		for _, a := range args {
			call.vars = call.vars || a.v != ""
		}
		convs = append(convs, call)
		s, prev, in = rest, name, def.out
	}
	return convs, nil
}

// parseArgs parses an optional "(a,b,...)" at the start of s against the
// argument types, and returns the text after the closing parenthesis.
// Inside, quotes group text and a backslash escapes the next character.
func parseArgs(s string, types []argType, minArgs int) ([]arg, string, error) {
	var words []string
	if strings.HasPrefix(s, "(") {
		var err error
		if words, s, err = splitArgs(s[1:]); err != nil {
			return nil, "", err
		}
	}
	if len(words) < minArgs {
		return nil, "", fmt.Errorf("missing arguments (got %d/%d), type '%s' expected", len(words), minArgs, types[len(words)])
	}
	if len(words) > len(types) {
		return nil, "", fmt.Errorf("end of arguments expected at position %d, but got '%s'", len(types)+1, words[len(types)])
	}
	args := make([]arg, len(words))
	for i, w := range words {
		a, err := parseArgValue(types[i], w, i+1)
		if err != nil {
			return nil, "", err
		}
		args[i] = a
	}
	return args, s, nil
}

// splitArgs splits the text after '(' up to the matching ')'.
func splitArgs(s string) ([]string, string, error) {
	var words []string
	var cur strings.Builder
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			// "\1" is a back-reference for regsub: keep it whole.
			cur.WriteByte(c)
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote = c
		case c == ',':
			words = append(words, cur.String())
			cur.Reset()
		case c == ')':
			if len(words) > 0 || cur.Len() > 0 {
				words = append(words, cur.String())
			}
			return words, s[i+1:], nil
		default:
			cur.WriteByte(c)
		}
	}
	return nil, "", errors.New("expected ')'")
}
