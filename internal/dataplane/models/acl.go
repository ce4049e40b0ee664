package models

// ACL is one "acl <name> <criterion> [flags] [values]" line; flags such as
// -i belong to value, as in HAProxy's API.
type ACL struct {
	ACLName   string `json:"acl_name" required:"true"`
	Criterion string `json:"criterion" required:"true"`
	Value     string `json:"value,omitempty"`
}

var _ = registerList(&Child{
	Path:    "acls",
	Parents: []string{"frontend", "backend", "defaults"},
	New:     func() any { return new(ACL) },
	Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "acl" },
	Decode:  decodeACL,
	Encode:  func(m any) ([]string, error) { return encodeACL(m.(*ACL)) },
})

func decodeACL(words []string) (any, error) {
	if len(words) < 3 {
		return nil, fieldError("criterion", "missing in %q", wordsText(words))
	}
	return &ACL{ACLName: wordText(words[1]), Criterion: wordText(words[2]), Value: wordsText(words[3:])}, nil
}

func encodeACL(a *ACL) ([]string, error) {
	name, err := oneWord("acl_name", a.ACLName, true)
	if err != nil {
		return nil, err
	}
	crit, err := oneWord("criterion", a.Criterion, true)
	if err != nil {
		return nil, err
	}
	vals, err := manyWords("value", a.Value)
	if err != nil {
		return nil, err
	}
	return append([]string{"acl", name, crit}, vals...), nil
}
