package dataplane

import (
	"encoding/json"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// The OpenAPI document is generated from the registered routes and, by
// reflection, from the Go types of their bodies: json tags name the
// fields, `enum:"a,b"` lists a string's allowed values and
// `required:"true"` marks a required field. Structs are closed
// (additionalProperties false) because bodies are decoded with
// DisallowUnknownFields. A pointer field is nullable.

// Spec returns the OpenAPI 3 document of everything the server serves.
func (s *Server) Spec() map[string]any {
	s.specOnce.Do(func() {
		s.spec = buildSpec(s.routes, s.opts.Version)
		s.specJSON, _ = json.Marshal(s.spec)
	})
	return s.spec
}

func (s *Server) getSpec(w http.ResponseWriter, r *http.Request) {
	s.Spec()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(200)
	w.Write(s.specJSON)
}

// specCache is the generated document; routes never change after New.
type specCache struct {
	specOnce sync.Once
	spec     map[string]any
	specJSON []byte
}

var pathParam = regexp.MustCompile(`\{([a-z_]+)\}`)

func buildSpec(routes []*route, version string) map[string]any {
	g := &schemaGen{schemas: map[string]any{}, names: map[reflect.Type]string{}}
	errRef := g.schema(reflect.TypeFor[errorBody]())
	paths := map[string]any{}
	for _, rt := range routes {
		item, _ := paths[rt.Path].(map[string]any)
		if item == nil {
			item = map[string]any{}
			paths[rt.Path] = item
		}
		var params []any
		for _, m := range pathParam.FindAllStringSubmatch(rt.Path, -1) {
			sch := map[string]any{"type": "string"}
			if m[1] == "index" {
				sch = map[string]any{"type": "integer"}
			}
			params = append(params, map[string]any{"name": m[1], "in": "path", "required": true, "schema": sch})
		}
		for _, p := range rt.Query {
			q := map[string]any{"name": p.Name, "in": "query", "schema": map[string]any{"type": p.Type}}
			if p.Required {
				q["required"] = true
			}
			if p.Desc != "" {
				q["description"] = p.Desc
			}
			params = append(params, q)
		}
		op := map[string]any{
			"summary":     rt.Summary,
			"operationId": operationID(rt),
			"tags":        []any{rt.Tag},
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if rt.Body != nil {
			op["requestBody"] = map[string]any{"required": true, "content": g.content(rt.Body)}
		}
		ok := map[string]any{"description": http.StatusText(rt.Status), "headers": versionHeader}
		if rt.Resp != nil && rt.Status != http.StatusNoContent {
			ok["content"] = g.content(rt.Resp)
		}
		responses := map[string]any{strconv.Itoa(rt.Status): ok}
		// A write inside a transaction answers 202 with the same body.
		if rt.Method != "GET" && hasParam(rt.Query, "transaction_id") && rt.Status != http.StatusAccepted {
			acc := map[string]any{"description": "Accepted (inside a transaction)"}
			if c, has := ok["content"]; has {
				acc["content"] = c
			}
			responses["202"] = acc
		}
		codes := append([]int{401}, rt.Codes...)
		if hasParam(rt.Query, "transaction_id") {
			// An unknown transaction is 404, a finished one 400.
			codes = append(codes, 400, 404)
		}
		if strings.Contains(rt.Path, "{index}") {
			codes = append(codes, 400)
		}
		for _, c := range codes {
			responses[strconv.Itoa(c)] = map[string]any{
				"description": http.StatusText(c),
				"headers":     versionHeader,
				"content":     map[string]any{"application/json": map[string]any{"schema": errRef}},
			}
		}
		op["responses"] = responses
		item[strings.ToLower(rt.Method)] = op
	}
	return map[string]any{
		"openapi": "3.0.3",
		"info": map[string]any{
			"title":       "hawser Data Plane API",
			"description": "HAProxy Data Plane API v3, served by hawser: changes are applied live.",
			"version":     "3.0 (hawser " + version + ")",
		},
		"servers":  []any{map[string]any{"url": "/v3"}},
		"security": []any{map[string]any{"basic_auth": []any{}}},
		"paths":    paths,
		"components": map[string]any{
			"schemas": g.schemas,
			"securitySchemes": map[string]any{
				"basic_auth": map[string]any{"type": "http", "scheme": "basic"},
			},
		},
	}
}

// versionHeader documents the header every answer carries.
var versionHeader = map[string]any{
	"Configuration-Version": map[string]any{
		"description": "the committed configuration version",
		"schema":      map[string]any{"type": "string"},
	},
}

func hasParam(ps []param, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// operationID is a stable name for a route: "get_services_haproxy_…".
func operationID(rt *route) string {
	p := pathParam.ReplaceAllString(rt.Path, "by_$1")
	p = strings.NewReplacer("/", "_", "-", "_").Replace(strings.Trim(p, "/"))
	return strings.ToLower(rt.Method) + "_" + p
}

// schemaGen turns Go types into JSON schemas, named struct types into
// components.
type schemaGen struct {
	schemas map[string]any
	names   map[reflect.Type]string
}

func (g *schemaGen) content(t reflect.Type) map[string]any {
	switch t {
	case textType:
		return map[string]any{"text/plain": map[string]any{"schema": map[string]any{"type": "string"}}}
	case binType:
		return map[string]any{"application/octet-stream": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}
	case uploadType:
		return map[string]any{"multipart/form-data": map[string]any{"schema": map[string]any{
			"type":       "object",
			"required":   []string{"file_upload"},
			"properties": map[string]any{"file_upload": map[string]any{"type": "string", "format": "binary"}},
		}}}
	}
	return map[string]any{"application/json": map[string]any{"schema": g.schema(t)}}
}

func (g *schemaGen) schema(t reflect.Type) map[string]any {
	switch t.Kind() {
	case reflect.Pointer:
		return g.schema(t.Elem())
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Name() == "RawMessage" {
			return map[string]any{}
		}
		return map[string]any{"type": "array", "items": g.schema(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": g.schema(t.Elem())}
	case reflect.Struct:
		return g.structRef(t)
	}
	return map[string]any{} // interfaces: any JSON value
}

// structRef returns a $ref to the struct's component, generating it once.
func (g *schemaGen) structRef(t reflect.Type) map[string]any {
	if t.Name() == "" {
		return g.structSchema(t)
	}
	name, ok := g.names[t]
	if !ok {
		name = schemaName(t)
		for taken := g.schemas[name] != nil; taken; taken = g.schemas[name] != nil {
			name += "_"
		}
		g.names[t] = name
		g.schemas[name] = map[string]any{} // placeholder for recursive types
		g.schemas[name] = g.structSchema(t)
	}
	return map[string]any{"$ref": "#/components/schemas/" + name}
}

// schemaName turns a Go type name into HAProxy's snake_case model name:
// HTTPRequestRule → http_request_rule.
func schemaName(t reflect.Type) string {
	n := t.Name()
	var b strings.Builder
	for i, r := range n {
		upper := r >= 'A' && r <= 'Z'
		if upper && i > 0 {
			prevLower := n[i-1] >= 'a' && n[i-1] <= 'z' || n[i-1] >= '0' && n[i-1] <= '9'
			nextLower := i+1 < len(n) && n[i+1] >= 'a' && n[i+1] <= 'z'
			if prevLower || (nextLower && n[i-1] >= 'A' && n[i-1] <= 'Z') {
				b.WriteByte('_')
			}
		}
		if upper {
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (g *schemaGen) structSchema(t reflect.Type) map[string]any {
	props := map[string]any{}
	var required []any
	g.fields(t, props, &required)
	s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// fields adds t's JSON fields to props, flattening embedded structs as
// encoding/json does.
func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]any) {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				g.fields(ft, props, required)
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		sch := g.schema(f.Type)
		if len(sch) == 0 || sch["$ref"] != nil {
			// Siblings of $ref are ignored by OpenAPI 3.0: wrap.
			if f.Type.Kind() == reflect.Pointer && sch["$ref"] != nil {
				sch = map[string]any{"allOf": []any{sch}, "nullable": true}
			}
		} else if f.Type.Kind() == reflect.Pointer {
			sch["nullable"] = true
		}
		if e := f.Tag.Get("enum"); e != "" {
			var vals []any
			for _, v := range strings.Split(e, ",") {
				vals = append(vals, v)
			}
			if sch["type"] == "array" {
				items := map[string]any{}
				for k, v := range sch["items"].(map[string]any) {
					items[k] = v
				}
				items["enum"] = vals
				sch["items"] = items
			} else {
				sch["enum"] = vals
			}
		}
		if f.Tag.Get("required") == "true" {
			*required = append(*required, name)
		}
		props[name] = sch
	}
}
