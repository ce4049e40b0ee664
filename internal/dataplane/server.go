// Package dataplane serves HAProxy's Data Plane API (v3 paths and JSON
// models) from inside hawser: "hawser -f FILE --api ADDR".
//
// The configuration file is held as a cfgfile tree. Every write edits a
// copy of that tree (an implicit transaction with ?version=N, or an
// explicit transaction), and a commit validates the result exactly as
// "hawser -c" does, writes it durably (temporary file, fsync, rename, the
// last versions kept as backups) and applies it live through the same
// function as SIGHUP. Nothing is reloaded later: a write answers 200, 201
// or 204 once the new configuration runs, never 202 and a reload id.
//
// Handlers register with Server.handle (routes.go: meta endpoints, raw,
// version, transactions; sections.go: every section and child converter of
// package models). A new group of endpoints (runtime, storage, stats) goes
// in its own file with a registerX method called from newServer; it reads
// and edits the configuration through Server.view and Server.change, which
// handle versions and transactions, and reaches live state through
// Options.Engine. Every registered route is in the OpenAPI document served
// at /v3/specification_openapiv3, which is generated from the routes and
// the Go types of their bodies (spec.go); test/dataplane checks every
// answer against it.
package dataplane

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hawser-lb/hawser/internal/auth"
	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/dataplane/models"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/listener"
)

// Defaults for Options fields left zero.
const (
	DefaultUserlist        = "controller"
	DefaultBackups         = 5
	DefaultMaxTransactions = 20 // HAProxy's max_open_transactions
)

// Options configure a Server.
type Options struct {
	// Addr is the listening address ("127.0.0.1:5555").
	Addr string
	// Userlist names the userlist whose users may use the API.
	Userlist string
	// CertFile and KeyFile, when set, serve the API over TLS.
	CertFile, KeyFile string
	// CertsDir is where storage/ssl_certificates keeps its files.
	CertsDir string
	// Files are the -f arguments. The API edits the configuration only
	// when there is exactly one and it is a regular file.
	Files []string
	// Snapshot is the configuration running now.
	Snapshot *config.Snapshot
	// Apply runs a validated configuration live (the SIGHUP path). It is
	// called with the new file already on disk; an error rolls it back.
	Apply func(*config.Snapshot) error
	// Engine is the running engine, for runtime endpoints.
	Engine *engine.Engine
	// Runtime runs one runtime API command at the admin level and returns
	// its answer (runtimeapi.Server.Exec): the runtime endpoints change
	// live state through it.
	Runtime func(line, payload string) (string, error)
	// Backups is how many previous versions of the file are kept next to
	// it as FILE.VERSION; DefaultBackups when zero, none when negative.
	Backups int
	// MaxTransactions bounds the transactions open at once.
	MaxTransactions int
	// Version is hawser's version, shown by /v3/info.
	Version string
	Log     *slog.Logger
}

// Server is a running Data Plane API.
type Server struct {
	opts    Options
	start   time.Time
	ln      net.Listener
	srv     *http.Server
	mux     *http.ServeMux
	routes  []*route
	regErr  error // the first route that could not be registered
	users   atomic.Pointer[auth.List]
	version atomic.Int64 // committed version, readable without mu
	specCache

	// mu serialises every read and write of the configuration state
	// below, and commits.
	mu sync.Mutex
	// path is the configuration file; empty when the API cannot edit
	// it, and then readOnly says why.
	path     string
	readOnly string
	disk     string        // path with symbolic links resolved: the file written
	cur      *cfgfile.File // the committed file; never edited in place
	txs      map[string]*tx
}

// New checks the options, opens the listening socket and registers the
// routes. Serve starts answering.
func New(o Options) (*Server, error) {
	s, err := newServer(o, models.Sections(), models.Children())
	if err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

// newServer builds a server for the given converters, without a socket.
func newServer(o Options, secs []*models.Section, kids []*models.Child) (*Server, error) {
	if o.Userlist == "" {
		o.Userlist = DefaultUserlist
	}
	if o.Backups == 0 {
		o.Backups = DefaultBackups
	}
	if o.MaxTransactions <= 0 {
		o.MaxTransactions = DefaultMaxTransactions
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: o, start: time.Now(), mux: http.NewServeMux(), txs: map[string]*tx{}}
	if err := s.setUsers(o.Snapshot); err != nil {
		return nil, err
	}
	s.path, s.readOnly = editable(o.Files)
	s.disk = s.path
	if s.path != "" {
		// Write through a symbolic link (a ConfigMap, /etc/haproxy
		// pointing elsewhere) instead of replacing the link.
		if real, err := filepath.EvalSymlinks(s.path); err == nil {
			s.disk = real
		}
	}
	var v int64
	s.cur, v = fileOf(o.Snapshot)
	s.version.Store(max(v, 1))
	s.registerMeta()
	s.registerModels(secs, kids)
	s.registerRuntime()
	s.registerStorage()
	s.registerIndexes()
	if s.regErr != nil {
		return nil, s.regErr
	}
	return s, nil
}

// listen opens the server's socket.
func (s *Server) listen() error {
	o := s.opts
	if (o.CertFile == "") != (o.KeyFile == "") {
		return errors.New("--api-cert and --api-key go together")
	}
	ln, err := listener.Listen("tcp", o.Addr)
	if err != nil {
		return fmt.Errorf("data plane API: %w", err)
	}
	if o.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("data plane API: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	s.ln = ln
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	return nil
}

// editable returns the file the API may rewrite, or why there is none.
func editable(files []string) (path, readOnly string) {
	if len(files) != 1 {
		return "", fmt.Sprintf("hawser runs on %d configuration files; the Data Plane API edits exactly one (start hawser with a single -f FILE)", len(files))
	}
	fi, err := os.Stat(files[0])
	if err != nil {
		return "", err.Error()
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Sprintf("%s is not a regular file; the Data Plane API edits exactly one file (start hawser with a single -f FILE)", files[0])
	}
	return files[0], ""
}

// fileOf returns the single parsed file of a snapshot and its version.
func fileOf(snap *config.Snapshot) (*cfgfile.File, int64) {
	if snap == nil || len(snap.Files) != 1 {
		return nil, 0
	}
	return snap.Files[0], fileVersion(snap.Files[0])
}

// setUsers compiles the API's userlist from snap.
func (s *Server) setUsers(snap *config.Snapshot) error {
	if snap == nil {
		return errors.New("data plane API: no configuration")
	}
	for _, ul := range snap.Userlists {
		if ul.Name == s.opts.Userlist {
			l, err := auth.New(ul)
			if err != nil {
				return fmt.Errorf("data plane API: userlist %q: %w", ul.Name, err)
			}
			s.users.Store(l)
			return nil
		}
	}
	return fmt.Errorf("data plane API: no userlist %q in the configuration (it holds the API's users; see --api-userlist)", s.opts.Userlist)
}

// Addr returns the address the API listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Serve answers requests until Close.
func (s *Server) Serve() error {
	err := s.srv.Serve(s.ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Close stops the server, ending requests in flight.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(ctx); err != nil {
		return s.srv.Close()
	}
	return nil
}

// Reloaded tells the API that the configuration was reloaded from the
// files (SIGHUP): it reads the file's tree and version again, unless an
// API commit already installed a newer version.
func (s *Server) Reloaded(snap *config.Snapshot) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.setUsers(snap); err != nil {
		s.opts.Log.Warn("data plane API users unchanged", "err", err)
	}
	// A file with an older version was read before a commit of the API
	// that has run since: the API's is newer. A newer version wins. A
	// file without a version line, or with the current one but another
	// text, was edited by hand: it is the newest, and it counts as a new
	// version so that transactions and writes based on the previous text
	// are refused as outdated instead of overwriting the edit.
	f, v := fileOf(snap)
	cur := s.version.Load()
	if f == nil || (v != 0 && v < cur) {
		return
	}
	if s.cur != nil && bytes.Equal(f.Bytes(), s.cur.Bytes()) {
		return
	}
	s.cur = f
	if v > cur {
		s.version.Store(v)
	} else {
		s.version.Store(cur + 1)
	}
}

// ServeHTTP authenticates, normalises the path and dispatches.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Configuration-Version", strconv.FormatInt(s.version.Load(), 10))
	if l := s.users.Load(); l == nil || !authorized(l, r) {
		w.Header().Set("WWW-Authenticate", `Basic realm="hawser Data Plane API"`)
		writeError(w, &apiError{http.StatusUnauthorized, "authentication required"})
		return
	}
	// HAProxy's API ignores a trailing slash.
	if p := r.URL.Path; len(p) > len("/v3/") && strings.HasSuffix(p, "/") {
		r.URL.Path = strings.TrimRight(p, "/")
		r.URL.RawPath = ""
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		// The mux's own 404 or 405, answered in the API's JSON.
		h.ServeHTTP(&routeError{w: w, what: r.Method + " " + r.URL.Path}, r)
		return
	}
	// ServeHTTP again rather than h: only it sets the path values.
	s.mux.ServeHTTP(w, r)
}

// routeError turns the status the mux answers for a path or method it
// does not serve into an API error body.
type routeError struct {
	w     http.ResponseWriter
	what  string
	wrote bool
}

func (e *routeError) Header() http.Header { return e.w.Header() }

func (e *routeError) WriteHeader(code int) {
	if e.wrote {
		return
	}
	e.wrote = true
	e.w.Header().Del("X-Content-Type-Options")
	msg := "no endpoint " + e.what
	if code == http.StatusMethodNotAllowed {
		msg = "method not allowed: " + e.what
	}
	writeJSON(e.w, code, errorBody{Code: code, Message: msg})
}

func (e *routeError) Write(b []byte) (int, error) {
	if !e.wrote {
		e.WriteHeader(http.StatusOK)
	}
	return len(b), nil
}

// maxBody bounds a request body (a raw configuration can be large).
const maxBody = 256 << 20

// authorized checks the request's basic credentials. auth.List compares
// the password hashes in constant time.
func authorized(l *auth.List, r *http.Request) bool {
	h := r.Header.Get("Authorization")
	if h == "" {
		return false
	}
	_, ok := l.Check([]byte(h))
	return ok
}

// apiError is an error answered as HAProxy's API does:
// {"code": status, "message": "..."}.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) *apiError {
	return &apiError{code, fmt.Sprintf(format, args...)}
}

// errorBody is the JSON error model.
type errorBody struct {
	Code    int    `json:"code" required:"true"`
	Message string `json:"message" required:"true"`
}

func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusInternalServerError, err.Error()}
	}
	writeJSON(w, ae.code, errorBody{Code: ae.code, Message: ae.msg})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{Code: code, Message: err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	w.Write(b)
	w.Write([]byte{'\n'})
}

// decodeBody decodes a JSON request body into v, refusing unknown fields
// and trailing data, with a message that names the offending field.
func decodeBody(r *http.Request, v any) error {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(http.StatusBadRequest, "invalid request body: %s", jsonMessage(err))
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, "invalid request body: data after the JSON value")
	}
	return nil
}

// jsonMessage rewords encoding/json's errors around the field name.
func jsonMessage(err error) string {
	var te *json.UnmarshalTypeError
	var se *json.SyntaxError
	switch {
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "(body)"
		}
		return fmt.Sprintf("field %q: %s is not a valid %s", field, te.Value, te.Type)
	case errors.As(err, &se):
		return fmt.Sprintf("malformed JSON at offset %d: %v", se.Offset, err)
	case errors.Is(err, io.EOF):
		return "empty body"
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return "unknown field " + f
	}
	return strings.TrimPrefix(msg, "json: ")
}
