package models

// HTTPErrorsSection is an http-errors section: its errorfile lines.
type HTTPErrorsSection struct {
	Name       string       `json:"name" required:"true"`
	ErrorFiles []*Errorfile `json:"error_files" required:"true"`
}

var _ = registerSection(sectionOf("http-errors", "http_errors_sections", func() any { return &HTTPErrorsSection{} },
	&lineCodec{extras: []*extra{{json: []string{"error_files"}, kws: []string{"errorfile"}, decode: decodeErrorfile, encode: encodeErrorfile}}}, false))
