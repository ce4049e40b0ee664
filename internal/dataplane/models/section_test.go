package models

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

func sectionByKind(t *testing.T, kind string) *Section {
	t.Helper()
	for _, s := range Sections() {
		if s.Kind == kind {
			return s
		}
	}
	t.Fatalf("no section converter for %q", kind)
	return nil
}

// splitLines turns config text into the words of its lines.
func splitLines(t *testing.T, text string) [][]string {
	t.Helper()
	var out [][]string
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		ws, err := cfgfile.SplitWords(strings.TrimSpace(l))
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		if len(ws) > 0 {
			out = append(out, ws)
		}
	}
	return out
}

// decodeStrict decodes a request body as package dataplane does.
func decodeStrict(body string, m any) error {
	d := json.NewDecoder(strings.NewReader(body))
	d.DisallowUnknownFields()
	return d.Decode(m)
}

// TestSectionRoundTrip reads lines into a model, checks the JSON a GET
// would show, decodes that JSON as a PUT would and wants the same lines
// back.
func TestSectionRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		kind  string
		sname string
		lines string
		json  string
		back  string // expected lines when they differ from lines
	}{
		{
			name: "frontend", kind: "frontend", sname: "web",
			lines: `
from base
mode http
maxconn 1000
timeout client 30s
timeout http-request 5s
option httplog
option dontlognull
no option logasap
option forwardfor except 127.0.0.0/8 header X-Real-IP if-none
option http-server-close
default_backend app
description the public site
monitor-uri /health
monitor fail if { nbsrv(app) lt 1 }
errorfile 503 /etc/hawser/503.http
stats enable
stats uri /stats
stats auth admin:secret
stats refresh 10s
stats http-request auth realm Stats unless { src 10.0.0.0/8 }
stick-table type ip size 100k expire 30s store http_req_rate(10s),conn_cur
log-format "%ci:%cp [%t] %ft"
`,
			json: `{"name":"web","from":"base","mode":"http","description":"the public site","monitor_fail":{"cond":"if","cond_test":"{ nbsrv(app) lt 1 }"},"stick_table":{"type":"ip","size":102400,"expire":30000,"store":"http_req_rate(10s),conn_cur"},"http_request_timeout":5000,"http_connection_mode":"http-server-close","forwardfor":{"enabled":"enabled","except":"127.0.0.0/8","header":"X-Real-IP","ifnone":true},"error_files":[{"code":503,"file":"/etc/hawser/503.http"}],"stats_options":{"stats_enable":true,"stats_uri_prefix":"/stats","stats_auths":[{"user":"admin","passwd":"secret"}],"stats_refresh_delay":10,"stats_http_requests":[{"type":"auth","realm":"Stats","cond":"unless","cond_test":"{ src 10.0.0.0/8 }"}]},"maxconn":1000,"client_timeout":30000,"default_backend":"app","httplog":true,"log_format":"%ci:%cp [%t] %ft","monitor_uri":"/health","dontlognull":"enabled","logasap":"disabled"}`,
			back: `
from base
mode http
description "the public site"
timeout http-request 5s
maxconn 1000
timeout client 30s
default_backend app
log-format "%ci:%cp [%t] %ft"
monitor-uri /health
option dontlognull
no option logasap
option forwardfor except 127.0.0.0/8 header X-Real-IP if-none
option http-server-close
option httplog
errorfile 503 /etc/hawser/503.http
stats enable
stats uri /stats
stats auth admin:secret
stats refresh 10s
stats http-request auth realm Stats unless { src 10.0.0.0/8 }
monitor fail if { nbsrv(app) lt 1 }
stick-table type ip size 100k expire 30s store http_req_rate(10s),conn_cur
`,
		},
		{
			name: "backend", kind: "backend", sname: "app",
			lines: `
mode http
balance uri len 12 depth 2 whole
hash-type consistent sdbm avalanche
cookie SRV insert indirect nocache httponly secure domain .example.com maxidle 30 maxlife 3600 attr SameSite=Lax
option httpchk GET /health HTTP/1.1 example.com
option redispatch 3
option allbackups
no option persist
http-reuse safe
retries 3
retry-on conn-failure empty-response 503
timeout connect 5s
timeout server 1m
timeout queue 2500ms
default-server inter 2s fall 3 rise 2 check
source 10.0.0.1 usesrc clientip
force-persist if { src 10.0.0.0/8 }
load-server-state-from-file global
`,
			json: `{"name":"app","mode":"http","force_persist_list":[{"cond":"if","cond_test":"{ src 10.0.0.0/8 }"}],"balance":{"algorithm":"uri","uri_depth":2,"uri_len":12,"uri_whole":true},"hash_type":{"method":"consistent","function":"sdbm","modifier":"avalanche"},"connect_timeout":5000,"server_timeout":60000,"queue_timeout":2500,"retries":3,"retry_on":"conn-failure empty-response 503","http_reuse":"safe","cookie":{"name":"SRV","type":"insert","indirect":true,"nocache":true,"httponly":true,"secure":true,"domain":[{"value":".example.com"}],"attr":[{"value":"SameSite=Lax"}],"maxidle":30,"maxlife":3600},"default_server":{"check":"enabled","inter":2000,"rise":2,"fall":3},"adv_check":"httpchk","httpchk_params":{"method":"GET","uri":"/health","version":"HTTP/1.1","host":"example.com"},"redispatch":{"enabled":"enabled","interval":3},"source":{"address":"10.0.0.1","usesrc":"clientip"},"load_server_state_from_file":"global","allbackups":"enabled","persist":"disabled"}`,
			back: `
mode http
timeout connect 5s
timeout server 1m
timeout queue 2500ms
retries 3
retry-on conn-failure empty-response 503
http-reuse safe
load-server-state-from-file global
option allbackups
no option persist
balance uri len 12 depth 2 whole
hash-type consistent sdbm avalanche
cookie SRV insert indirect nocache httponly secure domain .example.com maxidle 30 maxlife 3600 attr SameSite=Lax
default-server check inter 2s rise 2 fall 3
option httpchk GET /health HTTP/1.1 example.com
option redispatch 3
source 10.0.0.1 usesrc clientip
force-persist if { src 10.0.0.0/8 }
`,
		},
		{
			name: "defaults", kind: "defaults", sname: "base",
			lines: `
mode tcp
option tcplog
timeout client 50s
timeout server 50s
timeout connect 5s
balance leastconn
option tcp-check
`,
			json: `{"name":"base","mode":"tcp","client_timeout":50000,"tcplog":true,"balance":{"algorithm":"leastconn"},"connect_timeout":5000,"server_timeout":50000,"adv_check":"tcp-check"}`,
			back: `
mode tcp
timeout client 50s
timeout connect 5s
timeout server 50s
balance leastconn
option tcp-check
option tcplog
`,
		},
		{
			name: "global", kind: "global",
			lines: `
daemon
maxconn 20000
nbthread 4
pidfile /run/hawser.pid
user hawser
group hawser
chroot /var/empty
hard-stop-after 30s
stats socket /run/hawser.sock mode 600 level admin expose-fd listeners
stats socket ipv4@127.0.0.1:9999 level operator
stats timeout 2m
log-send-hostname edge1
ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
ssl-server-verify none
tune.bufsize 32768
tune.ssl.lifetime 5m
tune.h2.max-concurrent-streams 200
server-state-file /var/lib/hawser/state
setenv REGION eu-west-1
`,
			json: `{"daemon":true,"nbthread":4,"pidfile":"/run/hawser.pid","chroot":"/var/empty","user":"hawser","group":"hawser","hard_stop_after":30000,"stats_timeout":120000,"log_send_hostname":{"enabled":"enabled","param":"edge1"},"runtime_apis":[{"address":"/run/hawser.sock","mode":"600","level":"admin","expose_fd_listeners":true},{"address":"ipv4@127.0.0.1:9999","level":"operator"}],"environment_options":{"setenv":[{"name":"REGION","value":"eu-west-1"}]},"performance_options":{"maxconn":20000,"server_state_file":"/var/lib/hawser/state"},"ssl_options":{"default_bind_ciphers":"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256","default_bind_options":"ssl-min-ver TLSv1.2 no-tls-tickets","server_verify":"none"},"tune_options":{"h2_max_concurrent_streams":200},"tune_buffer_options":{"bufsize":32768},"tune_ssl_options":{"lifetime":300}}`,
			back: `
daemon
nbthread 4
pidfile /run/hawser.pid
chroot /var/empty
user hawser
group hawser
hard-stop-after 30s
stats timeout 2m
maxconn 20000
server-state-file /var/lib/hawser/state
ssl-default-bind-ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256
ssl-default-bind-options ssl-min-ver TLSv1.2 no-tls-tickets
ssl-server-verify none
tune.h2.max-concurrent-streams 200
tune.bufsize 32k
tune.ssl.lifetime 300s
log-send-hostname edge1
stats socket /run/hawser.sock mode 600 level admin expose-fd listeners
stats socket ipv4@127.0.0.1:9999 level operator
setenv REGION eu-west-1
`,
		},
		{
			name: "resolvers", kind: "resolvers", sname: "dns",
			lines: `
parse-resolv-conf
resolve_retries 3
timeout resolve 1s
timeout retry 1s
hold valid 10s
hold nx 30s
accepted_payload_size 8192
`,
			json: `{"name":"dns","accepted_payload_size":8192,"parse-resolv-conf":true,"resolve_retries":3,"timeout_resolve":1000,"timeout_retry":1000,"hold_nx":30000,"hold_valid":10000}`,
			back: `
accepted_payload_size 8192
parse-resolv-conf
resolve_retries 3
timeout resolve 1s
timeout retry 1s
hold nx 30s
hold valid 10s
`,
		},
		{
			name: "ring", kind: "ring", sname: "buf",
			lines: `
description "request log buffer"
format rfc5424
maxlen 1200
size 32m
timeout connect 5s
timeout server 10s
`,
			json: `{"name":"buf","description":"request log buffer","format":"rfc5424","maxlen":1200,"size":33554432,"timeout_connect":5000,"timeout_server":10000}`,
		},
		{
			name: "log-forward", kind: "log-forward", sname: "syslog",
			lines: `
maxconn 100
timeout client 10s
option dont-parse-log
`,
			json: `{"name":"syslog","maxconn":100,"timeout_client":10000,"dont-parse-log":true}`,
		},
		{
			name: "http-errors", kind: "http-errors", sname: "site",
			lines: `
errorfile 503 /etc/hawser/errors/503.http
errorfile 404 /etc/hawser/errors/404.http
`,
			json: `{"name":"site","error_files":[{"code":503,"file":"/etc/hawser/errors/503.http"},{"code":404,"file":"/etc/hawser/errors/404.http"}]}`,
		},
		{
			name: "userlist", kind: "userlist", sname: "controller",
			json: `{"name":"controller"}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := sectionByKind(t, tc.kind)
			lines := splitLines(t, tc.lines)
			for _, l := range lines {
				if !s.Owns(l) && l[0] != "from" {
					t.Fatalf("%s does not own %q", tc.kind, l)
				}
			}
			m, err := s.Decode(tc.sname, lines)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(m)
			if diff := cmp.Diff(tc.json, string(got)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
			m2 := s.New()
			if err := decodeStrict(string(got), m2); err != nil {
				t.Fatal(err)
			}
			name, back, err := s.Encode(m2)
			if err != nil {
				t.Fatal(err)
			}
			if name != tc.sname {
				t.Errorf("name %q, want %q", name, tc.sname)
			}
			want := lines
			if tc.back != "" {
				want = splitLines(t, tc.back)
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("lines (-want +got):\n%s", diff)
			}
		})
	}
}

// TestChildRoundTrip does the same for server, server-template and bind
// lines.
func TestChildRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, line, json, back string
	}{
		{
			name: "server", path: "servers",
			line: `server s1 10.0.0.1:8080 id 3 check inter 2s fastinter 500ms downinter 10s rise 2 fall 3 weight 50 backup maxconn 100 cookie s1 send-proxy-v2 slowstart 30s agent-check agent-port 9999 agent-inter 5s resolvers dns init-addr last,libc,none disabled`,
			json: `{"name":"s1","address":"10.0.0.1","port":8080,"id":3,"check":"enabled","inter":2000,"fastinter":500,"downinter":10000,"rise":2,"fall":3,"agent-check":"enabled","agent-port":9999,"agent-inter":5000,"backup":"enabled","maintenance":"enabled","weight":50,"maxconn":100,"slowstart":30000,"cookie":"s1","send-proxy-v2":"enabled","resolvers":"dns","init-addr":"last,libc,none"}`,
			back: `server s1 10.0.0.1:8080 id 3 check inter 2s fastinter 500ms downinter 10s rise 2 fall 3 agent-check agent-port 9999 agent-inter 5s backup weight 50 maxconn 100 slowstart 30s cookie s1 send-proxy-v2 resolvers dns init-addr last,libc,none disabled`,
		},
		{
			name: "server tls", path: "servers",
			line: `server api api.internal:443 ssl verify required ca-file /etc/ssl/ca.pem sni str(api.internal) alpn h2,http/1.1 no-tlsv10 force-tlsv13 no-ssl-reuse check-ssl no-verifyhost`,
			json: `{"name":"api","address":"api.internal","port":443,"check-ssl":"enabled","ssl":"enabled","ssl_cafile":"/etc/ssl/ca.pem","verify":"required","no_verifyhost":"enabled","sni":"str(api.internal)","alpn":"h2,http/1.1","ssl_reuse":"disabled","tlsv10":"disabled","tlsv13":"enabled"}`,
			back: `server api api.internal:443 check-ssl ssl ca-file /etc/ssl/ca.pem verify required sni str(api.internal) alpn h2,http/1.1 no-ssl-reuse no-verifyhost no-tlsv10 force-tlsv13`,
		},
		{
			name: "server unix", path: "servers",
			line: `server local unix@/run/app.sock`,
			json: `{"name":"local","address":"unix@/run/app.sock"}`,
		},
		{
			name: "server template", path: "server_templates",
			line: `server-template web 1-5 web.service.consul:80 check resolvers consul init-addr none`,
			json: `{"prefix":"web","num_or_range":"1-5","fqdn":"web.service.consul","port":80,"check":"enabled","resolvers":"consul","init-addr":"none"}`,
		},
		{
			name: "bind named", path: "binds",
			line: `bind :443 name https ssl crt /etc/ssl/site.pem alpn h2,http/1.1 ssl-min-ver TLSv1.2 accept-proxy`,
			json: `{"name":"https","port":443,"ssl":true,"ssl_certificate":"/etc/ssl/site.pem","alpn":"h2,http/1.1","ssl_min_ver":"TLSv1.2","accept_proxy":true}`,
			back: `bind :443 name https ssl crt /etc/ssl/site.pem alpn h2,http/1.1 ssl-min-ver TLSv1.2 accept-proxy`,
		},
		{
			name: "bind several crt", path: "binds",
			line: `bind *:443 ssl crt /etc/ssl/a.pem crt /etc/ssl/b.pem crt /etc/ssl/c.pem`,
			json: `{"name":"*:443","address":"*","port":443,"ssl":true,"ssl_certificate":"/etc/ssl/a.pem:/etc/ssl/b.pem:/etc/ssl/c.pem"}`,
		},
		{
			name: "bind by address", path: "binds",
			line: `bind 0.0.0.0:8000-8010 v4v6 maxconn 500 no-tlsv11`,
			json: `{"name":"0.0.0.0:8000-8010","address":"0.0.0.0","port":8000,"port-range-end":8010,"tlsv11":"disabled","v4v6":true,"maxconn":500}`,
		},
		{
			name: "bind unix", path: "binds",
			line: `bind unix@/run/hawser.sock mode 600 level admin expose-fd listeners`,
			json: `{"name":"unix@/run/hawser.sock","address":"unix@/run/hawser.sock","mode":"600","level":"admin","expose_fd_listeners":true}`,
		},
		{
			name: "user crypt", path: "users",
			line: `user admin password $6$salt$hash groups ops,dev`,
			json: `{"username":"admin","secure_password":true,"password":"$6$salt$hash","groups":"ops,dev"}`,
		},
		{
			name: "user clear", path: "users",
			line: `user api insecure-password s3cret`,
			json: `{"username":"api","secure_password":false,"password":"s3cret"}`,
		},
		{
			name: "group", path: "groups",
			line: `group ops users admin,api`,
			json: `{"name":"ops","users":"admin,api"}`,
		},
		{
			name: "nameserver", path: "nameservers",
			line: `nameserver ns1 10.0.0.2:53`,
			json: `{"name":"ns1","address":"10.0.0.2","port":53}`,
		},
		{
			name: "dgram-bind", path: "dgram_binds",
			line: `dgram-bind 0.0.0.0:514 name udp transparent`,
			json: `{"name":"udp","address":"0.0.0.0","port":514,"transparent":true}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := childByPath(t, tc.path)
			words := splitLines(t, tc.line)[0]
			if !c.Owns(words) {
				t.Fatalf("%s does not own %q", tc.path, words)
			}
			m, err := c.Decode(words)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(m)
			if diff := cmp.Diff(tc.json, string(got)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
			m2 := c.New()
			if err := decodeStrict(string(got), m2); err != nil {
				t.Fatal(err)
			}
			back, err := c.Encode(m2)
			if err != nil {
				t.Fatal(err)
			}
			want := words
			if tc.back != "" {
				want = splitLines(t, tc.back)[0]
			}
			if diff := cmp.Diff(want, back); diff != "" {
				t.Errorf("words (-want +got):\n%s", diff)
			}
			if c.Name(back) != c.Name(words) {
				t.Errorf("name %q, want %q", c.Name(back), c.Name(words))
			}
		})
	}
}

// TestEncodeRefuses checks request bodies that must be refused with an
// error naming the field, never written to the file.
func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, kind, body, want string
	}{
		{"bad enum", "frontend", `{"name":"f","mode":"udp"}`, `"mode"`},
		{"unsupported option", "frontend", `{"name":"f","splice_auto":"enabled"}`, `"splice_auto" ('option splice-auto') is not supported by hawser`},
		{"unsupported object", "backend", `{"name":"b","compression":{"algorithms":["gzip"]}}`, `"compression"`},
		{"unsupported balance", "backend", `{"name":"b","balance":{"algorithm":"rdp-cookie"}}`, `not supported by hawser`},
		{"missing name", "backend", `{"mode":"http"}`, `"name"`},
		{"bad name", "frontend", `{"name":"a b"}`, `"name"`},
		{"bad timeout", "backend", `{"name":"b","connect_timeout":-1}`, `"connect_timeout"`},
		{"bad http_connection_mode", "defaults", `{"name":"d","http_connection_mode":"tunnel"}`, `"http_connection_mode"`},
		{"log options exclude", "frontend", `{"name":"f","httplog":true,"tcplog":true}`, `exclude`},
		{"stick table without size", "backend", `{"name":"b","stick_table":{"type":"ip"}}`, `stick_table`},
		{"server pool_max_conn", "servers", `{"name":"s","address":"1.2.3.4","pool_max_conn":5}`, `"pool_max_conn" ('pool-max-conn') is not supported by hawser`},
		{"server bad port", "servers", `{"name":"s","address":"1.2.3.4","port":70000}`, `"port"`},
		{"server no address", "servers", `{"name":"s"}`, `"address"`},
		{"server bad check", "servers", `{"name":"s","address":"h","check":"on"}`, `"check"`},
		{"server no- form missing", "servers", `{"name":"s","address":"h","send_proxy_v2_ssl":"disabled"}`, `'no-send-proxy-v2-ssl', which is not supported by hawser`},
		{"server force-sslv3", "servers", `{"name":"s","address":"h","sslv3":"enabled"}`, `"sslv3"`},
		{"bind tls-tickets", "binds", `{"name":"b","port":443,"tls_tickets":"enabled"}`, `"tls_tickets"`},
		{"bind unsupported", "binds", `{"name":"b","port":80,"generate_certificates":true}`, `"generate_certificates"`},
		{"bind no address", "binds", `{"name":"b"}`, `"address"`},
		{"cache", "cache", `{"name":"c","total_max_size":4}`, `'cache' sections are not supported by hawser`},
		{"global unsupported", "global", `{"tune_options":{"maxaccept":64}}`, `"tune_options.maxaccept" ('tune.maxaccept') is not supported by hawser`},
		{"global bad verify", "global", `{"ssl_options":{"server_verify":"optional"}}`, `"ssl_options.server_verify"`},
		{"user name", "users", `{"username":"a b","password":"x"}`, `"username"`},
		{"nameserver port", "nameservers", `{"name":"n","address":"1.1.1.1","port":0}`, `"port"`},
		{"template range", "server_templates", `{"prefix":"p","num_or_range":"a-b","fqdn":"x"}`, `"num_or_range"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var err error
			if slices.Contains([]string{"servers", "binds", "server_templates", "users", "nameservers"}, tc.kind) {
				c := childByPath(t, tc.kind)
				m := c.New()
				if err = decodeStrict(tc.body, m); err == nil {
					_, err = c.Encode(m)
				}
			} else {
				s := sectionByKind(t, tc.kind)
				m := s.New()
				if err = decodeStrict(tc.body, m); err == nil {
					_, _, err = s.Encode(m)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestJSONNamesUnique guards the embedded parameter structs: two fields
// with one JSON name at the same depth would both vanish from the JSON.
func TestJSONNamesUnique(t *testing.T) {
	t.Parallel()
	var models []any
	for _, s := range Sections() {
		models = append(models, s.New())
	}
	for _, c := range Children() {
		models = append(models, c.New())
	}
	for _, m := range models {
		typ := reflect.TypeOf(m).Elem()
		seen := map[string]bool{}
		for _, f := range reflect.VisibleFields(typ) {
			if f.Anonymous || !f.IsExported() {
				continue
			}
			js, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if js == "" || js == "-" {
				continue
			}
			if seen[js] {
				t.Errorf("%s: JSON name %q twice", typ.Name(), js)
			}
			seen[js] = true
		}
	}
}

// TestCorpusSectionRoundTrip reads the sections and named children of
// every corpus file config.Load accepts, converts them to JSON and back,
// rewrites the file with the result and wants config.Load to accept it
// and the models to read back the same.
func TestCorpusSectionRoundTrip(t *testing.T) {
	t.Parallel()
	files, _, loads := corpusFiles(t)
	type count struct{ n, ok int }
	counts := map[string]*count{}
	tally := func(what string, ok bool) {
		c := counts[what]
		if c == nil {
			c = &count{}
			counts[what] = c
		}
		c.n++
		if ok {
			c.ok++
		}
	}
	for i, f := range files {
		if !loads[i] {
			continue
		}
		for _, s := range f.Sections {
			var sc *Section
			for _, x := range Sections() {
				if x.Kind == s.Kind {
					sc = x
				}
			}
			if sc == nil {
				continue
			}
			for _, l := range s.Lines {
				if len(l.Words) == 0 || l.Directive || l.Inactive {
					continue
				}
				var owners []string
				if sc.Owns(l.Words) {
					owners = append(owners, s.Kind)
				}
				for _, c := range Children() {
					if slices.Contains(c.Parents, s.Kind) && c.Owns(l.Words) {
						owners = append(owners, c.Path)
					}
				}
				if len(owners) > 1 {
					t.Errorf("%s:%d: %q is owned by %v", f.Name, l.Line, l.Words, owners)
				}
			}
			ok := roundTripSection(t, f.Name, sc, s)
			tally(s.Kind, ok)
			for _, l := range s.Lines {
				if len(l.Words) == 0 || l.Directive || l.Inactive {
					continue
				}
				for _, c := range Children() {
					if c.Name == nil || !c.Owns(l.Words) || !slices.Contains(c.Parents, s.Kind) {
						continue
					}
					ok := roundTripChild(t, f.Name, l, c)
					tally(c.Path, ok)
				}
			}
		}
		g, err := cfgfile.Parse(f.Name, f.Bytes(), func(string) (string, bool) { return "", false })
		if err == nil {
			_, err = config.Load([]*cfgfile.File{g})
		}
		if err != nil {
			t.Errorf("%s: rewritten file no longer loads: %v\n%s", f.Name, err, f.Bytes())
		}
	}
	for what, c := range counts {
		t.Logf("%-20s %4d of %4d corpus sections/lines round-trip", what, c.ok, c.n)
	}
}

func roundTripSection(t *testing.T, file string, sc *Section, s *cfgfile.Section) bool {
	t.Helper()
	var lines [][]string
	var owned []int
	if s.From != "" {
		lines = append(lines, []string{"from", s.From})
	}
	for i, l := range s.Lines {
		if len(l.Words) == 0 || l.Directive || l.Inactive || !sc.Owns(l.Words) {
			continue
		}
		lines = append(lines, l.Words)
		owned = append(owned, i)
	}
	m, err := sc.Decode(s.Name, lines)
	if err != nil {
		t.Errorf("%s: %s %s: Decode: %v", file, s.Kind, s.Name, err)
		return false
	}
	js, _ := json.Marshal(m)
	m2 := sc.New()
	if err := decodeStrict(string(js), m2); err != nil {
		t.Errorf("%s: %s %s: JSON: %v", file, s.Kind, s.Name, err)
		return false
	}
	name, back, err := sc.Encode(m2)
	if err != nil {
		t.Errorf("%s: %s %s: Encode: %v\n%s", file, s.Kind, s.Name, err, js)
		return false
	}
	m3, err := sc.Decode(name, back)
	if err != nil {
		t.Errorf("%s: %s %s: Decode of Encode: %v", file, s.Kind, s.Name, err)
		return false
	}
	js3, _ := json.Marshal(m3)
	if !bytes.Equal(js, js3) {
		t.Errorf("%s: %s %s: not stable:\n%s\n%s", file, s.Kind, s.Name, js, js3)
		return false
	}
	// Rewrite the section: the owned lines go where the first one was.
	for j := len(owned) - 1; j >= 0; j-- {
		s.Remove(owned[j])
	}
	at := len(s.Lines)
	if len(owned) > 0 {
		at = owned[0]
	}
	for _, w := range back {
		if w[0] == "from" {
			continue
		}
		s.Insert(at, cfgfile.NewLine("    ", w...))
		at++
	}
	return true
}

func roundTripChild(t *testing.T, file string, l *cfgfile.Line, c *Child) bool {
	t.Helper()
	m, err := c.Decode(l.Words)
	if err != nil {
		t.Errorf("%s:%d: %s: Decode: %v", file, l.Line, c.Path, err)
		return false
	}
	js, _ := json.Marshal(m)
	m2 := c.New()
	if err := decodeStrict(string(js), m2); err != nil {
		t.Errorf("%s:%d: %s: JSON: %v", file, l.Line, c.Path, err)
		return false
	}
	back, err := c.Encode(m2)
	if err != nil {
		t.Errorf("%s:%d: %s: Encode: %v\n%s", file, l.Line, c.Path, err, js)
		return false
	}
	if c.Name(back) != c.Name(l.Words) {
		t.Errorf("%s:%d: %s: name %q became %q", file, l.Line, c.Path, c.Name(l.Words), c.Name(back))
	}
	m3, err := c.Decode(back)
	if err != nil {
		t.Errorf("%s:%d: %s: Decode of Encode %q: %v", file, l.Line, c.Path, back, err)
		return false
	}
	js3, _ := json.Marshal(m3)
	if !bytes.Equal(js, js3) {
		t.Errorf("%s:%d: %s: not stable:\n%s\n%s", file, l.Line, c.Path, js, js3)
		return false
	}
	l.SetWords(back...)
	return true
}

// TestEveryOptionHasAField checks that every server and bind option hawser
// implements reads into a model field, so a GET never fails on a valid
// line and a PUT never drops an option.
func TestEveryOptionHasAField(t *testing.T) {
	t.Parallel()
	arg := map[string]string{"expose-fd": "listeners", "inter": "1s", "fastinter": "1s", "downinter": "1s",
		"agent-inter": "1s", "slowstart": "1s", "port": "80", "agent-port": "80", "weight": "1", "maxconn": "1",
		"maxqueue": "1", "minconn": "1", "rise": "1", "fall": "1", "error-limit": "1", "id": "1", "gid": "1"}
	for _, k := range config.Keywords() {
		if !k.Supported || (k.Scope != config.ScopeServer && k.Scope != config.ScopeBind) {
			continue
		}
		words := []string{k.Name}
		for i := 0; i < k.NArgs; i++ {
			a := arg[k.Name]
			if a == "" {
				a = "x"
			}
			words = append(words, a)
		}
		var err error
		if k.Scope == config.ScopeServer {
			err = decodeServerOpts(&ServerParams{}, words)
			if k.Name == "id" {
				err = decodeOpts(&Server{}, words, serverCustom)
			}
		} else {
			err = decodeOpts(&Bind{}, words, bindCustom)
			if k.Name == "name" {
				err = nil // the bind's name, read by the line converter
			}
		}
		if err != nil {
			t.Errorf("%s option %q: %v", k.Scope, k.Name, err)
		}
	}
}

// TestTagsNameSupportedKeywords checks the cfg tags against the keyword
// tables: every line field of a section model names a keyword hawser
// implements in that section, and every option field of the server and
// bind models an option it implements.
func TestTagsNameSupportedKeywords(t *testing.T) {
	t.Parallel()
	kws := map[string]string{} // scope|name → sections
	for _, k := range config.Keywords() {
		if k.Supported {
			kws[k.Scope+"|"+k.Name] += k.Sections.String() + ", "
		}
	}
	for _, s := range Sections() {
		if s.Kind == "cache" {
			continue
		}
		for _, fs := range specOf(reflect.TypeOf(s.New()).Elem()).fields {
			if fs.kind == "no" && strings.Contains(kws[config.ScopeSection+"|"+fs.kw], s.Kind) {
				t.Errorf("%s field %q is refused, but hawser implements %q", s.Kind, fs.json, fs.kw)
			}
			if fs.kw == "" || fs.kind == "no" || fs.kw == "from" {
				continue
			}
			secs, ok := kws[config.ScopeSection+"|"+fs.kw]
			if first, _, _ := strings.Cut(fs.kw, " "); !ok && first == "hold" {
				secs = kws[config.ScopeSection+"|"+first] // "hold <status> <period>"
			}
			if !strings.Contains(secs, s.Kind) {
				t.Errorf("%s field %q: %q is not a keyword hawser implements there", s.Kind, fs.json, fs.kw)
			}
		}
	}
	for _, o := range []struct {
		scope string
		m     any
	}{{config.ScopeServer, &Server{}}, {config.ScopeBind, &Bind{}}} {
		for _, fs := range specOf(reflect.TypeOf(o.m).Elem()).fields {
			if fs.kind == "no" && kws[o.scope+"|"+fs.kw] != "" {
				t.Errorf("%s field %q is refused, but hawser implements %q", o.scope, fs.json, fs.kw)
			}
			if fs.kw == "" || fs.kind == "no" {
				continue
			}
			if kws[o.scope+"|"+fs.kw] == "" && kws[o.scope+"|no-"+fs.kw] == "" {
				t.Errorf("%s field %q: %q is not an option hawser implements", o.scope, fs.json, fs.kw)
			}
		}
	}
}

// TestNegatedLinesWithoutField checks that "no" lines the models have no
// field for are not owned, so a PUT leaves them in the file, while those
// with a field are read.
func TestNegatedLinesWithoutField(t *testing.T) {
	t.Parallel()
	be, fe := sectionByKind(t, "backend"), sectionByKind(t, "frontend")
	for _, tc := range []struct {
		s     *Section
		line  string
		owned bool
	}{
		{fe, "no option forwardfor", false},
		{fe, "no option http-keep-alive", false},
		{fe, "no option httplog", false},
		{fe, "no option httpslog", true},
		{fe, "no option dontlognull", true},
		{be, "no option redispatch", true},
		{be, "no option httpchk", false},
		{be, "no balance", false},
	} {
		if got := tc.s.Owns(strings.Fields(tc.line)); got != tc.owned {
			t.Errorf("%s owns %q: %v, want %v", tc.s.Kind, tc.line, got, tc.owned)
		}
	}
}

// TestDocsExample keeps docs/dataplane-sections.md's example true.
func TestDocsExample(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind, body, want string
	}{
		{"backend", `{"name":"blue","mode":"http","balance":{"algorithm":"leastconn"},"connect_timeout":5000,"server_timeout":30000,"default_server":{"check":"enabled","inter":2000}}`,
			"mode http|timeout connect 5s|timeout server 30s|balance leastconn|default-server check inter 2s"},
		{"servers", `{"name":"b1","address":"10.0.0.11","port":8080,"weight":100}`, "server b1 10.0.0.11:8080 weight 100"},
		{"frontend", `{"name":"edge","mode":"http","default_backend":"blue","httplog":true}`, "mode http|default_backend blue|option httplog"},
		{"binds", `{"name":"http","port":8080}`, "bind :8080 name http"},
	} {
		var lines [][]string
		if tc.kind == "servers" || tc.kind == "binds" {
			c := childByPath(t, tc.kind)
			m := c.New()
			if err := decodeStrict(tc.body, m); err != nil {
				t.Fatal(err)
			}
			w, err := c.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			lines = [][]string{w}
		} else {
			s := sectionByKind(t, tc.kind)
			m := s.New()
			if err := decodeStrict(tc.body, m); err != nil {
				t.Fatal(err)
			}
			var err error
			if _, lines, err = s.Encode(m); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		for _, l := range lines {
			got = append(got, strings.Join(l, " "))
		}
		if g := strings.Join(got, "|"); g != tc.want {
			t.Errorf("%s: %q, want %q", tc.kind, g, tc.want)
		}
	}
}
