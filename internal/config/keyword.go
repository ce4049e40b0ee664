package config

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// SectionSet is a set of section kinds a keyword may appear in.
type SectionSet uint16

// Section kinds.
const (
	SecGlobal SectionSet = 1 << iota
	SecDefaults
	SecFrontend
	SecBackend
	SecListen
	SecUserlist
	SecHTTPErrors
	SecRing
	SecLogForward
	SecResolvers
)

// Common section combinations, named after HAProxy's keyword matrix
// columns: "fe" keywords need a frontend capability, "be" a backend one.
const (
	secProxies = SecDefaults | SecFrontend | SecBackend | SecListen
	secFE      = SecDefaults | SecFrontend | SecListen
	secBE      = SecDefaults | SecBackend | SecListen
	secRules   = SecFrontend | SecBackend | SecListen
)

var sectionNames = []struct {
	set  SectionSet
	name string
}{
	{SecGlobal, "global"},
	{SecDefaults, "defaults"},
	{SecFrontend, "frontend"},
	{SecBackend, "backend"},
	{SecListen, "listen"},
	{SecUserlist, "userlist"},
	{SecHTTPErrors, "http-errors"},
	{SecRing, "ring"},
	{SecLogForward, "log-forward"},
	{SecResolvers, "resolvers"},
}

// Has reports whether s contains every kind in k.
func (s SectionSet) Has(k SectionSet) bool { return s&k == k }

// String lists the kinds, comma separated, in HAProxy's column order.
func (s SectionSet) String() string {
	var names []string
	for _, sn := range sectionNames {
		if s.Has(sn.set) {
			names = append(names, sn.name)
		}
	}
	return strings.Join(names, ", ")
}

// sectionKind maps a section header word to its kind; 0 for sections
// hawser does not parse.
func sectionKind(word string) SectionSet {
	for _, sn := range sectionNames {
		if sn.name == word {
			return sn.set
		}
	}
	return 0
}

// Keyword scopes: where, inside a section, a keyword is written.
const (
	ScopeSection = ""              // first word(s) of a line
	ScopeServer  = "server"        // an option of server and default-server lines
	ScopeBind    = "bind"          // an option of bind lines
	ScopeStats   = "stats socket"  // an option of global "stats socket" lines
	ScopeUser    = "userlist user" // an option of userlist "user" lines
)

// Keyword describes one configuration keyword: where it may be written,
// what it takes and how it is parsed. Tables of keywords live next to the
// feature they configure (keywords_*.go) and also generate docs/config.md.
type Keyword struct {
	// Name is the keyword as written, multi-word ones included
	// ("timeout client", "option httplog", "http-request set-header").
	Name string
	// Sections are the sections the keyword may appear in.
	Sections SectionSet
	// Scope is ScopeSection for line keywords, or the line kind the
	// keyword is an option of (ScopeServer, ScopeBind, ...).
	Scope string
	// Args is the usage of the arguments after Name.
	Args string
	// Help is a one-line description.
	Help string
	// NArgs is how many words an option (Scope != ScopeSection) consumes
	// after its name; -1 means the rest of the line.
	NArgs int
	// Negatable is true when "no <keyword>" is accepted.
	Negatable bool
	// Supported is false for keywords HAProxy knows that hawser does not
	// implement; using one is an error that says so.
	Supported bool
	// Parse applies the keyword. args are the words after Name.
	Parse func(c *lineCtx, args []string) error
}

// multiWord are the first words of keywords that are only complete with
// their second word ("timeout client", "option httplog").
var multiWord = map[string]bool{
	"timeout":             true,
	"option":              true,
	"http-request":        true,
	"http-response":       true,
	"http-after-response": true,
	"http-check":          true,
	"stats":               true,
	"tcp-request":         true,
	"tcp-response":        true,
	"tcp-check":           true,
	"monitor":             true,
}

// tables lists every keyword table; see Keywords.
var tables = []*[]*Keyword{
	&globalKeywords,
	&proxyKeywords,
	&timeoutKeywords,
	&optionKeywords,
	&httpKeywords,
	&checkHTTPKeywords,
	&checkOptionKeywords,
	&tcpCheckKeywords,
	&checkServerKeywords,
	&serverKeywords,
	&bindKeywords,
	&tlsKeywords,
	&statsSocketKeywords,
	&userlistKeywords,
	&stickKeywords,
	&persistKeywords,
	&captureKeywords,
	&tcpKeywords,
	&errorKeywords,
	&logForwardKeywords,
	&resolversKeywords,
	&statsPageKeywords,
	&unsupportedKeywords,
}

// Keywords returns every keyword hawser knows, supported or not, sorted by
// scope and name. The result is shared: do not modify it.
func Keywords() []*Keyword {
	return keywordIndex().all
}

type index struct {
	all []*Keyword
	// byName maps scope+"\x00"+name to the keywords of that name (one per
	// distinct section set: "maxconn" differs in global and in proxies).
	byName map[string][]*Keyword
}

// keywordIndex builds the index on first use. It is assigned in init
// because the tables' parse funcs themselves look keywords up, which Go
// would otherwise reject as an initialization cycle.
var keywordIndex func() *index

func init() { keywordIndex = sync.OnceValue(buildIndex) }

func buildIndex() *index {
	ix := &index{byName: map[string][]*Keyword{}}
	for _, t := range tables {
		for _, kw := range *t {
			ix.all = append(ix.all, kw)
			key := kw.Scope + "\x00" + kw.Name
			ix.byName[key] = append(ix.byName[key], kw)
		}
	}
	sort.SliceStable(ix.all, func(i, j int) bool {
		if ix.all[i].Scope != ix.all[j].Scope {
			return ix.all[i].Scope < ix.all[j].Scope
		}
		return ix.all[i].Name < ix.all[j].Name
	})
	return ix
}

// lookup returns the keyword called name in scope that is allowed in sec,
// or, when none is, any keyword of that name (found=false then tells the
// caller it is in the wrong section). It returns nil for unknown names.
func lookup(scope, name string, sec SectionSet) (kw *Keyword, allowed bool) {
	kws := keywordIndex().byName[scope+"\x00"+name]
	for _, k := range kws {
		if k.Sections&sec != 0 {
			return k, true
		}
	}
	if len(kws) > 0 {
		return kws[0], false
	}
	return nil, false
}

// suggest returns a " (did you mean 'x'?)" hint for an unknown name, or ""
// when no keyword is close enough. Keywords allowed in sec win ties.
func suggest(scope, name string, sec SectionSet) string {
	best, bestDist := "", len(name)/3+1
	if bestDist > 3 {
		bestDist = 3
	}
	for _, kw := range keywordIndex().all {
		if kw.Scope != scope {
			continue
		}
		cand := kw.Name
		// Compare like with like: a one-word typo against first words.
		if !strings.Contains(name, " ") {
			cand, _, _ = strings.Cut(cand, " ")
		}
		d := editDistance(name, cand)
		if kw.Sections&sec == 0 {
			d++ // prefer keywords valid here
		}
		if d < bestDist {
			best, bestDist = cand, d
		}
	}
	if best == "" || best == name {
		return ""
	}
	return fmt.Sprintf(" (did you mean '%s'?)", best)
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// notSupported is the error for a keyword hawser knows but does not
// implement.
func notSupported(name string) error {
	return fmt.Errorf("'%s' is not supported by hawser", name)
}
