package cfgfile

import "errors"

// SplitWords splits text into words exactly as a configuration line is
// split (quotes, backslash escapes), for values that hold part of a line,
// such as the Data Plane API's rule conditions. Variables are not expanded
// and are an error, as is a comment: the words are quoted again when
// written (see Quote), so neither would survive. It is the inverse of
// joining words quoted with Quote.
func SplitWords(text string) ([]string, error) {
	var v noVars
	res := lex(text, &v)
	switch {
	case res.err != nil:
		return nil, errors.New(res.err.msg)
	case res.comment >= 0:
		return nil, errors.New("'#' must be quoted")
	case v.used:
		return nil, errors.New("environment variables cannot be used here; write '\\$' for a '$' in double quotes")
	}
	for i := 0; i < len(text); i++ {
		if c := text[i]; c == 0 || c == '\n' || c == '\r' {
			return nil, errors.New("line breaks and NUL bytes must be escaped")
		}
	}
	return res.words, nil
}

// noVars records whether a text tried to expand a variable.
type noVars struct{ used bool }

func (v *noVars) lookupVar(string) (string, bool) {
	v.used = true
	return "", false
}

func (v *noVars) lookupPseudo(string) (string, bool, bool) {
	v.used = true
	return "", false, true
}
