package cfgfile

import (
	"fmt"
	"strings"
)

// Error is one problem found in a configuration file, tied to the line that
// caused it.
type Error struct {
	Pos
	Msg string
}

// Error formats the problem the way haproxy -c prints it after its
// "[ALERT]" tag: "file:line : message". A zero line (a file that could not be
// read) leaves the line number out.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s : %s", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d : %s", e.File, e.Line, e.Msg)
}

// ErrorList is every problem found while parsing, in file and line order.
// Parse reports all of them rather than stopping at the first, as haproxy -c
// does.
type ErrorList []*Error

// Error joins the messages, one per line.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Err returns the list as an error, or nil when it is empty, so that callers
// never hold a non-nil error interface wrapping an empty list.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// add appends a formatted problem at pos.
func (l *ErrorList) add(pos Pos, format string, args ...any) {
	*l = append(*l, &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}
