package tlsconf

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/hawser-lb/hawser/internal/config"
)

// CrtListLine is one line of a crt-list file:
//
//	<pem file> [<bind ssl options>] [[!]<sni filter> ...]
type CrtListLine struct {
	Line int
	Path string
	// Opts are the bracketed options ("alpn h2 verify required"), split
	// in words; nil when there are none.
	Opts []string
	// Filters are the SNI names the certificate serves instead of its
	// own; Negs are names excluded. Lower case, wildcards as "*.x.y".
	Filters, Negs []string
}

// crtListOpts are the bracketed options hawser applies per certificate,
// with how many arguments each takes.
var crtListOpts = map[string]int{
	"alpn": 1, "no-alpn": 0, "ca-file": 1, "crl-file": 1, "verify": 1, "ciphers": 1, "ciphersuites": 1,
	"curves": 1, "ecdhe": 1, "ssl-min-ver": 1, "ssl-max-ver": 1, "no-tls-tickets": 0,
}

// crtListKnown are HAProxy's other crt-list options, refused by name.
var crtListKnown = []string{"allow-0rtt", "no-ca-names", "npn", "ocsp-update", "sigalgs", "client-sigalgs"}

// ParseCrtList parses a crt-list file; relative certificate paths are
// resolved against base (crt-base). Errors name the file and line.
func ParseCrtList(path, base string) ([]CrtListLine, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load crt-list '%s': %w", path, unwrapPath(err))
	}
	return parseCrtList(path, base, data)
}

func parseCrtList(path, base string, data []byte) ([]CrtListLine, error) {
	var out []CrtListLine
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		l, err := parseCrtListLine(line, base)
		if err != nil {
			return nil, fmt.Errorf("crt-list '%s' line %d: %w", path, n, err)
		}
		l.Line = n
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("crt-list '%s': %w", path, err)
	}
	return out, nil
}

func parseCrtListLine(line, base string) (CrtListLine, error) {
	var l CrtListLine
	var p, rest string
	if i := strings.IndexAny(line, " \t"); i >= 0 {
		p, rest = line[:i], strings.TrimSpace(line[i:])
	} else {
		p, rest = line, ""
	}
	if base != "" && !filepath.IsAbs(p) {
		p = filepath.Join(base, p)
	}
	l.Path = p
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return l, fmt.Errorf("missing ']' after the options")
		}
		l.Opts = strings.Fields(rest[1:end])
		if l.Opts == nil {
			l.Opts = []string{}
		}
		rest = rest[end+1:]
		if err := checkCrtListOpts(l.Opts); err != nil {
			return l, err
		}
	}
	for _, f := range strings.Fields(rest) {
		f = strings.ToLower(f)
		if neg, ok := strings.CutPrefix(f, "!"); ok {
			if neg == "" {
				return l, fmt.Errorf("empty negative SNI filter")
			}
			l.Negs = append(l.Negs, neg)
			continue
		}
		l.Filters = append(l.Filters, f)
	}
	return l, nil
}

func checkCrtListOpts(opts []string) error {
	for i := 0; i < len(opts); i++ {
		n, ok := crtListOpts[opts[i]]
		if !ok {
			for _, k := range crtListKnown {
				if k == opts[i] {
					return fmt.Errorf("option '%s' is not supported by hawser", k)
				}
			}
			return fmt.Errorf("unknown option '%s'", opts[i])
		}
		if i+n >= len(opts) && n > 0 {
			return fmt.Errorf("option '%s' expects an argument", opts[i])
		}
		i += n
	}
	return nil
}

// CrtList is a crt-list file known to the store. Like a certificate
// Entry it outlives generations, so lines added or deleted at run time
// ("add ssl crt-list", "del ssl crt-list") are kept across reloads while
// the file on disk is unchanged, and every bind naming the list sees an
// edit at its next handshake.
type CrtList struct {
	Path string
	// lines is the current content; a published slice and its lines are
	// never modified (edits publish a new slice), so binds read it
	// without a lock.
	lines atomic.Pointer[[]*CrtListLine]
	// The fields below are guarded by Store.mu.
	disk     [32]byte
	lastLine int // highest line number given (HAProxy's linecount)
	// defaults names, per bind line ("file:line"), the line whose
	// certificate is that bind's default: it cannot be deleted.
	defaults map[string]*CrtListLine
}

// Lines returns the list's current lines; the caller must not modify
// them.
func (l *CrtList) Lines() []*CrtListLine {
	if p := l.lines.Load(); p != nil {
		return *p
	}
	return nil
}

// LoadCrtList returns the store's crt-list for path, reading the file.
// An unchanged file keeps the lines edited at run time; a changed one
// replaces them. Every certificate the list names is loaded.
func (s *Store) LoadCrtList(path, base string) (*CrtList, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("unable to load crt-list '%s': %w", path, unwrapPath(err))
	}
	sum := sha256.Sum256(data)
	s.mu.Lock()
	l := s.lists[path]
	keep := l != nil && l.disk == sum
	s.mu.Unlock()
	if keep {
		return l, nil
	}
	parsed, err := parseCrtList(path, base, data)
	if err != nil {
		return nil, err
	}
	for _, pl := range parsed {
		if _, err := s.Load(pl.Path); err != nil {
			return nil, fmt.Errorf("crt-list '%s' line %d: %w", path, pl.Line, err)
		}
	}
	lines := make([]*CrtListLine, len(parsed))
	for i := range parsed {
		lines[i] = &parsed[i]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if l = s.lists[path]; l == nil {
		l = &CrtList{Path: path, defaults: map[string]*CrtListLine{}}
		s.lists[path] = l
	}
	l.disk = sum
	l.lastLine = bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		l.lastLine++
	}
	l.lines.Store(&lines)
	s.version.Add(1)
	return l, nil
}

// CrtList returns the crt-list loaded from path, or nil.
func (s *Store) CrtList(path string) *CrtList {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lists[path]
}

// CrtLists returns the paths of the loaded crt-lists, sorted.
func (s *Store) CrtLists() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.lists))
	for p := range s.lists {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// ParseCrtListLine parses one crt-list line given at run time (the
// payload of "add ssl crt-list"); relative paths are resolved against
// base (crt-base).
func ParseCrtListLine(line, base string) (CrtListLine, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return CrtListLine{}, errors.New("empty line")
	}
	return parseCrtListLine(line, base)
}

// AddCrtListLine appends a line to the crt-list at path. Its certificate
// must be loaded and hold a certificate (made by "new ssl cert" and
// committed, or loaded by the configuration); its options must be valid.
// New handshakes on every bind using the list see it at once.
func (s *Store) AddCrtListLine(path string, nl CrtListLine) (*CrtListLine, error) {
	if nl.Opts != nil {
		if err := checkLineOpts(nl.Opts); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lists[path]
	if l == nil {
		return nil, fmt.Errorf("crt-list '%s' does not exist!", path)
	}
	e := s.entries[nl.Path]
	if e == nil {
		return nil, fmt.Errorf("certificate '%s' does not exist!", nl.Path)
	}
	if e.Cert() == nil {
		return nil, fmt.Errorf("certificate '%s' is empty!", nl.Path)
	}
	l.lastLine++
	nl.Line = l.lastLine
	cur := l.Lines()
	next := make([]*CrtListLine, len(cur), len(cur)+1)
	copy(next, cur)
	next = append(next, &nl)
	l.lines.Store(&next)
	s.version.Add(1)
	return &nl, nil
}

// DelCrtListLine removes from the crt-list at path the line serving the
// certificate cert; line (0: any) picks one when the certificate is on
// several lines. Messages are HAProxy's.
func (s *Store) DelCrtListLine(path, cert string, line int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.lists[path]
	if l == nil {
		return fmt.Errorf("crt-list '%s' does not exist!", path)
	}
	e := s.entries[cert]
	if e == nil {
		return fmt.Errorf("certificate '%s' does not exist!", cert)
	}
	if e.Cert() == nil {
		return fmt.Errorf("certificate '%s' is empty!", cert)
	}
	cur := l.Lines()
	var found []int
	var nums []string
	for i, cl := range cur {
		if cl.Path == cert {
			found = append(found, i)
			nums = append(nums, strconv.Itoa(cl.Line))
		}
	}
	if len(found) == 0 {
		return fmt.Errorf("certificate '%s' can't be found in crt-list '%s'!", cert, path)
	}
	pick := -1
	for _, i := range found {
		if line == 0 || cur[i].Line == line {
			pick = i
			break
		}
	}
	if pick < 0 {
		return fmt.Errorf("found a certificate '%s' but the line number is incorrect, please specify a correct line number preceded by colons (%s)!", cert, strings.Join(nums, ", "))
	}
	if line == 0 && len(found) > 1 {
		return fmt.Errorf("found the certificate '%s' in several entries, please specify a line number preceded by colons (%s)!", cert, strings.Join(nums, ", "))
	}
	var users []string
	for where, dl := range l.defaults {
		if dl == cur[pick] {
			users = append(users, where)
		}
	}
	if len(users) > 0 {
		sort.Strings(users)
		var b strings.Builder
		fmt.Fprintf(&b, "certificate '%s' cannot be deleted, it is used as default certificate by the following frontends:\n", cert)
		for _, u := range users {
			fmt.Fprintf(&b, "\t- %s\n", u)
		}
		// Ends with a newline: HAProxy's answer has an empty line
		// after the list.
		return errors.New(b.String())
	}
	next := slices.Delete(slices.Clone(cur), pick, pick+1)
	l.lines.Store(&next)
	s.version.Add(1)
	return nil
}

// inCrtList reports whether a crt-list line names the certificate at
// path; the caller holds s.mu.
func (s *Store) inCrtList(path string) bool {
	for _, l := range s.lists {
		for _, cl := range l.Lines() {
			if cl.Path == path {
				return true
			}
		}
	}
	return false
}

// markDefault records that the bind line at where serves line's
// certificate by default.
func (s *Store) markDefault(l *CrtList, where string, line *CrtListLine) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if line == nil {
		delete(l.defaults, where)
		return
	}
	l.defaults[where] = line
}

// checkLineOpts checks the bracketed options of a line added at run
// time as far as they can be checked without a bind line.
func checkLineOpts(opts []string) error {
	lt, err := lineTLS(&config.BindTLS{}, opts)
	if err != nil {
		return err
	}
	if lt.CAFile != "" {
		if _, err := LoadCAs(lt.CAFile); err != nil {
			return err
		}
	}
	if lt.CRLFile != "" {
		if _, err := LoadCRL(lt.CRLFile); err != nil {
			return err
		}
	}
	return nil
}

// String formats the line as "show ssl crt-list" prints it, without the
// line number.
func (cl *CrtListLine) String() string {
	var b strings.Builder
	b.WriteString(cl.Path)
	if len(cl.Opts) > 0 {
		b.WriteString(" [" + strings.Join(cl.Opts, " ") + "]")
	}
	for _, f := range cl.Filters {
		b.WriteString(" " + f)
	}
	for _, f := range cl.Negs {
		b.WriteString(" !" + f)
	}
	return b.String()
}
