package maps

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
)

// Runtime API support: entry references, versions for atomic replacement
// ("prepare map", "add map @<ver>", "commit map") and lookups by id.
//
// Design: readers (converters, ACLs) load the Map's current state through
// an atomic pointer and take no lock; writers serialise on Map.mu and
// publish a new state. "commit map" builds the indexes of the staged
// entries and publishes them in one store, so a lookup sees either the
// whole old version or the whole new one, never a mix. Staged versions
// are invisible to lookups until committed.

// refSeq numbers entries across every map so that a reference names one
// entry of one map for the life of the process.
var refSeq atomic.Uint64

func newRef() uint64 { return refSeq.Add(1) }

// versions tracks HAProxy's pattern-reference generations: Curr is the
// version lookups see, Next the highest version handed out by Prepare.
// Staged versions (Curr < v <= Next) hold the entries added with
// "add map @v" until "commit map @v" makes them current.
type versions struct {
	curr, next uint32
	staged     map[uint32][]Entry
}

// Errors of the versioned operations.
var (
	ErrVersion  = errors.New("version out of range")
	ErrNotFound = errors.New("entry not found")
)

// ID returns the map's unique id, as "show map" lists it and "#<id>"
// names it.
func (m *Map) ID() int { return m.id }

// IsMap reports whether the file is read as "key value" lines (a map)
// rather than patterns (an ACL file).
func (m *Map) IsMap() bool { return m.isMap }

// Versions returns the current and next versions.
func (m *Map) Versions() (curr, next uint32) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.ver.curr, m.ver.next
}

// Prepare opens a new empty version and returns its number.
func (m *Map) Prepare() uint32 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.ver.next < m.ver.curr {
		m.ver.next = m.ver.curr
	}
	m.ver.next++
	if m.ver.staged == nil {
		m.ver.staged = map[uint32][]Entry{}
	}
	m.ver.staged[m.ver.next] = nil
	return m.ver.next
}

// staging returns whether ver is a version opened by Prepare and not yet
// committed; the caller holds mu.
func (m *Map) staging(ver uint32) bool {
	_, ok := m.ver.staged[ver]
	return ok && ver > m.ver.curr
}

// AddVersion adds an entry to version ver: the current version is edited
// in place (as Add), a prepared one is staged until its commit.
func (m *Map) AddVersion(ver uint32, key, value string) error {
	return m.AddEntriesVersion(ver, []Entry{{Key: key, Value: value}})
}

// AddEntriesVersion adds entries to version ver in one step: the current
// version is edited in place (as AddEntries), a prepared one is staged
// until its commit. Nothing is added when a key is invalid.
func (m *Map) AddEntriesVersion(ver uint32, add []Entry) error {
	m.mu.Lock()
	if ver == m.ver.curr {
		m.mu.Unlock()
		return m.AddEntries(add)
	}
	defer m.mu.Unlock()
	if !m.staging(ver) {
		return ErrVersion
	}
	for _, e := range add {
		for _, x := range m.state().base {
			if err := validKey(x.kind, e.Key); err != nil {
				return err
			}
		}
	}
	for _, e := range add {
		m.ver.staged[ver] = append(m.ver.staged[ver], Entry{Key: e.Key, Value: e.Value, Ref: newRef()})
	}
	return nil
}

// ClearVersion removes every entry of version ver (the current one or a
// prepared one).
func (m *Map) ClearVersion(ver uint32) error {
	m.mu.Lock()
	if ver == m.ver.curr {
		m.mu.Unlock()
		m.Clear()
		return nil
	}
	defer m.mu.Unlock()
	if !m.staging(ver) {
		return ErrVersion
	}
	m.ver.staged[ver] = nil
	return nil
}

// Commit makes the prepared version ver current: its entries replace
// every entry of the map in one step, and versions older than ver are
// dropped.
func (m *Map) Commit(ver uint32) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.staging(ver) {
		return ErrVersion
	}
	entries := m.ver.staged[ver]
	for v := range m.ver.staged {
		if v <= ver {
			delete(m.ver.staged, v)
		}
	}
	m.ver.curr = ver
	m.publishNew(entries)
	return nil
}

// SetRef changes the value of the entry with reference ref.
func (m *Map) SetRef(ref uint64, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	entries := m.state().entries
	for i := range entries {
		if entries[i].Ref == ref {
			entries = slices.Clone(entries)
			entries[i].Value = value
			m.publishValues(entries)
			return nil
		}
	}
	return ErrNotFound
}

// DelRef removes the entry with reference ref.
func (m *Map) DelRef(ref uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	entries := m.state().entries
	for i := range entries {
		if entries[i].Ref == ref {
			m.publishNew(slices.Delete(slices.Clone(entries), i, i+1))
			return nil
		}
	}
	return ErrNotFound
}

// Match is the answer of Get: how the map was searched and what matched.
type Match struct {
	Kind  Kind
	ICase bool
	Found bool
	Entry Entry
}

// Get looks the sample up the way the map's first user does (its first
// matcher; str when nothing uses it yet), for "get map".
func (m *Map) Get(sample string) Match {
	m.mu.Lock()
	var mt *Matcher
	if len(m.matches) > 0 {
		mt = m.matches[0]
	}
	m.mu.Unlock()
	if mt == nil {
		var err error
		if mt, err = m.Matcher(Str, false); err != nil {
			return Match{Kind: Str}
		}
	}
	st := m.st.Load()
	s := []byte(sample)
	i, ok := st.base[mt.slot].Lookup(s)
	if t := st.tail[mt.slot]; t != nil {
		j, tok := t.Lookup(s)
		i, ok = st.better(mt.kind, i, ok, j, tok)
	}
	r := Match{Kind: mt.kind, ICase: mt.icase, Found: ok}
	if ok {
		r.Entry = st.entries[i]
	}
	return r
}

// Find returns the map named by name: "#<id>" or the file's path.
func (r *Registry) Find(name string) *Map {
	if id, ok := strings.CutPrefix(name, "#"); ok {
		n, err := strconv.Atoi(id)
		if err != nil {
			return nil
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if n < 0 || n >= len(r.seq) {
			return nil
		}
		return r.seq[n]
	}
	return r.Get(name)
}

// VersionEntries returns a copy of the entries of version ver: the
// current one or a prepared one.
func (m *Map) VersionEntries(ver uint32) ([]Entry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ver == m.ver.curr {
		return m.Entries(), true
	}
	if !m.staging(ver) {
		return nil, false
	}
	return append([]Entry(nil), m.ver.staged[ver]...), true
}
