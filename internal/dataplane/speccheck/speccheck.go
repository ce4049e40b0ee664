// Package speccheck checks HTTP responses against an OpenAPI 3 document,
// for tests: is the route in the document, is the status one it lists,
// and does the JSON body match the schema (types, required and unknown
// properties, enums, nullability, $ref, allOf).
//
// It covers the subset of JSON Schema that package dataplane generates.
package speccheck

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Spec is a decoded OpenAPI document.
type Spec map[string]any

// Parse decodes an OpenAPI document.
func Parse(data []byte) (Spec, error) {
	var s Spec
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, err
	}
	return s, nil
}

// Operation returns the path template and operation that serve method
// and path (path relative to the servers' base, without query).
func (s Spec) Operation(method, path string) (string, map[string]any, error) {
	paths, _ := s["paths"].(map[string]any)
	if path = strings.TrimSuffix(path, "/"); path == "" {
		path = "/"
	}
	best, bestScore := "", -1
	for tmpl := range paths {
		if score, ok := match(tmpl, path); ok && score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	if best == "" {
		return "", nil, fmt.Errorf("no path of the spec matches %s", path)
	}
	op, _ := paths[best].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil {
		return best, nil, fmt.Errorf("spec path %s has no %s operation", best, method)
	}
	return best, op, nil
}

// match reports whether path fits the template, scoring literal segments
// so that /a/version wins over /a/{name}.
func match(tmpl, path string) (int, bool) {
	ts, ps := strings.Split(tmpl, "/"), strings.Split(path, "/")
	if len(ts) != len(ps) {
		return 0, false
	}
	score := 0
	for i := range ts {
		if strings.HasPrefix(ts[i], "{") {
			continue
		}
		if ts[i] != ps[i] {
			return 0, false
		}
		score++
	}
	return score, true
}

// CheckResponse checks one response: its status must be listed for the
// operation, and a JSON body must match the listed schema.
func (s Spec) CheckResponse(method, path string, status int, contentType string, body []byte) error {
	tmpl, op, err := s.Operation(method, path)
	if err != nil {
		return err
	}
	responses, _ := op["responses"].(map[string]any)
	resp, _ := responses[strconv.Itoa(status)].(map[string]any)
	if resp == nil {
		return fmt.Errorf("%s %s: status %d is not in the spec", method, tmpl, status)
	}
	content, _ := resp["content"].(map[string]any)
	if content == nil {
		if len(strings.TrimSpace(string(body))) > 0 {
			return fmt.Errorf("%s %s %d: body where the spec has none", method, tmpl, status)
		}
		return nil
	}
	mt := strings.TrimSpace(strings.Split(contentType, ";")[0])
	media, _ := content[mt].(map[string]any)
	if media == nil {
		return fmt.Errorf("%s %s %d: content type %q is not in the spec", method, tmpl, status, mt)
	}
	if mt != "application/json" {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s %d: %v", method, tmpl, status, err)
	}
	if err := s.Validate(media["schema"], v, "body"); err != nil {
		return fmt.Errorf("%s %s %d: %v", method, tmpl, status, err)
	}
	return nil
}

// Validate checks a decoded JSON value against a schema.
func (s Spec) Validate(schema any, v any, at string) error {
	sch, _ := schema.(map[string]any)
	if sch == nil {
		return nil
	}
	if ref, ok := sch["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		comps, _ := s["components"].(map[string]any)
		schemas, _ := comps["schemas"].(map[string]any)
		target, ok := schemas[name]
		if !ok {
			return fmt.Errorf("%s: unresolved $ref %s", at, ref)
		}
		return s.Validate(target, v, at)
	}
	if v == nil {
		if sch["nullable"] == true || len(sch) == 0 {
			return nil
		}
		return fmt.Errorf("%s: null where the schema does not allow it", at)
	}
	if all, ok := sch["allOf"].([]any); ok {
		for _, sub := range all {
			if err := s.Validate(sub, v, at); err != nil {
				return err
			}
		}
	}
	if enum, ok := sch["enum"].([]any); ok && !slices.Contains(enum, v) {
		return fmt.Errorf("%s: %v is not one of %v", at, v, enum)
	}
	switch sch["type"] {
	case "object":
		obj, ok := v.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: %T where an object is expected", at, v)
		}
		props, _ := sch["properties"].(map[string]any)
		for _, r := range asSlice(sch["required"]) {
			if _, ok := obj[r.(string)]; !ok {
				return fmt.Errorf("%s: required property %q missing", at, r)
			}
		}
		for k, val := range obj {
			if p, ok := props[k]; ok {
				if err := s.Validate(p, val, at+"."+k); err != nil {
					return err
				}
				continue
			}
			switch ap := sch["additionalProperties"].(type) {
			case bool:
				if !ap {
					return fmt.Errorf("%s: property %q is not in the schema", at, k)
				}
			case map[string]any:
				if err := s.Validate(ap, val, at+"."+k); err != nil {
					return err
				}
			}
		}
	case "array":
		arr, ok := v.([]any)
		if !ok {
			return fmt.Errorf("%s: %T where an array is expected", at, v)
		}
		for i, e := range arr {
			if err := s.Validate(sch["items"], e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case "string":
		if _, ok := v.(string); !ok {
			return fmt.Errorf("%s: %T where a string is expected", at, v)
		}
	case "integer":
		f, ok := v.(float64)
		if !ok || f != float64(int64(f)) {
			return fmt.Errorf("%s: %v where an integer is expected", at, v)
		}
	case "number":
		if _, ok := v.(float64); !ok {
			return fmt.Errorf("%s: %T where a number is expected", at, v)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			return fmt.Errorf("%s: %T where a boolean is expected", at, v)
		}
	}
	return nil
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}
