package config

import (
	"fmt"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Error is one configuration problem, tied to the line that caused it.
type Error struct {
	Pos cfgfile.Pos
	Msg string
}

// Error formats the problem as HAProxy does after its "[ALERT]" tag:
// "FILE:LINE : message".
func (e *Error) Error() string {
	if e.Pos.File == "" && e.Pos.Line == 0 {
		return e.Msg
	}
	return fmt.Sprintf("%s:%d : %s", e.Pos.File, e.Pos.Line, e.Msg)
}

// ErrorList is every problem found in a configuration, in file order. Load
// never stops at the first problem so that "hawser -c" can list them all.
type ErrorList []*Error

// Error joins the problems with newlines.
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// Unwrap exposes the individual problems to errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}
