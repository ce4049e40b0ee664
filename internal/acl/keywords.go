package acl

import (
	"sort"
	"strings"
)

// Keyword describes a sample fetch or converter for the documentation:
// its name, its arguments ("(<string>[,<integer>])", "" for none) and its
// output type.
type Keyword struct {
	Name string
	Args string
	Out  string
}

// Fetches lists every supported sample fetch, sorted by name.
func Fetches() []Keyword {
	out := make([]Keyword, 0, len(fetches))
	for name, d := range fetches {
		out = append(out, Keyword{Name: name, Args: argUsage(d.args, d.minArgs), Out: d.out.String()})
	}
	sortKeywords(out)
	return out
}

// Converters lists every supported converter, sorted by name.
func Converters() []Keyword {
	out := make([]Keyword, 0, len(converters))
	for name, c := range converters {
		out = append(out, Keyword{Name: name, Args: argUsage(c.args, c.minArgs), Out: c.out.String()})
	}
	sortKeywords(out)
	return out
}

// ACLKeywords lists the ACL-only derivatives ("path_beg") with the fetch
// and match method they stand for, sorted by name.
func ACLKeywords() []Keyword {
	out := make([]Keyword, 0, len(aclKeywords))
	for name, k := range aclKeywords {
		out = append(out, Keyword{Name: name, Args: k.fetch + " -m " + k.method})
	}
	sortKeywords(out)
	return out
}

func sortKeywords(k []Keyword) {
	sort.Slice(k, func(i, j int) bool { return k[i].Name < k[j].Name })
}

// argUsage renders argument types, the optional ones in brackets.
func argUsage(args []argType, minArgs int) string {
	if len(args) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteByte('(')
	for i, a := range args {
		if i >= minArgs {
			b.WriteByte('[')
		}
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("<" + a.String() + ">")
	}
	b.WriteString(strings.Repeat("]", max(len(args)-minArgs, 0)))
	b.WriteByte(')')
	return b.String()
}
