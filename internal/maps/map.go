package maps

import (
	"bufio"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"os"
	"regexp"
	"slices"
	"sync"
	"sync/atomic"
)

// Entry is one line of a map or pattern file. A pattern file's entries
// have no Value.
type Entry struct {
	Key, Value string
	Line       int    // line in the file; 0 for entries added at run time
	Ref        uint64 // unique reference, shown by "show map" and usable as #<ref>
}

// Map is the content of one map or pattern file (HAProxy's "pattern
// reference"), shared by every converter and ACL that names the file.
// Indexes are built for each (kind, case) combination in use and kept in
// step with runtime edits. All methods are safe for concurrent use.
//
// Lookups take no lock: they load the current view (an immutable
// mapState) through an atomic pointer. Writers serialise on mu, build the
// next view and publish it with one store, so a lookup sees one whole
// state of the file, never a half-applied edit (RCU).
type Map struct {
	path  string
	isMap bool // lines are "key value"; otherwise the whole line is a key
	id    int  // unique id among the registry's maps ("show map", #<id>)
	st    atomic.Pointer[mapState]
	// mu serialises writers; readers never take it.
	mu      sync.Mutex
	ver     versions   // guarded by mu; see runtime.go
	matches []*Matcher // one per index slot, handed out by Matcher; guarded by mu
}

// mapState is one published view of a map. Nothing in it is written once
// it is published, except entries' backing array beyond len(entries),
// which only a later state (made by appending) reads.
//
// Entries added at run time go to a small tail index instead of the big
// base index, so that an "add map" costs O(tail) rather than a copy of a
// 100k-entry index; the tail is folded into the base when it grows past
// about sqrt(2n) entries, which keeps the amortised cost of an add near
// O(sqrt n).
type mapState struct {
	entries []Entry // file order
	baseN   int     // base[i] indexes entries[:baseN]
	base    []*Index
	tail    []*Index // tail[i] indexes entries[baseN:]; nil when empty
}

func (m *Map) state() *mapState {
	if st := m.st.Load(); st != nil {
		return st
	}
	return &mapState{}
}

// Path returns the file the map was loaded from.
func (m *Map) Path() string { return m.path }

// Len returns the number of entries.
func (m *Map) Len() int { return len(m.state().entries) }

// Entries returns a copy of the entries in order, for "show map".
func (m *Map) Entries() []Entry {
	return append([]Entry(nil), m.state().entries...)
}

// Matcher returns the view of m through kind, building its index on first
// use. A key that is not valid for kind is an error naming its line.
func (m *Map) Matcher(kind Kind, icase bool) (*Matcher, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mt := range m.matches {
		if mt.kind == kind && mt.icase == icase {
			return mt, nil
		}
	}
	st := m.state()
	x := NewIndex(kind, icase)
	for i, e := range st.entries {
		if err := x.Add(e.Key, int32(i)); err != nil {
			return nil, fmt.Errorf("%v at line %d of file '%s'", err, e.Line, m.path)
		}
	}
	mt := &Matcher{m: m, kind: kind, icase: icase, slot: len(m.matches)}
	next := &mapState{entries: st.entries, baseN: len(st.entries)}
	next.base = append(slices.Clip(rebuildAll(st)), x)
	next.tail = make([]*Index, len(next.base))
	m.st.Store(next)
	m.matches = append(m.matches, mt)
	return mt, nil
}

// rebuildAll returns base indexes over every entry of st, reusing st's
// base when it has no tail.
func rebuildAll(st *mapState) []*Index {
	if st.baseN == len(st.entries) {
		return st.base
	}
	return buildIndexes(st.base, st.entries, 0)
}

// buildIndexes returns new indexes of the kinds of like over entries,
// numbering them from off. Every key was checked by validKey, so Add
// cannot fail.
func buildIndexes(like []*Index, entries []Entry, off int) []*Index {
	out := make([]*Index, len(like))
	for i, old := range like {
		x := NewIndex(old.kind, old.icase)
		for j, e := range entries {
			_ = x.Add(e.Key, int32(off+j))
		}
		out[i] = x
	}
	return out
}

// publishAppend publishes entries, which extend st.entries, updating the
// tail or folding it into the base. The caller holds mu.
func (m *Map) publishAppend(st *mapState, entries []Entry) {
	next := &mapState{entries: entries, baseN: st.baseN, base: st.base}
	if tail := len(entries) - st.baseN; tail > tailLimit(len(entries)) {
		next.baseN = len(entries)
		next.base = buildIndexes(st.base, entries, 0)
		next.tail = make([]*Index, len(st.base))
	} else {
		next.tail = buildIndexes(st.base, entries[st.baseN:], st.baseN)
	}
	m.st.Store(next)
}

// publishNew publishes entries as a fresh state with every index rebuilt
// (after deletions, which renumber entries). The caller holds mu.
func (m *Map) publishNew(entries []Entry) {
	st := m.state()
	m.st.Store(&mapState{entries: entries, baseN: len(entries),
		base: buildIndexes(st.base, entries, 0), tail: make([]*Index, len(st.base))})
}

// publishValues publishes entries, a copy of the current ones with only
// values changed: keys and positions are the same, so indexes are shared.
// The caller holds mu.
func (m *Map) publishValues(entries []Entry) {
	st := m.state()
	m.st.Store(&mapState{entries: entries, baseN: st.baseN, base: st.base, tail: st.tail})
}

// tailLimit is how many run-time additions stay in the tail index of a
// map of n entries before it is folded into the base.
func tailLimit(n int) int {
	return max(64, int(math.Sqrt(float64(2*n))))
}

// Add appends an entry. The key must be valid for every kind the map is
// used with; nothing changes when it is not.
func (m *Map) Add(key, value string) error {
	return m.AddEntries([]Entry{{Key: key, Value: value}})
}

// AddEntries appends entries in one step (a payload of "add map"):
// lookups see all of them or none. Every key must be valid for every
// kind the map is used with; nothing changes when one is not.
func (m *Map) AddEntries(add []Entry) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.state()
	for _, e := range add {
		for _, x := range st.base {
			if err := validKey(x.kind, e.Key); err != nil {
				return err
			}
		}
	}
	entries := st.entries
	for _, e := range add {
		entries = append(entries, Entry{Key: e.Key, Value: e.Value, Ref: newRef()})
	}
	m.publishAppend(st, entries)
	return nil
}

// Set changes the value of every entry whose key is key and returns how
// many there were.
func (m *Map) Set(key, value string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	entries := slices.Clone(m.state().entries)
	n := 0
	for i := range entries {
		if entries[i].Key == key {
			entries[i].Value = value
			n++
		}
	}
	if n > 0 {
		m.publishValues(entries)
	}
	return n
}

// Del removes every entry whose key is key and returns how many there
// were. Indexes are rebuilt, which costs a pass over the map.
func (m *Map) Del(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.state().entries
	kept := make([]Entry, 0, len(old))
	for _, e := range old {
		if e.Key != key {
			kept = append(kept, e)
		}
	}
	n := len(old) - len(kept)
	if n > 0 {
		m.publishNew(kept)
	}
	return n
}

// Clear removes every entry.
func (m *Map) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.publishNew(nil)
}

// validKey checks that key parses for kind, so that Add can check every
// index before changing any.
func validKey(kind Kind, key string) error {
	var err error
	switch kind {
	case IP:
		_, err = ParseIP(key)
	case Int:
		_, _, err = ParseIntRange(key)
	case Reg:
		_, err = regexp.Compile(key)
	}
	return err
}

// Matcher is a Map seen through one match kind. Lookups return the value
// of the matching entry (empty for pattern files).
type Matcher struct {
	m     *Map
	kind  Kind
	icase bool
	slot  int // index of its indexes in every mapState of m
}

// Kind returns the match kind of the matcher.
func (mt *Matcher) Kind() Kind { return mt.kind }

// Map returns the map the matcher reads.
func (mt *Matcher) Map() *Map { return mt.m }

// Lookup finds the entry matching the string sample s.
func (mt *Matcher) Lookup(s []byte) (string, bool) {
	st := mt.m.st.Load()
	i, ok := st.base[mt.slot].Lookup(s)
	if t := st.tail[mt.slot]; t != nil {
		j, tok := t.Lookup(s)
		i, ok = st.better(mt.kind, i, ok, j, tok)
	}
	return st.value(i, ok)
}

// LookupIP finds the entry with the longest prefix containing a.
func (mt *Matcher) LookupIP(a netip.Addr) (string, bool) {
	st := mt.m.st.Load()
	i, ok := st.base[mt.slot].LookupIP(a)
	if t := st.tail[mt.slot]; t != nil {
		j, tok := t.LookupIP(a)
		i, ok = st.better(mt.kind, i, ok, j, tok)
	}
	return st.value(i, ok)
}

// LookupInt finds the first entry whose key (or range) holds n.
func (mt *Matcher) LookupInt(n int64) (string, bool) {
	st := mt.m.st.Load()
	i, ok := st.base[mt.slot].LookupInt(n)
	if t := st.tail[mt.slot]; t != nil {
		j, tok := t.LookupInt(n)
		i, ok = st.better(mt.kind, i, ok, j, tok)
	}
	return st.value(i, ok)
}

// better merges a base answer (i) and a tail answer (j, a later entry):
// the base wins, as the first entry in file order does, except for beg
// and ip where a longer match wins.
func (st *mapState) better(kind Kind, i int32, ok bool, j int32, tok bool) (int32, bool) {
	switch {
	case !tok:
		return i, ok
	case !ok:
		return j, true
	}
	switch kind {
	case Beg:
		if len(st.entries[j].Key) > len(st.entries[i].Key) {
			return j, true
		}
	case IP:
		pi, _ := ParseIP(st.entries[i].Key)
		pj, _ := ParseIP(st.entries[j].Key)
		if pj.Bits() > pi.Bits() {
			return j, true
		}
	}
	return i, true
}

func (st *mapState) value(i int32, ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	return st.entries[i].Value, true
}

// Registry shares maps by path: every reference to the same file gets the
// same *Map, so a runtime edit is seen by all of them. The engine should
// use one Registry per configuration generation so that a reload re-reads
// the files, as restarting HAProxy does.
type Registry struct {
	mu   sync.Mutex
	maps map[string]*Map
	seq  []*Map
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{maps: map[string]*Map{}} }

// LoadMap returns the map file at path ("key value" lines), reading it on
// first use.
func (r *Registry) LoadMap(path string) (*Map, error) { return r.load(path, true) }

// LoadPatterns returns the pattern file at path (one key per line, as an
// ACL's "-f" reads it), reading it on first use.
func (r *Registry) LoadPatterns(path string) (*Map, error) { return r.load(path, false) }

// Get returns the map loaded from path, or nil.
func (r *Registry) Get(path string) *Map {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.maps[path]
}

// Maps returns the loaded maps in load order.
func (r *Registry) Maps() []*Map {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*Map(nil), r.seq...)
}

// load reads path once. A file referenced both as a map and as a pattern
// file is read in the first way it was referenced, as HAProxy shares one
// reference per file; "-M" on the ACL asks for the map reading.
func (r *Registry) load(path string, isMap bool) (*Map, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.maps[path]; ok {
		return m, nil
	}
	entries, err := ReadFile(path, isMap)
	if err != nil {
		return nil, err
	}
	for i := range entries {
		entries[i].Ref = newRef()
	}
	m := &Map{path: path, isMap: isMap, id: len(r.seq)}
	m.st.Store(&mapState{entries: entries, baseN: len(entries)})
	r.maps[path] = m
	r.seq = append(r.seq, m)
	return m, nil
}

// ReadFile reads a map file (isMap) or a pattern file with HAProxy's rules
// (pattern.c): a line whose first byte is '#' is a comment; leading blanks
// are skipped and blank lines ignored. In a map file the key ends at the
// first blank and the value is the rest of the line without its leading
// and trailing blanks; in a pattern file the key is the rest of the line.
func ReadFile(path string, isMap bool) ([]Entry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("failed to open pattern file '%s': %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	var entries []Entry
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		if e, ok := parseLine(sc.Bytes(), isMap); ok {
			e.Line = line
			entries = append(entries, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading pattern file '%s': %w", path, err)
	}
	return entries, nil
}

// parseLine parses one line (without its '\n'); ok is false for comments
// and blank lines.
func parseLine(b []byte, isMap bool) (Entry, bool) {
	if len(b) > 0 && b[0] == '#' {
		return Entry{}, false
	}
	i := 0
	for i < len(b) && isBlank(b[i]) {
		i++
	}
	end := i
	for end < len(b) && b[end] != '\r' {
		end++
	}
	b = b[i:end]
	if len(b) == 0 {
		return Entry{}, false
	}
	if !isMap {
		return Entry{Key: string(b)}, true
	}
	k := 0
	for k < len(b) && !isBlank(b[k]) {
		k++
	}
	v := b[k:]
	for len(v) > 0 && isBlank(v[0]) {
		v = v[1:]
	}
	for len(v) > 0 && isBlank(v[len(v)-1]) {
		v = v[:len(v)-1]
	}
	return Entry{Key: string(b[:k]), Value: string(v)}, true
}

func isBlank(c byte) bool { return c == ' ' || c == '\t' }
