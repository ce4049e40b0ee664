package config

import (
	"strings"
	"testing"
)

func TestFetchRefs(t *testing.T) {
	t.Parallel()
	const head = `
defaults d
    mode http
backend be
    stick-table type ip size 1k store http_req_rate(10s),gpc(2)
    server s1 127.0.0.1:80
frontend fe
    bind :80
    default_backend be
`
	tests := []struct {
		name, line, want string
	}{
		{name: "nbsrv known", line: "http-request deny if { nbsrv(be) lt 1 }"},
		{name: "nbsrv unknown", line: "http-request deny if { nbsrv(nob) lt 1 }", want: "unable to find backend 'nob' in 'nbsrv(nob)'"},
		{name: "be_conn unknown in format", line: "http-request set-header x %[be_conn(nob)]", want: "unable to find backend 'nob'"},
		{name: "srv_is_up known", line: "http-request deny if { srv_is_up(be/s1) }"},
		{name: "srv_is_up unknown server", line: "http-request deny if { srv_is_up(be/s9) }", want: "unable to find server 's9' in backend 'be'"},
		{name: "srv_is_up unknown backend", line: "acl up srv_is_up(nob/s1)", want: "unable to find backend 'nob'"},
		{name: "table_cnt unknown", line: "http-request deny if { table_cnt(nost) gt 1 }", want: "unable to find stick table 'nost'"},
		{name: "sc counter without table", line: "http-request deny if { sc_http_req_rate(0) gt 1 }"},
		{name: "sc with table", line: "http-request deny if { sc_http_req_rate(0,be) gt 1 }"},
		{name: "sc unknown table", line: "http-request deny if { sc_http_req_rate(0,nost) gt 1 }", want: "unable to find stick table 'nost'"},
		{name: "src unknown table", line: "http-request deny if { src_conn_rate(nost) gt 1 }", want: "'nost'"},
		{name: "tcp rule unknown backend", line: "tcp-request connection reject if { nbsrv(nob) lt 1 }", want: "unable to find backend 'nob'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, "haproxy.cfg", head+"    "+tc.line+"\n")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("load: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestTableArg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, fetch, args, want string
	}{
		{name: "sc counter only", fetch: "sc_http_req_rate", args: "0"},
		{name: "sc with table", fetch: "sc_http_req_rate", args: "0,t", want: "t"},
		{name: "sc array form", fetch: "sc_get_gpc", args: "1,0"},
		{name: "sc array form with table", fetch: "sc_get_gpc", args: "1,0,t", want: "t"},
		{name: "scN", fetch: "sc0_http_req_rate", args: "t", want: "t"},
		{name: "src array form", fetch: "src_gpc_rate", args: "1,t", want: "t"},
		{name: "table converter", fetch: "table_http_req_rate", args: "t", want: "t"},
		{name: "other fetch", fetch: "req.hdr", args: "host"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tableArg(tc.fetch, strings.Split(tc.args, ",")); got != tc.want {
				t.Errorf("tableArg = %q, want %q", got, tc.want)
			}
		})
	}
}
