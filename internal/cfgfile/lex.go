package cfgfile

import (
	"fmt"
	"strings"
)

// maxLineArgs is the most words HAProxy accepts on one line
// (MAX_LINE_ARGS); longer lines are rejected rather than truncated silently.
const maxLineArgs = 64

// varSource resolves the names met in "${NAME}" while lexing one line.
type varSource interface {
	// lookupVar returns the value of an environment variable.
	lookupVar(name string) (string, bool)
	// lookupPseudo returns the value of an internal variable such as
	// ".LINE"; known is false for a name HAProxy does not define.
	lookupPseudo(name string) (value string, ok, known bool)
}

// lexResult is one line split into words.
type lexResult struct {
	words []string
	// emptyAt is where the first empty word came from, or -1: the name
	// of the undefined variable that caused it when there is one, as
	// HAProxy reports it.
	emptyAt int
	// comment is the offset of the '#' that ended the line, or -1.
	comment int
	err     *lexError
}

// lexError is a lexical problem at a 0-based byte offset in the line.
type lexError struct {
	col int
	msg string
}

// lexer splits one line the way HAProxy's parse_line does with the options
// the configuration reader uses: comments, both quote styles, backslash
// escapes, environment variables in double quotes and "[*]" word expansion.
type lexer struct {
	src  string
	i    int
	vars varSource

	words []string
	cur   []byte
	inArg bool
	// tokStart is where the current step began; a word that starts during
	// this step is reported at that offset.
	tokStart  int
	wordStart int

	squote, dquote bool
	quotePos       int
	// emptyQuote is set by an opening quote and cleared by any emitted
	// byte, so that "" and '' still produce an (empty) word.
	emptyQuote bool

	// unknownVar is the offset of the last undefined variable's name
	// since a defined one was expanded, or -1.
	unknownVar int
	emptyAt    int

	comment int
	err     *lexError
}

// lex splits line into words.
func lex(line string, vars varSource) lexResult {
	l := &lexer{src: line, vars: vars, comment: -1, unknownVar: -1, emptyAt: -1}
	l.run()
	if l.err != nil {
		return lexResult{comment: l.comment, emptyAt: -1, err: l.err}
	}
	return lexResult{words: l.words, emptyAt: l.emptyAt, comment: l.comment}
}

func (l *lexer) run() {
	for l.i < len(l.src) && l.err == nil {
		l.tokStart = l.i
		c := l.src[l.i]
		switch {
		case c == 0 || c == '\n' || c == '\r':
			// HAProxy stops at the first of these even inside quotes.
			l.end()
			return
		case c == '#' && !l.squote && !l.dquote:
			l.comment = l.i
			l.end()
			return
		case c == '"' && !l.squote:
			l.toggleQuote(&l.dquote)
		case c == '\'' && !l.dquote:
			l.toggleQuote(&l.squote)
		case c == '\\' && !l.squote:
			l.escape()
		case isCSpace(c) && !l.squote && !l.dquote:
			l.finish()
			// Like HAProxy, a run of separators also swallows CR
			// and NUL-free control spaces, so "a \rb" is two words.
			for l.i < len(l.src) && isCSpace(l.src[l.i]) {
				l.i++
			}
		case c == '$' && l.dquote:
			l.expand()
		default:
			l.emit(c)
			l.i++
		}
	}
	if l.err == nil {
		l.end()
	}
}

// end closes the last word and checks that no quote is left open.
func (l *lexer) end() {
	l.finish()
	if l.squote || l.dquote {
		l.fail(l.quotePos, "unmatched quote")
	}
}

func (l *lexer) fail(col int, what string) {
	if l.err == nil {
		l.err = &lexError{col: col, msg: fmt.Sprintf("%s at position %d", what, col+1)}
	}
}

// begin marks that the current step belongs to a word, starting one if
// needed.
func (l *lexer) begin() {
	if !l.inArg {
		l.inArg = true
		l.wordStart = l.tokStart
	}
}

func (l *lexer) emit(c byte) {
	l.begin()
	l.cur = append(l.cur, c)
	l.emptyQuote = false
}

// finish closes the current word, if any.
func (l *lexer) finish() {
	if !l.inArg {
		return
	}
	if len(l.cur) == 0 && l.emptyAt < 0 {
		l.emptyAt = l.wordStart
		if l.unknownVar >= 0 {
			l.emptyAt = l.unknownVar
		}
	}
	l.words = append(l.words, string(l.cur))
	l.cur = l.cur[:0]
	l.inArg = false
}

func (l *lexer) toggleQuote(q *bool) {
	if *q {
		if l.emptyQuote {
			l.begin()
		}
		*q = false
	} else {
		*q = true
		l.quotePos = l.i
		l.emptyQuote = true
	}
	l.i++
}

func (l *lexer) peek(off int) byte {
	if l.i+off < len(l.src) {
		return l.src[l.i+off]
	}
	return 0
}

// escape handles a backslash outside single quotes. Sequences HAProxy does
// not know keep their backslash ("\1" stays "\1"), and "\$" is only an
// escape inside double quotes, where "$" would otherwise expand.
func (l *lexer) escape() {
	l.begin()
	next := l.peek(1)
	switch next {
	case ' ', '\\', '#', '\'', '"':
		l.emit(next)
		l.i += 2
	case 't':
		l.emit('\t')
		l.i += 2
	case 'n':
		l.emit('\n')
		l.i += 2
	case 'r':
		l.emit('\r')
		l.i += 2
	case '$':
		if l.dquote {
			l.emit('$')
			l.i += 2
			return
		}
		l.emit('\\')
		l.i++
	case 'x':
		hi, ok1 := unhex(l.peek(2))
		lo, ok2 := unhex(l.peek(3))
		if !ok1 || !ok2 {
			l.fail(l.i, "truncated or invalid hexadecimal sequence")
			return
		}
		l.emit(hi<<4 | lo)
		l.i += 4
	default:
		l.emit('\\')
		l.i++
	}
}

// expand handles "$NAME", "${NAME}", "${NAME-default}" and "${NAME[*]}"
// inside double quotes. An undefined variable expands to nothing but still
// makes a (possibly empty) word, except with "[*]", where it makes no word.
func (l *lexer) expand() {
	l.i++ // '$'
	brace := -1
	if l.peek(0) == '{' {
		brace = l.i
		l.i++
	}
	if c := l.peek(0); !isAlpha(c) && c != '_' && c != '.' {
		l.fail(l.i, "forbidden first char in environment variable name")
		return
	}
	nameStart := l.i
	if l.peek(0) == '.' {
		l.i++
	}
	for isAlnum(l.peek(0)) || l.peek(0) == '_' {
		l.i++
	}
	name := l.src[nameStart:l.i]
	value, ok := l.resolve(name, nameStart)
	if l.err != nil {
		return
	}
	wordExpand := false
	if l.peek(0) == '[' && brace >= 0 {
		if l.peek(1) != '*' || l.peek(2) != ']' {
			l.fail(l.i, "truncated or invalid word expansion sequence")
			return
		}
		wordExpand = true
		l.i += 3
	}
	if brace >= 0 {
		value, ok = l.closeBrace(brace, value, ok)
		if l.err != nil {
			return
		}
	}
	if wordExpand {
		// An empty expansion must not turn the surrounding quotes into
		// an empty word.
		l.emptyQuote = false
	}
	switch {
	case ok:
		l.unknownVar = -1
		l.emitValue(value, wordExpand)
	case !wordExpand:
		l.begin()
		if l.unknownVar < 0 {
			l.unknownVar = nameStart
		}
	}
}

func (l *lexer) resolve(name string, col int) (string, bool) {
	if name[0] != '.' {
		return l.vars.lookupVar(name)
	}
	v, ok, known := l.vars.lookupPseudo(name)
	if !known {
		l.fail(col, fmt.Sprintf("unknown internal variable '%s'", name))
	}
	return v, ok
}

// closeBrace consumes an optional "-default" and the closing brace. The
// default is taken verbatim and only used when the variable is undefined.
func (l *lexer) closeBrace(brace int, value string, ok bool) (string, bool) {
	if l.peek(0) == '-' {
		start := l.i + 1
		for l.i < len(l.src) && l.src[l.i] != '}' && l.src[l.i] != 0 {
			l.i++
		}
		if l.peek(0) != '}' {
			l.fail(brace, "unmatched brace in environment variable name")
			return "", false
		}
		if !ok {
			value, ok = l.src[start:l.i], true
		}
	} else if l.peek(0) != '}' {
		l.fail(brace, "unmatched brace in environment variable name")
		return "", false
	}
	l.i++
	return value, ok
}

func (l *lexer) emitValue(value string, wordExpand bool) {
	for j := 0; j < len(value); j++ {
		if wordExpand && isCSpace(value[j]) {
			l.finish()
			continue
		}
		l.emit(value[j])
	}
}

// isCSpace matches C's isspace in the C locale.
func isCSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

func unhex(c byte) (byte, bool) {
	switch {
	case isDigit(c):
		return c - '0', true
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10, true
	}
	return 0, false
}

// leadingSpace returns the indentation of raw: its leading spaces and tabs.
func leadingSpace(raw string) string {
	return raw[:len(raw)-len(strings.TrimLeft(raw, " \t"))]
}
