package models

// Backend is a backend section's own lines (v3 "backend_base"); its
// servers, server templates, ACLs and rules are child collections.
type Backend struct {
	Name                string            `json:"name" required:"true"`
	From                string            `json:"from,omitempty" cfg:"from,word"`
	Mode                string            `json:"mode,omitempty" enum:"http,tcp,log" cfg:"mode,word"`
	Description         string            `json:"description,omitempty" cfg:"description,text"`
	ID                  *int64            `json:"id,omitempty" cfg:"id,int"`
	StickTable          *ConfigStickTable `json:"stick_table,omitempty"`
	ServerStateFileName string            `json:"server_state_file_name,omitempty" cfg:"server-state-file-name,word"`
	SpopCheck           string            `json:"spop_check,omitempty" enum:"enabled,disabled" cfg:"option spop-check,opt"`
	ForcePersistList    []*PersistCond    `json:"force_persist_list,omitempty"`
	IgnorePersistList   []*PersistCond    `json:"ignore_persist_list,omitempty"`
	HTTPNoDelay         string            `json:"http-no-delay,omitempty" enum:"enabled,disabled" cfg:"option http-no-delay,no"`
	UseFcgiApp          string            `json:"use_fcgi_app,omitempty" cfg:"use-fcgi-app,no"`
	GUID                string            `json:"guid,omitempty" cfg:"guid,no"`
	ProxyParams
	BackendParams
}

var _ = registerSection(sectionOf("backend", "backends", func() any { return &Backend{} }, proxyLines, false))
