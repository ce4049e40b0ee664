package dataplane

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/hawser-lb/hawser/internal/balance"
	"github.com/hawser-lb/hawser/internal/dataplane/models"
	"github.com/hawser-lb/hawser/internal/engine"
	"github.com/hawser-lb/hawser/internal/maps"
	"github.com/hawser-lb/hawser/internal/server"
	"github.com/hawser-lb/hawser/internal/stats"
)

// The runtime endpoints read live state from the engine and change it
// through the runtime API's own commands (Options.Runtime), so that a PUT
// here and "set server" on the stats socket are the same operation. Like
// the runtime API, they change the running process only: a reload keeps
// server states but re-reads map files (unless force_sync wrote them).

const rtPrefix = "/services/haproxy/runtime"

var pForceSync = param{Name: "force_sync", Type: "boolean", Desc: "also write the map or ACL file on disk, so the change outlives a reload"}

func (s *Server) registerRuntime() {
	srvs := rtPrefix + "/backends/{parent_name}/servers"
	s.handle(&route{Method: "GET", Path: rtPrefix + "/info", Summary: "process information (show info)", Tag: "Information",
		Resp: reflect.TypeFor[models.ProcessInfo](), Status: 200, Codes: []int{500}, handler: s.rtInfo})
	s.handle(&route{Method: "GET", Path: srvs, Summary: "the live state of a backend's servers", Tag: "Server",
		Resp: reflect.TypeFor[[]models.RuntimeServer](), Status: 200, Codes: []int{404}, handler: s.rtServers})
	s.handle(&route{Method: "POST", Path: srvs, Summary: "add a server at run time (add server); it starts in maintenance", Tag: "Server",
		Body: reflect.TypeFor[models.RuntimeAddServer](), Resp: reflect.TypeFor[models.RuntimeAddServer](), Status: 201, Codes: []int{400, 404, 409}, handler: s.rtAddServer})
	s.handle(&route{Method: "GET", Path: srvs + "/{name}", Summary: "the live state of a server", Tag: "Server",
		Resp: reflect.TypeFor[models.RuntimeServer](), Status: 200, Codes: []int{404}, handler: s.rtServer})
	s.handle(&route{Method: "PUT", Path: srvs + "/{name}", Summary: "change a server's admin state, health, weight or address (set server)", Tag: "Server",
		Body: reflect.TypeFor[models.RuntimeServer](), Resp: reflect.TypeFor[models.RuntimeServer](), Status: 200, Codes: []int{400, 404}, handler: s.rtPutServer})
	s.handle(&route{Method: "DELETE", Path: srvs + "/{name}", Summary: "delete a server at run time (del server); it must be in maintenance without connections", Tag: "Server",
		Status: 204, Codes: []int{400, 404, 409}, handler: s.rtDelServer})

	maps, acls := mapKind{"maps", true}, mapKind{"acls", false}
	mp := rtPrefix + "/maps"
	s.handle(&route{Method: "GET", Path: mp, Summary: "the maps of the running process", Tag: "Maps",
		Resp: reflect.TypeFor[[]models.MapFile](), Status: 200, handler: s.rtMaps(maps)})
	s.handle(&route{Method: "GET", Path: mp + "/{name}", Summary: "a map of the running process", Tag: "Maps",
		Resp: reflect.TypeFor[models.MapFile](), Status: 200, Codes: []int{404}, handler: s.rtMap(maps)})
	s.handle(&route{Method: "PUT", Path: mp + "/{name}", Summary: "add entries to a map in one step (add map payload)", Tag: "Maps",
		Query: []param{pForceSync}, Body: reflect.TypeFor[[]models.MapEntry](), Resp: reflect.TypeFor[[]models.MapEntry](), Status: 201, Codes: []int{400, 404}, handler: s.rtPayload(maps)})
	s.handle(&route{Method: "DELETE", Path: mp + "/{name}", Summary: "remove every entry of a map (clear map)", Tag: "Maps",
		Query: []param{pForceSync}, Status: 204, Codes: []int{404}, handler: s.rtClearMap(maps)})
	s.handle(&route{Method: "GET", Path: mp + "/{parent_name}/entries", Summary: "the entries of a map", Tag: "Maps",
		Resp: reflect.TypeFor[[]models.MapEntry](), Status: 200, Codes: []int{404}, handler: s.rtEntries(maps)})
	s.handle(&route{Method: "POST", Path: mp + "/{parent_name}/entries", Summary: "add an entry to a map", Tag: "Maps",
		Query: []param{pForceSync}, Body: reflect.TypeFor[models.MapEntry](), Resp: reflect.TypeFor[models.MapEntry](), Status: 201, Codes: []int{400, 404, 409}, handler: s.rtAddEntry(maps)})
	s.handle(&route{Method: "GET", Path: mp + "/{parent_name}/entries/{id}", Summary: "one entry of a map, by key (or id)", Tag: "Maps",
		Resp: reflect.TypeFor[models.MapEntry](), Status: 200, Codes: []int{404}, handler: s.rtEntry(maps)})
	s.handle(&route{Method: "PUT", Path: mp + "/{parent_name}/entries/{id}", Summary: "change the value of a map entry, by key (set map)", Tag: "Maps",
		Query: []param{pForceSync}, Body: reflect.TypeFor[models.MapEntry](), Resp: reflect.TypeFor[models.MapEntry](), Status: 200, Codes: []int{400, 404}, handler: s.rtPutEntry(maps)})
	s.handle(&route{Method: "DELETE", Path: mp + "/{parent_name}/entries/{id}", Summary: "delete a map entry, by key (or id)", Tag: "Maps",
		Query: []param{pForceSync}, Status: 204, Codes: []int{404}, handler: s.rtDelEntry(maps)})

	ap := rtPrefix + "/acls"
	s.handle(&route{Method: "GET", Path: ap, Summary: "the ACL files of the running process", Tag: "ACL Runtime",
		Resp: reflect.TypeFor[[]models.ACLFile](), Status: 200, handler: s.rtMaps(acls)})
	s.handle(&route{Method: "GET", Path: ap + "/{id}", Summary: "an ACL file of the running process (by id or file name)", Tag: "ACL Runtime",
		Resp: reflect.TypeFor[models.ACLFile](), Status: 200, Codes: []int{404}, handler: s.rtMap(acls)})
	s.handle(&route{Method: "GET", Path: ap + "/{parent_name}/entries", Summary: "the patterns of an ACL file", Tag: "ACL Runtime",
		Resp: reflect.TypeFor[[]models.ACLFileEntry](), Status: 200, Codes: []int{404}, handler: s.rtEntries(acls)})
	s.handle(&route{Method: "POST", Path: ap + "/{parent_name}/entries", Summary: "add a pattern to an ACL file", Tag: "ACL Runtime",
		Body: reflect.TypeFor[models.ACLFileEntry](), Resp: reflect.TypeFor[models.ACLFileEntry](), Status: 201, Codes: []int{400, 404, 409}, handler: s.rtAddEntry(acls)})
	s.handle(&route{Method: "PUT", Path: ap + "/{parent_name}/entries", Summary: "add patterns to an ACL file in one step (add acl payload)", Tag: "ACL Runtime",
		Body: reflect.TypeFor[[]models.ACLFileEntry](), Resp: reflect.TypeFor[[]models.ACLFileEntry](), Status: 201, Codes: []int{400, 404}, handler: s.rtPayload(acls)})
	s.handle(&route{Method: "GET", Path: ap + "/{parent_name}/entries/{id}", Summary: "one pattern of an ACL file, by id (or value)", Tag: "ACL Runtime",
		Resp: reflect.TypeFor[models.ACLFileEntry](), Status: 200, Codes: []int{404}, handler: s.rtEntry(acls)})
	s.handle(&route{Method: "DELETE", Path: ap + "/{parent_name}/entries/{id}", Summary: "delete a pattern of an ACL file, by id (or value)", Tag: "ACL Runtime",
		Status: 204, Codes: []int{404}, handler: s.rtDelEntry(acls)})

	s.handle(&route{Method: "GET", Path: rtPrefix + "/stick_tables", Summary: "the stick tables of the running process", Tag: "Stick Table",
		Resp: reflect.TypeFor[[]models.StickTable](), Status: 200, handler: s.rtTables})
	s.handle(&route{Method: "GET", Path: rtPrefix + "/stick_tables/{name}", Summary: "a stick table", Tag: "Stick Table",
		Resp: reflect.TypeFor[models.StickTable](), Status: 200, Codes: []int{404}, handler: s.rtTable})
	s.handle(&route{Method: "GET", Path: rtPrefix + "/stick_tables/{parent_name}/entries", Summary: "the entries of a stick table (show table)", Tag: "Stick Table",
		Query: []param{{Name: "filter", Type: "string", Desc: "show table filters, e.g. \"data.gpc0 gt 0\""}, {Name: "key", Type: "string", Desc: "only this key"}},
		Resp:  reflect.TypeFor[[]models.StickTableEntry](), Status: 200, Codes: []int{400, 404}, handler: s.rtTableEntries})
	s.handle(&route{Method: "POST", Path: rtPrefix + "/stick_tables/{parent_name}/entries", Summary: "create or update an entry's data (set table)", Tag: "Stick Table",
		Body: reflect.TypeFor[models.StickTableSet](), Status: 204, Codes: []int{400, 404}, handler: s.rtSetTable})

	s.handle(&route{Method: "GET", Path: "/services/haproxy/stats/native", Summary: "the counters of show stat", Tag: "Stats",
		Query: []param{{Name: "type", Type: "string", Desc: "frontend, backend or server"},
			{Name: "name", Type: "string", Desc: "only this object"},
			{Name: "parent", Type: "string", Desc: "the backend of the servers to show"}},
		Resp: reflect.TypeFor[models.NativeStats](), Status: 200, Codes: []int{400}, handler: s.statsNative})
}

// engine returns the running engine, or an error when there is none.
func (s *Server) engine() (*engine.Generation, error) {
	if s.opts.Engine == nil {
		return nil, errorf(http.StatusServiceUnavailable, "no running engine")
	}
	g := s.opts.Engine.Active()
	if g == nil {
		return nil, errorf(http.StatusServiceUnavailable, "no running configuration")
	}
	return g, nil
}

// runtime runs a runtime API command. Its error answer is a 400, or the
// status its HAProxy text stands for.
func (s *Server) runtime(line, payload string) (string, error) {
	if s.opts.Runtime == nil {
		return "", errorf(http.StatusServiceUnavailable, "no runtime API in this process")
	}
	out, err := s.opts.Runtime(line, payload)
	if err != nil {
		msg := strings.TrimSpace(err.Error())
		code := http.StatusBadRequest
		switch {
		case strings.HasPrefix(msg, "No such"), strings.HasPrefix(msg, "Unknown map"), strings.HasPrefix(msg, "Unknown ACL"):
			code = http.StatusNotFound
		case strings.HasPrefix(msg, "Already exists"), strings.Contains(msg, "still has connections"):
			code = http.StatusConflict
		}
		return "", &apiError{code, msg}
	}
	return out, nil
}

// quoteArg escapes a word for the runtime API's line syntax.
func quoteArg(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c == ' ' || c == '\t' || c == ';' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func (s *Server) rtInfo(w http.ResponseWriter, r *http.Request) {
	out, err := s.runtime("show info", "")
	if err != nil {
		writeError(w, err)
		return
	}
	vals := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok {
			vals[k] = v
		}
	}
	var info models.ProcessInfoItem
	rv := reflect.ValueOf(&info).Elem()
	for i := range rv.NumField() {
		tag, _, _ := strings.Cut(rv.Type().Field(i).Tag.Get("json"), ",")
		v, ok := vals[models.InfoFields[tag]]
		if !ok {
			continue
		}
		switch f := rv.Field(i); f.Interface().(type) {
		case string:
			f.SetString(v)
		case *int64:
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				f.Set(reflect.ValueOf(&n))
			}
		case *bool:
			b := v != "0" && v != ""
			f.Set(reflect.ValueOf(&b))
		}
	}
	writeJSON(w, 200, models.ProcessInfo{Info: info, RuntimeAPI: "hawser"})
}

// backendPool returns the servers of a running backend.
func (s *Server) backendPool(name string) ([]*balance.Server, error) {
	g, err := s.engine()
	if err != nil {
		return nil, err
	}
	be := g.Backends[name]
	if be == nil || be.Pool == nil {
		return nil, errNotFound("backend " + name)
	}
	return be.Pool.Servers(), nil
}

func runtimeServer(backend string, sv *balance.Server) models.RuntimeServer {
	st := sv.State
	addr := sv.Addr
	if t := st.Target(); t != nil {
		addr = t.Addr
	}
	m := models.RuntimeServer{ID: strconv.Itoa(sv.ID), Name: sv.Name, BackendName: backend}
	if host, port, err := net.SplitHostPort(addr); err == nil {
		m.Address = host
		if p, err := strconv.Atoi(port); err == nil {
			m.Port = &p
		}
	} else {
		m.Address = addr
	}
	switch st.Admin() {
	case server.AdminDrain:
		m.AdminState = "drain"
	case server.AdminMaint:
		m.AdminState = "maint"
	default:
		m.AdminState = "ready"
	}
	m.OperationalState = "down"
	if st.Up() {
		m.OperationalState = "up"
	}
	uw, iw := sv.UWeight(), sv.Weight
	m.Weight, m.UWeight, m.IWeight = &uw, &uw, &iw
	if lc := st.LastChange(); !lc.IsZero() {
		t := lc.Unix()
		m.LastTimeChange = &t
	}
	return m
}

func (s *Server) rtServers(w http.ResponseWriter, r *http.Request) {
	b := r.PathValue("parent_name")
	pool, err := s.backendPool(b)
	if err != nil {
		writeError(w, err)
		return
	}
	out := make([]models.RuntimeServer, 0, len(pool))
	for _, sv := range pool {
		out = append(out, runtimeServer(b, sv))
	}
	writeJSON(w, 200, out)
}

// findRuntimeServer returns a running server's state.
func (s *Server) findRuntimeServer(b, name string) (models.RuntimeServer, error) {
	pool, err := s.backendPool(b)
	if err != nil {
		return models.RuntimeServer{}, err
	}
	for _, sv := range pool {
		if sv.Name == name {
			return runtimeServer(b, sv), nil
		}
	}
	return models.RuntimeServer{}, errNotFound("server " + name + " in backend " + b)
}

func (s *Server) rtServer(w http.ResponseWriter, r *http.Request) {
	m, err := s.findRuntimeServer(r.PathValue("parent_name"), r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, m)
}

func (s *Server) rtPutServer(w http.ResponseWriter, r *http.Request) {
	b, name := r.PathValue("parent_name"), r.PathValue("name")
	var in models.RuntimeServer
	if err := decodeBody(r, &in); err != nil {
		writeError(w, err)
		return
	}
	cur, err := s.findRuntimeServer(b, name)
	if err != nil {
		writeError(w, err)
		return
	}
	// Check every field before changing anything.
	switch in.AdminState {
	case "", "ready", "drain", "maint":
	default:
		writeError(w, errorf(400, "field \"admin_state\": %q is not one of ready, drain, maint", in.AdminState))
		return
	}
	switch in.OperationalState {
	case "", "up", "down", "stopping":
	default:
		writeError(w, errorf(400, "field \"operational_state\": %q is not one of up, down, stopping", in.OperationalState))
		return
	}
	if in.Weight != nil && (*in.Weight < 0 || *in.Weight > 256) {
		writeError(w, errorf(400, "field \"weight\": %d is not between 0 and 256", *in.Weight))
		return
	}
	if in.Port != nil && (*in.Port < 1 || *in.Port > 65535) {
		writeError(w, errorf(400, "field \"port\": %d is not between 1 and 65535", *in.Port))
		return
	}
	for _, ro := range []struct {
		name string
		set  bool
	}{{"id", in.ID != "" && in.ID != cur.ID}, {"name", in.Name != "" && in.Name != cur.Name},
		{"backend_name", in.BackendName != "" && in.BackendName != b},
		{"iweight", in.IWeight != nil && *in.IWeight != *cur.IWeight}} {
		if ro.set {
			writeError(w, errorf(400, "field %q is read-only", ro.name))
			return
		}
	}
	sv := quoteArg(b + "/" + name)
	var cmds []string
	if (in.Address != "" && in.Address != cur.Address) || (in.Port != nil && (cur.Port == nil || *in.Port != *cur.Port)) {
		addr := in.Address
		if addr == "" {
			addr = cur.Address
		}
		c := "set server " + sv + " addr " + quoteArg(addr)
		if in.Port != nil {
			c += " port " + strconv.Itoa(*in.Port)
		}
		cmds = append(cmds, c)
	}
	if in.Weight != nil && *in.Weight != *cur.Weight {
		cmds = append(cmds, "set server "+sv+" weight "+strconv.Itoa(*in.Weight))
	} else if in.UWeight != nil && *in.UWeight != *cur.UWeight {
		cmds = append(cmds, "set server "+sv+" weight "+strconv.Itoa(*in.UWeight))
	}
	if in.OperationalState != "" && in.OperationalState != cur.OperationalState {
		cmds = append(cmds, "set server "+sv+" health "+in.OperationalState)
	}
	if in.AdminState != "" && in.AdminState != cur.AdminState {
		cmds = append(cmds, "set server "+sv+" state "+in.AdminState)
	}
	for _, c := range cmds {
		if _, err := s.runtime(c, ""); err != nil {
			writeError(w, err)
			return
		}
	}
	if cur, err = s.findRuntimeServer(b, name); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, cur)
}

func (s *Server) rtAddServer(w http.ResponseWriter, r *http.Request) {
	b := r.PathValue("parent_name")
	var in models.RuntimeAddServer
	if err := decodeBody(r, &in); err != nil {
		writeError(w, err)
		return
	}
	if _, err := s.backendPool(b); err != nil {
		writeError(w, err)
		return
	}
	if in.Name == "" || strings.ContainsAny(in.Name, " \t/;\\") {
		writeError(w, errorf(400, "field \"name\": %q is not a server name", in.Name))
		return
	}
	if in.Address == "" || strings.ContainsAny(in.Address, " \t;\\") {
		writeError(w, errorf(400, "field \"address\": %q is not an address", in.Address))
		return
	}
	addr := in.Address
	if in.Port != nil {
		if *in.Port < 1 || *in.Port > 65535 {
			writeError(w, errorf(400, "field \"port\": %d is not between 1 and 65535", *in.Port))
			return
		}
		addr = net.JoinHostPort(addr, strconv.Itoa(*in.Port))
	}
	words := []string{"add server", quoteArg(b + "/" + in.Name), addr}
	num := func(kw string, v *int) {
		if v != nil {
			words = append(words, kw, strconv.Itoa(*v))
		}
	}
	num("weight", in.Weight)
	num("maxconn", in.Maxconn)
	num("inter", in.Inter)
	if in.ID != "" {
		n, err := strconv.Atoi(in.ID)
		if err != nil || n < 1 {
			writeError(w, errorf(400, "field \"id\": %q is not a positive integer", in.ID))
			return
		}
		words = append(words, "id", in.ID)
	}
	for _, o := range []struct{ field, val, kw string }{{"check", in.Check, "check"}, {"backup", in.Backup, "backup"}, {"ssl", in.SSL, "ssl"}} {
		switch o.val {
		case "", "disabled":
		case "enabled":
			words = append(words, o.kw)
		default:
			writeError(w, errorf(400, "field %q: %q is not enabled or disabled", o.field, o.val))
			return
		}
	}
	switch in.Verify {
	case "":
	case "none", "required":
		words = append(words, "verify", in.Verify)
	default:
		writeError(w, errorf(400, "field \"verify\": %q is not none or required", in.Verify))
		return
	}
	if _, err := s.runtime(strings.Join(words, " "), ""); err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 201, in)
}

func (s *Server) rtDelServer(w http.ResponseWriter, r *http.Request) {
	b, name := r.PathValue("parent_name"), r.PathValue("name")
	if _, err := s.findRuntimeServer(b, name); err != nil {
		writeError(w, err)
		return
	}
	if _, err := s.runtime("del server "+quoteArg(b+"/"+name), ""); err != nil {
		// "del server" refuses a server in service or with connections:
		// a conflict with its state, not a bad request.
		if e, ok := err.(*apiError); ok && e.code == http.StatusBadRequest {
			err = &apiError{http.StatusConflict, e.msg}
		}
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// mapKind tells the map endpoints from the ACL ones.
type mapKind struct {
	path  string // "maps" or "acls"
	isMap bool
}

func (k mapKind) word() string {
	if k.isMap {
		return "map"
	}
	return "ACL file"
}

func (k mapKind) cmd() string {
	if k.isMap {
		return "map"
	}
	return "acl"
}

// mapName is how the API names a map: its file's base name.
func mapName(m *maps.Map) string { return filepath.Base(m.Path()) }

// findMap returns the running map or ACL file named name: its base
// name, its path, or its id ("#3" or "3").
func (s *Server) findMap(k mapKind, name string) (*maps.Map, error) {
	g, err := s.engine()
	if err != nil {
		return nil, err
	}
	if g.Maps != nil {
		for _, m := range g.Maps.Maps() {
			if m.IsMap() != k.isMap {
				continue
			}
			id := strconv.Itoa(m.ID())
			if name == mapName(m) || name == m.Path() || name == id || name == "#"+id {
				return m, nil
			}
		}
	}
	return nil, errNotFound(k.word() + " " + name)
}

func mapFile(m *maps.Map) models.MapFile {
	n := int64(m.Len())
	return models.MapFile{ID: strconv.Itoa(m.ID()), File: m.Path(), StorageName: mapName(m), Size: &n,
		Description: "pattern loaded from file '" + m.Path() + "'"}
}

func (s *Server) rtMaps(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		g, err := s.engine()
		if err != nil {
			writeError(w, err)
			return
		}
		maps := []models.MapFile{}
		acls := []models.ACLFile{}
		if g.Maps != nil {
			for _, m := range g.Maps.Maps() {
				if m.IsMap() != k.isMap {
					continue
				}
				f := mapFile(m)
				maps = append(maps, f)
				acls = append(acls, models.ACLFile{ID: f.ID, StorageName: f.StorageName, Description: f.Description})
			}
		}
		if k.isMap {
			writeJSON(w, 200, maps)
		} else {
			writeJSON(w, 200, acls)
		}
	}
}

func (s *Server) rtMap(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if !k.isMap {
			name = r.PathValue("id")
		}
		m, err := s.findMap(k, name)
		if err != nil {
			writeError(w, err)
			return
		}
		f := mapFile(m)
		if k.isMap {
			writeJSON(w, 200, f)
		} else {
			writeJSON(w, 200, models.ACLFile{ID: f.ID, StorageName: f.StorageName, Description: f.Description})
		}
	}
}

// entryModel is a map entry as a map_entry, or an ACL pattern as an
// acl_file_entry.
func entryModel(k mapKind, e maps.Entry) any {
	id := fmt.Sprintf("%#x", e.Ref)
	if k.isMap {
		return models.MapEntry{ID: id, Key: e.Key, Value: e.Value}
	}
	return models.ACLFileEntry{ID: id, Value: e.Key}
}

func (s *Server) rtEntries(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.findMap(k, r.PathValue("parent_name"))
		if err != nil {
			writeError(w, err)
			return
		}
		out := []any{}
		for _, e := range m.Entries() {
			out = append(out, entryModel(k, e))
		}
		writeJSON(w, 200, out)
	}
}

// findEntry returns the first entry whose key is id (or whose reference
// it is, "0x...").
func findEntry(m *maps.Map, id string) (maps.Entry, bool) {
	for _, e := range m.Entries() {
		if e.Key == id || fmt.Sprintf("%#x", e.Ref) == id {
			return e, true
		}
	}
	return maps.Entry{}, false
}

func (s *Server) rtEntry(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.findMap(k, r.PathValue("parent_name"))
		if err != nil {
			writeError(w, err)
			return
		}
		e, ok := findEntry(m, r.PathValue("id"))
		if !ok {
			writeError(w, errNotFound("entry "+r.PathValue("id")))
			return
		}
		writeJSON(w, 200, entryModel(k, e))
	}
}

// syncMap writes a map's entries to its file, atomically, when the
// request asks for force_sync.
func syncMap(r *http.Request, k mapKind, m *maps.Map) error {
	if !boolParam(r.URL.Query(), "force_sync") {
		return nil
	}
	var b strings.Builder
	for _, e := range m.Entries() {
		b.WriteString(e.Key)
		if k.isMap {
			b.WriteByte(' ')
			b.WriteString(e.Value)
		}
		b.WriteByte('\n')
	}
	if err := writeFileAtomic(m.Path(), []byte(b.String())); err != nil {
		return errorf(http.StatusInternalServerError, "force_sync: %v", err)
	}
	return nil
}

// writeFileAtomic replaces path with data: a temporary file in the same
// directory, synced, then renamed over it.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	if _, err = f.Write(data); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// checkWord refuses a key or value the runtime API's line cannot carry.
func checkWord(field, v string) error {
	if strings.ContainsAny(v, "\r\n") {
		return errorf(400, "field %q: a line break cannot be stored in a map", field)
	}
	return nil
}

func (s *Server) rtAddEntry(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.findMap(k, r.PathValue("parent_name"))
		if err != nil {
			writeError(w, err)
			return
		}
		in, err := decodeEntry(r, k)
		if err != nil {
			writeError(w, err)
			return
		}
		if err := checkWord("key", in.Key); err != nil {
			writeError(w, err)
			return
		}
		if err := checkWord("value", in.Value); err != nil {
			writeError(w, err)
			return
		}
		if k.isMap {
			if _, ok := findEntry(m, in.Key); ok {
				writeError(w, errorf(http.StatusConflict, "map %s already has key %q", mapName(m), in.Key))
				return
			}
		}
		line := "add " + k.cmd() + " #" + strconv.Itoa(m.ID()) + " " + quoteArg(in.Key)
		if k.isMap {
			line += " " + quoteArg(in.Value)
		}
		if _, err := s.runtime(line, ""); err != nil {
			writeError(w, err)
			return
		}
		if err := syncMap(r, k, m); err != nil {
			writeError(w, err)
			return
		}
		// The entry just added is the last one with this key.
		var added maps.Entry
		for _, e := range m.Entries() {
			if e.Key == in.Key {
				added = e
			}
		}
		writeJSON(w, 201, entryModel(k, added))
	}
}

// decodeEntry reads a map_entry or an acl_file_entry body as a key and
// a value (an ACL pattern is its key).
func decodeEntry(r *http.Request, k mapKind) (models.MapEntry, error) {
	var in models.MapEntry
	if k.isMap {
		if err := decodeBody(r, &in); err != nil {
			return in, err
		}
		if in.Key == "" {
			return in, errorf(400, "field \"key\" is required")
		}
		return in, nil
	}
	var a models.ACLFileEntry
	if err := decodeBody(r, &a); err != nil {
		return in, err
	}
	if a.Value == "" {
		return in, errorf(400, "field \"value\" is required")
	}
	return models.MapEntry{Key: a.Value}, nil
}

// rtPayload adds many entries in one step: "add map|acl <m>" with a
// payload, which lookups see all at once.
func (s *Server) rtPayload(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("name")
		if !k.isMap {
			name = r.PathValue("parent_name")
		}
		m, err := s.findMap(k, name)
		if err != nil {
			writeError(w, err)
			return
		}
		var list []models.MapEntry
		if k.isMap {
			err = decodeBody(r, &list)
		} else {
			var acl []models.ACLFileEntry
			err = decodeBody(r, &acl)
			for _, a := range acl {
				list = append(list, models.MapEntry{Key: a.Value})
			}
		}
		if err != nil {
			writeError(w, err)
			return
		}
		var payload strings.Builder
		for i, e := range list {
			field := fmt.Sprintf("[%d].key", i)
			if !k.isMap {
				field = fmt.Sprintf("[%d].value", i)
			}
			if e.Key == "" || strings.ContainsAny(e.Key, " \t") {
				writeError(w, errorf(400, "field %q: %q cannot be a key of a payload (empty or with a blank)", field, e.Key))
				return
			}
			if err := checkWord(field, e.Key+e.Value); err != nil {
				writeError(w, err)
				return
			}
			payload.WriteString(e.Key)
			if k.isMap {
				payload.WriteByte(' ')
				payload.WriteString(e.Value)
			}
			payload.WriteByte('\n')
		}
		before := m.Len()
		if len(list) > 0 {
			if _, err := s.runtime("add "+k.cmd()+" #"+strconv.Itoa(m.ID()), payload.String()); err != nil {
				writeError(w, err)
				return
			}
		}
		if err := syncMap(r, k, m); err != nil {
			writeError(w, err)
			return
		}
		out := []any{}
		if all := m.Entries(); len(all) >= before {
			for _, e := range all[before:] {
				out = append(out, entryModel(k, e))
			}
		}
		writeJSON(w, 201, out)
	}
}

func (s *Server) rtPutEntry(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.findMap(k, r.PathValue("parent_name"))
		if err != nil {
			writeError(w, err)
			return
		}
		var in models.MapEntry
		if err := decodeBody(r, &in); err != nil {
			writeError(w, err)
			return
		}
		if err := checkWord("value", in.Value); err != nil {
			writeError(w, err)
			return
		}
		e, ok := findEntry(m, r.PathValue("id"))
		if !ok {
			writeError(w, errNotFound("entry "+r.PathValue("id")))
			return
		}
		if in.Key != "" && in.Key != e.Key {
			writeError(w, errorf(400, "field \"key\": the key of an entry cannot change (delete it and add another)"))
			return
		}
		if _, err := s.runtime("set map #"+strconv.Itoa(m.ID())+" "+quoteArg(e.Key)+" "+quoteArg(in.Value), ""); err != nil {
			writeError(w, err)
			return
		}
		if err := syncMap(r, k, m); err != nil {
			writeError(w, err)
			return
		}
		e, _ = findEntry(m, e.Key)
		writeJSON(w, 200, entryModel(k, e))
	}
}

func (s *Server) rtDelEntry(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.findMap(k, r.PathValue("parent_name"))
		if err != nil {
			writeError(w, err)
			return
		}
		e, ok := findEntry(m, r.PathValue("id"))
		if !ok {
			writeError(w, errNotFound("entry "+r.PathValue("id")))
			return
		}
		if _, err := s.runtime("del "+k.cmd()+" #"+strconv.Itoa(m.ID())+" "+quoteArg(e.Key), ""); err != nil {
			writeError(w, err)
			return
		}
		if err := syncMap(r, k, m); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) rtClearMap(k mapKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		m, err := s.findMap(k, r.PathValue("name"))
		if err != nil {
			writeError(w, err)
			return
		}
		if _, err := s.runtime("clear "+k.cmd()+" #"+strconv.Itoa(m.ID()), ""); err != nil {
			writeError(w, err)
			return
		}
		if err := syncMap(r, k, m); err != nil {
			writeError(w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

// parseTables reads the "# table: NAME, type: T, size:N, used:N" lines
// of "show table".
func parseTables(out string) []models.StickTable {
	list := []models.StickTable{}
	for _, l := range strings.Split(out, "\n") {
		rest, ok := strings.CutPrefix(l, "# table: ")
		if !ok {
			continue
		}
		var t models.StickTable
		for i, part := range strings.Split(rest, ", ") {
			if i == 0 {
				t.Name = part
				continue
			}
			k, v, _ := strings.Cut(part, ":")
			v = strings.TrimSpace(v)
			n, err := strconv.ParseInt(v, 10, 64)
			switch k {
			case "type":
				t.Type = v
			case "size":
				if err == nil {
					t.Size = &n
				}
			case "used":
				if err == nil {
					t.Used = &n
				}
			}
		}
		list = append(list, t)
	}
	return list
}

// tablesNow returns the running stick tables with the data they store.
func (s *Server) tablesNow() ([]models.StickTable, error) {
	out, err := s.runtime("show table", "")
	if err != nil {
		return nil, err
	}
	list := parseTables(out)
	g, err := s.engine()
	if err != nil {
		return nil, err
	}
	for i := range list {
		t := g.Tables[list[i].Name]
		if t == nil {
			continue
		}
		for _, st := range t.Decl().Store {
			f := models.StickTableField{Field: st.Type.String(), Type: "counter"}
			if st.Type.IsRate() {
				f.Type = "rate"
				p := st.Period.Milliseconds()
				f.Period = &p
			}
			list[i].Fields = append(list[i].Fields, f)
		}
	}
	return list, nil
}

func (s *Server) rtTables(w http.ResponseWriter, r *http.Request) {
	list, err := s.tablesNow()
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, 200, list)
}

func (s *Server) rtTable(w http.ResponseWriter, r *http.Request) {
	list, err := s.tablesNow()
	if err != nil {
		writeError(w, err)
		return
	}
	name := r.PathValue("name")
	for _, t := range list {
		if t.Name == name {
			writeJSON(w, 200, t)
			return
		}
	}
	writeError(w, errNotFound("stick table "+name))
}

func (s *Server) rtTableEntries(w http.ResponseWriter, r *http.Request) {
	line := "show table " + quoteArg(r.PathValue("parent_name"))
	q := r.URL.Query()
	if k := q.Get("key"); k != "" {
		line += " key " + quoteArg(k)
	}
	if f := q.Get("filter"); f != "" {
		if strings.ContainsAny(f, ";\\\n") {
			writeError(w, errorf(400, "filter %q: bad characters", f))
			return
		}
		line += " " + f
	}
	out, err := s.runtime(line, "")
	if err != nil {
		writeError(w, err)
		return
	}
	list := []models.StickTableEntry{}
	for _, l := range strings.Split(out, "\n") {
		id, rest, ok := strings.Cut(l, ": ")
		if !ok || !strings.HasPrefix(id, "0x") {
			continue
		}
		e := models.StickTableEntry{ID: id}
		rv := reflect.ValueOf(&e).Elem()
		for _, f := range strings.Fields(rest) {
			k, v, ok := strings.Cut(f, "=")
			if !ok {
				continue
			}
			// "http_req_rate(10000)" is http_req_rate.
			k, _, _ = strings.Cut(k, "(")
			n, nerr := strconv.ParseInt(v, 10, 64)
			switch k {
			case "key":
				e.Key = v
			case "use":
				b := v != "0"
				e.Use = &b
			default:
				if i, ok := entryFields[k]; ok && nerr == nil {
					rv.Field(i).Set(reflect.ValueOf(&n))
				}
			}
		}
		list = append(list, e)
	}
	writeJSON(w, 200, list)
}

// entryFields maps the integer fields of StickTableEntry by json name.
var entryFields = jsonFields(reflect.TypeFor[models.StickTableEntry](), reflect.TypeFor[*int64]())

// jsonFields maps the json names of t's fields of type ft to their index.
func jsonFields(t, ft reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		if ft != nil && t.Field(i).Type != ft {
			continue
		}
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		m[name] = i
	}
	return m
}

func (s *Server) rtSetTable(w http.ResponseWriter, r *http.Request) {
	var in models.StickTableSet
	if err := decodeBody(r, &in); err != nil {
		writeError(w, err)
		return
	}
	if in.Key == "" || strings.ContainsAny(in.Key, "\r\n") {
		writeError(w, errorf(400, "field \"key\" is required"))
		return
	}
	line := "set table " + quoteArg(r.PathValue("parent_name")) + " key " + quoteArg(in.Key)
	names := make([]string, 0, len(in.DataType))
	for name := range in.DataType {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if in.DataType[name] < 0 || strings.ContainsAny(name, " \t;\\\r\n") {
			writeError(w, errorf(400, "field \"data_type\": %s=%d is not a data type and a count", name, in.DataType[name]))
			return
		}
		line += " data." + name + " " + strconv.FormatInt(in.DataType[name], 10)
	}
	if _, err := s.runtime(line, ""); err != nil {
		if e, ok := err.(*apiError); ok && strings.HasPrefix(e.msg, "No such table") {
			err = errNotFound("stick table " + r.PathValue("parent_name"))
		}
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// nativeFields maps the json names of NativeStatStats to their field
// index, for filling them from the stats columns of the same name.
var nativeFields = jsonFields(reflect.TypeFor[models.NativeStatStats](), nil)

func (s *Server) statsNative(w http.ResponseWriter, r *http.Request) {
	if s.opts.Engine == nil {
		writeError(w, errorf(http.StatusServiceUnavailable, "no running engine"))
		return
	}
	q := r.URL.Query()
	typ, name, parent := q.Get("type"), q.Get("name"), q.Get("parent")
	if !slices.Contains([]string{"", "frontend", "backend", "server"}, typ) {
		writeError(w, errorf(400, "type %q is not frontend, backend or server", typ))
		return
	}
	out := models.NativeStats{RuntimeAPI: "hawser", Stats: []models.NativeStat{}}
	for _, row := range s.opts.Engine.Stats() {
		var st models.NativeStat
		switch row.Type {
		case stats.TypeFrontend:
			st = models.NativeStat{Type: "frontend", Name: row.Proxy()}
		case stats.TypeBackend:
			st = models.NativeStat{Type: "backend", Name: row.Proxy()}
		case stats.TypeServer:
			st = models.NativeStat{Type: "server", Name: row.Name(), BackendName: row.Proxy()}
		default:
			continue
		}
		if typ != "" && st.Type != typ || name != "" && st.Name != name || parent != "" && st.BackendName != parent {
			continue
		}
		rv := reflect.ValueOf(&st.Stats).Elem()
		for c, col := range stats.ColNames {
			i, ok := nativeFields[col]
			if !ok {
				continue
			}
			v := row.Get(stats.Col(c))
			if v.Empty() {
				continue
			}
			f := rv.Field(i)
			if f.Kind() == reflect.String {
				f.SetString(v.String())
			} else if v.IsInt() {
				n := v.N()
				f.Set(reflect.ValueOf(&n))
			}
		}
		out.Stats = append(out.Stats, st)
	}
	writeJSON(w, 200, out)
}
