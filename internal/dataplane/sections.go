package dataplane

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/dataplane/models"
)

// registerModels serves the given converters: for a section, list,
// create, get, replace and delete (get and replace only for global); for
// a named child, the same under its parent; for an index-addressed list,
// get and replace the whole list and get, insert, replace and delete at
// an index.
func (s *Server) registerModels(secs []*models.Section, kids []*models.Child) {
	byKind := map[string]*models.Section{}
	for _, sec := range secs {
		byKind[sec.Kind] = sec
	}
	for _, sec := range secs {
		var mine []*models.Child
		for _, c := range kids {
			if slices.Contains(c.Parents, sec.Kind) {
				mine = append(mine, c)
			}
		}
		h := &sectionAPI{s: s, sec: sec, kids: mine}
		h.full = fullType(sec, mine)
		h.routes()
	}
	for _, c := range kids {
		for _, kind := range c.Parents {
			if sec := byKind[kind]; sec != nil {
				h := &childAPI{s: s, sec: sec, c: c}
				h.routes()
			}
		}
	}
}

// active reports whether a line is a keyword line that counts.
func active(ln *cfgfile.Line) bool {
	return len(ln.Words) > 0 && !ln.Inactive && !ln.Directive
}

// unnamedDefaults is how HAProxy's API names an anonymous defaults
// section: unnamed_defaults_1, _2, ...
const unnamedDefaults = "unnamed_defaults_"

// sectionNames returns the API name of each section of kind, by index in
// f.Sections ("" where the section is of another kind).
func sectionNames(f *cfgfile.File, kind string) []string {
	names := make([]string, len(f.Sections))
	n := 0
	for i, sc := range f.Sections {
		if sc.Kind != kind {
			continue
		}
		names[i] = sc.Name
		if kind == "defaults" && sc.Name == "" {
			n++
			names[i] = unnamedDefaults + strconv.Itoa(n)
		}
	}
	return names
}

// findSection returns the section of kind with the API name name.
func findSection(f *cfgfile.File, kind, name string) (*cfgfile.Section, int) {
	if kind == "global" {
		for i, sc := range f.Sections {
			if sc.Kind == "global" {
				return sc, i
			}
		}
		return nil, -1
	}
	for i, n := range sectionNames(f, kind) {
		if n != "" && n == name {
			return f.Sections[i], i
		}
	}
	return nil, -1
}

// ownedLines returns the section's active lines that owns accepts.
func ownedLines(sc *cfgfile.Section, owns func([]string) bool) []*cfgfile.Line {
	var out []*cfgfile.Line
	for _, ln := range sc.Lines {
		if active(ln) && owns(ln.Words) {
			out = append(out, ln)
		}
	}
	return out
}

// indentOf returns the indentation of the section's keyword lines.
func indentOf(sc *cfgfile.Section) string {
	for _, ln := range sc.Lines {
		if active(ln) {
			return ln.Raw[:len(ln.Raw)-len(strings.TrimLeft(ln.Raw, " \t"))]
		}
	}
	return "    "
}

func newLines(sc *cfgfile.Section, words [][]string) []*cfgfile.Line {
	ind := indentOf(sc)
	out := make([]*cfgfile.Line, len(words))
	for i, w := range words {
		out[i] = cfgfile.NewLine(ind, w...)
	}
	return out
}

// endOfBody is where lines are added to a section: after its last keyword
// line, so that the blank lines and comments leading to the next section
// stay where they are.
func endOfBody(sc *cfgfile.Section) int {
	for i := len(sc.Lines) - 1; i >= 0; i-- {
		if len(sc.Lines[i].Words) > 0 || sc.Lines[i].Directive {
			return i + 1
		}
	}
	return 0
}

// replaceOwned replaces the lines owns accepts with words, where the first
// of them was (at the end of the body when there was none).
func replaceOwned(sc *cfgfile.Section, owns func([]string) bool, words [][]string) {
	at := -1
	kept := make([]*cfgfile.Line, 0, len(sc.Lines)+len(words))
	for _, ln := range sc.Lines {
		if active(ln) && owns(ln.Words) {
			if at < 0 {
				at = len(kept)
			}
			continue
		}
		kept = append(kept, ln)
	}
	sc.Lines = kept
	if at < 0 {
		at = endOfBody(sc)
	}
	sc.Lines = slices.Insert(sc.Lines, at, newLines(sc, words)...)
}

// badInput wraps a converter's error as a 400.
func badInput(err error) error {
	if _, ok := err.(*apiError); ok {
		return err
	}
	return &apiError{http.StatusBadRequest, err.Error()}
}

// sectionAPI serves one kind of section.
type sectionAPI struct {
	s    *Server
	sec  *models.Section
	kids []*models.Child
	full reflect.Type // model plus children, for full_section; nil if none
}

func (h *sectionAPI) single() bool { return h.sec.Kind == "global" }

func (h *sectionAPI) routes() {
	s, sec := h.s, h.sec
	model := reflect.TypeOf(sec.New()).Elem()
	base := cfgPrefix + "/" + sec.Path
	tag := sec.Path
	rq := []param{pTransaction}
	wq := writeParams
	if h.full != nil {
		rq = append(rq, pFullSection)
		wq = append(slices.Clip(wq), pFullSection)
	}
	if h.single() {
		s.handle(&route{Method: "GET", Path: base, Summary: "get the " + sec.Kind + " section", Tag: tag,
			Query: rq, Resp: model, Status: 200, Codes: []int{404}, handler: h.get})
		s.handle(&route{Method: "PUT", Path: base, Summary: "replace the " + sec.Kind + " section", Tag: tag,
			Query: wq, Body: model, Resp: model, Status: 200, Codes: []int{400, 404, 409}, handler: h.put})
		return
	}
	resp := model
	if h.full != nil {
		// With full_section=true the same routes carry the children.
		resp = h.full
	}
	s.handle(&route{Method: "GET", Path: base, Summary: "list " + sec.Kind + " sections", Tag: tag,
		Query: rq, Resp: reflect.SliceOf(resp), Status: 200, handler: h.list})
	s.handle(&route{Method: "POST", Path: base, Summary: "add a " + sec.Kind + " section", Tag: tag,
		Query: wq, Body: resp, Resp: resp, Status: 201, Codes: []int{400, 409}, handler: h.create})
	s.handle(&route{Method: "GET", Path: base + "/{name}", Summary: "get a " + sec.Kind + " section", Tag: tag,
		Query: rq, Resp: resp, Status: 200, Codes: []int{404}, handler: h.get})
	s.handle(&route{Method: "PUT", Path: base + "/{name}", Summary: "replace a " + sec.Kind + " section", Tag: tag,
		Query: wq, Body: resp, Resp: resp, Status: 200, Codes: []int{400, 404, 409}, handler: h.put})
	s.handle(&route{Method: "DELETE", Path: base + "/{name}", Summary: "delete a " + sec.Kind + " section", Tag: tag,
		Query: writeParams, Status: 204, Codes: []int{400, 404, 409}, handler: h.delete})
}

// decode builds the model of section sc.
func (h *sectionAPI) decode(sc *cfgfile.Section, name string, full bool) (any, error) {
	var lines [][]string
	if sc.From != "" {
		lines = append(lines, []string{"from", sc.From})
	}
	for _, ln := range ownedLines(sc, h.sec.Owns) {
		lines = append(lines, ln.Words)
	}
	m, err := h.sec.Decode(name, lines)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", h.sec.Kind, name, err)
	}
	if !full || h.full == nil {
		return m, nil
	}
	out := reflect.New(h.full).Elem()
	copyModel(out, reflect.ValueOf(m).Elem())
	for i, c := range h.kids {
		fv := out.Field(out.NumField() - len(h.kids) + i)
		for _, ln := range ownedLines(sc, c.Owns) {
			cm, err := c.Decode(ln.Words)
			if err != nil {
				return nil, fmt.Errorf("%s %s: %s: %w", h.sec.Kind, name, c.Path, err)
			}
			cv := reflect.ValueOf(cm).Elem()
			if c.Name != nil {
				if fv.IsNil() {
					fv.Set(reflect.MakeMap(fv.Type()))
				}
				fv.SetMapIndex(reflect.ValueOf(c.Name(ln.Words)), cv)
			} else {
				fv.Set(reflect.Append(fv, cv))
			}
		}
	}
	return out.Addr().Interface(), nil
}

func (h *sectionAPI) list(w http.ResponseWriter, r *http.Request) {
	full := boolParam(r.URL.Query(), "full_section")
	h.s.view(w, r, func(f *cfgfile.File) (any, error) {
		out := []any{}
		for i, n := range sectionNames(f, h.sec.Kind) {
			if n == "" {
				continue
			}
			m, err := h.decode(f.Sections[i], n, full)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
		return out, nil
	})
}

func (h *sectionAPI) get(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	full := boolParam(r.URL.Query(), "full_section")
	h.s.view(w, r, func(f *cfgfile.File) (any, error) {
		sc, _ := findSection(f, h.sec.Kind, name)
		if sc == nil {
			if h.single() {
				return h.sec.Decode("", nil)
			}
			return nil, errNotFound(h.sec.Kind + " " + name)
		}
		return h.decode(sc, name, full)
	})
}

// parsed is a request body turned into haproxy.cfg words.
type parsed struct {
	name  string
	from  string
	lines [][]string
	kids  [][][]string // per child converter, when full_section
	model any
}

// read decodes and encodes a section body.
func (h *sectionAPI) read(r *http.Request) (*parsed, error) {
	full := h.full != nil && boolParam(r.URL.Query(), "full_section")
	m := h.sec.New()
	var fv reflect.Value
	if full {
		fv = reflect.New(h.full)
		if err := decodeBody(r, fv.Interface()); err != nil {
			return nil, err
		}
		copyModel(reflect.ValueOf(m).Elem(), fv.Elem())
	} else if err := decodeBody(r, m); err != nil {
		return nil, err
	}
	name, lines, err := h.sec.Encode(m)
	if err != nil {
		return nil, badInput(err)
	}
	p := &parsed{name: name, model: m}
	for _, ln := range lines {
		if len(ln) == 2 && ln[0] == "from" {
			p.from = ln[1]
			continue
		}
		p.lines = append(p.lines, ln)
	}
	if !h.single() && !validName(name) {
		return nil, errorf(http.StatusBadRequest, "invalid name %q: use letters, digits and -_.:", name)
	}
	if full {
		p.model = fv.Interface()
		out := fv.Elem()
		for i, c := range h.kids {
			v := out.Field(out.NumField() - len(h.kids) + i)
			var words [][]string
			add := func(cv reflect.Value) error {
				w, err := c.Encode(cv.Addr().Interface())
				if err != nil {
					return badInput(fmt.Errorf("%s: %w", c.Path, err))
				}
				words = append(words, w)
				return nil
			}
			if v.Kind() == reflect.Map {
				keys := v.MapKeys()
				slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
				for _, k := range keys {
					cv := reflect.New(v.Type().Elem()).Elem()
					cv.Set(v.MapIndex(k))
					if err := add(cv); err != nil {
						return nil, err
					}
				}
			} else {
				for j := range v.Len() {
					if err := add(v.Index(j)); err != nil {
						return nil, err
					}
				}
			}
			p.kids = append(p.kids, words)
		}
	}
	return p, nil
}

// validName is HAProxy's API pattern for object names.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for _, r := range n {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_.:", r)) {
			return false
		}
	}
	return true
}

// fill writes a parsed body into section sc.
func (h *sectionAPI) fill(sc *cfgfile.Section, p *parsed) {
	replaceOwned(sc, h.sec.Owns, p.lines)
	for i, words := range p.kids {
		replaceOwned(sc, h.kids[i].Owns, words)
	}
	if sc.Kind == "global" {
		return
	}
	name := p.name
	if sc.Kind == "defaults" && strings.HasPrefix(name, unnamedDefaults) && sc.Name == "" {
		name = ""
	}
	hdr := []string{sc.Kind}
	if name != "" {
		hdr = append(hdr, name)
	}
	if p.from != "" {
		hdr = append(hdr, "from", p.from)
	}
	if !slices.Equal(hdr, sc.Header.Words) {
		sc.Header.SetWords(hdr...)
	}
	sc.Name, sc.From = name, p.from
}

func (h *sectionAPI) create(w http.ResponseWriter, r *http.Request) {
	p, err := h.read(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h.s.change(w, r, http.StatusCreated, func(f *cfgfile.File) (any, error) {
		if sc, _ := findSection(f, h.sec.Kind, p.name); sc != nil {
			return nil, errorf(http.StatusConflict, "%s %s already exists", h.sec.Kind, p.name)
		}
		sc := cfgfile.NewSection(h.sec.Kind, p.name, p.from)
		h.fill(sc, p)
		addSection(f, sc)
		return p.model, nil
	})
}

// addSection adds a new section: defaults before the first proxy (so
// that proxies can inherit from it), others at the end, separated from
// the previous section by a blank line.
func addSection(f *cfgfile.File, sc *cfgfile.Section) {
	at := len(f.Sections)
	if sc.Kind == "defaults" {
		for i, o := range f.Sections {
			if o.Kind == "frontend" || o.Kind == "backend" || o.Kind == "listen" {
				at = i
				break
			}
		}
	}
	sc.Lines = append(sc.Lines, &cfgfile.Line{})
	if at > 0 {
		prev := f.Sections[at-1]
		if n := len(prev.Lines); n == 0 || strings.TrimSpace(prev.Lines[n-1].Raw) != "" {
			prev.Lines = append(prev.Lines, &cfgfile.Line{})
		}
	}
	f.InsertSection(at, sc)
}

func (h *sectionAPI) put(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	p, err := h.read(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h.s.change(w, r, http.StatusOK, func(f *cfgfile.File) (any, error) {
		sc, _ := findSection(f, h.sec.Kind, name)
		if sc == nil {
			if !h.single() {
				return nil, errNotFound(h.sec.Kind + " " + name)
			}
			sc = cfgfile.NewSection("global", "", "")
			f.InsertSection(0, sc)
			sc.Lines = append(sc.Lines, &cfgfile.Line{})
		}
		if !h.single() && p.name != name {
			if o, _ := findSection(f, h.sec.Kind, p.name); o != nil {
				return nil, errorf(http.StatusConflict, "%s %s already exists", h.sec.Kind, p.name)
			}
		}
		h.fill(sc, p)
		return p.model, nil
	})
}

func (h *sectionAPI) delete(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h.s.change(w, r, http.StatusNoContent, func(f *cfgfile.File) (any, error) {
		_, i := findSection(f, h.sec.Kind, name)
		if i < 0 {
			return nil, errNotFound(h.sec.Kind + " " + name)
		}
		f.RemoveSection(i)
		return nil, nil
	})
}

// childAPI serves one child collection under one kind of parent section.
type childAPI struct {
	s   *Server
	sec *models.Section // the parent's converter
	c   *models.Child
}

func (h *childAPI) routes() {
	s, c := h.s, h.c
	model := reflect.TypeOf(c.New()).Elem()
	base := cfgPrefix + "/" + h.sec.Path
	what := h.sec.Kind
	if h.sec.Kind != "global" {
		base += "/{parent_name}"
		what += " {parent_name}"
	}
	base += "/" + c.Path
	tag := c.Path
	rq := []param{pTransaction}
	if c.Name != nil {
		s.handle(&route{Method: "GET", Path: base, Summary: "list " + c.Path + " of " + what, Tag: tag,
			Query: rq, Resp: reflect.SliceOf(model), Status: 200, Codes: []int{404}, handler: h.listNamed})
		s.handle(&route{Method: "POST", Path: base, Summary: "add to " + c.Path + " of " + what, Tag: tag,
			Query: writeParams, Body: model, Resp: model, Status: 201, Codes: []int{400, 404, 409}, handler: h.createNamed})
		s.handle(&route{Method: "GET", Path: base + "/{name}", Summary: "get one of " + c.Path + " of " + what, Tag: tag,
			Query: rq, Resp: model, Status: 200, Codes: []int{404}, handler: h.getNamed})
		s.handle(&route{Method: "PUT", Path: base + "/{name}", Summary: "replace one of " + c.Path + " of " + what, Tag: tag,
			Query: writeParams, Body: model, Resp: model, Status: 200, Codes: []int{400, 404, 409}, handler: h.putNamed})
		s.handle(&route{Method: "DELETE", Path: base + "/{name}", Summary: "delete one of " + c.Path + " of " + what, Tag: tag,
			Query: writeParams, Status: 204, Codes: []int{400, 404, 409}, handler: h.deleteNamed})
		return
	}
	list := reflect.SliceOf(model)
	s.handle(&route{Method: "GET", Path: base, Summary: "list " + c.Path + " of " + what, Tag: tag,
		Query: rq, Resp: list, Status: 200, Codes: []int{404}, handler: h.listIndexed})
	s.handle(&route{Method: "PUT", Path: base, Summary: "replace all " + c.Path + " of " + what, Tag: tag,
		Query: writeParams, Body: list, Resp: list, Status: 200, Codes: []int{400, 404, 409}, handler: h.replaceList})
	s.handle(&route{Method: "GET", Path: base + "/{index}", Summary: "get one of " + c.Path + " of " + what, Tag: tag,
		Query: rq, Resp: model, Status: 200, Codes: []int{404}, handler: h.getIndexed})
	s.handle(&route{Method: "POST", Path: base + "/{index}", Summary: "insert into " + c.Path + " of " + what + " at index", Tag: tag,
		Query: writeParams, Body: model, Resp: model, Status: 201, Codes: []int{400, 404, 409}, handler: h.insertIndexed})
	s.handle(&route{Method: "PUT", Path: base + "/{index}", Summary: "replace one of " + c.Path + " of " + what, Tag: tag,
		Query: writeParams, Body: model, Resp: model, Status: 200, Codes: []int{400, 404, 409}, handler: h.putIndexed})
	s.handle(&route{Method: "DELETE", Path: base + "/{index}", Summary: "delete one of " + c.Path + " of " + what, Tag: tag,
		Query: writeParams, Status: 204, Codes: []int{400, 404, 409}, handler: h.deleteIndexed})
}

// parent finds the parent section of the request.
func (h *childAPI) parent(f *cfgfile.File, r *http.Request, write bool) (*cfgfile.Section, error) {
	name := r.PathValue("parent_name")
	sc, _ := findSection(f, h.sec.Kind, name)
	if sc == nil {
		if write {
			return nil, errorf(http.StatusBadRequest, "parent %s %s does not exist", h.sec.Kind, name)
		}
		return nil, errNotFound(h.sec.Kind + " " + name)
	}
	return sc, nil
}

// body decodes and encodes one child.
func (h *childAPI) body(r *http.Request) (any, []string, error) {
	m := h.c.New()
	if err := decodeBody(r, m); err != nil {
		return nil, nil, err
	}
	words, err := h.c.Encode(m)
	if err != nil {
		return nil, nil, badInput(err)
	}
	return m, words, nil
}

func (h *childAPI) decodeAll(lines []*cfgfile.Line) ([]any, error) {
	out := make([]any, 0, len(lines))
	for _, ln := range lines {
		m, err := h.c.Decode(ln.Words)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", ln.File, ln.Line, err)
		}
		out = append(out, m)
	}
	return out, nil
}

func (h *childAPI) listNamed(w http.ResponseWriter, r *http.Request) {
	h.s.view(w, r, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, false)
		if err != nil {
			return nil, err
		}
		return h.decodeAll(ownedLines(sc, h.c.Owns))
	})
}

// named returns the index in sc.Lines of the child called name, or -1.
func (h *childAPI) named(sc *cfgfile.Section, name string) int {
	for i, ln := range sc.Lines {
		if active(ln) && h.c.Owns(ln.Words) && h.c.Name(ln.Words) == name {
			return i
		}
	}
	return -1
}

func (h *childAPI) getNamed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h.s.view(w, r, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, false)
		if err != nil {
			return nil, err
		}
		i := h.named(sc, name)
		if i < 0 {
			return nil, errNotFound(h.c.Path + " " + name)
		}
		return h.c.Decode(sc.Lines[i].Words)
	})
}

func (h *childAPI) createNamed(w http.ResponseWriter, r *http.Request) {
	m, words, err := h.body(r)
	if err != nil {
		writeError(w, err)
		return
	}
	name := h.c.Name(words)
	h.s.change(w, r, http.StatusCreated, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		if h.named(sc, name) >= 0 {
			return nil, errorf(http.StatusConflict, "%s %s already exists", h.c.Path, name)
		}
		at := -1
		for i, ln := range sc.Lines {
			if active(ln) && h.c.Owns(ln.Words) {
				at = i + 1
			}
		}
		if at < 0 {
			at = endOfBody(sc)
		}
		sc.Lines = slices.Insert(sc.Lines, at, newLines(sc, [][]string{words})...)
		return m, nil
	})
}

func (h *childAPI) putNamed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	m, words, err := h.body(r)
	if err != nil {
		writeError(w, err)
		return
	}
	if n := h.c.Name(words); n != name {
		writeError(w, errorf(http.StatusBadRequest, "the body names %q, the URL %q", n, name))
		return
	}
	h.s.change(w, r, http.StatusOK, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		i := h.named(sc, name)
		if i < 0 {
			return nil, errNotFound(h.c.Path + " " + name)
		}
		sc.Lines[i].SetWords(words...)
		return m, nil
	})
}

func (h *childAPI) deleteNamed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	h.s.change(w, r, http.StatusNoContent, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		i := h.named(sc, name)
		if i < 0 {
			return nil, errNotFound(h.c.Path + " " + name)
		}
		sc.Lines = slices.Delete(sc.Lines, i, i+1)
		return nil, nil
	})
}

func (h *childAPI) listIndexed(w http.ResponseWriter, r *http.Request) {
	h.listNamed(w, r)
}

// index parses the {index} path value.
func index(r *http.Request) (int, error) {
	i, err := strconv.Atoi(r.PathValue("index"))
	if err != nil || i < 0 {
		return 0, errorf(http.StatusBadRequest, "index %q is not a non-negative integer", r.PathValue("index"))
	}
	return i, nil
}

// nth returns the position in sc.Lines of the i-th owned line, or -1.
func (h *childAPI) nth(sc *cfgfile.Section, i int) int {
	n := 0
	for j, ln := range sc.Lines {
		if active(ln) && h.c.Owns(ln.Words) {
			if n == i {
				return j
			}
			n++
		}
	}
	return -1
}

func (h *childAPI) getIndexed(w http.ResponseWriter, r *http.Request) {
	i, err := index(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h.s.view(w, r, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, false)
		if err != nil {
			return nil, err
		}
		j := h.nth(sc, i)
		if j < 0 {
			return nil, errNotFound(fmt.Sprintf("%s index %d", h.c.Path, i))
		}
		return h.c.Decode(sc.Lines[j].Words)
	})
}

func (h *childAPI) insertIndexed(w http.ResponseWriter, r *http.Request) {
	i, err := index(r)
	if err != nil {
		writeError(w, err)
		return
	}
	m, words, err := h.body(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h.s.change(w, r, http.StatusCreated, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		at := h.nth(sc, i)
		if at < 0 {
			// Appending: i must be the list's length.
			n := len(ownedLines(sc, h.c.Owns))
			if i != n {
				return nil, errorf(http.StatusBadRequest, "index %d out of range: %s has %d entries", i, h.c.Path, n)
			}
			if n > 0 {
				at = h.nth(sc, n-1) + 1
			} else {
				at = endOfBody(sc)
			}
		}
		sc.Lines = slices.Insert(sc.Lines, at, newLines(sc, [][]string{words})...)
		return m, nil
	})
}

func (h *childAPI) putIndexed(w http.ResponseWriter, r *http.Request) {
	i, err := index(r)
	if err != nil {
		writeError(w, err)
		return
	}
	m, words, err := h.body(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h.s.change(w, r, http.StatusOK, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		j := h.nth(sc, i)
		if j < 0 {
			return nil, errNotFound(fmt.Sprintf("%s index %d", h.c.Path, i))
		}
		sc.Lines[j].SetWords(words...)
		return m, nil
	})
}

func (h *childAPI) deleteIndexed(w http.ResponseWriter, r *http.Request) {
	i, err := index(r)
	if err != nil {
		writeError(w, err)
		return
	}
	h.s.change(w, r, http.StatusNoContent, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		j := h.nth(sc, i)
		if j < 0 {
			return nil, errNotFound(fmt.Sprintf("%s index %d", h.c.Path, i))
		}
		sc.Lines = slices.Delete(sc.Lines, j, j+1)
		return nil, nil
	})
}

func (h *childAPI) replaceList(w http.ResponseWriter, r *http.Request) {
	var raw []json.RawMessage
	if err := decodeBody(r, &raw); err != nil {
		writeError(w, err)
		return
	}
	var words [][]string
	out := make([]any, 0, len(raw))
	for k, item := range raw {
		m := h.c.New()
		dec := json.NewDecoder(strings.NewReader(string(item)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(m); err != nil {
			writeError(w, errorf(http.StatusBadRequest, "invalid request body: entry %d: %s", k, jsonMessage(err)))
			return
		}
		wd, err := h.c.Encode(m)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "entry %d: %v", k, err))
			return
		}
		words = append(words, wd)
		out = append(out, m)
	}
	h.s.change(w, r, http.StatusOK, func(f *cfgfile.File) (any, error) {
		sc, err := h.parent(f, r, true)
		if err != nil {
			return nil, err
		}
		replaceOwned(sc, h.c.Owns, words)
		return out, nil
	})
}

// fullSectionKey is the field of a full_section model that holds a child
// collection: named children keep their path ("servers"), lists become
// "<singular>_list" ("acl_list"), as in HAProxy's models.
func fullSectionKey(c *models.Child) string {
	if c.Name != nil {
		return c.Path
	}
	switch c.Path {
	case "tcp_checks":
		return "tcp_check_rule_list"
	}
	return strings.TrimSuffix(c.Path, "s") + "_list"
}

// fullType builds the struct of a section with its children: the model's
// own fields followed by one field per child collection. Nil when the
// section has no children or reflect cannot build it.
func fullType(sec *models.Section, kids []*models.Child) (t reflect.Type) {
	if len(kids) == 0 {
		return nil
	}
	defer func() {
		if recover() != nil {
			t = nil
		}
	}()
	mt := reflect.TypeOf(sec.New()).Elem()
	var fields []reflect.StructField
	for i := range mt.NumField() {
		fields = append(fields, mt.Field(i))
	}
	for i, c := range kids {
		ct := reflect.TypeOf(c.New()).Elem()
		ft := reflect.SliceOf(ct)
		if c.Name != nil {
			ft = reflect.MapOf(reflect.TypeFor[string](), ct)
		}
		fields = append(fields, reflect.StructField{
			Name: "Child" + strconv.Itoa(i),
			Type: ft,
			Tag:  reflect.StructTag(`json:"` + fullSectionKey(c) + `,omitempty"`),
		})
	}
	st := reflect.StructOf(fields)
	return st
}

// copyModel copies the model's fields between a model value and the
// leading fields of its full_section struct (either direction).
func copyModel(dst, src reflect.Value) {
	n := min(dst.NumField(), src.NumField())
	for i := range n {
		if dst.Type().Field(i).Name != src.Type().Field(i).Name {
			break
		}
		dst.Field(i).Set(src.Field(i))
	}
}
