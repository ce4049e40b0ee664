package dataplane

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/dataplane/models"
	"github.com/hawser-lb/hawser/internal/tlsconf"
)

// The storage endpoints keep files the configuration refers to (HAProxy's
// Data Plane API storage directory): certificates, maps, general files and
// SPOE files, each kind in its own directory. Files are written
// atomically. Replacing a certificate or a map the running process uses
// changes what it serves at once, as "set ssl cert"/"commit ssl cert" and
// "prepare map"/"commit map" do: no reload.

// storeKind is one storage directory.
type storeKind struct {
	path string // URL path under /services/haproxy
	tag  string
	dir  func(s *Server) string
	// model is the JSON model of a stored file (nil: the kind lists
	// names only, as spoe_files).
	model reflect.Type
	// check validates a file's content before it is stored.
	check func(name string, data []byte) error
	// describe builds the model of a stored file.
	describe func(s *Server, path string, data []byte) any
	// replaced runs after a file was replaced, for live effects.
	replaced func(s *Server, path string, data []byte) error
	// inUse says why a file cannot be deleted, or "".
	inUse func(s *Server, path string) string
	// getRaw serves GET {name} as the file's content instead of its model.
	getRaw bool
}

// storageRoot is the directory the storage directories are in: --ssl-certs-dir's
// parent when given, else the configuration file's directory.
func (s *Server) storageRoot() string {
	if len(s.opts.Files) > 0 {
		return filepath.Dir(s.opts.Files[0])
	}
	return "."
}

func (s *Server) certsDir() string {
	if s.opts.CertsDir != "" {
		return s.opts.CertsDir
	}
	return filepath.Join(s.storageRoot(), "ssl")
}

func (s *Server) registerStorage() {
	kinds := []*storeKind{
		{path: "/storage/ssl_certificates", tag: "SSL certificates", dir: (*Server).certsDir,
			model: reflect.TypeFor[models.SSLCertificate](), check: checkCert, describe: describeCert,
			replaced: replaceCert, inUse: certInUse},
		{path: "/storage/maps", tag: "Storage", dir: func(s *Server) string { return filepath.Join(s.storageRoot(), "maps") },
			model: reflect.TypeFor[models.MapFile](), check: checkMap, describe: describeMap, replaced: replaceMap, inUse: mapInUse, getRaw: true},
		{path: "/storage/general", tag: "Storage", dir: func(s *Server) string { return filepath.Join(s.storageRoot(), "general") },
			model: reflect.TypeFor[models.GeneralFile](), describe: describeGeneral, getRaw: true},
		{path: "/spoe/spoe_files", tag: "Spoe", dir: func(s *Server) string { return filepath.Join(s.storageRoot(), "spoe") }, getRaw: true},
	}
	for _, k := range kinds {
		base := "/services/haproxy" + k.path
		one := k.model
		list := reflect.SliceOf(reflect.TypeFor[string]())
		if one != nil {
			list = reflect.SliceOf(one)
		} else {
			one = reflect.TypeFor[string]()
		}
		get := one
		if k.getRaw {
			get = binType
		}
		s.handle(&route{Method: "GET", Path: base, Summary: "list the stored files", Tag: k.tag,
			Resp: list, Status: 200, handler: s.storageList(k)})
		s.handle(&route{Method: "POST", Path: base, Summary: "store a new file (multipart field file_upload)", Tag: k.tag,
			Query: []param{pForceReload}, Body: uploadType, Resp: one, Status: 201, Codes: []int{400, 409}, handler: s.storagePost(k)})
		s.handle(&route{Method: "GET", Path: base + "/{name}", Summary: "a stored file", Tag: k.tag,
			Resp: get, Status: 200, Codes: []int{404}, handler: s.storageGet(k)})
		s.handle(&route{Method: "PUT", Path: base + "/{name}", Summary: "replace a stored file; a running certificate or map changes at once", Tag: k.tag,
			Query: []param{pForceReload, {Name: "skip_reload", Type: "boolean", Desc: "accepted for compatibility"}},
			Body:  textType, Resp: one, Status: 200, Codes: []int{400, 404}, handler: s.storagePut(k)})
		s.handle(&route{Method: "DELETE", Path: base + "/{name}", Summary: "delete a stored file (not one in use)", Tag: k.tag,
			Query: []param{pForceReload}, Status: 204, Codes: []int{404, 409}, handler: s.storageDelete(k)})
	}
}

// storageName checks a stored file's name: a plain file name.
func storageName(name string) error {
	if name == "" || name == "." || name == ".." || strings.HasPrefix(name, ".") || strings.ContainsAny(name, "/\\\x00") {
		return errorf(http.StatusBadRequest, "%q is not a valid file name", name)
	}
	return nil
}

func (k *storeKind) describeOrName(s *Server, path string, data []byte) any {
	if k.describe == nil {
		return filepath.Base(path)
	}
	return k.describe(s, path, data)
}

func (s *Server) storageList(k *storeKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		dir := k.dir(s)
		des, err := os.ReadDir(dir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			writeError(w, err)
			return
		}
		out := []any{}
		for _, de := range des {
			if !de.Type().IsRegular() || strings.HasPrefix(de.Name(), ".") {
				continue
			}
			p := filepath.Join(dir, de.Name())
			data, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			out = append(out, k.describeOrName(s, p, data))
		}
		writeJSON(w, 200, out)
	}
}

// readUpload returns the file of a multipart body's "file_upload" field.
func readUpload(r *http.Request) (name string, data []byte, err error) {
	if err := r.ParseMultipartForm(32 << 20); err != nil {
		return "", nil, errorf(http.StatusBadRequest, "expected a multipart/form-data body with a file_upload field: %v", err)
	}
	defer r.MultipartForm.RemoveAll()
	fhs := r.MultipartForm.File["file_upload"]
	if len(fhs) != 1 {
		return "", nil, errorf(http.StatusBadRequest, "expected exactly one file in the field file_upload")
	}
	f, err := fhs[0].Open()
	if err != nil {
		return "", nil, errorf(http.StatusBadRequest, "file_upload: %v", err)
	}
	defer f.Close()
	data, err = io.ReadAll(f)
	if err != nil {
		return "", nil, errorf(http.StatusBadRequest, "file_upload: %v", err)
	}
	return filepath.Base(fhs[0].Filename), data, nil
}

func (s *Server) storagePost(k *storeKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, data, err := readUpload(r)
		if err == nil {
			err = storageName(name)
		}
		if err == nil && k.check != nil {
			err = k.check(name, data)
		}
		if err != nil {
			writeError(w, err)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		dir := k.dir(s)
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			writeError(w, errorf(http.StatusConflict, "file %s already exists (PUT replaces it)", name))
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			writeError(w, err)
			return
		}
		if err := writeFileAtomic(p, data); err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, http.StatusCreated, k.describeOrName(s, p, data))
	}
}

func (s *Server) storageGet(k *storeKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if err := storageName(name); err != nil {
			writeError(w, errNotFound("file "+name))
			return
		}
		p := filepath.Join(k.dir(s), name)
		data, err := os.ReadFile(p)
		if err != nil {
			writeError(w, errNotFound("file "+name))
			return
		}
		if k.getRaw {
			w.Header().Set("Content-Type", "application/octet-stream")
			w.WriteHeader(200)
			w.Write(data)
			return
		}
		writeJSON(w, 200, k.describeOrName(s, p, data))
	}
}

func (s *Server) storagePut(k *storeKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		data, err := io.ReadAll(r.Body)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "reading body: %v", err))
			return
		}
		if err := storageName(name); err != nil {
			writeError(w, errNotFound("file "+name))
			return
		}
		if k.check != nil {
			if err := k.check(name, data); err != nil {
				writeError(w, err)
				return
			}
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := filepath.Join(k.dir(s), name)
		if _, err := os.Stat(p); err != nil {
			writeError(w, errNotFound("file "+name))
			return
		}
		if err := writeFileAtomic(p, data); err != nil {
			writeError(w, err)
			return
		}
		if k.replaced != nil {
			if err := k.replaced(s, p, data); err != nil {
				writeError(w, err)
				return
			}
		}
		writeJSON(w, 200, k.describeOrName(s, p, data))
	}
}

func (s *Server) storageDelete(k *storeKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if err := storageName(name); err != nil {
			writeError(w, errNotFound("file "+name))
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p := filepath.Join(k.dir(s), name)
		if _, err := os.Stat(p); err != nil {
			writeError(w, errNotFound("file "+name))
			return
		}
		if k.inUse != nil {
			if why := k.inUse(s, p); why != "" {
				writeError(w, errorf(http.StatusConflict, "%s", why))
				return
			}
		}
		if err := os.Remove(p); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// samePath reports whether two paths name one file.
func samePath(a, b string) bool {
	aa, err1 := filepath.Abs(a)
	bb, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && aa == bb
}

func (s *Server) certStore() *tlsconf.Store {
	if s.opts.Engine == nil {
		return nil
	}
	return s.opts.Engine.Certs()
}

// runningCert returns the path under which the running process loaded
// the certificate at p, or "".
func (s *Server) runningCert(p string) string {
	st := s.certStore()
	if st == nil {
		return ""
	}
	for _, q := range st.Paths() {
		if samePath(p, q) {
			return q
		}
	}
	return ""
}

func checkCert(name string, data []byte) error {
	if _, err := tlsconf.ParsePEM(name, data); err != nil {
		return errorf(http.StatusBadRequest, "%s is not a PEM certificate with its key: %v", name, err)
	}
	return nil
}

func describeCert(s *Server, p string, data []byte) any {
	size := int64(len(data))
	m := models.SSLCertificate{StorageName: filepath.Base(p), File: p, Size: &size, Description: "stored certificate", Status: "unused"}
	if s.runningCert(p) != "" {
		m.Status = "used"
	}
	c, err := tlsconf.ParsePEM(p, data)
	if err != nil || c.Leaf() == nil {
		return m
	}
	leaf := c.Leaf()
	m.Domains = strings.Join(leaf.DNSNames, " ")
	var ips []string
	for _, ip := range leaf.IPAddresses {
		ips = append(ips, ip.String())
	}
	m.IPAddresses = strings.Join(ips, " ")
	m.Issuers = leaf.Issuer.String()
	m.Subject = leaf.Subject.String()
	m.Serial = leaf.SerialNumber.Text(16)
	m.NotBefore = leaf.NotBefore.UTC().Format(time.RFC3339)
	m.NotAfter = leaf.NotAfter.UTC().Format(time.RFC3339)
	m.Algorithm = algorithm(leaf)
	return m
}

func algorithm(c *x509.Certificate) string {
	switch c.PublicKeyAlgorithm {
	case x509.RSA:
		return "RSA"
	case x509.ECDSA:
		return "EC"
	case x509.Ed25519:
		return "ED25519"
	}
	return c.PublicKeyAlgorithm.String()
}

// replaceCert makes running binds serve a replaced certificate at once.
func replaceCert(s *Server, p string, data []byte) error {
	q := s.runningCert(p)
	if q == "" {
		return nil
	}
	if err := s.certStore().Replace(q, data); err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	return nil
}

func certInUse(s *Server, p string) string {
	if q := s.runningCert(p); q != "" {
		if e := s.certStore().Get(q); e != nil && e.Used() {
			return fmt.Sprintf("certificate %s is used by the running configuration", filepath.Base(p))
		}
	}
	return ""
}

func checkMap(name string, data []byte) error {
	for i, l := range strings.Split(string(data), "\n") {
		if strings.ContainsRune(l, 0) {
			return errorf(http.StatusBadRequest, "%s line %d: a NUL byte", name, i+1)
		}
	}
	return nil
}

// runningMapID returns the id of the running map read from p, or -1.
func (s *Server) runningMapID(p string) int {
	g, err := s.engine()
	if err != nil || g.Maps == nil {
		return -1
	}
	for _, m := range g.Maps.Maps() {
		if m.IsMap() && samePath(m.Path(), p) {
			return m.ID()
		}
	}
	return -1
}

func describeMap(s *Server, p string, data []byte) any {
	size := int64(len(data))
	m := models.MapFile{StorageName: filepath.Base(p), File: p, Size: &size, Description: "stored map"}
	if id := s.runningMapID(p); id >= 0 {
		m.ID = strconv.Itoa(id)
	}
	return m
}

// replaceMap swaps a running map's entries for the file's at once, as
// "prepare map", "add map @ver" and "commit map" do.
func replaceMap(s *Server, p string, data []byte) error {
	id := s.runningMapID(p)
	if id < 0 {
		return nil
	}
	ref := "#" + strconv.Itoa(id)
	out, err := s.runtime("prepare map "+ref, "")
	if err != nil {
		return err
	}
	ver := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(out), "New version created:"))
	var payload bytes.Buffer
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		payload.WriteString(l)
		payload.WriteByte('\n')
	}
	if payload.Len() > 0 {
		if _, err := s.runtime("add map @"+ver+" "+ref, payload.String()); err != nil {
			return err
		}
	}
	_, err = s.runtime("commit map @"+ver+" "+ref, "")
	return err
}

func mapInUse(s *Server, p string) string {
	if s.runningMapID(p) >= 0 {
		return fmt.Sprintf("map %s is used by the running configuration", filepath.Base(p))
	}
	return ""
}

func describeGeneral(s *Server, p string, data []byte) any {
	size := int64(len(data))
	return models.GeneralFile{ID: filepath.Base(p), StorageName: filepath.Base(p), File: p, Size: &size}
}
