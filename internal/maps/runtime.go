package maps

import (
	"errors"
	"strconv"
	"strings"
	"sync/atomic"
)

// Runtime API support: entry references, versions for atomic replacement
// ("prepare map", "add map @<ver>", "commit map") and lookups by id.
//
// Design: every reader (converter, ACL) takes the Map's read lock for the
// duration of one lookup; an edit takes the write lock. "commit map" swaps
// the staged entries in and rebuilds the indexes under one write lock, so
// a lookup sees either the whole old version or the whole new one, never a
// mix. Staged versions are invisible to lookups until committed.

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
	m.mu.RLock()
	defer m.mu.RUnlock()
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
	m.mu.Lock()
	if ver == m.ver.curr {
		m.mu.Unlock()
		return m.Add(key, value)
	}
	defer m.mu.Unlock()
	if !m.staging(ver) {
		return ErrVersion
	}
	for _, x := range m.indexes {
		if err := validKey(x.kind, key); err != nil {
			return err
		}
	}
	m.ver.staged[ver] = append(m.ver.staged[ver], Entry{Key: key, Value: value, Ref: newRef()})
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
	m.entries = m.ver.staged[ver]
	for v := range m.ver.staged {
		if v <= ver {
			delete(m.ver.staged, v)
		}
	}
	m.ver.curr = ver
	m.rebuild()
	return nil
}

// SetRef changes the value of the entry with reference ref.
func (m *Map) SetRef(ref uint64, value string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.entries {
		if m.entries[i].Ref == ref {
			m.entries[i].Value = value
			return nil
		}
	}
	return ErrNotFound
}

// DelRef removes the entry with reference ref.
func (m *Map) DelRef(ref uint64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.entries {
		if m.entries[i].Ref == ref {
			m.entries = append(m.entries[:i], m.entries[i+1:]...)
			m.rebuild()
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
	m.mu.RLock()
	var x *Index
	if len(m.indexes) > 0 {
		x = m.indexes[0]
	}
	m.mu.RUnlock()
	if x == nil {
		mt, err := m.Matcher(Str, false)
		if err != nil {
			return Match{Kind: Str}
		}
		x = mt.x
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	x = m.indexes[indexOf(m.indexes, x.kind, x.icase)]
	i, ok := x.Lookup([]byte(sample))
	r := Match{Kind: x.kind, ICase: x.icase, Found: ok}
	if ok {
		r.Entry = m.entries[i]
	}
	return r
}

func indexOf(xs []*Index, kind Kind, icase bool) int {
	for i, x := range xs {
		if x.kind == kind && x.icase == icase {
			return i
		}
	}
	return 0
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
	m.mu.RLock()
	defer m.mu.RUnlock()
	if ver == m.ver.curr {
		return append([]Entry(nil), m.entries...), true
	}
	if !m.staging(ver) {
		return nil, false
	}
	return append([]Entry(nil), m.ver.staged[ver]...), true
}
