// Package tlsconf loads certificates and builds the crypto/tls
// configurations of bind and server lines.
//
// Certificates live in a Store that outlives generations (like server
// state): each file is loaded once per path, and a bind's tls.Config reads
// the store's current certificate at every handshake through an atomic
// pointer. So Store.Replace (the runtime API's "set ssl cert" / "commit
// ssl cert") changes the certificate new handshakes get, without a reload
// and without touching established connections.
package tlsconf

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Cert is one loaded certificate: the chain and key of a PEM file.
type Cert struct {
	TLS *tls.Certificate // Leaf is set
	// Names are the DNS names the certificate serves: its SANs, or its
	// subject CN when it has none. Lower case; wildcards as "*.x.y".
	Names []string
}

// Leaf returns the end-entity certificate.
func (c *Cert) Leaf() *x509.Certificate { return c.TLS.Leaf }

// Entry is a certificate file known to the store. Its current Cert
// changes on Replace; readers load it at each handshake.
type Entry struct {
	Path string
	cur  atomic.Pointer[Cert]
	// disk is the hash of the file content cur was last loaded from, so
	// that a reload of an unchanged file keeps a runtime replacement.
	// Guarded by Store.mu.
	disk [32]byte
	// created is set for an entry made by "new ssl cert" rather than
	// loaded by the configuration; only those can be deleted. Guarded by
	// Store.mu.
	created bool
}

// Cert returns the entry's current certificate.
func (e *Entry) Cert() *Cert { return e.cur.Load() }

// Store holds certificates by path. It is safe for concurrent use.
type Store struct {
	mu      sync.Mutex
	entries map[string]*Entry
	lists   map[string]*CrtList
	// version changes whenever an entry's certificate or a crt-list's
	// lines do, so that binds rebuild their SNI index.
	version atomic.Uint64
}

// NewStore returns an empty store.
func NewStore() *Store {
	return &Store{entries: make(map[string]*Entry), lists: make(map[string]*CrtList)}
}

// Load returns the entry for the PEM file at path, reading it. A file
// whose content has not changed since it was last read keeps the entry's
// current certificate, which may have been replaced at run time; a
// changed file replaces it.
func (s *Store) Load(path string) (*Entry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load certificate '%s': %w", path, unwrapPath(err))
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[path]
	if e != nil && e.disk == sum {
		return e, nil
	}
	c, err := ParsePEM(path, data)
	if err != nil {
		return nil, err
	}
	if e == nil {
		e = &Entry{Path: path}
		s.entries[path] = e
	}
	e.disk = sum
	e.cur.Store(c)
	s.version.Add(1)
	return e, nil
}

// Replace sets the certificate of an already loaded path from PEM bytes
// holding the chain and the key. New handshakes use it at once; the file
// on disk is not written.
func (s *Store) Replace(path string, pemBytes []byte) error {
	c, err := ParsePEM(path, pemBytes)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.entries[path]
	if e == nil {
		return fmt.Errorf("certificate '%s' is not loaded", path)
	}
	e.cur.Store(c)
	s.version.Add(1)
	return nil
}

// Paths lists the loaded certificate paths, sorted.
func (s *Store) Paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.entries))
	for p := range s.entries {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// Get returns the entry of a loaded path, or nil.
func (s *Store) Get(path string) *Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries[path]
}

// LoadPath loads a crt argument: a file, or a directory whose files are
// loaded in name order (skipping the .key, .ocsp, .issuer and .sctl
// companions, as HAProxy does).
func (s *Store) LoadPath(path string) ([]*Entry, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load certificate '%s': %w", path, unwrapPath(err))
	}
	if !fi.IsDir() {
		e, err := s.Load(path)
		if err != nil {
			return nil, err
		}
		return []*Entry{e}, nil
	}
	des, err := os.ReadDir(path)
	if err != nil {
		return nil, fmt.Errorf("unable to read directory '%s': %w", path, unwrapPath(err))
	}
	var out []*Entry
	for _, de := range des {
		n := de.Name()
		if de.IsDir() || strings.HasPrefix(n, ".") || hasAnySuffix(n, ".key", ".ocsp", ".issuer", ".sctl") {
			continue
		}
		e, err := s.Load(filepath.Join(path, n))
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no certificate found in directory '%s'", path)
	}
	return out, nil
}

func hasAnySuffix(s string, sfx ...string) bool {
	for _, x := range sfx {
		if strings.HasSuffix(s, x) {
			return true
		}
	}
	return false
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// ParsePEM parses a certificate file: the certificate first, then its
// chain, with the private key anywhere in the file or, when the file has
// none, in "<path>.key" (HAProxy's ssl-load-extra-files default). path is
// only used for messages and to find the key file.
func ParsePEM(path string, data []byte) (*Cert, error) {
	var certPEM, keyPEM bytes.Buffer
	rest := data
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		switch {
		case b.Type == "CERTIFICATE":
			pem.Encode(&certPEM, b)
		case strings.HasSuffix(b.Type, "PRIVATE KEY"):
			if keyPEM.Len() == 0 {
				pem.Encode(&keyPEM, b)
			}
		}
	}
	if certPEM.Len() == 0 {
		return nil, fmt.Errorf("unable to load certificate '%s': no certificate found in the file", path)
	}
	if keyPEM.Len() == 0 {
		kd, err := os.ReadFile(path + ".key")
		if err != nil {
			return nil, fmt.Errorf("unable to load certificate '%s': no private key in the file nor in '%s.key'", path, path)
		}
		keyPEM.Write(kd)
	}
	c, err := tls.X509KeyPair(certPEM.Bytes(), keyPEM.Bytes())
	if err != nil {
		return nil, fmt.Errorf("unable to load certificate '%s': %w", path, err)
	}
	if c.Leaf == nil {
		if c.Leaf, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, fmt.Errorf("unable to load certificate '%s': %w", path, err)
		}
	}
	return &Cert{TLS: &c, Names: certNames(c.Leaf)}, nil
}

// Expired reports whether the certificate is outside its validity period
// at t. HAProxy loads such certificates (clients refuse them); hawser
// does too and the engine logs a warning.
func (c *Cert) Expired(t time.Time) bool {
	return t.After(c.Leaf().NotAfter) || t.Before(c.Leaf().NotBefore)
}

func certNames(leaf *x509.Certificate) []string {
	var names []string
	for _, n := range leaf.DNSNames {
		names = append(names, strings.ToLower(n))
	}
	if len(names) == 0 && leaf.Subject.CommonName != "" {
		names = append(names, strings.ToLower(leaf.Subject.CommonName))
	}
	return names
}
