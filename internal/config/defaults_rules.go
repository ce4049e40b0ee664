package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hawser-lb/hawser/internal/cfgfile"
)

// DefaultsRules are the ACLs and the TCP/HTTP rules of the named defaults
// section a proxy inherits from. As in HAProxy, they run before the
// proxy's own rules of the same set, and their ACLs are visible only to
// them, not to the proxy's rules.
type DefaultsRules struct {
	Pos  cfgfile.Pos
	Name string
	// Mode is the defaults section's own mode, which its rules were
	// checked against.
	Mode              Mode
	ACLs              []*ACL
	HTTPRequest       []*HTTPRule `json:",omitempty"`
	HTTPResponse      []*HTTPRule `json:",omitempty"`
	HTTPAfterResponse []*HTTPRule `json:",omitempty"`
	TCP               TCPRules    `json:",omitzero"`
}

// namedDefaultsOnly reports whether a keyword may appear in a named
// defaults section only: HAProxy refuses ACLs and TCP/HTTP rules in an
// anonymous one, since no proxy could name it to inherit them knowingly.
func namedDefaultsOnly(name string) bool {
	first, _, _ := strings.Cut(name, " ")
	switch first {
	case "acl", "http-request", "http-response", "http-after-response", "tcp-request", "tcp-response":
		return true
	}
	return false
}

// hasRules reports whether a defaults section declares TCP or HTTP rules,
// which restricts the sections that may inherit from it.
func (ps *proxyState) hasRules() bool {
	p := &ps.p
	return len(p.HTTPRequest)+len(p.HTTPResponse)+len(p.HTTPAfterResponse) > 0 ||
		len(p.TCP.Connection)+len(p.TCP.Session)+len(p.TCP.Content)+len(p.TCP.ResponseContent) > 0
}

// defaultsRules returns what a proxy inheriting from the defaults
// section ps receives of its rules, nil if it has none.
func (ps *proxyState) defaultsRules() *DefaultsRules {
	if !ps.hasRules() {
		return nil
	}
	p := cloneProxy(&ps.p)
	return &DefaultsRules{
		Pos: p.Pos, Name: p.Name, Mode: p.Mode, ACLs: p.ACLs,
		HTTPRequest: p.HTTPRequest, HTTPResponse: p.HTTPResponse, HTTPAfterResponse: p.HTTPAfterResponse,
		TCP: p.TCP,
	}
}

// checkRulesParent applies HAProxy's restrictions on a section inheriting
// from a defaults section that defines rules: the rules run in one kind
// of proxy only, so another defaults section or a listen section cannot
// inherit them, frontends and backends cannot share them, and rule sets
// a section does not run (connection and session rules in a backend,
// tcp-response rules in a frontend) are refused rather than dropped.
func (l *loader) checkRulesParent(pos cfgfile.Pos, kind SectionSet, parent *proxyState) error {
	if !parent.hasRules() {
		return nil
	}
	at := fmt.Sprintf("(defaults section at %s:%d)", parent.p.Pos.File, parent.p.Pos.Line)
	tcp := &parent.p.TCP
	switch {
	case kind == SecDefaults:
		return fmt.Errorf("a defaults section cannot inherit from a defaults section defining TCP/HTTP rules %s", at)
	case kind == SecListen:
		return fmt.Errorf("a listen section cannot inherit from a defaults section defining TCP/HTTP rules %s", at)
	case parent.usedBy != 0 && parent.usedBy != kind:
		return fmt.Errorf("frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules %s", at)
	case kind == SecBackend && len(tcp.Connection)+len(tcp.Session) > 0:
		return fmt.Errorf("a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules %s", at)
	case kind == SecFrontend && len(tcp.ResponseContent) > 0:
		return fmt.Errorf("a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules %s", at)
	}
	parent.usedBy = kind
	return nil
}

// checkDefaultsTrack refuses, in a defaults section, a track-sc action
// without an explicit table: HAProxy resolves "the proxy's own table"
// when it parses the rule, and a defaults section has none.
func checkDefaultsTrack(action string, args []string) error {
	if !strings.HasPrefix(action, "track-sc") || slices.Contains(args, "table") {
		return nil
	}
	return fmt.Errorf("'%s' in a defaults section must name its stick table ('table <name>')", action)
}

func cloneDefaultsRules(d *DefaultsRules) *DefaultsRules {
	if d == nil {
		return nil
	}
	c := *d
	p := cloneProxy(&Proxy{ACLs: d.ACLs, HTTPRequest: d.HTTPRequest, HTTPResponse: d.HTTPResponse,
		HTTPAfterResponse: d.HTTPAfterResponse, TCP: d.TCP})
	c.ACLs, c.HTTPRequest, c.HTTPResponse, c.HTTPAfterResponse, c.TCP = p.ACLs, p.HTTPRequest, p.HTTPResponse, p.HTTPAfterResponse, p.TCP
	return &c
}
