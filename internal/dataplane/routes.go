package dataplane

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// A route is one method and path the API serves, with what the OpenAPI
// generator needs to describe it.
type route struct {
	Method  string
	Path    string // under /v3, with {param} segments
	Summary string
	Tag     string
	Query   []param
	Body    reflect.Type // request body model; nil for none
	Resp    reflect.Type // success body model; nil for none
	Status  int          // success status
	// Codes are the error statuses the route may answer besides 401.
	Codes   []int
	handler http.HandlerFunc
}

// param is a query parameter.
type param struct {
	Name     string
	Type     string // "string", "integer", "boolean"
	Required bool
	Desc     string
}

// rawText marks a text/plain body in a route.
type rawText string

// rawBytes marks an application/octet-stream body (a stored file).
type rawBytes string

// fileUpload marks a multipart/form-data body with one file in the
// field "file_upload" (the storage endpoints' uploads).
type fileUpload struct{}

var (
	textType   = reflect.TypeFor[rawText]()
	binType    = reflect.TypeFor[rawBytes]()
	uploadType = reflect.TypeFor[fileUpload]()
	intType    = reflect.TypeFor[int64]()
)

// Query parameters shared by many routes.
var (
	pTransaction = param{Name: "transaction_id", Type: "string", Desc: "act inside this transaction"}
	pVersion     = param{Name: "version", Type: "integer", Desc: "the configuration version the change is based on; exactly one of version and transaction_id"}
	pForceReload = param{Name: "force_reload", Type: "boolean", Desc: "accepted for compatibility: hawser applies every change at once"}
	pFullSection = param{Name: "full_section", Type: "boolean", Desc: "include the section's children"}
)

// writeParams are the query parameters of every configuration write.
var writeParams = []param{pTransaction, pVersion, pForceReload}

// handle registers a route. A route registered twice, or one the mux
// finds ambiguous, is kept as the error New returns: two converters
// claiming one path are a bug to see at start, not a panic.
func (s *Server) handle(rt *route) {
	defer func() {
		if r := recover(); r != nil && s.regErr == nil {
			s.regErr = fmt.Errorf("data plane API: route %s %s: %v", rt.Method, rt.Path, r)
		}
	}()
	pattern := rt.Method + " /v3" + rt.Path
	if rt.Path == "/" {
		pattern += "{$}" // "/v3/" alone, not the whole tree
	}
	h := rt.handler
	if rt.Body == textType && slices.Contains(rt.Codes, http.StatusUnsupportedMediaType) {
		h = textOnly(h)
	}
	s.mux.HandleFunc(pattern, h)
	s.routes = append(s.routes, rt)
}

// textOnly refuses a body sent as anything but text/plain with 415, as
// HAProxy's API does for the routes that take a configuration's text:
// JSON or a form there is a client's mistake, not a configuration. A body
// without a Content-Type is taken as text.
func textOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "text/plain" {
				writeError(w, errorf(http.StatusUnsupportedMediaType, "unsupported media type %q: this endpoint takes the configuration as text/plain", ct))
				return
			}
		}
		h(w, r)
	}
}

// Models of the meta endpoints.
type (
	info struct {
		API    infoAPI    `json:"api"`
		System infoSystem `json:"system"`
	}
	infoAPI struct {
		Version   string `json:"version"`
		BuildDate string `json:"build_date,omitempty"`
	}
	infoSystem struct {
		Hostname string  `json:"hostname,omitempty"`
		OSString string  `json:"os_string,omitempty"`
		Time     int64   `json:"time"`
		Uptime   int64   `json:"uptime"`
		CPUInfo  cpuInfo `json:"cpu_info"`
		MemInfo  memInfo `json:"mem_info"`
	}
	cpuInfo struct {
		Model   string `json:"model,omitempty"`
		NumCPUs int    `json:"num_cpus"`
	}
	memInfo struct {
		DataplaneapiMemory int64 `json:"dataplaneapi_memory"`
	}
	health struct {
		HAProxy string `json:"haproxy" enum:"up,down,unknown"`
	}
	reload struct {
		ID     string `json:"id"`
		Status string `json:"status" enum:"failed,in_progress,succeeded"`
	}
)

const (
	cfgPrefix = "/services/haproxy/configuration"
	txPrefix  = "/services/haproxy/transactions"
)

func (s *Server) registerMeta() {
	s.handle(&route{Method: "GET", Path: "/info", Summary: "API and system information", Tag: "Information",
		Resp: reflect.TypeFor[info](), Status: 200, handler: s.getInfo})
	s.handle(&route{Method: "GET", Path: "/health", Summary: "health of the proxy", Tag: "Health",
		Resp: reflect.TypeFor[health](), Status: 200, handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, health{HAProxy: "up"})
		}})
	s.handle(&route{Method: "GET", Path: "/specification_openapiv3", Summary: "this API's OpenAPI 3 document", Tag: "Specification",
		Resp: reflect.TypeFor[map[string]any](), Status: 200, handler: s.getSpec})
	s.handle(&route{Method: "GET", Path: cfgPrefix + "/version", Summary: "configuration version", Tag: "Configuration",
		Query: []param{pTransaction}, Resp: intType, Status: 200, Codes: []int{404}, handler: s.getVersion})
	s.handle(&route{Method: "GET", Path: cfgPrefix + "/raw", Summary: "the configuration file's text", Tag: "Configuration",
		Query: []param{pTransaction, {Name: "version", Type: "integer", Desc: "an earlier version, from the backups"}},
		Resp:  textType, Status: 200, Codes: []int{400, 403, 404}, handler: s.getRaw})
	s.handle(&route{Method: "POST", Path: cfgPrefix + "/raw", Summary: "replace the configuration file's text", Tag: "Configuration",
		Query: []param{pTransaction, pVersion, pForceReload,
			{Name: "skip_version", Type: "boolean", Desc: "do not check version"},
			{Name: "skip_reload", Type: "boolean", Desc: "accepted for compatibility"},
			{Name: "only_validate", Type: "boolean", Desc: "validate only, change nothing (202)"}},
		Body: textType, Resp: textType, Status: 201, Codes: []int{400, 403, 409, 415}, handler: s.postRaw})
	s.handle(&route{Method: "GET", Path: txPrefix, Summary: "list transactions", Tag: "Transactions",
		Query: []param{{Name: "status", Type: "string", Desc: "only transactions in this status"}},
		Resp:  reflect.TypeFor[[]tx](), Status: 200, handler: s.listTx})
	s.handle(&route{Method: "POST", Path: txPrefix, Summary: "start a transaction", Tag: "Transactions",
		Query: []param{{Name: "version", Type: "integer", Required: true, Desc: "the configuration version to start from"}},
		Resp:  reflect.TypeFor[tx](), Status: 201, Codes: []int{400, 403, 409, 429}, handler: s.startTx})
	s.handle(&route{Method: "GET", Path: txPrefix + "/{id}", Summary: "a transaction", Tag: "Transactions",
		Resp: reflect.TypeFor[tx](), Status: 200, Codes: []int{404}, handler: s.getTx})
	s.handle(&route{Method: "PUT", Path: txPrefix + "/{id}", Summary: "commit a transaction", Tag: "Transactions",
		Query: []param{pForceReload}, Resp: reflect.TypeFor[tx](), Status: 200, Codes: []int{400, 404, 409}, handler: s.commitTx})
	s.handle(&route{Method: "DELETE", Path: txPrefix + "/{id}", Summary: "delete a transaction", Tag: "Transactions",
		Status: 204, Codes: []int{404}, handler: s.deleteTx})
	s.handle(&route{Method: "GET", Path: "/services/haproxy/reloads", Summary: "reloads (always empty: hawser applies changes live)", Tag: "Reloads",
		Resp: reflect.TypeFor[[]reload](), Status: 200, handler: func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, []reload{})
		}})
	s.handle(&route{Method: "GET", Path: "/services/haproxy/reloads/{id}", Summary: "a reload (none exist)", Tag: "Reloads",
		Resp: reflect.TypeFor[reload](), Status: 200, Codes: []int{404}, handler: func(w http.ResponseWriter, r *http.Request) {
			writeError(w, errNotFound("reload "+r.PathValue("id")))
		}})
}

func (s *Server) getInfo(w http.ResponseWriter, r *http.Request) {
	host, _ := os.Hostname()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	now := time.Now()
	writeJSON(w, 200, info{
		API: infoAPI{Version: "hawser " + s.opts.Version},
		System: infoSystem{
			Hostname: host,
			OSString: runtime.GOOS + " " + runtime.GOARCH,
			Time:     now.Unix(),
			Uptime:   int64(now.Sub(s.start).Seconds()),
			CPUInfo:  cpuInfo{NumCPUs: runtime.NumCPU()},
			MemInfo:  memInfo{DataplaneapiMemory: int64(ms.Sys)},
		},
	})
}

func (s *Server) getVersion(w http.ResponseWriter, r *http.Request) {
	if id := r.URL.Query().Get("transaction_id"); id != "" {
		s.mu.Lock()
		t, err := s.openTx(id)
		s.mu.Unlock()
		if err != nil {
			writeError(w, err)
			return
		}
		writeJSON(w, 200, t.Version)
		return
	}
	writeJSON(w, 200, s.version.Load())
}

func (s *Server) getRaw(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	var data []byte
	err := s.editableErr()
	if err == nil {
		// The version of exactly the text answered: read under mu.
		f, ver := s.cur, s.version.Load()
		if id := r.URL.Query().Get("transaction_id"); id != "" {
			var t *tx
			if t, err = s.openTx(id); err == nil {
				f, ver = t.file, t.Version
			}
		}
		if vs := r.URL.Query().Get("version"); err == nil && vs != "" && vs != strconv.FormatInt(s.version.Load(), 10) {
			// An older version, from the backups.
			v, perr := strconv.ParseInt(vs, 10, 64)
			if perr != nil || v <= 0 {
				err = errorf(http.StatusBadRequest, "version %q is not a positive integer", vs)
			} else if data, err = os.ReadFile(s.disk + "." + vs); err != nil {
				err = errNotFound("version " + vs + " (only the last backups are kept)")
			} else {
				w.Header().Set("Configuration-Version", vs)
			}
			s.mu.Unlock()
			if err != nil {
				writeError(w, err)
				return
			}
			writeRaw(w, data)
			return
		}
		if err == nil {
			data = f.Bytes()
			w.Header().Set("Configuration-Version", strconv.FormatInt(ver, 10))
		}
	}
	s.mu.Unlock()
	if err != nil {
		writeError(w, err)
		return
	}
	writeRaw(w, data)
}

// writeRaw answers a configuration text with its checksum.
func writeRaw(w http.ResponseWriter, data []byte) {
	sum := md5.Sum(data)
	w.Header().Set("Configuration-Checksum", hex.EncodeToString(sum[:]))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(200)
	w.Write(data)
}

func (s *Server) postRaw(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "reading body: %v", err))
		return
	}
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.editableErr(); err != nil {
		writeError(w, err)
		return
	}
	if boolParam(q, "only_validate") {
		if _, err := s.validate(withVersion(body, s.version.Load())); err != nil {
			writeError(w, err)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "Configuration file is valid\n")
		return
	}
	if id := q.Get("transaction_id"); id != "" {
		t, err := s.openTx(id)
		if err != nil {
			writeError(w, err)
			return
		}
		t.file, _ = cfgfile.Parse(s.path, withVersion(body, t.Version), os.LookupEnv)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusAccepted)
		w.Write(t.file.Bytes())
		return
	}
	if !boolParam(q, "skip_version") {
		vs := q.Get("version")
		v, err := strconv.ParseInt(vs, 10, 64)
		if err != nil {
			writeError(w, errorf(http.StatusBadRequest, "version %q is not an integer (or give skip_version=true)", vs))
			return
		}
		if v != s.version.Load() {
			writeError(w, errorf(http.StatusConflict, "version mismatch: the configuration is at version %d, not %d", s.version.Load(), v))
			return
		}
	}
	if err := s.commitText(body); err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Configuration-Version", strconv.FormatInt(s.version.Load(), 10))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusCreated)
	w.Write(s.cur.Bytes())
}

// boolParam reports whether a query parameter is "true" (or "1").
func boolParam(q map[string][]string, name string) bool {
	v := ""
	if vs := q[name]; len(vs) > 0 {
		v = vs[0]
	}
	b, _ := strconv.ParseBool(v)
	return b
}

func (s *Server) listTx(w http.ResponseWriter, r *http.Request) {
	status := r.URL.Query().Get("status")
	s.mu.Lock()
	out := []tx{}
	for _, t := range s.txs {
		if status == "" || t.Status == status {
			out = append(out, *t)
		}
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b tx) int {
		if a.ID < b.ID {
			return -1
		}
		return 1
	})
	writeJSON(w, 200, out)
}

// maxFinished bounds the failed and outdated transactions kept for GET.
const maxFinished = 64

func (s *Server) startTx(w http.ResponseWriter, r *http.Request) {
	vs := r.URL.Query().Get("version")
	v, err := strconv.ParseInt(vs, 10, 64)
	if err != nil {
		writeError(w, errorf(http.StatusBadRequest, "version %q is not an integer", vs))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.editableErr(); err != nil {
		writeError(w, err)
		return
	}
	if v != s.version.Load() {
		writeError(w, errorf(http.StatusConflict, "version mismatch: the configuration is at version %d, not %d", s.version.Load(), v))
		return
	}
	open, finished := 0, 0
	for id, t := range s.txs {
		if t.Status == txInProgress {
			open++
		} else if finished++; finished > maxFinished {
			delete(s.txs, id)
		}
	}
	if open >= s.opts.MaxTransactions {
		writeError(w, errorf(http.StatusTooManyRequests, "cannot start a transaction: %d are open already (the limit)", open))
		return
	}
	t := &tx{ID: newID(), Version: v, Status: txInProgress, file: cloneFile(s.cur)}
	s.txs[t.ID] = t
	writeJSON(w, http.StatusCreated, t)
}

func (s *Server) getTx(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t, ok := s.txs[r.PathValue("id")]
	var out tx
	if ok {
		out = *t
	}
	s.mu.Unlock()
	if !ok {
		writeError(w, errNotFound("transaction "+r.PathValue("id")))
		return
	}
	writeJSON(w, 200, out)
}

func (s *Server) commitTx(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.openTx(r.PathValue("id"))
	if err != nil {
		writeError(w, err)
		return
	}
	if t.Version != s.version.Load() {
		t.Status = txOutdated
		t.file = nil
		writeError(w, errorf(http.StatusConflict, "transaction %s is outdated: it started at version %d and the configuration is at version %d", t.ID, t.Version, s.version.Load()))
		return
	}
	if err := s.commit(t.file); err != nil {
		t.Status = txFailed
		t.file = nil
		writeError(w, err)
		return
	}
	delete(s.txs, t.ID)
	out := *t
	out.Status = txSuccess
	w.Header().Set("Configuration-Version", strconv.FormatInt(s.version.Load(), 10))
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) deleteTx(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	_, ok := s.txs[id]
	delete(s.txs, id)
	s.mu.Unlock()
	if !ok {
		writeError(w, errNotFound("transaction "+id))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// endpoint is an entry of the index pages (GET /v3, /v3/services, ...).
type endpoint struct {
	Title       string `json:"title"`
	URL         string `json:"url"`
	Description string `json:"description,omitempty"`
}

// registerIndexes adds the pages that list what lies under /v3,
// /v3/services, /v3/services/haproxy and its configuration, from the
// routes registered so far; call it last.
func (s *Server) registerIndexes() {
	for _, prefix := range []string{"", "/services", "/services/haproxy", cfgPrefix,
		rtPrefix, "/services/haproxy/storage", "/services/haproxy/stats", "/services/haproxy/spoe"} {
		seen := map[string]bool{}
		var list []endpoint
		for _, rt := range s.routes {
			rest, ok := strings.CutPrefix(rt.Path, prefix+"/")
			if !ok {
				continue
			}
			seg, _, _ := strings.Cut(rest, "/")
			if seg == "" || strings.HasPrefix(seg, "{") || seen[seg] {
				continue
			}
			seen[seg] = true
			e := endpoint{Title: seg, URL: "/v3" + prefix + "/" + seg}
			for _, o := range s.routes {
				if o.Method == "GET" && o.Path == prefix+"/"+seg {
					e.Description = o.Summary
				}
			}
			list = append(list, e)
		}
		slices.SortFunc(list, func(a, b endpoint) int { return strings.Compare(a.Title, b.Title) })
		path := prefix
		if path == "" {
			path = "/"
		}
		s.handle(&route{Method: "GET", Path: path, Summary: "what lies under /v3" + prefix, Tag: "Discovery",
			Resp: reflect.TypeFor[[]endpoint](), Status: 200, handler: func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, 200, list)
			}})
	}
}
