package models

// StickRule is one "stick on|match|store-request|store-response <pattern>
// [table <table>] [if|unless <cond>]" line of a backend.
type StickRule struct {
	Type     string `json:"type" required:"true" enum:"match,on,store-request,store-response"`
	Pattern  string `json:"pattern" required:"true"`
	Table    string `json:"table,omitempty"`
	Cond     string `json:"cond,omitempty" enum:"if,unless"`
	CondTest string `json:"cond_test,omitempty"`
}

var _ = registerList(&Child{
	Path:    "stick_rules",
	Parents: []string{"backend"},
	New:     func() any { return new(StickRule) },
	Owns:    func(words []string) bool { return len(words) > 0 && words[0] == "stick" },
	Decode:  decodeStickRule,
	Encode:  func(m any) ([]string, error) { return encodeStickRule(m.(*StickRule)) },
})

var stickTypes = []string{"match", "on", "store-request", "store-response"}

func decodeStickRule(words []string) (any, error) {
	if len(words) < 2 || !hasWord(stickTypes, words[1]) {
		return nil, fieldError("type", "expects match, on, store-request or store-response in %q", wordsText(words))
	}
	args, cond, test, err := splitCond(words[2:])
	if err != nil {
		return nil, err
	}
	r := &StickRule{Type: words[1], Cond: cond, CondTest: test}
	a := &argReader{line: words, args: args}
	r.Pattern = a.next("pattern")
	if len(a.args) > 0 && a.args[0] == "table" {
		a.args = a.args[1:]
		r.Table = a.next("table")
	}
	if err := a.done(); err != nil {
		return nil, err
	}
	return r, nil
}

func encodeStickRule(r *StickRule) ([]string, error) {
	if !hasWord(stickTypes, r.Type) {
		return nil, fieldError("type", "must be match, on, store-request or store-response")
	}
	b := &lineBuilder{w: []string{"stick", r.Type}}
	b.word("pattern", r.Pattern, true)
	b.optWord("table", "table", r.Table)
	if b.err != nil {
		return nil, b.err
	}
	return appendCond(b.w, r.Cond, r.CondTest)
}
