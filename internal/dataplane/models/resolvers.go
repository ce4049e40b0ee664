package models

import (
	"fmt"
	"strings"
)

// Resolver is a resolvers section's own lines (v3 "resolver_base"); its
// nameserver lines are the nameservers child collection.
type Resolver struct {
	Name                string `json:"name" required:"true"`
	AcceptedPayloadSize int64  `json:"accepted_payload_size,omitempty" cfg:"accepted_payload_size,int"`
	ParseResolvConf     bool   `json:"parse-resolv-conf,omitempty" cfg:"parse-resolv-conf,flag"`
	ResolveRetries      int64  `json:"resolve_retries,omitempty" cfg:"resolve_retries,int"`
	TimeoutResolve      int64  `json:"timeout_resolve,omitempty" cfg:"timeout resolve,ms"`
	TimeoutRetry        int64  `json:"timeout_retry,omitempty" cfg:"timeout retry,ms"`
	HoldNx              *int64 `json:"hold_nx,omitempty" cfg:"hold nx,ms"`
	HoldObsolete        *int64 `json:"hold_obsolete,omitempty" cfg:"hold obsolete,ms"`
	HoldOther           *int64 `json:"hold_other,omitempty" cfg:"hold other,ms"`
	HoldRefused         *int64 `json:"hold_refused,omitempty" cfg:"hold refused,ms"`
	HoldTimeout         *int64 `json:"hold_timeout,omitempty" cfg:"hold timeout,ms"`
	HoldValid           *int64 `json:"hold_valid,omitempty" cfg:"hold valid,ms"`
}

// Nameserver is one "nameserver <name> <address>:<port>" line.
type Nameserver struct {
	Name    string `json:"name" required:"true"`
	Address string `json:"address" required:"true"`
	Port    *int64 `json:"port,omitempty"`
}

var _ = registerSection(sectionOf("resolvers", "resolvers", func() any { return &Resolver{} }, &lineCodec{}, false))

var _ = registerChild(&Child{
	Path:    "nameservers",
	Parents: []string{"resolvers"},
	New:     func() any { return &Nameserver{} },
	Owns:    func(w []string) bool { return len(w) > 0 && w[0] == "nameserver" },
	Name:    secondWord,
	Decode: func(w []string) (any, error) {
		if len(w) != 3 {
			return nil, fmt.Errorf("expects nameserver <name> <address>:<port>")
		}
		n := &Nameserver{Name: w[1]}
		n.Address, n.Port = splitServerAddr(w[2])
		return n, nil
	},
	Encode: func(m any) ([]string, error) {
		n := m.(*Nameserver)
		if err := checkName("name", n.Name); err != nil {
			return nil, err
		}
		if n.Address == "" || strings.ContainsAny(n.Address, " \t") {
			return nil, fmt.Errorf("field \"address\" is required and may not contain blanks")
		}
		if err := checkPort("port", n.Port); err != nil {
			return nil, err
		}
		return []string{"nameserver", n.Name, joinServerAddr(n.Address, n.Port)}, nil
	},
})
