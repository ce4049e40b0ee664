package models

// Defaults is a defaults section's own lines (v3 "defaults_base"). v3
// addresses defaults sections by name; an anonymous one has an empty name
// here and package dataplane decides how to show it.
type Defaults struct {
	Name string `json:"name" required:"true"`
	From string `json:"from,omitempty" cfg:"from,word"`
	Mode string `json:"mode,omitempty" enum:"tcp,http,log" cfg:"mode,word"`
	ProxyParams
	FrontendParams
	BackendParams
}

var _ = registerSection(sectionOf("defaults", "defaults", func() any { return &Defaults{} }, proxyLines, true))
