package dataplane

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/engine"
)

// versionPrefix starts the first line of a file the API wrote, as in
// HAProxy's: "# _version=42".
const versionPrefix = "# _version="

// fileVersion reads the version from the file's first line; 0 when absent.
func fileVersion(f *cfgfile.File) int64 {
	if len(f.Preamble) == 0 {
		return 0
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(f.Preamble[0].Raw), versionPrefix)
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// withVersion returns text whose first line is "# _version=v": the
// existing version line replaced, or one added.
func withVersion(text []byte, v int64) []byte {
	line := versionPrefix + strconv.FormatInt(v, 10)
	if bytes.HasPrefix(text, []byte(versionPrefix)) {
		_, rest, _ := bytes.Cut(text, []byte("\n"))
		eol := "\n"
		if i := bytes.IndexByte(text, '\n'); i > 0 && text[i-1] == '\r' {
			eol = "\r\n"
		}
		return append([]byte(line+eol), rest...)
	}
	return append([]byte(line+"\n"), text...)
}

// cloneFile returns an independent copy of a file's tree to edit.
func cloneFile(f *cfgfile.File) *cfgfile.File {
	c, _ := cfgfile.Parse(f.Name, f.Bytes(), os.LookupEnv)
	return c
}

// tx is an open transaction: a private copy of the configuration that
// commits only if nobody committed since it started.
type tx struct {
	ID      string `json:"id"`
	Version int64  `json:"_version"`
	Status  string `json:"status" enum:"failed,outdated,in_progress,success"`
	file    *cfgfile.File
}

// Transaction statuses, as HAProxy's API names them.
const (
	txInProgress = "in_progress"
	txSuccess    = "success"
	txFailed     = "failed"
	txOutdated   = "outdated"
)

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// editableErr is the answer when the API cannot edit the configuration.
func (s *Server) editableErr() error {
	if s.readOnly != "" || s.cur == nil {
		msg := s.readOnly
		if msg == "" {
			msg = "the configuration file is not available"
		}
		return &apiError{http.StatusForbidden, msg}
	}
	return nil
}

// view runs fn on the configuration a read sees: the transaction's with
// ?transaction_id, the committed one otherwise. fn must not edit it.
func (s *Server) view(w http.ResponseWriter, r *http.Request, fn func(f *cfgfile.File) (any, error)) {
	s.mu.Lock()
	if err := s.editableErr(); err != nil {
		s.mu.Unlock()
		writeError(w, err)
		return
	}
	f := s.cur
	if id := r.URL.Query().Get("transaction_id"); id != "" {
		t, err := s.openTx(id)
		if err != nil {
			s.mu.Unlock()
			writeError(w, err)
			return
		}
		// A transaction's tree is edited in place: read it locked.
		defer s.mu.Unlock()
		f = t.file
	} else {
		// The committed tree is never edited (writes edit a copy): read
		// it without holding up commits.
		s.mu.Unlock()
	}
	out, err := fn(f)
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// openTx returns the transaction id names, if it is still open.
func (s *Server) openTx(id string) (*tx, error) {
	t, ok := s.txs[id]
	if !ok {
		return nil, errorf(http.StatusNotFound, "transaction %s does not exist", id)
	}
	if t.Status != txInProgress {
		return nil, errorf(http.StatusBadRequest, "transaction %s is %s", id, t.Status)
	}
	return t, nil
}

// change runs edit on the configuration of the transaction named by
// ?transaction_id (answering 202), or on a copy of the committed one that
// it commits at once when ?version matches (answering status). edit must
// validate its input before it touches the tree. A nil result answers
// without a body.
func (s *Server) change(w http.ResponseWriter, r *http.Request, status int, edit func(f *cfgfile.File) (any, error)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out, code, err := s.changeLocked(r, status, edit)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Configuration-Version", strconv.FormatInt(s.version.Load(), 10))
	if out == nil {
		w.WriteHeader(code)
		return
	}
	writeJSON(w, code, out)
}

func (s *Server) changeLocked(r *http.Request, status int, edit func(f *cfgfile.File) (any, error)) (any, int, error) {
	if err := s.editableErr(); err != nil {
		return nil, 0, err
	}
	q := r.URL.Query()
	id, vs := q.Get("transaction_id"), q.Get("version")
	if (id == "") == (vs == "") {
		return nil, 0, errorf(http.StatusBadRequest, "give exactly one of version and transaction_id")
	}
	if id != "" {
		if q.Has("force_reload") {
			return nil, 0, errorf(http.StatusBadRequest, "force_reload cannot be used with transaction_id")
		}
		t, err := s.openTx(id)
		if err != nil {
			return nil, 0, err
		}
		out, err := edit(t.file)
		if err != nil {
			return nil, 0, err
		}
		return out, http.StatusAccepted, nil
	}
	v, err := strconv.ParseInt(vs, 10, 64)
	if err != nil {
		return nil, 0, errorf(http.StatusBadRequest, "version %q is not an integer", vs)
	}
	if v != s.version.Load() {
		return nil, 0, errorf(http.StatusConflict, "version mismatch: the configuration is at version %d, not %d", s.version.Load(), v)
	}
	f := cloneFile(s.cur)
	out, err := edit(f)
	if err != nil {
		return nil, 0, err
	}
	if err := s.commit(f); err != nil {
		return nil, 0, err
	}
	return out, status, nil
}

// validate checks a configuration text exactly as "hawser -c" does and
// answers 400 with the same "[ALERT]" lines when it is refused.
func (s *Server) validate(data []byte) (*config.Snapshot, error) {
	snap, err := config.LoadData(s.path, data)
	if err == nil {
		err = engine.Check(snap)
	}
	if err == nil {
		found := false
		for _, ul := range snap.Userlists {
			found = found || ul.Name == s.opts.Userlist
		}
		if !found {
			err = fmt.Errorf("userlist %q holds the Data Plane API's users and cannot be removed", s.opts.Userlist)
		}
	}
	if err != nil {
		return nil, &apiError{http.StatusBadRequest, alerts(err)}
	}
	return snap, nil
}

// alerts formats a configuration error as "hawser -c" prints it.
func alerts(err error) string {
	var b strings.Builder
	if list, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range list.Unwrap() {
			fmt.Fprintf(&b, "[ALERT] %v\n", e)
		}
	} else {
		fmt.Fprintf(&b, "[ALERT] %v\n", err)
	}
	b.WriteString("[ALERT] Fatal errors found in configuration.")
	return b.String()
}

// commit makes f the running configuration at the next version: validate,
// write durably, apply live; on an apply error the previous file is put
// back. The caller holds mu.
func (s *Server) commit(f *cfgfile.File) error {
	return s.commitText(f.Bytes())
}

// commitText is commit for a configuration text.
func (s *Server) commitText(text []byte) error {
	cur := s.version.Load()
	next := cur + 1
	data := withVersion(text, next)
	snap, err := s.validate(data)
	if err != nil {
		return err
	}
	old, err := os.ReadFile(s.disk)
	if err != nil {
		return errorf(http.StatusInternalServerError, "read %s: %v", s.path, err)
	}
	if err := s.persist(data, cur); err != nil {
		return errorf(http.StatusInternalServerError, "write %s: %v", s.path, err)
	}
	if err := s.opts.Apply(snap); err != nil {
		if rerr := writeAtomic(s.disk, old); rerr != nil {
			s.opts.Log.Error("data plane API: could not restore the configuration file after a failed apply", "err", rerr)
		}
		return &apiError{http.StatusBadRequest, "the configuration is valid but could not be applied; nothing changed:\n" + alerts(err)}
	}
	s.cur = snap.Files[0]
	s.version.Store(next)
	if err := s.setUsers(snap); err != nil {
		s.opts.Log.Warn("data plane API users unchanged", "err", err)
	}
	s.opts.Log.Info("configuration changed through the Data Plane API", "version", next)
	return nil
}

// persist replaces the configuration file with data, keeping the current
// file as FILE.<version> and at most Backups such copies.
func (s *Server) persist(data []byte, cur int64) error {
	if n := s.opts.Backups; n > 0 {
		bak := s.disk + "." + strconv.FormatInt(cur, 10)
		os.Remove(bak)
		if err := os.Link(s.disk, bak); err != nil {
			// A file system without hard links: copy instead.
			if old, rerr := os.ReadFile(s.disk); rerr == nil {
				os.WriteFile(bak, old, 0o600)
			}
		}
		os.Remove(s.disk + "." + strconv.FormatInt(cur-int64(n), 10))
	}
	return writeAtomic(s.disk, data)
}

// writeAtomic replaces path with data so that a crash at any moment
// leaves either the old or the new text: write a temporary file in the
// same directory, fsync it, rename it over path and fsync the directory.
func writeAtomic(path string, data []byte) error {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	mode := os.FileMode(0o644)
	if fi, err := os.Stat(path); err == nil {
		mode = fi.Mode().Perm()
	}
	tmp := filepath.Join(dir, "."+base+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// errNotFound is the 404 of a missing object.
func errNotFound(what string) error {
	return &apiError{http.StatusNotFound, what + " not found"}
}

var _ = errors.New
