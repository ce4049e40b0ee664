package models

// Frontend is a frontend section's own lines (v3 "frontend_base"); its
// binds, ACLs and rules are child collections.
type Frontend struct {
	Name        string            `json:"name" required:"true"`
	From        string            `json:"from,omitempty" cfg:"from,word"`
	Mode        string            `json:"mode,omitempty" enum:"http,tcp" cfg:"mode,word"`
	Description string            `json:"description,omitempty" cfg:"description,text"`
	ID          *int64            `json:"id,omitempty" cfg:"id,int"`
	MonitorFail *MonitorFail      `json:"monitor_fail,omitempty"`
	StickTable  *ConfigStickTable `json:"stick_table,omitempty"`
	GUID        string            `json:"guid,omitempty" cfg:"guid,no"`
	ProxyParams
	FrontendParams
}

var _ = registerSection(sectionOf("frontend", "frontends", func() any { return &Frontend{} }, proxyLines, false))
