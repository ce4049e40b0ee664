package models

import (
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/hawser-lb/hawser/internal/config"
)

// The section and named-child models are plain structs. Most of their fields
// map one configuration line (or one server/bind option) to one JSON field;
// those carry a `cfg` struct tag and are converted by the reflection code in
// this file, so a model is mostly a declaration:
//
//	ClientTimeout *int64 `json:"client_timeout,omitempty" cfg:"timeout client,ms"`
//
// The tag is "<keyword>,<kind>". Line kinds (section lines):
//
//	ms     *int64, a time in milliseconds ("timeout client 30s" ↔ 30000)
//	sec    *int64, a time in seconds ("tune.ssl.lifetime 5m" ↔ 300)
//	int    *int64, one integer argument ("maxconn 100")
//	size   *int64, a size in bytes ("size 1m" ↔ 1048576)
//	word   string, exactly one argument ("default_backend app")
//	text   string, the rest of the line ("description my app"); written
//	       back as one (quoted when needed) word
//	words  string, the rest of the line as haproxy.cfg text, split into
//	       words again when written ("retry-on conn-failure 503")
//	opt    string "enabled"|"disabled": "option X" | "no option X"
//	flag   bool, the line without arguments is present ("disabled")
//	group  a pointer to a struct of line fields (global "tune_options")
//	no     not supported by hawser: setting the field is an error that
//	       names it; such lines are never read or written
//
// Option kinds (words of server, default-server and bind lines):
//
//	flag   bool, the word alone ("ssl")
//	onoff  string "enabled"|"disabled": "check" | "no-check"
//	val    string, the word and one argument ("sni req.hdr(host)")
//	int    *int64, the word and an integer (also ms, sec, size as above)
//	no     not supported by hawser (as above)
//
// Fields whose lines need more than that (balance, cookie, option httpchk,
// ...) are converted by an extra: hand-written code that owns some
// keywords and fills some fields by their JSON names.

// A fieldSpec is one tagged field of a model struct.
type fieldSpec struct {
	index  []int // reflect index path (embedded structs included)
	parent []int // index of the group's pointer field; nil outside groups
	json   string
	kw     string // keyword or option name
	kind   string
	enum   []string
	typ    reflect.Type
}

// A typeSpec is the parsed tags of one model type.
type typeSpec struct {
	fields []*fieldSpec
	byJSON map[string]*fieldSpec
	byKW   map[string]*fieldSpec // supported fields only
}

var typeSpecs sync.Map // reflect.Type → *typeSpec

func specOf(t reflect.Type) *typeSpec {
	if ts, ok := typeSpecs.Load(t); ok {
		return ts.(*typeSpec)
	}
	ts := &typeSpec{byJSON: map[string]*fieldSpec{}, byKW: map[string]*fieldSpec{}}
	for _, f := range reflect.VisibleFields(t) {
		if f.Anonymous || !f.IsExported() {
			continue
		}
		js, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if js == "" || js == "-" {
			continue
		}
		if f.Tag.Get("cfg") == "group" {
			// A group of line fields (tune_options): its fields are
			// the section's own, addressed as "tune_options.maxrewrite".
			ts.byJSON[js] = &fieldSpec{index: f.Index, json: js, kind: "group", typ: f.Type}
			for _, fs := range specOf(f.Type.Elem()).fields {
				g := *fs
				g.parent, g.json = f.Index, js+"."+fs.json
				ts.add(&g)
			}
			continue
		}
		fs := &fieldSpec{index: f.Index, json: js, typ: f.Type}
		if e := f.Tag.Get("enum"); e != "" {
			fs.enum = strings.Split(e, ",")
		}
		if c := f.Tag.Get("cfg"); c != "" {
			i := strings.LastIndexByte(c, ',')
			fs.kw, fs.kind = c[:i], c[i+1:]
		}
		ts.add(fs)
	}
	typeSpecs.Store(t, ts)
	return ts
}

func (ts *typeSpec) add(fs *fieldSpec) {
	if fs.kw != "" && fs.kind != "no" {
		ts.byKW[fs.kw] = fs
	}
	ts.fields = append(ts.fields, fs)
	ts.byJSON[fs.json] = fs
}

// fields gives an extra access to a model's fields by JSON name.
type fields struct {
	v  reflect.Value // the struct
	ts *typeSpec
}

func fieldsOf(m any) fields {
	v := reflect.ValueOf(m).Elem()
	return fields{v: v, ts: specOf(v.Type())}
}

// has reports whether the model has the JSON field.
func (f fields) has(js string) bool { _, ok := f.ts.byJSON[js]; return ok }

// ptr returns a pointer to the field named js (e.g. **Balance for
// "balance"); it panics when the model has no such field, a programming
// error the extras' applicability check rules out.
func (f fields) ptr(js string) any {
	return f.field(f.ts.byJSON[js], true).Addr().Interface()
}

// field returns a field's value. For a field of a group it allocates the
// group when alloc is set, and otherwise returns the invalid Value while
// the group is nil.
func (f fields) field(fs *fieldSpec, alloc bool) reflect.Value {
	v := f.v
	if fs.parent != nil {
		p := v.FieldByIndex(fs.parent)
		if p.IsNil() {
			if !alloc {
				return reflect.Value{}
			}
			p.Set(reflect.New(p.Type().Elem()))
		}
		v = p.Elem()
	}
	return v.FieldByIndex(fs.index)
}

// An extra converts keywords whose lines do not map one to one onto a
// simple field. It applies to a model that has the JSON field json[0].
type extra struct {
	json []string
	kws  []string // keywords owned, "option httpchk"
	// neg are the keywords whose "no" form the extra reads too ("no
	// option redispatch"); other "no" lines have no field and stay in the
	// file untouched.
	neg    []string
	decode func(f fields, words []string) error
	encode func(f fields) ([][]string, error)
}

// A lineCodec converts the lines a section model owns.
type lineCodec struct {
	extras []*extra
}

// keyOf returns the keyword of a line (one or two words, per multiWord)
// and whether it was negated with "no".
func keyOf(words []string) (kw string, neg bool) {
	if len(words) > 1 && words[0] == "no" {
		words, neg = words[1:], true
	}
	if len(words) == 0 {
		return "", neg
	}
	if multiWord[words[0]] && len(words) > 1 {
		return words[0] + " " + words[1], neg
	}
	return words[0], neg
}

// multiWord are first words completed by their second word, as in
// internal/config.
var multiWord = map[string]bool{
	"timeout": true, "option": true, "stats": true, "monitor": true,
	"external-check": true, "http-check": true, "tcp-check": true,
	"http-request": true, "http-response": true, "http-after-response": true,
	"tcp-request": true, "tcp-response": true,
	"hold": true, // resolvers: "hold nx 30s"
}

func (lc *lineCodec) applies(t reflect.Type) []*extra {
	ts := specOf(t)
	var out []*extra
	for _, e := range lc.extras {
		if _, ok := ts.byJSON[e.json[0]]; ok {
			out = append(out, e)
		}
	}
	return out
}

// owns reports whether model type t owns a line.
func (lc *lineCodec) owns(t reflect.Type, words []string) bool {
	kw, neg := keyOf(words)
	if fs, ok := specOf(t).byKW[kw]; ok {
		return !neg || fs.kind == "opt"
	}
	for _, e := range lc.applies(t) {
		if slices.Contains(e.kws, kw) {
			return !neg || slices.Contains(e.neg, kw)
		}
	}
	return false
}

// decode fills model m from its lines.
func (lc *lineCodec) decode(m any, lines [][]string) error {
	f := fieldsOf(m)
	extras := lc.applies(f.v.Type())
	for _, words := range lines {
		kw, neg := keyOf(words)
		if fs, ok := f.ts.byKW[kw]; ok {
			nkw := len(strings.Fields(kw))
			if neg {
				nkw++
			}
			if err := decodeLineField(f, fs, neg, words[nkw:]); err != nil {
				return fmt.Errorf("%s: %w", strings.Join(words, " "), err)
			}
			continue
		}
		done := false
		for _, e := range extras {
			if slices.Contains(e.kws, kw) {
				if err := e.decode(f, words); err != nil {
					return fmt.Errorf("%s: %w", strings.Join(words, " "), err)
				}
				done = true
				break
			}
		}
		if !done {
			return fmt.Errorf("line %q has no field in the model", strings.Join(words, " "))
		}
	}
	return nil
}

func decodeLineField(f fields, fs *fieldSpec, neg bool, args []string) error {
	v := f.field(fs, true)
	switch fs.kind {
	case "ms", "int", "size", "sec":
		if len(args) != 1 {
			return fmt.Errorf("expects one argument")
		}
		n, err := parseNum(fs.kind, args[0])
		if err != nil {
			return err
		}
		setInt(v, n)
	case "word":
		if len(args) != 1 {
			return fmt.Errorf("expects one argument")
		}
		v.SetString(args[0])
	case "text":
		v.SetString(strings.Join(args, " "))
	case "words":
		v.SetString(wordsText(args))
	case "opt":
		if len(args) != 0 {
			return fmt.Errorf("takes no argument")
		}
		if neg {
			v.SetString("disabled")
		} else {
			v.SetString("enabled")
		}
	case "flag":
		if len(args) != 0 {
			return fmt.Errorf("takes no argument")
		}
		v.SetBool(true)
	default:
		return fmt.Errorf("field %q: unknown kind %q", fs.json, fs.kind)
	}
	return nil
}

// encode renders model m as lines: simple fields in struct order, then the
// extras in their order. It validates enums and refuses fields hawser does
// not support.
func (lc *lineCodec) encode(m any) ([][]string, error) {
	f := fieldsOf(m)
	if err := validate(f); err != nil {
		return nil, err
	}
	var lines [][]string
	for _, fs := range f.ts.fields {
		if fs.kind == "" || fs.kind == "no" {
			continue
		}
		v := f.field(fs, false)
		if !v.IsValid() || v.IsZero() {
			continue
		}
		kw := strings.Fields(fs.kw)
		switch fs.kind {
		case "ms", "int", "size", "sec":
			lines = append(lines, append(kw, fmtNum(fs.kind, intOf(v))))
		case "word", "text":
			lines = append(lines, append(kw, v.String()))
		case "words":
			ws, err := manyWords(fs.json, v.String())
			if err != nil {
				return nil, err
			}
			lines = append(lines, append(kw, ws...))
		case "opt":
			if v.String() == "disabled" {
				if !negatable()[fs.kw] {
					return nil, fmt.Errorf("field %q: \"disabled\" would be 'no %s', which is not supported by hawser", fs.json, fs.kw)
				}
				kw = append([]string{"no"}, kw...)
			}
			lines = append(lines, kw)
		case "flag":
			lines = append(lines, kw)
		}
	}
	for _, e := range lc.applies(f.v.Type()) {
		ls, err := e.encode(f)
		if err != nil {
			return nil, err
		}
		lines = append(lines, ls...)
	}
	return lines, nil
}

// validate checks what the JSON decoder cannot: enums, negative numbers,
// empty words and fields hawser does not support. (Any text can be written:
// cfgfile quotes and escapes words, line breaks included.)
func validate(f fields) error {
	for _, fs := range f.ts.fields {
		v := f.field(fs, false)
		if !v.IsValid() || v.IsZero() {
			continue
		}
		if fs.kind == "no" {
			return fmt.Errorf("field %q ('%s') is not supported by hawser", fs.json, fs.kw)
		}
		if fs.enum != nil && v.Kind() == reflect.String && !slices.Contains(fs.enum, v.String()) {
			return fmt.Errorf("field %q: %q is not one of %s", fs.json, v.String(), strings.Join(fs.enum, ", "))
		}
		if fs.enum != nil && v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Int64 &&
			!slices.Contains(fs.enum, strconv.FormatInt(v.Elem().Int(), 10)) {
			return fmt.Errorf("field %q: %d is not one of %s", fs.json, v.Elem().Int(), strings.Join(fs.enum, ", "))
		}
		if (v.Kind() == reflect.Int64 || v.Kind() == reflect.Pointer && v.Elem().Kind() == reflect.Int64) && intOf(v) < 0 {
			return fmt.Errorf("field %q: %d is negative", fs.json, intOf(v))
		}
		if v.Kind() == reflect.String && (fs.kind == "word" || fs.kind == "val") && v.String() == "" {
			return fmt.Errorf("field %q is empty", fs.json)
		}
	}
	return nil
}

// Option lists (server, default-server, bind lines).

// decodeOpts fills a params struct from the option words of a line. Words
// no field knows are returned, for the caller's own options.
func decodeOpts(p any, words []string, custom func(f fields, words []string, i int) (int, error)) error {
	f := fieldsOf(p)
	for i := 0; i < len(words); i++ {
		w := words[i]
		if custom != nil {
			n, err := custom(f, words, i)
			if err != nil {
				return err
			}
			if n > 0 {
				i += n - 1
				continue
			}
		}
		fs, ok := f.ts.byKW[w]
		neg := false
		if !ok && strings.HasPrefix(w, "no-") {
			if fs, ok = f.ts.byKW[w[3:]]; ok && fs.kind != "onoff" {
				ok = false
			}
			neg = true
		}
		if !ok {
			return fmt.Errorf("option %q has no Data Plane API field", w)
		}
		v := f.field(fs, true)
		switch fs.kind {
		case "flag":
			v.SetBool(true)
		case "onoff":
			if neg {
				v.SetString("disabled")
			} else {
				v.SetString("enabled")
			}
		case "val", "int", "ms", "size", "sec":
			if i+1 >= len(words) {
				return fmt.Errorf("option %q expects an argument", w)
			}
			i++
			if fs.kind == "val" {
				v.SetString(words[i])
				continue
			}
			kind := fs.kind
			n, err := parseNum(kind, words[i])
			if err != nil {
				return fmt.Errorf("option %q: %w", w, err)
			}
			setInt(v, n)
		default:
			return fmt.Errorf("option %q: unknown kind %q", w, fs.kind)
		}
	}
	return nil
}

// encodeOpts renders a params struct as option words, in struct order.
func encodeOpts(p any) ([]string, error) {
	f := fieldsOf(p)
	if err := validate(f); err != nil {
		return nil, err
	}
	var out []string
	for _, fs := range f.ts.fields {
		if fs.kind == "" || fs.kind == "no" {
			continue
		}
		v := f.field(fs, false)
		if !v.IsValid() || v.IsZero() {
			continue
		}
		switch fs.kind {
		case "flag":
			out = append(out, fs.kw)
		case "onoff":
			w := fs.kw
			if v.String() == "disabled" {
				w = "no-" + w
			}
			if err := checkOpt(p, fs.json, v.String(), w); err != nil {
				return nil, err
			}
			out = append(out, w)
		case "val":
			out = append(out, fs.kw, v.String())
		case "int", "ms", "size", "sec":
			out = append(out, fs.kw, fmtNum(fs.kind, intOf(v)))
		}
	}
	return out, nil
}

// optScopes are the keyword-table scopes of the params structs whose
// option words checkOpt verifies.
var optScopes = map[reflect.Type]string{
	reflect.TypeFor[ServerParams](): config.ScopeServer,
	reflect.TypeFor[BindParams]():   config.ScopeBind,
}

// supportedOpts are "scope word" for every option hawser implements.
var supportedOpts = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, k := range config.Keywords() {
		if k.Supported && k.Scope != config.ScopeSection {
			m[k.Scope+" "+k.Name] = true
		}
	}
	return m
})

// negatable are the section keywords hawser accepts after "no".
var negatable = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, k := range config.Keywords() {
		if k.Supported && k.Negatable && k.Scope == config.ScopeSection {
			m[k.Name] = true
		}
	}
	return m
})

// checkOpt refuses a value whose option word hawser does not implement
// ("disabled" for a field whose no- form hawser lacks), naming the field.
func checkOpt(p any, field, value, word string) error {
	scope, ok := optScopes[reflect.TypeOf(p).Elem()]
	if !ok || supportedOpts()[scope+" "+word] {
		return nil
	}
	return fmt.Errorf("field %q: %q would be the %s option '%s', which is not supported by hawser", field, value, scope, word)
}

// Values.

// setInt sets an int64 or *int64 field.
func setInt(v reflect.Value, n int64) {
	if v.Kind() == reflect.Pointer {
		v.Set(reflect.ValueOf(&n))
		return
	}
	v.SetInt(n)
}

// intOf reads a non-zero int64 or *int64 field.
func intOf(v reflect.Value) int64 {
	if v.Kind() == reflect.Pointer {
		return v.Elem().Int()
	}
	return v.Int()
}

// parseNum parses an integer ("int") or a time in milliseconds ("ms").
func parseNum(kind, s string) (int64, error) {
	switch kind {
	case "ms":
		return parseTime(s)
	case "sec":
		return parseSeconds(s)
	case "size":
		return parseSize(s)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not an integer", s)
	}
	return n, nil
}

func fmtNum(kind string, n int64) string {
	switch kind {
	case "ms":
		return fmtTime(n)
	case "sec":
		return strconv.FormatInt(n, 10) + "s"
	case "size":
		return fmtSize(n)
	}
	return strconv.FormatInt(n, 10)
}

// parseTime parses a HAProxy time (default unit ms) into milliseconds.
func parseTime(s string) (int64, error) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("%q is not a time", s)
	}
	n, err := strconv.ParseInt(s[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time", s)
	}
	switch s[i:] {
	case "", "ms":
		return n, nil
	case "us":
		return n / 1000, nil
	case "s":
		return n * 1000, nil
	case "m":
		return n * 60_000, nil
	case "h":
		return n * 3_600_000, nil
	case "d":
		return n * 86_400_000, nil
	}
	return 0, fmt.Errorf("%q is not a time", s)
}

// fmtTime writes milliseconds in the largest unit that keeps them exact.
func fmtTime(ms int64) string {
	for _, u := range []struct {
		n    int64
		unit string
	}{{86_400_000, "d"}, {3_600_000, "h"}, {60_000, "m"}, {1000, "s"}} {
		if ms != 0 && ms%u.n == 0 {
			return strconv.FormatInt(ms/u.n, 10) + u.unit
		}
	}
	return strconv.FormatInt(ms, 10) + "ms"
}

// parseSize parses a size with an optional k, m or g suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult = 1 << 10
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult = 1 << 20
	case strings.HasSuffix(s, "g"), strings.HasSuffix(s, "G"):
		mult = 1 << 30
	}
	if mult != 1 {
		s = s[:len(s)-1]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a size", s)
	}
	return n * mult, nil
}

// fmtSize writes a size with the largest exact suffix.
func fmtSize(n int64) string {
	switch {
	case n != 0 && n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "g"
	case n != 0 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "m"
	case n != 0 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + "k"
	}
	return strconv.FormatInt(n, 10)
}

func ptr[T any](v T) *T { return &v }

// namePattern is the v3 API's pattern for section and server names.
var namePattern = regexp.MustCompile(`^[A-Za-z0-9-_.:]+$`)

func checkName(field, name string) error {
	if name == "" {
		return fmt.Errorf("field %q is required", field)
	}
	if !namePattern.MatchString(name) {
		return fmt.Errorf("field %q: %q may only contain letters, digits, '-', '_', '.' and ':'", field, name)
	}
	return nil
}
