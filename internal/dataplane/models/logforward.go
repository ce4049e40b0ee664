package models

import (
	"fmt"
	"strings"
)

// LogForward is a log-forward section's own lines (v3
// "log_forward_base"); its bind, dgram-bind and log lines are child
// collections.
type LogForward struct {
	Name             string `json:"name" required:"true"`
	Maxconn          *int64 `json:"maxconn,omitempty" cfg:"maxconn,int"`
	TimeoutClient    *int64 `json:"timeout_client,omitempty" cfg:"timeout client,ms"`
	AssumeRFC6587NTF bool   `json:"assume-rfc6587-ntf,omitempty" cfg:"option assume-rfc6587-ntf,flag"`
	DontParseLog     bool   `json:"dont-parse-log,omitempty" cfg:"option dont-parse-log,flag"`
	Backlog          *int64 `json:"backlog,omitempty" cfg:"backlog,no"`
}

// DgramBind is one "dgram-bind" line of a log-forward section.
type DgramBind struct {
	Name         string `json:"name" required:"true"`
	Address      string `json:"address,omitempty"`
	Port         *int64 `json:"port,omitempty"`
	PortRangeEnd *int64 `json:"port-range-end,omitempty"`
	Interface    string `json:"interface,omitempty" cfg:"interface,val"`
	Transparent  bool   `json:"transparent,omitempty" cfg:"transparent,flag"`
	Namespace    string `json:"namespace,omitempty" cfg:"namespace,no"`
}

var _ = registerSection(sectionOf("log-forward", "log_forwards", func() any { return &LogForward{} }, &lineCodec{}, false))

var _ = registerChild(&Child{
	Path:    "dgram_binds",
	Parents: []string{"log-forward"},
	New:     func() any { return &DgramBind{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "dgram-bind" },
	Name:    bindName,
	Decode: func(w []string) (any, error) {
		if len(w) < 2 {
			return nil, fmt.Errorf("expects dgram-bind <address>:<port> [options]")
		}
		b := &DgramBind{Name: bindName(w)}
		b.Address, b.Port, b.PortRangeEnd = splitBindAddr(w[1])
		var opts []string
		for i := 2; i < len(w); i++ {
			if w[i] == "name" && i+1 < len(w) {
				i++
				continue
			}
			opts = append(opts, w[i])
		}
		if err := decodeOpts(b, opts, nil); err != nil {
			return nil, fmt.Errorf("dgram-bind %q: %w", b.Name, err)
		}
		return b, nil
	},
	Encode: func(m any) ([]string, error) {
		b := m.(*DgramBind)
		if b.Name == "" || strings.ContainsAny(b.Name, " \t\n\r\"'#") {
			return nil, fmt.Errorf("field \"name\" is required and may not contain blanks, quotes or '#'")
		}
		if err := checkPort("port", b.Port); err != nil {
			return nil, err
		}
		if b.Address == "" && b.Port == nil {
			return nil, fmt.Errorf("field \"address\" or \"port\" is required")
		}
		addr := joinBindAddr(&Bind{Address: b.Address, Port: b.Port, PortRangeEnd: b.PortRangeEnd})
		line := []string{"dgram-bind", addr}
		if b.Name != addr {
			line = append(line, "name", b.Name)
		}
		opts, err := encodeOpts(b)
		if err != nil {
			return nil, err
		}
		return append(line, opts...), nil
	},
})
