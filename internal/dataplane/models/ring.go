package models

// Ring is a ring section's own lines (v3 "ring_base"); its server lines
// are the servers child collection.
type Ring struct {
	Name           string `json:"name" required:"true"`
	Description    string `json:"description,omitempty" cfg:"description,text"`
	Format         string `json:"format,omitempty" enum:"iso,local,raw,rfc3164,rfc5424,short,priority,timed" cfg:"format,word"`
	Maxlen         *int64 `json:"maxlen,omitempty" cfg:"maxlen,int"`
	Size           *int64 `json:"size,omitempty" cfg:"size,size"`
	TimeoutConnect *int64 `json:"timeout_connect,omitempty" cfg:"timeout connect,ms"`
	TimeoutServer  *int64 `json:"timeout_server,omitempty" cfg:"timeout server,ms"`
}

var _ = registerSection(sectionOf("ring", "rings", func() any { return &Ring{} }, &lineCodec{}, false))
