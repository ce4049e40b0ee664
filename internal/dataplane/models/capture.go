package models

// Capture is a "declare capture request|response len <length>" line of a
// frontend: a slot that http-request/http-response capture rules fill by
// id.
type Capture struct {
	Type   string `json:"type" required:"true" enum:"request,response"`
	Length *int64 `json:"length" required:"true"`
}

var _ = registerList(&Child{
	Path:    "captures",
	Parents: []string{"frontend"},
	New:     func() any { return new(Capture) },
	Owns: func(words []string) bool {
		return len(words) > 1 && words[0] == "declare" && words[1] == "capture"
	},
	Decode: func(words []string) (any, error) {
		if len(words) != 5 || (words[2] != "request" && words[2] != "response") || words[3] != "len" {
			return nil, fieldError("type", "expects 'declare capture request|response len <length>', got %q", wordsText(words))
		}
		n, err := intText("length", words[4])
		if err != nil {
			return nil, err
		}
		return &Capture{Type: words[2], Length: n}, nil
	},
	Encode: func(m any) ([]string, error) {
		c := m.(*Capture)
		if c.Type != "request" && c.Type != "response" {
			return nil, fieldError("type", "must be request or response")
		}
		if c.Length == nil || *c.Length <= 0 {
			return nil, fieldError("length", "must be a positive integer")
		}
		return []string{"declare", "capture", c.Type, "len", itoa(*c.Length)}, nil
	},
})
