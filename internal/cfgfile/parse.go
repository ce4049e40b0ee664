package cfgfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// nameRule says whether a section header takes a name.
type nameRule int

const (
	nameNone     nameRule = iota // global, traces
	nameOptional                 // crt-store
	nameRequired                 // userlist, peers, ...
	nameProxy                    // frontend, backend, listen: required, plus "from"
	nameDefaults                 // defaults: optional, plus "from"
)

// sectionKinds maps every word that starts a section to its naming rule.
var sectionKinds = map[string]nameRule{
	"global":      nameNone,
	"defaults":    nameDefaults,
	"frontend":    nameProxy,
	"backend":     nameProxy,
	"listen":      nameProxy,
	"userlist":    nameRequired,
	"peers":       nameRequired,
	"resolvers":   nameRequired,
	"mailers":     nameRequired,
	"ring":        nameRequired,
	"log-forward": nameRequired,
	"log-profile": nameRequired,
	"cache":       nameRequired,
	"http-errors": nameRequired,
	"fcgi-app":    nameRequired,
	"crt-store":   nameOptional,
	"traces":      nameNone,
	"acme":        nameRequired,
	"program":     nameRequired,
}

// IsSectionKind reports whether word starts a section when it is the first
// word of a line.
func IsSectionKind(word string) bool {
	_, ok := sectionKinds[word]
	return ok
}

// maxNestedConds is HAProxy's MAXNESTEDCONDS: ".if" nests at most this deep.
const maxNestedConds = 100

// condState is where one ".if" block stands, as in HAProxy's nested_conds.
type condState int

const (
	ifTake   condState = iota // the .if branch is being read
	ifDrop                    // the .if condition was false, an .elif or .else may follow
	ifSkip                    // the whole block is inside an inactive block
	elifTake                  // an .elif branch is being read
	elifDrop                  // the .elif condition was false
	elifSkip                  // an earlier branch was taken (or the block is skipped)
	elseTake                  // the .else branch is being read
	elseDrop                  // the .else branch is skipped
)

func (s condState) taking() bool { return s == ifTake || s == elifTake || s == elseTake }

// done reports whether a branch of this block was already chosen, so later
// branches are skipped.
func (s condState) done() bool {
	return s == ifTake || s == ifSkip || s == elifTake || s == elifSkip
}

func (s condState) isElse() bool { return s == elseTake || s == elseDrop }

// openCond is one entry of the ".if" stack.
type openCond struct {
	state condState
	line  int // where the .if was, for "non-terminated" errors
}

// parser holds the state of one Parse call.
type parser struct {
	f      *File
	lookup func(string) (string, bool)
	errs   ErrorList
	cur    *Section
	conds  []openCond
	line   int // current line number, for .LINE
}

// Parse reads one configuration file. name is used in positions and error
// messages; lookupEnv resolves environment variables (nil means
// os.LookupEnv).
//
// Parse always returns a File holding every line of data, even when it also
// returns an error, so that tools can show or rewrite a broken file. The
// error, if any, is an ErrorList with every problem found. Messages of
// active ".warning" and ".notice" directives are in File.Warnings, those of
// ".diag" in File.Diags.
func Parse(name string, data []byte, lookupEnv func(string) (string, bool)) (*File, error) {
	if lookupEnv == nil {
		lookupEnv = os.LookupEnv
	}
	p := &parser{f: &File{Name: name}, lookup: lookupEnv}
	lines, trailing := splitLines(string(data))
	p.f.TrailingNewline = trailing
	if len(lines) > 0 && lines[0].eol == "\r\n" {
		p.f.eol = "\r\n"
	}
	for i, l := range lines {
		p.line = i + 1
		l.Pos = Pos{File: name, Line: i + 1}
		p.parseLine(l)
	}
	p.finish(lines)
	return p.f, p.errs.Err()
}

// splitLines cuts text into lines, remembering each line's terminator.
func splitLines(text string) ([]*Line, bool) {
	var lines []*Line
	for text != "" {
		k := strings.IndexByte(text, '\n')
		if k < 0 {
			lines = append(lines, &Line{Raw: text})
			return lines, false
		}
		raw, eol := text[:k], "\n"
		if strings.HasSuffix(raw, "\r") {
			raw, eol = raw[:len(raw)-1], "\r\n"
		}
		lines = append(lines, &Line{Raw: raw, eol: eol})
		text = text[k+1:]
	}
	return lines, true
}

func (p *parser) errorf(format string, args ...any) {
	p.errs.add(Pos{File: p.f.Name, Line: p.line}, format, args...)
}

// finish reports what can only be seen at the end of the file.
func (p *parser) finish(lines []*Line) {
	for _, c := range p.conds {
		p.errs.add(Pos{File: p.f.Name, Line: c.line}, "non-terminated '.if' block")
	}
	if !p.f.TrailingNewline {
		// HAProxy refuses this too: it cannot tell a last line without
		// a newline from a file truncated while being written.
		last := lines[len(lines)-1]
		p.errs.add(last.Pos, "missing LF on last line, file might have been truncated at position %d", len(last.Raw)+1)
	}
}

// lookupVar implements varSource.
func (p *parser) lookupVar(name string) (string, bool) { return p.lookup(name) }

// lookupPseudo implements varSource for HAProxy's internal variables.
func (p *parser) lookupPseudo(name string) (string, bool, bool) {
	switch name {
	case ".LINE":
		return strconv.Itoa(p.line), true, true
	case ".FILE":
		return p.f.Name, true, true
	case ".SECTION":
		if p.cur == nil {
			return "", false, true
		}
		if p.cur.Name != "" {
			return p.cur.Name, true, true
		}
		return p.cur.Kind, true, true
	}
	return "", false, false
}

// active reports whether lines are currently read (not inside a false
// conditional branch).
func (p *parser) active() bool {
	return len(p.conds) == 0 || p.conds[len(p.conds)-1].state.taking()
}

// add places l in the current section, or in the preamble before the first
// section.
func (p *parser) add(l *Line) {
	if p.cur != nil {
		p.cur.Lines = append(p.cur.Lines, l)
		return
	}
	p.f.Preamble = append(p.f.Preamble, l)
}

func (p *parser) parseLine(l *Line) {
	if k := strings.IndexByte(l.Raw, 0); k >= 0 {
		p.errorf("stray NUL character at position %d", k+1)
	}
	if _, ok := scopeText(l.Raw); ok {
		l.Inactive = !p.active()
		p.checkScope(l.Raw)
		p.add(l)
		return
	}
	res := lex(l.Raw, p)
	if res.err != nil {
		// HAProxy reports these even inside inactive blocks, since it
		// splits the line before looking at conditions.
		p.errorf("%s", res.err.msg)
		l.Inactive = !p.active()
		p.add(l)
		return
	}
	words := res.words
	if len(words) == 0 || words[0] == "" {
		// HAProxy ignores a line whose first word is empty.
		l.Inactive = !p.active()
		p.add(l)
		return
	}
	if len(words) > maxLineArgs {
		p.errorf("too many words (%d), at most %d are allowed on a line", len(words), maxLineArgs)
		l.Inactive = !p.active()
		p.add(l)
		return
	}
	if p.condDirective(l, words) {
		p.add(l)
		return
	}
	if !p.active() {
		l.Inactive = true
		l.Directive = words[0][0] == '.'
		p.add(l)
		return
	}
	if words[0][0] == '.' {
		p.messageDirective(l, words)
		p.add(l)
		return
	}
	l.Words = words
	if k := emptyWord(words); k >= 0 {
		p.errorf("argument number %d at position %d is empty and marks the end of the argument list", k, res.emptyAt+1)
		p.add(l)
		return
	}
	if _, ok := sectionKinds[words[0]]; ok {
		p.header(l, words)
		return
	}
	if p.cur == nil {
		p.errorf("unknown keyword '%s' out of section", words[0])
	}
	p.add(l)
}

func emptyWord(words []string) int {
	for k, w := range words {
		if w == "" {
			return k
		}
	}
	return -1
}

// condDirective handles .if, .elif, .else and .endif, and reports whether
// words was one of them.
func (p *parser) condDirective(l *Line, words []string) bool {
	switch words[0] {
	case ".if":
		l.Inactive = !p.active()
		p.condIf(words)
	case ".elif":
		l.Inactive = !p.parentActive()
		p.condElif(words)
	case ".else":
		l.Inactive = !p.parentActive()
		p.condElse(words)
	case ".endif":
		l.Inactive = !p.parentActive()
		p.condEndif(words)
	default:
		return false
	}
	l.Directive = true
	return true
}

// parentActive reports whether the block around the innermost .if is read.
func (p *parser) parentActive() bool {
	for _, c := range p.conds[:max(len(p.conds)-1, 0)] {
		if !c.state.taking() {
			return false
		}
	}
	return true
}

func (p *parser) condIf(words []string) {
	if len(p.conds)+1 >= maxNestedConds {
		p.errorf("too many nested '.if', max is %d", maxNestedConds)
		p.conds = append(p.conds, openCond{ifSkip, p.line})
		return
	}
	if !p.active() {
		p.conds = append(p.conds, openCond{ifSkip, p.line})
		return
	}
	state := ifDrop
	if p.eval(words) {
		state = ifTake
	}
	p.conds = append(p.conds, openCond{state, p.line})
}

func (p *parser) condElif(words []string) {
	if len(p.conds) == 0 {
		p.errorf("lone '.elif' with no matching '.if'")
		return
	}
	top := &p.conds[len(p.conds)-1]
	switch {
	case top.state.isElse():
		p.errorf("'.elif' after '.else' is not permitted")
	case top.state.done():
		top.state = elifSkip
	case p.eval(words):
		top.state = elifTake
	default:
		top.state = elifDrop
	}
}

func (p *parser) condElse(words []string) {
	if len(words) > 1 {
		p.errorf("unexpected argument '%s' for '%s'", words[1], words[0])
	}
	if len(p.conds) == 0 {
		p.errorf("lone '.else' with no matching '.if'")
		return
	}
	top := &p.conds[len(p.conds)-1]
	switch {
	case top.state.isElse():
		p.errorf("'.else' after '.else' is not permitted")
	case top.state.done():
		top.state = elseDrop
	default:
		top.state = elseTake
	}
}

func (p *parser) condEndif(words []string) {
	if len(words) > 1 {
		p.errorf("unexpected argument '%s' for '%s'", words[1], words[0])
	}
	if len(p.conds) == 0 {
		p.errorf("lone '.endif' with no matching '.if'")
		return
	}
	p.conds = p.conds[:len(p.conds)-1]
}

// eval evaluates the condition of an .if or .elif line. As in HAProxy, the
// words are joined back with single spaces into one expression. An invalid
// condition is reported and counts as false.
func (p *parser) eval(words []string) bool {
	v, err := evalCondition(strings.Join(words[1:], " "), p.lookup)
	if err != nil {
		p.errorf("%s in '%s' at position %d", err.msg, words[0], err.col+1)
		return false
	}
	return v
}

// messageDirective handles the active .alert, .warning, .notice and .diag
// lines, and reports any other word starting with a dot.
func (p *parser) messageDirective(l *Line, words []string) {
	l.Directive = true
	switch words[0] {
	case ".alert", ".warning", ".notice", ".diag":
	default:
		p.errorf("unknown directive '%s'", words[0])
		return
	}
	if len(words) > 2 {
		p.errorf("unexpected argument '%s' for '%s'; use quotes if the message should contain spaces", words[2], words[0])
		return
	}
	msg := ""
	if len(words) > 1 {
		msg = words[1]
	}
	pos := Pos{File: p.f.Name, Line: p.line}
	switch words[0] {
	case ".alert":
		p.errs.add(pos, "%s", msg)
	case ".warning", ".notice":
		p.f.Warnings.add(pos, "%s", msg)
	case ".diag":
		p.f.Diags.add(pos, "%s", msg)
	}
}

// header starts a new section at l.
func (p *parser) header(l *Line, words []string) {
	s := &Section{Header: l, Kind: words[0]}
	args := words[1:]
	switch sectionKinds[s.Kind] {
	case nameRequired:
		if len(args) == 0 {
			p.errorf("'%s' expects <name> as an argument", s.Kind)
		} else {
			s.Name = args[0]
		}
	case nameOptional:
		if len(args) > 0 {
			s.Name = args[0]
		}
	case nameProxy:
		if len(args) == 0 {
			p.errorf("'%s' expects <name> as an argument", s.Kind)
			break
		}
		s.Name = args[0]
		p.checkName(s.Kind, s.Name)
		p.parseFrom(s, args[1:])
	case nameDefaults:
		// "defaults from X" is an anonymous defaults section
		// inheriting from X.
		if len(args) > 0 && !(args[0] == "from" && len(args) == 2) {
			s.Name = args[0]
			p.checkName(s.Kind, s.Name)
			args = args[1:]
		}
		p.parseFrom(s, args)
	}
	p.f.Sections = append(p.f.Sections, s)
	p.cur = s
}

// parseFrom reads the optional "from <defaults>" after a section name.
func (p *parser) parseFrom(s *Section, args []string) {
	if len(args) == 0 {
		return
	}
	if len(args) != 2 || args[0] != "from" {
		hint := ""
		if s.Kind == "frontend" || s.Kind == "listen" {
			hint = "; use the 'bind' keyword for listening addresses"
		}
		p.errorf("'%s' only accepts a name and 'from <defaults>', not '%s'%s", s.Kind, strings.Join(args, " "), hint)
		return
	}
	s.From = args[1]
	p.checkName("defaults", s.From)
}

// checkName rejects proxy names with characters HAProxy does not allow.
func (p *parser) checkName(kind, name string) {
	if k := invalidChar(name); k >= 0 {
		p.errorf("character '%c' is not permitted in '%s' name '%s'", name[k], kind, name)
	}
}

// invalidChar returns the index of the first character of name outside
// [A-Za-z0-9_:.-], or -1. Empty names never get here: the empty-argument
// check rejects them first.
func invalidChar(name string) int {
	for k := 0; k < len(name); k++ {
		c := name[k]
		if !isAlnum(c) && c != '.' && c != ':' && c != '_' && c != '-' {
			return k
		}
	}
	return -1
}

// scopeText returns what follows the '[' of a scope line ("[name]", used
// mainly by SPOE files).
func scopeText(raw string) (string, bool) {
	t := strings.TrimLeft(raw, " \t\n\v\f\r")
	if !strings.HasPrefix(t, "[") {
		return "", false
	}
	return t[1:], true
}

// checkScope validates a scope line.
func (p *parser) checkScope(raw string) {
	t, _ := scopeText(raw)
	end := strings.IndexByte(t, ']')
	if end <= 0 {
		p.errorf("empty scope name is forbidden")
		return
	}
	name := t[:end]
	if k := invalidChar(name); k >= 0 {
		p.errorf("character '%c' is not permitted in a scope name", name[k])
		return
	}
	rest := strings.TrimLeft(t[end+1:], " \t\n\v\f\r")
	if rest != "" && rest[0] != '#' {
		p.errorf("character '%c' is not permitted after scope declaration", rest[0])
	}
}

// Scope returns the name declared by a scope line such as "[my-agent]", as
// used by SPOE configuration files. Such lines have no Words.
func (l *Line) Scope() (string, bool) {
	t, ok := scopeText(l.Raw)
	if !ok {
		return "", false
	}
	end := strings.IndexByte(t, ']')
	if end <= 0 {
		return "", false
	}
	return t[:end], true
}

// ParseFiles parses each path in order. A path naming a directory stands for
// the "*.cfg" regular files directly inside it, in lexical order, skipping
// names that start with a dot, as HAProxy does for "-f DIR". Every file that
// could be read is returned, even when some had errors; the error is an
// ErrorList collecting the problems of all files.
func ParseFiles(paths []string, lookupEnv func(string) (string, bool)) ([]*File, error) {
	var files []*File
	var errs ErrorList
	for _, path := range paths {
		names, err := expandPath(path)
		if err != nil {
			errs.add(Pos{File: path}, "cannot open configuration file/directory: %v", unwrapPathError(err))
			continue
		}
		for _, name := range names {
			data, err := os.ReadFile(name)
			if err != nil {
				errs.add(Pos{File: name}, "cannot open configuration file: %v", unwrapPathError(err))
				continue
			}
			f, err := Parse(name, data, lookupEnv)
			files = append(files, f)
			var list ErrorList
			if errors.As(err, &list) {
				errs = append(errs, list...)
			}
		}
	}
	return files, errs.Err()
}

// expandPath turns a file into itself and a directory into its *.cfg files.
func expandPath(path string) ([]string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.IsDir() {
		return []string{path}, nil
	}
	entries, err := os.ReadDir(path)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !isConfigName(e.Name()) {
			continue
		}
		full := filepath.Join(path, e.Name())
		// Stat follows symlinks: a link to a regular file counts,
		// directories and devices do not.
		if st, err := os.Stat(full); err == nil && st.Mode().IsRegular() {
			names = append(names, full)
		}
	}
	sort.Strings(names)
	return names, nil
}

// isConfigName matches HAProxy's test: no leading dot, and the first ".cfg"
// in the name is at its very end.
func isConfigName(name string) bool {
	k := strings.Index(name, ".cfg")
	return !strings.HasPrefix(name, ".") && k >= 0 && k == len(name)-len(".cfg")
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
