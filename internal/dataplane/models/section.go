package models

import (
	"fmt"
	"reflect"
)

// sectionOf builds the converter of a section whose model is a struct with
// a "name" field and tagged fields (codec.go), and whose complex lines are
// converted by the extras of lc. The model's "from" field, when it has
// one, is tagged `cfg:"from,word"`, so the {"from", NAME} line package
// dataplane passes in and takes out is read and written like any other.
// anonymous allows an empty name (anonymous defaults, global).
func sectionOf(kind, path string, newFn func() any, lc *lineCodec, anonymous bool) *Section {
	t := reflect.TypeOf(newFn()).Elem()
	nameOf := func(m any) *string {
		f := fieldsOf(m)
		if !f.has("name") {
			return nil
		}
		return f.ptr("name").(*string)
	}
	return &Section{
		Kind: kind,
		Path: path,
		New:  newFn,
		Owns: func(words []string) bool { return lc.owns(t, words) },
		Decode: func(name string, lines [][]string) (any, error) {
			m := newFn()
			if p := nameOf(m); p != nil {
				*p = name
			}
			if err := lc.decode(m, lines); err != nil {
				return nil, fmt.Errorf("%s %q: %w", kind, name, err)
			}
			return m, nil
		},
		Encode: func(m any) (string, [][]string, error) {
			if reflect.TypeOf(m) != reflect.PointerTo(t) {
				return "", nil, fmt.Errorf("%s: model is %T, not *%s", kind, m, t.Name())
			}
			name := ""
			if p := nameOf(m); p != nil {
				name = *p
				if name != "" || !anonymous {
					if err := checkName("name", name); err != nil {
						return "", nil, err
					}
				}
			}
			lines, err := lc.encode(m)
			if err != nil {
				return "", nil, err
			}
			return name, lines, nil
		},
	}
}
