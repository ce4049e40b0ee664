package runtimeapi

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// TestShowSchemaJSON checks that "show schema json" is a JSON Schema and
// that "show info json" and "show stat json" follow it: every cell has
// the required keys, and tags and value types are among the schema's.
func TestShowSchemaJSON(t *testing.T) {
	t.Parallel()
	s := New(newEngine(t, testCfg), nil)
	out := exchange(t, s, LevelUser, "show schema json\n")
	if !strings.HasSuffix(out, "\n\n") || strings.Count(out, "\n") != 2 {
		t.Fatalf("not one line: %q", out)
	}
	var schema struct {
		OneOf []struct {
			Title string
			Items struct {
				Required []string
				Items    struct{ Required []string }
			}
		}
		Definitions struct {
			Tags struct {
				Properties map[string]struct{ Enum []string }
			}
			TypedValue struct {
				OneOf []struct {
					Properties struct{ Type struct{ Enum []string } }
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(out), &schema); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, o := range schema.Definitions.TypedValue.OneOf {
		types = append(types, o.Properties.Type.Enum...)
	}
	check := func(what string, cell map[string]any, required []string) {
		t.Helper()
		if len(required) == 0 {
			t.Fatalf("%s: the schema requires nothing", what)
		}
		for _, k := range required {
			if _, ok := cell[k]; !ok {
				t.Fatalf("%s: cell without %q: %v", what, k, cell)
			}
		}
		tags := cell["tags"].(map[string]any)
		for name, p := range schema.Definitions.Tags.Properties {
			if v, _ := tags[name].(string); !slices.Contains(p.Enum, v) {
				t.Fatalf("%s: tag %s=%q not in %v", what, name, v, p.Enum)
			}
		}
		if v, _ := cell["value"].(map[string]any)["type"].(string); !slices.Contains(types, v) {
			t.Fatalf("%s: value type %q not in %v", what, v, types)
		}
	}
	var info []map[string]any
	if err := json.Unmarshal([]byte(exchange(t, s, LevelUser, "show info json\n")), &info); err != nil || len(info) == 0 {
		t.Fatalf("show info json: %v", err)
	}
	for _, c := range info {
		check("info", c, schema.OneOf[0].Items.Required)
	}
	var stat [][]map[string]any
	if err := json.Unmarshal([]byte(exchange(t, s, LevelUser, "show stat json\n")), &stat); err != nil || len(stat) == 0 {
		t.Fatalf("show stat json: %v", err)
	}
	for _, row := range stat {
		for _, c := range row {
			check("stat", c, schema.OneOf[1].Items.Items.Required)
		}
	}
}
