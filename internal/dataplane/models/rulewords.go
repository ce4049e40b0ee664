package models

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// Helpers shared by the index-addressed rule lists (acls, http and tcp
// rules, switching rules, ...).
//
// Field values are haproxy.cfg text, as in HAProxy's own API: a decoded
// word is quoted where the file would need quotes ("a b" comes back as
// "\"a b\""), and a field that stands for one word must read back as
// exactly one word. Fields that stand for the rest of a line (cond_test,
// redir_option, ...) are split into words the way the file is.

// fieldError is the error of a model field, named by its JSON name; package
// dataplane answers 400 with it.
func fieldError(field, format string, a ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{field}, a...)...)
}

// wordText renders one word as field text: as it is when it reads back
// unchanged (so "\1" in a regex replacement stays as written), quoted
// otherwise.
func wordText(w string) string {
	if !utf8.ValidString(w) {
		return quoteBytes(w)
	}
	if ws, err := cfgfile.SplitWords(w); err == nil && len(ws) == 1 && ws[0] == w {
		return w
	}
	return cfgfile.Quote(w)
}

// quoteBytes quotes a word that is not valid UTF-8, which JSON cannot
// carry: its invalid bytes are written as \xHH escapes, which read back
// as the same bytes.
func quoteBytes(w string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(w); {
		r, size := utf8.DecodeRuneInString(w[i:])
		c := w[i]
		switch {
		case r == utf8.RuneError && size <= 1, c < 0x20, c == 0x7f:
			fmt.Fprintf(&b, `\x%02x`, c)
			i++
			continue
		case c == '"', c == '\\', c == '$':
			b.WriteByte('\\')
		}
		b.WriteString(w[i : i+size])
		i += size
	}
	b.WriteByte('"')
	return b.String()
}

// wordsText renders words as field text, separated by single spaces.
func wordsText(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = wordText(w)
	}
	return strings.Join(q, " ")
}

// oneWord reads a field that stands for one word. An empty value is an
// error when required is set and gives "" otherwise.
func oneWord(field, text string, required bool) (string, error) {
	if text == "" {
		if required {
			return "", fieldError(field, "is required")
		}
		return "", nil
	}
	ws, err := splitWords(text)
	if err != nil {
		return "", fieldError(field, "%v", err)
	}
	if len(ws) != 1 {
		return "", fieldError(field, "must be one word; write %s to keep the blanks", cfgfile.Quote(text))
	}
	return ws[0], nil
}

// manyWords reads a field that stands for the rest of a line.
func manyWords(field, text string) ([]string, error) {
	ws, err := splitWords(text)
	if err != nil {
		return nil, fieldError(field, "%v", err)
	}
	return ws, nil
}

// splitWords splits field text into words as haproxy.cfg splits a line
// (cfgfile.SplitWords).
func splitWords(s string) ([]string, error) { return cfgfile.SplitWords(s) }

// splitCond splits a rule's arguments at its condition: the first "if" or
// "unless" word, as config reads rules.
func splitCond(args []string) (rest []string, cond, test string, err error) {
	for i, a := range args {
		if a == "if" || a == "unless" {
			if i+1 == len(args) {
				return nil, "", "", fieldError("cond_test", "missing after '%s'", a)
			}
			return args[:i], a, wordsText(args[i+1:]), nil
		}
	}
	return args, "", "", nil
}

// appendCond appends a model's cond and cond_test to a line.
func appendCond(words []string, cond, test string) ([]string, error) {
	switch cond {
	case "":
		if test != "" {
			return nil, fieldError("cond", "is required with cond_test")
		}
		return words, nil
	case "if", "unless":
	default:
		return nil, fieldError("cond", "must be 'if' or 'unless', not %q", cond)
	}
	ws, err := manyWords("cond_test", test)
	if err != nil {
		return nil, err
	}
	if len(ws) == 0 {
		return nil, fieldError("cond_test", "is required with cond")
	}
	return append(append(words, cond), ws...), nil
}

// intText and parseInt convert integer fields.
func intText(field, s string) (*int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, fieldError(field, "expects an integer, got %q", s)
	}
	return &n, nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// durationMS parses a haproxy.cfg time ("100ms", "5s", "1m"; a bare number
// is in unit) into milliseconds.
func durationMS(field, s, unit string) (*int64, error) {
	num := strings.TrimRightFunc(s, func(r rune) bool { return r < '0' || r > '9' })
	suffix := s[len(num):]
	if num == "" {
		return nil, fieldError(field, "invalid time %q", s)
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return nil, fieldError(field, "invalid time %q", s)
	}
	if suffix == "" {
		suffix = unit
	}
	mult := map[string]int64{"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000}[suffix]
	switch {
	case suffix == "us" && n%1000 == 0:
		n, mult = n/1000, 1
	case suffix == "us":
		return nil, fieldError(field, "%q is finer than the millisecond the model keeps", s)
	case mult == 0:
		return nil, fieldError(field, "invalid time unit in %q", s)
	}
	if n > math.MaxInt64/mult {
		return nil, fieldError(field, "time %q is too large", s)
	}
	ms := n * mult
	return &ms, nil
}

// durationText renders milliseconds in the largest unit that keeps them
// exact, as people write them: 5000 is "5s", 1500 is "1500ms".
func durationText(ms int64) string {
	for _, u := range []struct {
		n    int64
		name string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "m"}, {1000, "s"}} {
		if ms != 0 && ms%u.n == 0 {
			return itoa(ms/u.n) + u.name
		}
	}
	return itoa(ms) + "ms"
}

// unusedField checks that Encode did not drop a field the client set: it
// decodes the words it wrote and names the first field of in that is set
// but comes back empty, which means the field does not apply to the rule's
// type or action.
func unusedField(in, back any, what string) error {
	return unusedIn(reflect.ValueOf(in).Elem(), reflect.ValueOf(back).Elem(), what)
}

// unusedIn is unusedField over struct values, into embedded structs.
func unusedIn(vi, vb reflect.Value, what string) error {
	t := vi.Type()
	for i := 0; i < t.NumField(); i++ {
		if f := t.Field(i); f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := unusedIn(vi.Field(i), vb.Field(i), what); err != nil {
				return err
			}
			continue
		}
		if !vi.Field(i).IsZero() && vb.Field(i).IsZero() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			return fieldError(name, "is not used by %s", what)
		}
	}
	return nil
}

// registerList registers an index-addressed list whose Decode refuses what
// its Encode would refuse, so that a model read from the file can always
// be written back unchanged.
func registerList(c *Child) *Child {
	decode, encode := c.Decode, c.Encode
	c.Decode = func(words []string) (any, error) {
		m, err := decode(words)
		if err != nil {
			return nil, err
		}
		if _, err := encode(m); err != nil {
			return nil, err
		}
		return m, nil
	}
	return registerChild(c)
}
