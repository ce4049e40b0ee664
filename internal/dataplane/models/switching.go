package models

// BackendSwitchingRule is a "use_backend <name> [if|unless <cond>]" line.
// The name may be a log-format string ("%[req.hdr(host),lower,map(/m)]").
type BackendSwitchingRule struct {
	Name     string `json:"name" required:"true"`
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`
}

// ServerSwitchingRule is a "use-server <server> [if|unless <cond>]" line.
type ServerSwitchingRule struct {
	TargetServer string `json:"target_server" required:"true"`
	Cond         string `json:"cond,omitempty" enum:"if,unless"`
	CondTest     string `json:"cond_test,omitempty"`
}

var _ = registerList(&Child{
	Path:    "backend_switching_rules",
	Parents: []string{"frontend"},
	New:     func() any { return new(BackendSwitchingRule) },
	Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "use_backend" },
	Decode: func(words []string) (any, error) {
		name, cond, test, err := decodeTargetRule(words, "name")
		if err != nil {
			return nil, err
		}
		return &BackendSwitchingRule{Name: name, Cond: cond, CondTest: test}, nil
	},
	Encode: func(m any) ([]string, error) {
		r := m.(*BackendSwitchingRule)
		return encodeTargetRule("use_backend", "name", r.Name, r.Cond, r.CondTest)
	},
})

var _ = registerList(&Child{
	Path:    "server_switching_rules",
	Parents: []string{"backend"},
	New:     func() any { return new(ServerSwitchingRule) },
	Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "use-server" },
	Decode: func(words []string) (any, error) {
		name, cond, test, err := decodeTargetRule(words, "target_server")
		if err != nil {
			return nil, err
		}
		return &ServerSwitchingRule{TargetServer: name, Cond: cond, CondTest: test}, nil
	},
	Encode: func(m any) ([]string, error) {
		r := m.(*ServerSwitchingRule)
		return encodeTargetRule("use-server", "target_server", r.TargetServer, r.Cond, r.CondTest)
	},
})

// decodeTargetRule reads "<keyword> <target> [if|unless <cond>]".
func decodeTargetRule(words []string, field string) (target, cond, test string, err error) {
	args, cond, test, err := splitCond(words[1:])
	if err != nil {
		return "", "", "", err
	}
	if len(args) != 1 {
		return "", "", "", fieldError(field, "expects one word in %q", wordsText(words))
	}
	return wordText(args[0]), cond, test, nil
}

func encodeTargetRule(kw, field, target, cond, test string) ([]string, error) {
	t, err := oneWord(field, target, true)
	if err != nil {
		return nil, err
	}
	return appendCond([]string{kw, t}, cond, test)
}
