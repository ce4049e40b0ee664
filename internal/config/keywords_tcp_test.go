package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestTCPRules(t *testing.T) {
	t.Parallel()
	const cfg = `
defaults tcpdefs
    mode tcp
    tcp-request inspect-delay 5s

frontend fe
    bind :8443
    acl bad src 10.0.0.0/8
    tcp-request connection expect-proxy layer4 if { src 127.0.0.1 }
    tcp-request connection reject if bad
    tcp-request connection track-sc0 src table st
    tcp-request session sc-inc-gpc0(1) if bad
    tcp-request content accept if { req_ssl_hello_type 1 }
    tcp-request content reject
    default_backend be

backend be
    tcp-response inspect-delay 1s
    tcp-response content close if { always_true }
    server s 127.0.0.1:443
`
	s := mustLoad(t, cfg)
	fe, be := s.Frontends[0], s.Backends[0]
	if fe.TCP.InspectDelay != 5*time.Second || be.TCP.ResponseInspectDelay != time.Second {
		t.Errorf("delays = %v, %v", fe.TCP.InspectDelay, be.TCP.ResponseInspectDelay)
	}
	type rule struct {
		Action, Key, Table string
		Slot               int
		Cond               string
	}
	flat := func(rs []*TCPRule) []rule {
		var out []rule
		for _, r := range rs {
			c := ""
			if r.Cond != nil {
				c = strings.Join(r.Cond.Words, " ")
			}
			out = append(out, rule{r.Action, r.Key, r.Table, r.Slot, c})
		}
		return out
	}
	tests := []struct {
		name string
		got  []*TCPRule
		want []rule
	}{
		{name: "connection", got: fe.TCP.Connection, want: []rule{
			{Action: "expect-proxy", Cond: "{ src 127.0.0.1 }"},
			{Action: "reject", Cond: "bad"},
			{Action: "track-sc", Key: "src", Table: "st"},
		}},
		{name: "session", got: fe.TCP.Session, want: []rule{{Action: "sc-inc-gpc0", Slot: 1, Cond: "bad"}}},
		{name: "content", got: fe.TCP.Content, want: []rule{
			{Action: "accept", Cond: "{ req_ssl_hello_type 1 }"},
			{Action: "reject"},
		}},
		{name: "response", got: be.TCP.ResponseContent, want: []rule{{Action: "close", Cond: "{ always_true }"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, flat(tc.got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rules (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTCPRuleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, want string
	}{
		{name: "no action", line: "tcp-request content", want: "expects an action"},
		{name: "unknown action", line: "tcp-request content bounce", want: "unknown action 'bounce'"},
		{name: "unsupported", line: "tcp-request content set-var-fmt(txn.x) %[src]", want: "'tcp-request content set-var-fmt' is not supported by hawser"},
		{name: "set-var without name", line: "tcp-request content set-var src", want: "expects a variable name in parentheses"},
		{name: "set-var bad scope", line: "tcp-request content set-var(glob.x) src", want: "unknown scope"},
		{name: "set-var condition", line: "tcp-request content set-var(txn.x,ifexists) src", want: "set-var conditions are not supported"},
		{name: "set-var without expr", line: "tcp-request session set-var(sess.x)", want: "expects one sample expression"},
		{name: "set-var bad expr", line: "tcp-request content set-var(txn.x) nosuchfetch", want: "nosuchfetch"},
		{name: "unset-var with args", line: "tcp-request connection unset-var(sess.x) src", want: "takes no argument"},
		{name: "expect-proxy in content", line: "tcp-request content expect-proxy layer4", want: "unknown action 'expect-proxy'"},
		{name: "expect-proxy without layer4", line: "tcp-request connection expect-proxy", want: "expects 'layer4'"},
		{name: "bad counter", line: "tcp-request connection track-sc3 src", want: "must be 0, 1 or 2"},
		{name: "bad key", line: "tcp-request connection track-sc0 nosuchfetch", want: "nosuchfetch"},
		{name: "bad table syntax", line: "tcp-request connection track-sc0 src tbl x", want: "expects '<key> [table <table>]'"},
		{name: "accept with args", line: "tcp-request content accept now", want: "takes no argument"},
		{name: "gpc0 without counter", line: "tcp-request content sc-inc-gpc0", want: "in parentheses"},
		{name: "bad delay", line: "tcp-request inspect-delay soon", want: "inspect-delay"},
		{name: "bad cond", line: "tcp-request content reject if nosuchacl", want: "nosuchacl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := "frontend fe\n    mode tcp\n    bind :1\n    " + tc.line + "\n"
			_, err := loadText(t, "haproxy.cfg", cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("load(%q) = %v, want an error containing %q", tc.line, err, tc.want)
			}
		})
	}
}

// TestTCPResponseInModeHTTP: hawser runs tcp-request rules in mode http,
// not tcp-response ones, so those are refused with their line.
func TestTCPResponseInModeHTTP(t *testing.T) {
	t.Parallel()
	_, err := loadText(t, "haproxy.cfg", "backend be\n    mode http\n    tcp-response content accept\n")
	if err == nil || !strings.Contains(err.Error(), "haproxy.cfg:3") || !strings.Contains(err.Error(), "tcp-response content rules in mode http are not supported") {
		t.Errorf("got %v", err)
	}
}
