package models

// Filter is a "filter <type> ..." line. hawser implements no filter yet
// (config refuses the keyword), so the collection is always empty and a
// write is refused naming the type; the model keeps HAProxy's type enum
// out of the OpenAPI document for the same reason.
type Filter struct {
	Type string `json:"type" required:"true"`
}

var _ = registerList(&Child{
	Path:    "filters",
	Parents: []string{"frontend", "backend"},
	New:     func() any { return new(Filter) },
	Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "filter" },
	Decode: func(words []string) (any, error) {
		t := ""
		if len(words) > 1 {
			t = words[1]
		}
		return nil, fieldError("type", "'filter %s' is not supported by hawser", t)
	},
	Encode: func(m any) ([]string, error) {
		f := m.(*Filter)
		if f.Type == "" {
			return nil, fieldError("type", "is required")
		}
		return nil, fieldError("type", "'filter %s' is not supported by hawser", f.Type)
	},
})
