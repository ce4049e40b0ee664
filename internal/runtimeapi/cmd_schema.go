package runtimeapi

import (
	"encoding/json"
	"sync"
)

// "show schema json": a JSON Schema (draft-04, as HAProxy's) of what
// "show info json" and "show stat json" print, so that tools can check
// them. The schema is hawser's own description of its output.
func init() {
	Register(&Command{Words: []string{"show", "schema", "json"}, Level: LevelUser,
		Usage: "show schema json", Help: "report schema used for stats", Handler: showSchemaJSON})
}

var (
	schemaOnce sync.Once
	schemaText string
)

// statsSchema builds the schema. Objects are Go maps, so encoding/json
// prints their keys sorted: the text is the same at every call.
func statsSchema() map[string]any {
	obj := func(props map[string]any, required ...string) map[string]any {
		return map[string]any{"type": "object", "properties": props, "required": required}
	}
	ref := func(name string) map[string]any { return map[string]any{"$ref": "#/definitions/" + name} }
	enum := func(vals ...string) map[string]any { return map[string]any{"type": "string", "enum": vals} }
	nonNeg := map[string]any{"type": "integer", "minimum": 0}
	// A cell of "show info json" and of "show stat json" share these.
	common := map[string]any{
		"field":      ref("field"),
		"processNum": ref("processNum"),
		"tags":       ref("tags"),
		"value":      ref("typedValue"),
	}
	statCell := map[string]any{
		"objType": enum("Frontend", "Backend", "Listener", "Server"),
		"proxyId": nonNeg,
		"id":      nonNeg,
	}
	for k, v := range common {
		statCell[k] = v
	}
	intValue := func(types ...string) map[string]any {
		return obj(map[string]any{"type": enum(types...), "value": map[string]any{"type": "integer"}}, "type", "value")
	}
	return map[string]any{
		"$schema": "http://json-schema.org/draft-04/schema#",
		"oneOf": []any{
			map[string]any{
				"title": "Info", "description": "show info json: one cell per process field",
				"type": "array", "items": obj(common, "field", "processNum", "tags", "value"),
			},
			map[string]any{
				"title": "Stat", "description": "show stat json: one array per proxy, server or listener, one cell per non-empty column",
				"type": "array", "items": map[string]any{
					"type": "array", "items": obj(statCell, "objType", "proxyId", "id", "field", "processNum", "tags", "value"),
				},
			},
			map[string]any{
				"title": "Error", "type": "object",
				"properties": map[string]any{"errorStr": map[string]any{"type": "string"}},
				"required":   []string{"errorStr"},
			},
		},
		"definitions": map[string]any{
			"field":      obj(map[string]any{"pos": nonNeg, "name": map[string]any{"type": "string"}}, "pos", "name"),
			"processNum": map[string]any{"type": "integer", "minimum": 1},
			"tags": obj(map[string]any{
				"origin": enum("Metric", "Status", "Key", "Config", "Product", "Unknown"),
				"nature": enum("Gauge", "Limit", "Min", "Max", "Rate", "Counter", "Duration", "Age", "Time", "Name", "Output", "Avg", "Unknown"),
				"scope":  enum("Cluster", "Process", "Service", "System", "Unknown"),
			}, "origin", "nature", "scope"),
			"typedValue": map[string]any{"oneOf": []any{
				intValue("s32", "s64", "u32", "u64"),
				obj(map[string]any{"type": enum("flt"), "value": map[string]any{"type": "number"}}, "type", "value"),
				obj(map[string]any{"type": enum("str"), "value": map[string]any{"type": "string"}}, "type", "value"),
			}},
		},
	}
}

func showSchemaJSON(ctx *Context, _ []string, _ string) (string, error) {
	schemaOnce.Do(func() {
		b, err := json.Marshal(statsSchema())
		if err != nil {
			panic(err) // a bug in statsSchema
		}
		schemaText = string(b) + "\n"
	})
	ctx.W.WriteString(schemaText)
	return "", nil
}
