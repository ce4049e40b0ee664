// Package models holds the Data Plane API's JSON models (HAProxy Data Plane
// API v3 field names) and converts each one to and from haproxy.cfg lines.
//
// It knows nothing of HTTP, versions or transactions: package dataplane
// serves these models over REST and edits the configuration tree
// (internal/cfgfile) with them. Converters are pure functions over words, so
// they are tested with tables: model → lines → model must round-trip.
package models

// A Section converts one kind of configuration section ("global",
// "defaults", "frontend", "backend", "userlist", "resolvers", "ring",
// "cache", "log-forward", "http-errors") to and from its model.
type Section struct {
	// Kind is the section keyword as written in haproxy.cfg.
	Kind string
	// Path is the URL segment under /v3/services/haproxy/configuration
	// ("frontends"; "global" for the single global section).
	Path string
	// New returns a pointer to an empty model, for decoding a request body
	// (package dataplane decodes with DisallowUnknownFields).
	New func() any
	// Owns reports whether a line of the section belongs to the section's
	// own model. A PUT replaces exactly these lines and keeps every other
	// line (the child collections below, comments, blank lines) in place.
	Owns func(words []string) bool
	// Decode builds the model from the section's name and the words of the
	// lines it owns, in file order. When the header names a defaults
	// section to inherit from ("backend app from web"), package dataplane
	// passes it as a first line {"from", "web"}.
	Decode func(name string, lines [][]string) (any, error)
	// Encode renders a model (as returned by New and filled from JSON) as
	// the section's name and lines. It validates what the JSON schema
	// cannot (a bad enum value, a missing required field) and returns an
	// error that names the field. A {"from", NAME} line (the model's
	// "from" field) is moved into the section header by package dataplane,
	// never written as a line.
	Encode func(m any) (name string, lines [][]string, err error)
}

// Model structs describe themselves to the OpenAPI generator of package
// dataplane with two struct tags besides json: `enum:"http,tcp"` lists a
// string field's allowed values, and `required:"true"` marks a field the
// API requires (HAProxy's schema "required" list).

// A Child converts the lines of one collection inside a section. Two
// shapes exist in the API: index-addressed lists (acls,
// http_request_rules, ...; Name is nil; the index is the line's position
// among the lines the Child owns) and named children (binds, servers,
// server_templates, users, nameservers; Name is set).
type Child struct {
	// Path is the URL segment: "http_request_rules", "servers".
	Path string
	// Parents are the section kinds the collection exists in ("frontend",
	// "backend", "defaults", "global", ...).
	Parents []string
	// New returns a pointer to an empty model.
	New func() any
	// Owns reports whether a line belongs to this collection.
	Owns func(words []string) bool
	// Name returns a named child's name from its line; nil for lists.
	Name func(words []string) string
	// Decode builds the model from one line's words.
	Decode func(words []string) (any, error)
	// Encode renders a model as one line's words, validating as
	// Section.Encode does.
	Encode func(m any) ([]string, error)
}

var (
	sections []*Section
	children []*Child
)

// Sections returns every section converter, in registration order.
func Sections() []*Section { return sections }

// Children returns every child-collection converter, in registration order.
func Children() []*Child { return children }

// registerSection adds a section converter; files declare theirs with
// `var _ = registerSection(&Section{...})` next to the model.
func registerSection(s *Section) *Section {
	sections = append(sections, s)
	return s
}

// registerChild adds a child-collection converter.
func registerChild(c *Child) *Child {
	children = append(children, c)
	return c
}
