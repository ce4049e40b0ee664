// Package cfgfile reads and writes haproxy.cfg text.
//
// It knows the file's lexical rules (comments, quoting, escapes, environment
// expansion, conditional blocks) and its section structure, but nothing about
// what keywords mean: that is package config. The tree it builds keeps every
// physical line, blank and comment lines included, so that Write reproduces an
// unmodified file byte for byte and a modified one with its comments and order
// intact. The Data Plane API edits configuration files through this tree.
package cfgfile

// Pos names a place in a configuration file.
type Pos struct {
	File string // file name as given on the command line
	Line int    // 1-based line number
}

// Line is one physical line of a configuration file.
type Line struct {
	Pos
	// Raw is the exact text of the line, without its line terminator.
	// Write emits it unchanged; SetWords re-renders it.
	Raw string
	// Words are the line's arguments after unquoting, unescaping and
	// environment expansion. Nil for blank and comment-only lines, for
	// directives (.if, .endif, .warning, ...), for scope lines ("[name]"),
	// for lines that failed to split (an unmatched quote, ...) and for
	// lines inside an inactive conditional block.
	Words []string
	// Directive is true for .if/.elif/.else/.endif/.diag/.notice/.warning/.alert lines.
	Directive bool
	// Inactive is true for lines skipped by a false conditional block.
	Inactive bool

	modified bool
	// eol is the line's terminator as read ("\n" or "\r\n"); empty for
	// lines built with NewLine, which take the file's usual terminator.
	eol string
}

// Section is a section header ("frontend web") and the lines that follow it
// up to the next header.
type Section struct {
	// Header is the header line. Its Words[0] is the section kind.
	Header *Line
	Kind   string // "global", "defaults", "frontend", "backend", "listen", "userlist", ...
	Name   string // "" for global and anonymous defaults
	From   string // the defaults section named after "from", if any
	Lines  []*Line
}

// File is one parsed configuration file.
type File struct {
	Name string
	// Preamble holds the lines before the first section header: blank
	// lines, comments and directives. A keyword line there is an error.
	Preamble []*Line
	Sections []*Section
	// TrailingNewline records whether the source ended with a newline, so
	// that Write reproduces it.
	TrailingNewline bool
	// Warnings holds the messages of active .warning and .notice
	// directives. They do not make Parse fail.
	Warnings ErrorList
	// Diags holds the messages of active .diag directives, which HAProxy
	// only shows in diagnostic mode (-dD).
	Diags ErrorList

	// eol is the terminator for lines that have none of their own: that
	// of the file's first line, "\n" when unset.
	eol string
}
