package maps

import (
	"bufio"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"sync"
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
// step with runtime edits. All methods are safe for concurrent use;
// lookups hold the read lock only.
type Map struct {
	path    string
	isMap   bool // lines are "key value"; otherwise the whole line is a key
	id      int  // unique id among the registry's maps ("show map", #<id>)
	mu      sync.RWMutex
	ver     versions   // guarded by mu; see runtime.go
	entries []Entry    // file order; guarded by mu
	indexes []*Index   // guarded by mu
	matches []*Matcher // one per index, handed out by Matcher
}

// Path returns the file the map was loaded from.
func (m *Map) Path() string { return m.path }

// Len returns the number of entries.
func (m *Map) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.entries)
}

// Entries returns a copy of the entries in order, for "show map".
func (m *Map) Entries() []Entry {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return append([]Entry(nil), m.entries...)
}

// Matcher returns the view of m through kind, building its index on first
// use. A key that is not valid for kind is an error naming its line.
func (m *Map) Matcher(kind Kind, icase bool) (*Matcher, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, mt := range m.matches {
		if mt.x.kind == kind && mt.x.icase == icase {
			return mt, nil
		}
	}
	x := NewIndex(kind, icase)
	for i, e := range m.entries {
		if err := x.Add(e.Key, int32(i)); err != nil {
			return nil, fmt.Errorf("%v at line %d of file '%s'", err, e.Line, m.path)
		}
	}
	mt := &Matcher{m: m, kind: kind, x: x}
	m.indexes = append(m.indexes, x)
	m.matches = append(m.matches, mt)
	return mt, nil
}

// Add appends an entry. The key must be valid for every kind the map is
// used with; nothing changes when it is not.
func (m *Map) Add(key, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.indexes {
		if err := validKey(x.kind, key); err != nil {
			return err
		}
	}
	pos := int32(len(m.entries))
	m.entries = append(m.entries, Entry{Key: key, Value: value, Ref: newRef()})
	for _, x := range m.indexes {
		// validKey ran above, so Add cannot fail here.
		_ = x.Add(key, pos)
	}
	return nil
}

// Set changes the value of every entry whose key is key and returns how
// many there were.
func (m *Map) Set(key, value string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for i := range m.entries {
		if m.entries[i].Key == key {
			m.entries[i].Value = value
			n++
		}
	}
	return n
}

// Del removes every entry whose key is key and returns how many there
// were. Indexes are rebuilt, which costs a pass over the map.
func (m *Map) Del(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	kept := m.entries[:0]
	for _, e := range m.entries {
		if e.Key != key {
			kept = append(kept, e)
		}
	}
	n := len(m.entries) - len(kept)
	clear(m.entries[len(kept):])
	m.entries = kept
	if n > 0 {
		m.rebuild()
	}
	return n
}

// Clear removes every entry.
func (m *Map) Clear() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = nil
	m.rebuild()
}

// rebuild recreates every index from the entries; the caller holds mu.
// Every key was valid when added, so Add cannot fail.
func (m *Map) rebuild() {
	for i, old := range m.indexes {
		x := NewIndex(old.kind, old.icase)
		for j, e := range m.entries {
			_ = x.Add(e.Key, int32(j))
		}
		m.indexes[i] = x
		m.matches[i].x = x
	}
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
	m    *Map
	kind Kind
	x    *Index // guarded by m.mu: replaced when the map is rebuilt
}

// Kind returns the match kind of the matcher.
func (mt *Matcher) Kind() Kind { return mt.kind }

// Map returns the map the matcher reads.
func (mt *Matcher) Map() *Map { return mt.m }

// Lookup finds the entry matching the string sample s.
func (mt *Matcher) Lookup(s []byte) (string, bool) {
	mt.m.mu.RLock()
	defer mt.m.mu.RUnlock()
	i, ok := mt.x.Lookup(s)
	return mt.m.value(i, ok)
}

// LookupIP finds the entry with the longest prefix containing a.
func (mt *Matcher) LookupIP(a netip.Addr) (string, bool) {
	mt.m.mu.RLock()
	defer mt.m.mu.RUnlock()
	i, ok := mt.x.LookupIP(a)
	return mt.m.value(i, ok)
}

// LookupInt finds the first entry whose key (or range) holds n.
func (mt *Matcher) LookupInt(n int64) (string, bool) {
	mt.m.mu.RLock()
	defer mt.m.mu.RUnlock()
	i, ok := mt.x.LookupInt(n)
	return mt.m.value(i, ok)
}

func (m *Map) value(i int32, ok bool) (string, bool) {
	if !ok {
		return "", false
	}
	return m.entries[i].Value, true
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
	m := &Map{path: path, isMap: isMap, id: len(r.seq), entries: entries}
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
