package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultsRulesInherited(t *testing.T) {
	t.Parallel()
	s := mustLoad(t, `
defaults common
    mode http

defaults def_front from common
    acl is_api path_beg /api
    http-request set-header x-def 1 if is_api
    http-response set-header x-def-res 1

frontend fe from def_front
    bind :8080
    acl is_admin path_beg /admin
    http-request deny if is_admin
    default_backend be

backend be from common
    server s 127.0.0.1:80
`)
	fe, be := s.Frontends[0], s.Backends[0]
	d := fe.DefaultsRules
	if d == nil {
		t.Fatal("frontend has no defaults rules")
	}
	actions := func(rs []*HTTPRule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.Action)
		}
		return out
	}
	if diff := cmp.Diff([]string{"set-header"}, actions(d.HTTPRequest)); diff != "" {
		t.Errorf("defaults request rules (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"deny"}, actions(fe.HTTPRequest)); diff != "" {
		t.Errorf("own request rules (-want +got):\n%s", diff)
	}
	if len(fe.ACLs) != 1 || fe.ACLs[0].Name != "is_admin" || len(d.ACLs) != 1 || d.ACLs[0].Name != "is_api" {
		t.Errorf("ACLs: own %v, defaults %v", fe.ACLs, d.ACLs)
	}
	if be.DefaultsRules != nil {
		t.Errorf("backend from a defaults without rules has %v", be.DefaultsRules)
	}
	c := s.Clone()
	if c.Frontends[0].DefaultsRules == d || c.Frontends[0].DefaultsRules.HTTPRequest[0] == d.HTTPRequest[0] {
		t.Error("Clone shares the defaults rules")
	}
}

func TestDefaultsRulesImplicitParent(t *testing.T) {
	t.Parallel()
	// A named defaults section is also the parent of the sections that
	// follow it without "from", as in HAProxy.
	s := mustLoad(t, `
defaults web
    mode http
    http-request set-header x-def 1

frontend fe
    bind :8080
    default_backend be
    http-request set-header x-fe 1

defaults plain
    mode http

backend be
    server s 127.0.0.1:80
`)
	if s.Frontends[0].DefaultsRules == nil || s.Frontends[0].Mode != ModeHTTP {
		t.Error("frontend did not inherit from the named defaults before it")
	}
}

func TestDefaultsRulesErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  string
		want string
	}{
		{name: "acl in anonymous defaults", cfg: "defaults\n    acl a src 10.0.0.0/8\n",
			want: "haproxy.cfg:2 : 'acl' not allowed in anonymous 'defaults' section"},
		{name: "http-request in anonymous defaults", cfg: "defaults\n    http-request set-header X 1\n",
			want: "'http-request set-header' not allowed in anonymous 'defaults' section"},
		{name: "http-after-response in anonymous defaults", cfg: "defaults\n    http-after-response set-header X 1\n",
			want: "'http-after-response set-header' not allowed in anonymous 'defaults' section"},
		{name: "tcp-request in anonymous defaults", cfg: "defaults\n    tcp-request connection accept\n",
			want: "'tcp-request connection' not allowed in anonymous 'defaults' section"},
		{name: "inspect-delay in anonymous defaults", cfg: "defaults\n    tcp-response inspect-delay 5s\n",
			want: "'tcp-response inspect-delay' not allowed in anonymous 'defaults' section"},
		{name: "defaults from defaults with rules", cfg: "defaults bad\n    tcp-request content accept\ndefaults from bad\n    mode tcp\n",
			want: "haproxy.cfg:3 : defaults '': a defaults section cannot inherit from a defaults section defining TCP/HTTP rules (defaults section at haproxy.cfg:1)"},
		{name: "listen from defaults with rules", cfg: "defaults bad\n    tcp-request content accept\nlisten li from bad\n    bind :80\n    server s 127.0.0.1:80\n",
			want: "listen 'li': a listen section cannot inherit from a defaults section defining TCP/HTTP rules"},
		{name: "frontend and backend share rules",
			cfg:  "defaults bad\n    tcp-request content accept\nfrontend fe from bad\n    bind :80\n    default_backend be\nbackend be from bad\n    server s 127.0.0.1:80\n",
			want: "haproxy.cfg:6 : backend 'be': frontends and backends cannot inherit from the same defaults section if it defines TCP/HTTP rules (defaults section at haproxy.cfg:1)"},
		{name: "backend from connection rules", cfg: "defaults bad\n    tcp-request connection accept\nbackend be from bad\n    server s 127.0.0.1:80\n",
			want: "a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules"},
		{name: "backend from session rules", cfg: "defaults bad\n    tcp-request session accept\nbackend be from bad\n    server s 127.0.0.1:80\n",
			want: "a backend section cannot inherit from a defaults section defining 'tcp-request connection' or 'tcp-request session' rules"},
		{name: "frontend from tcp-response rules", cfg: "defaults bad\n    tcp-response content accept\nfrontend fe from bad\n    bind :80\n",
			want: "a frontend section cannot inherit from a defaults section defining 'tcp-response content' rules"},
		{name: "defaults ACL not visible to the proxy",
			cfg:  "defaults d\n    mode http\n    acl from_lan src 10.0.0.0/8\nfrontend fe from d\n    bind :80\n    http-request deny if from_lan\n",
			want: "haproxy.cfg:6 : 'http-request deny'"},
		{name: "http track-sc without table", cfg: "defaults d\n    mode http\n    http-request track-sc0 src\n",
			want: "'track-sc0' in a defaults section must name its stick table"},
		{name: "tcp track-sc without table", cfg: "defaults d\n    tcp-request content track-sc1 src\n",
			want: "'track-sc1' in a defaults section must name its stick table"},
		{name: "capture slot in defaults", cfg: "defaults d\n    mode http\n    http-request capture req.hdr(host) len 10\n",
			want: "only a frontend has"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, "haproxy.cfg", tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestDefaultsRulesAccepted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  string
	}{
		{name: "backend from tcp-response rules", cfg: "defaults tcp\n    tcp-response inspect-delay 5s\n    tcp-response content accept\nbackend be from tcp\n    mode tcp\n    server s 127.0.0.1:80\n"},
		{name: "several frontends share rules", cfg: "defaults d\n    mode http\n    http-request set-header x 1\nfrontend a from d\n    bind :80\nfrontend b from d\n    bind :81\n"},
		{name: "track-sc with table", cfg: "defaults d\n    mode http\n    http-request track-sc0 src table be\nbackend be from d\n    stick-table type ip size 1k store http_req_rate(10s)\n    server s 127.0.0.1:80\n"},
		{name: "defaults rule uses its own ACL", cfg: "defaults d\n    mode http\n    acl api path_beg /api\n    http-request deny if api\nfrontend fe from d\n    bind :80\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := loadText(t, "haproxy.cfg", tc.cfg); err != nil {
				t.Errorf("load: %v", err)
			}
		})
	}
}
