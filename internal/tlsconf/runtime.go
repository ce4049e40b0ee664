package tlsconf

import "errors"

// Runtime API support: certificates created and deleted at run time
// ("new ssl cert", "del ssl cert").

// Errors of New and Delete.
var (
	ErrExists = errors.New("certificate already exists")
	ErrInUse  = errors.New("certificate in use")
	ErrNoCert = errors.New("no such certificate")
)

// New adds an empty entry for path, to be filled by Replace ("new ssl
// cert" then "set ssl cert" and "commit ssl cert"). Nothing serves it
// until a bind references it.
func (s *Store) New(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.entries[path] != nil {
		return ErrExists
	}
	s.entries[path] = &Entry{Path: path, created: true}
	return nil
}

// Delete removes an entry made by New. Certificates the configuration
// loaded are in use by its binds, and those a crt-list line names by
// crt-list binds: they cannot be deleted.
func (s *Store) Delete(path string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[path]
	switch {
	case e == nil:
		return ErrNoCert
	case !e.created, s.inCrtList(path):
		return ErrInUse
	}
	delete(s.entries, path)
	return nil
}

// Used reports whether the configuration loaded the entry (HAProxy's
// "Status: Used" in "show ssl cert").
func (e *Entry) Used() bool { return !e.created }
