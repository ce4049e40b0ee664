package models

// HTTPErrorRule is an "http-error status <code> ..." line. hawser does not
// implement http-error (config refuses it), so the collection is always
// empty and a write is refused naming the field, as for filters.
type HTTPErrorRule struct {
	Type   string `json:"type" required:"true" enum:"status"`
	Status *int64 `json:"status,omitempty"`
}

var _ = registerList(&Child{
	Path:    "http_error_rules",
	Parents: []string{"frontend", "backend", "defaults"},
	New:     func() any { return new(HTTPErrorRule) },
	Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "http-error" },
	Decode: func(words []string) (any, error) {
		return nil, fieldError("type", "'http-error' is not supported by hawser")
	},
	Encode: func(m any) ([]string, error) {
		return nil, fieldError("type", "'http-error' is not supported by hawser")
	},
})
