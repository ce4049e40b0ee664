package cfgfile

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
)

// NewFile returns an empty file that will end with a newline.
func NewFile(name string) *File {
	return &File{Name: name, TrailingNewline: true}
}

// Lines returns every line of the file in order: the preamble, then each
// section's header and lines.
func (f *File) Lines() []*Line {
	lines := slices.Clone(f.Preamble)
	for _, s := range f.Sections {
		if s.Header != nil {
			lines = append(lines, s.Header)
		}
		lines = append(lines, s.Lines...)
	}
	return lines
}

// Write writes the file's text to w. Lines are written from Raw, so an
// unmodified file is reproduced byte for byte.
func (f *File) Write(w io.Writer) error {
	_, err := w.Write(f.Bytes())
	return err
}

// Bytes returns the file's text.
func (f *File) Bytes() []byte {
	var b bytes.Buffer
	lines := f.Lines()
	for i, l := range lines {
		b.WriteString(l.Raw)
		if i < len(lines)-1 || f.TrailingNewline {
			b.WriteString(f.eolFor(l))
		}
	}
	return b.Bytes()
}

// eolFor returns the terminator written after l: its own when it was read
// with one, else the file's usual one.
func (f *File) eolFor(l *Line) string {
	switch {
	case l.eol != "":
		return l.eol
	case f.eol != "":
		return f.eol
	}
	return "\n"
}

// AppendSection adds s at the end of the file.
func (f *File) AppendSection(s *Section) {
	f.Sections = append(f.Sections, s)
}

// InsertSection inserts s before the section at index i; i may be
// len(f.Sections). It panics if i is out of range, like slices.Insert.
func (f *File) InsertSection(i int, s *Section) {
	f.Sections = slices.Insert(f.Sections, i, s)
}

// RemoveSection removes the section at index i, with its lines.
func (f *File) RemoveSection(i int) {
	f.Sections = slices.Delete(f.Sections, i, i+1)
}

// NewSection returns a section with a freshly rendered header such as
// "backend app from base". name and from may be empty.
func NewSection(kind, name, from string) *Section {
	s := &Section{Header: &Line{modified: true}}
	s.SetHeader(kind, name, from)
	return s
}

// SetHeader renames the section, rewriting its header line and keeping the
// header's indentation and comment.
func (s *Section) SetHeader(kind, name, from string) {
	words := []string{kind}
	if name != "" {
		words = append(words, name)
	}
	if from != "" {
		words = append(words, "from", from)
	}
	if s.Header == nil {
		s.Header = &Line{}
	}
	s.Header.SetWords(words...)
	s.Kind, s.Name, s.From = kind, name, from
}

// Append adds l at the end of the section.
func (s *Section) Append(l *Line) {
	s.Lines = append(s.Lines, l)
}

// Insert inserts l before the line at index i; i may be len(s.Lines). It
// panics if i is out of range, like slices.Insert.
func (s *Section) Insert(i int, l *Line) {
	s.Lines = slices.Insert(s.Lines, i, l)
}

// Remove removes the line at index i.
func (s *Section) Remove(i int) {
	s.Lines = slices.Delete(s.Lines, i, i+1)
}

// NewLine returns a line with the given words, indented by indent (only its
// leading spaces and tabs are used).
func NewLine(indent string, words ...string) *Line {
	l := &Line{Raw: leadingSpace(indent)}
	l.SetWords(words...)
	return l
}

// Modified reports whether the line was built or changed through this API
// since it was parsed.
func (l *Line) Modified() bool { return l.modified }

// SetWords replaces the line's words and re-renders Raw from them, keeping
// the original indentation and any trailing comment. Words are quoted where
// needed (see Quote) so that parsing the result gives back exactly words.
//
// It is meant for keyword lines: the Directive and Inactive flags are left
// as they are until the file is parsed again.
func (l *Line) SetWords(words ...string) {
	comment := trailingComment(l.Raw)
	l.Raw = render(leadingSpace(l.Raw), words, comment)
	l.Words = nil
	if len(words) > 0 {
		l.Words = slices.Clone(words)
	}
	l.modified = true
}

// render builds a line's text.
func render(indent string, words []string, comment string) string {
	var b strings.Builder
	b.WriteString(indent)
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		q := Quote(w)
		if i == 0 && strings.HasPrefix(q, "[") {
			// A bare leading '[' would read back as a scope line.
			q = quoteAlways(w)
		}
		b.WriteString(q)
	}
	switch {
	case comment == "":
	case len(words) == 0:
		b.WriteString(strings.TrimLeft(comment, " \t"))
	case comment[0] != ' ' && comment[0] != '\t':
		b.WriteByte(' ')
		b.WriteString(comment)
	default:
		b.WriteString(comment)
	}
	return b.String()
}

// trailingComment returns the comment ending raw, with the blanks before it
// so that aligned comments stay aligned, or "" when there is none.
func trailingComment(raw string) string {
	res := lex(raw, literalVars{})
	if res.comment < 0 {
		return ""
	}
	start := res.comment
	for start > 0 && (raw[start-1] == ' ' || raw[start-1] == '\t') {
		start--
	}
	return raw[start:]
}

// literalVars resolves every variable to an empty value; it is used where
// only the shape of a line matters, not its values.
type literalVars struct{}

func (literalVars) lookupVar(string) (string, bool) { return "", true }

func (literalVars) lookupPseudo(string) (string, bool, bool) { return "", true, true }

// Quote returns word as it must be written in a configuration file so that
// reading it back gives word again. Words made only of ordinary characters
// are returned as they are, and so are backslashes that do not start an
// escape (regex "\d+", "\1"); others are put in double quotes, with '"', '\',
// '$' and control characters escaped. "$" alone needs no quoting: HAProxy
// expands variables only inside double quotes.
func Quote(word string) string {
	if word != "" && !needsQuote(word) {
		return word
	}
	return quoteAlways(word)
}

func needsQuote(word string) bool {
	for i := 0; i < len(word); i++ {
		switch c := word[i]; {
		case c == '#', c == '"', c == '\'', c == ' ', c < 0x20, c == 0x7f:
			return true
		case c == '\\':
			// A backslash the lexer keeps ("\1", "\." in a regex) is
			// left bare; one that starts an escape needs quotes, and so
			// does a last one, which would escape the separating blank.
			if i+1 == len(word) {
				return true
			}
			switch word[i+1] {
			case '\\', 't', 'n', 'r', 'x', ' ', '#', '\'', '"':
				return true
			}
		}
	}
	return false
}

func quoteAlways(word string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(word); i++ {
		switch c := word[i]; {
		case c == '"', c == '\\', c == '$':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c < 0x20, c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
