package acl

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"

	"github.com/hawser-lb/hawser/internal/maps"
)

// expr is one compiled ACL definition: a sample expression (fetch and
// converters), a match method and its patterns.
type expr struct {
	*Expr
	method *matchMethod
	pats   []pattern
	// idx holds the inline str, beg and ip patterns: a hash set, a
	// longest-prefix hash and a radix tree instead of a scan.
	idx *maps.Index
	// files are the "-f" files, shared through the map registry so that
	// runtime edits ("add acl", "add map") are seen.
	files []*maps.Matcher
}

// indexKinds are the match methods whose patterns go into a maps.Index.
var indexKinds = map[string]maps.Kind{"str": maps.Str, "beg": maps.Beg, "ip": maps.IP}

// fileKinds are the match methods a shared "-f" file can serve.
var fileKinds = map[string]maps.Kind{
	"str": maps.Str, "beg": maps.Beg, "sub": maps.Sub, "dir": maps.Dir, "dom": maps.Dom,
	"end": maps.End, "reg": maps.Reg, "ip": maps.IP, "int": maps.Int,
}

// CheckACL validates one "acl NAME ..." definition, given the words after
// the name, without building a condition. It reads "-f" files as Compile
// does, so a missing file is reported.
func CheckACL(words []string) error {
	_, err := parseExpr(words, &compileEnv{})
	return err
}

// parseExpr compiles "<fetch>[(args)][,conv...] [flags] [values...]".
func parseExpr(words []string, env *compileEnv) (*expr, error) {
	if len(words) == 0 || words[0] == "" {
		return nil, errors.New("missing fetch method in ACL expression")
	}
	se, err := parseSample(words[0], env)
	if err != nil {
		return nil, fmt.Errorf("%v in ACL expression '%s'", err, words[0])
	}
	x := &expr{Expr: se}
	// Converters decide the type, so an ACL keyword's implied method only
	// holds without them (configuration.txt 7.1).
	if se.implied != "" && len(se.convs) == 0 {
		x.method = matchMethods[se.implied]
	} else {
		x.method = defaultMethod(se.Type())
	}
	p := patternParser{x: x, typ: se.Type(), env: env}
	if err := p.parse(words[1:]); err != nil {
		return nil, err
	}
	return x, nil
}

// patternParser reads the flags and values of one ACL definition.
type patternParser struct {
	x      *expr
	env    *compileEnv
	typ    Type
	icase  bool
	loaded bool // a -f file was read; -m may no longer change the method
	asMap  bool // -M: -f files are maps ("key value" lines)
	forced bool // -m was given
	op     string
}

func (p *patternParser) parse(words []string) error {
	i := 0
	for ; i < len(words) && strings.HasPrefix(words[i], "-"); i++ {
		w := words[i]
		if w == "--" {
			i++
			break
		}
		var next string
		if w == "-f" || w == "-m" || w == "-u" {
			if i+1 >= len(words) {
				return fmt.Errorf("'%s' expects an argument", w)
			}
			i++
			next = words[i]
		}
		if err := p.flag(w, next); err != nil {
			return err
		}
	}
	if p.x.method == nil {
		return p.noMethod()
	}
	for _, w := range words[i:] {
		if err := p.value(w); err != nil {
			return err
		}
	}
	return nil
}

func (p *patternParser) noMethod() error {
	return fmt.Errorf("matching method must be specified first (using '-m') when using a sample fetch of this type ('%s')", p.x.kw)
}

// flag applies one option; arg is its argument for -f, -m and -u.
func (p *patternParser) flag(w, arg string) error {
	switch w {
	case "-i":
		p.icase = true
	case "-n":
		// hawser never resolves host names in patterns, so there is
		// nothing to forbid.
	case "-u":
		if _, err := parseArgValue(argInt, arg, 1); err != nil {
			return errors.New("the argument of -u must be an integer")
		}
	case "-f":
		if p.x.method == nil {
			return p.noMethod()
		}
		p.loaded = true
		return p.loadShared(arg)
	case "-m":
		return p.forceMethod(arg)
	case "-M":
		p.asMap = true
	default:
		return fmt.Errorf("'%s' is not a valid ACL option. Please use '--' before any pattern beginning with a '-'", w)
	}
	return nil
}

func (p *patternParser) forceMethod(name string) error {
	if p.loaded {
		return errors.New("'-m' must only be specified before patterns and files in parsing ACL expression")
	}
	if p.forced {
		return errors.New("only one explicit matching method can be defined with '-m' parameter")
	}
	m, ok := matchMethods[name]
	if !ok {
		return fmt.Errorf("unknown matching method '%s' when parsing ACL expression", name)
	}
	if !m.accepts(p.typ) {
		return fmt.Errorf("matching method '%s' cannot be used with fetch keyword '%s'", name, p.x.kw)
	}
	p.x.method, p.forced = m, true
	return nil
}

// loadShared reads a "-f" file through the map registry, so every ACL and
// map naming the file shares it, and matches it with a fast index. Methods
// the registry cannot serve (len, bin) read the file into the pattern
// list instead.
func (p *patternParser) loadShared(name string) error {
	kind, ok := fileKinds[p.x.method.name]
	if !ok {
		if p.asMap {
			return fmt.Errorf("'-M' cannot be used with matching method '%s'", p.x.method.name)
		}
		return p.loadFile(name)
	}
	reg := p.env.registry()
	load := reg.LoadPatterns
	if p.asMap {
		load = reg.LoadMap
	}
	m, err := load(name)
	if err != nil {
		return err
	}
	mt, err := m.Matcher(kind, p.icase)
	if err != nil {
		return err
	}
	p.x.files = append(p.x.files, mt)
	return nil
}

// loadFile reads patterns from a file, one per line. Leading blanks are
// stripped; empty lines and lines starting with '#' are skipped.
func (p *patternParser) loadFile(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return fmt.Errorf("failed to open pattern file '%s': %w", name, errors.Unwrap(err))
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimRight(strings.TrimLeft(sc.Text(), " \t"), "\r")
		if text == "" || text[0] == '#' {
			continue
		}
		if err := p.add(text); err != nil {
			return fmt.Errorf("%v at line %d of file '%s'", err, line, name)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("reading pattern file '%s': %w", name, err)
	}
	return nil
}

const (
	minInt = math.MinInt64
	maxInt = math.MaxInt64
)

// intOps are the comparison operators allowed before integer patterns.
var intOps = map[string]bool{"eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true}

// value reads one pattern word from the ACL line, handling the integer
// operators, which apply to every following value.
func (p *patternParser) value(w string) error {
	if p.x.method.intOps && intOps[w] {
		p.op = w
		return nil
	}
	if p.x.method.intOps && p.op != "" && p.op != "eq" && !strings.Contains(w, ":") {
		return p.addOp(w)
	}
	return p.add(w)
}

// addOp turns "lt 5" and friends into a range, as HAProxy does.
func (p *patternParser) addOp(w string) error {
	pat, err := parseIntPattern(w, false)
	if err != nil {
		return err
	}
	n := pat.lo
	switch p.op {
	case "ne":
		pat.ne = true
	case "lt":
		if n == minInt {
			// Nothing is below the smallest integer.
			pat.ne, pat.lo, pat.hi = true, minInt, maxInt
			break
		}
		pat.lo, pat.hi = minInt, n-1
	case "le":
		pat.lo, pat.hi = minInt, n
	case "gt":
		if n == maxInt {
			pat.ne, pat.lo, pat.hi = true, minInt, maxInt
			break
		}
		pat.lo, pat.hi = n+1, maxInt
	case "ge":
		pat.lo, pat.hi = n, maxInt
	}
	p.x.pats = append(p.x.pats, pat)
	return nil
}

// add parses one pattern with the current method and case flag. found and
// bool take no pattern: HAProxy ignores values given to them.
func (p *patternParser) add(text string) error {
	m := p.x.method
	if m.whole != nil {
		return nil
	}
	if kind, ok := indexKinds[m.name]; ok {
		if p.x.idx == nil {
			p.x.idx = maps.NewIndex(kind, p.icase)
		}
		return p.x.idx.Add(text, 0)
	}
	pat, err := m.parse(text, p.icase)
	if err != nil {
		return err
	}
	p.x.pats = append(p.x.pats, pat)
	return nil
}
