package models

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/rules"
)

func childByPath(t *testing.T, path string) *Child {
	t.Helper()
	for _, c := range Children() {
		if c.Path == path {
			return c
		}
	}
	t.Fatalf("no child %q registered", path)
	return nil
}

// listCase is one JSON body, the line it becomes and, for a body that is
// refused, the error's start instead.
type listCase struct {
	name string
	path string
	json string
	line string // words joined by single spaces (no word here has a blank)
	err  string
}

func runListCases(t *testing.T, cases []listCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.path+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c := childByPath(t, tc.path)
			m := c.New()
			dec := json.NewDecoder(strings.NewReader(tc.json))
			dec.DisallowUnknownFields()
			if err := dec.Decode(m); err != nil {
				if tc.err != "" && strings.Contains(err.Error(), tc.err) {
					return
				}
				t.Fatalf("decode JSON: %v", err)
			}
			words, err := c.Encode(m)
			if tc.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
					t.Fatalf("Encode error = %v, want prefix %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if got := strings.Join(words, " "); got != tc.line {
				t.Fatalf("Encode = %q, want %q", got, tc.line)
			}
			if !c.Owns(words) {
				t.Fatalf("Owns(%q) = false", words)
			}
			back, err := c.Decode(words)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want, _ := json.Marshal(m)
			got, _ := json.Marshal(back)
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Fatalf("JSON round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestACLAndSwitchingRules(t *testing.T) {
	t.Parallel()
	runListCases(t, casesACLAndSwitchingRules)
}

var casesACLAndSwitchingRules = []listCase{
	{name: "acl", path: "acls", json: `{"acl_name":"is_api","criterion":"path_beg","value":"-i /api /v2"}`, line: "acl is_api path_beg -i /api /v2"},
	{name: "acl without value", path: "acls", json: `{"acl_name":"ok","criterion":"always_true"}`, line: "acl ok always_true"},
	{name: "acl quoted value", path: "acls", json: `{"acl_name":"ua","criterion":"hdr_sub(user-agent)","value":"\"Mozilla 5\" curl"}`, line: "acl ua hdr_sub(user-agent) Mozilla 5 curl"},
	{name: "acl missing criterion", path: "acls", json: `{"acl_name":"x"}`, err: "criterion: is required"},
	{name: "acl two-word name", path: "acls", json: `{"acl_name":"a b","criterion":"src"}`, err: "acl_name: must be one word"},
	{name: "acl unknown field", path: "acls", json: `{"acl_name":"a","criterion":"src","index":3}`, err: `unknown field "index"`},
	{name: "use_backend", path: "backend_switching_rules", json: `{"name":"api","cond":"if","cond_test":"is_api !is_local"}`, line: "use_backend api if is_api !is_local"},
	{name: "use_backend anonymous acl", path: "backend_switching_rules", json: `{"name":"static","cond":"unless","cond_test":"{ path_beg /api }"}`, line: "use_backend static unless { path_beg /api }"},
	{name: "use_backend map", path: "backend_switching_rules", json: `{"name":"%[req.hdr(host),lower,map(/etc/hosts.map,def)]"}`, line: "use_backend %[req.hdr(host),lower,map(/etc/hosts.map,def)]"},
	{name: "use_backend bad cond", path: "backend_switching_rules", json: `{"name":"a","cond":"when","cond_test":"x"}`, err: "cond: must be 'if' or 'unless'"},
	{name: "use_backend cond without test", path: "backend_switching_rules", json: `{"name":"a","cond":"if"}`, err: "cond_test: is required"},
	{name: "use_backend test without cond", path: "backend_switching_rules", json: `{"name":"a","cond_test":"x"}`, err: "cond: is required"},
	{name: "use_backend missing name", path: "backend_switching_rules", json: `{}`, err: "name: is required"},
	{name: "use-server", path: "server_switching_rules", json: `{"target_server":"s1","cond":"if","cond_test":"{ hdr(x-srv) s1 }"}`, line: "use-server s1 if { hdr(x-srv) s1 }"},
}

func TestHTTPRules(t *testing.T) {
	t.Parallel()
	runListCases(t, casesHTTPRules)
}

var casesHTTPRules = []listCase{
	{name: "set-header", path: "http_request_rules", json: `{"type":"set-header","hdr_name":"X-Forwarded-Proto","hdr_format":"https","cond":"if","cond_test":"{ ssl_fc }"}`, line: "http-request set-header X-Forwarded-Proto https if { ssl_fc }"},
	{name: "add-header", path: "http_response_rules", json: `{"type":"add-header","hdr_name":"X-Via","hdr_format":"%[env(HOSTNAME)]"}`, line: "http-response add-header X-Via %[env(HOSTNAME)]"},
	{name: "del-header -m", path: "http_after_response_rules", json: `{"type":"del-header","hdr_name":"x-","hdr_method":"beg"}`, line: "http-after-response del-header x- -m beg"},
	{name: "replace-header", path: "http_request_rules", json: `{"type":"replace-header","hdr_name":"Cookie","hdr_match":"(.*)foo(.*)","hdr_format":"\\1bar\\2"}`, line: `http-request replace-header Cookie (.*)foo(.*) \1bar\2`},
	{name: "replace-value", path: "http_response_rules", json: `{"type":"replace-value","hdr_name":"Cache-Control","hdr_match":"^public$","hdr_format":"private"}`, line: "http-response replace-value Cache-Control ^public$ private"},
	{name: "allow", path: "http_request_rules", json: `{"type":"allow","cond":"if","cond_test":"local"}`, line: "http-request allow if local"},
	{name: "reject", path: "http_request_rules", json: `{"type":"reject"}`, line: "http-request reject"},
	{name: "silent-drop", path: "http_response_rules", json: `{"type":"silent-drop"}`, line: "http-response silent-drop"},
	{name: "disable-l7-retry", path: "http_request_rules", json: `{"type":"disable-l7-retry"}`, line: "http-request disable-l7-retry"},
	{name: "deny status", path: "http_request_rules", json: `{"type":"deny","deny_status":429,"cond":"if","cond_test":"abuse"}`, line: "http-request deny deny_status 429 if abuse"},
	{name: "deny payload", path: "http_request_rules", json: `{"type":"deny","deny_status":403,"return_content_type":"text/plain","return_content_format":"string","return_content":"\"go away\"","return_hdrs":[{"name":"X-Why","fmt":"policy"}]}`, line: "http-request deny deny_status 403 content-type text/plain string go away hdr X-Why policy"},
	{name: "tarpit", path: "http_request_rules", json: `{"type":"tarpit","deny_status":500}`, line: "http-request tarpit deny_status 500"},
	{name: "return", path: "http_request_rules", json: `{"type":"return","return_status_code":200,"return_content_type":"application/json","return_content_format":"lf-string","return_content":"\"{\\\"ip\\\":\\\"%[src]\\\"}\""}`, line: `http-request return status 200 content-type application/json lf-string {"ip":"%[src]"}`},
	{name: "return file", path: "http_after_response_rules", json: `{"type":"return","return_status_code":503,"return_content_type":"text/html","return_content_format":"file","return_content":"/etc/503.html"}`, line: "http-after-response return status 503 content-type text/html file /etc/503.html"},
	{name: "auth", path: "http_request_rules", json: `{"type":"auth","auth_realm":"admin","cond":"unless","cond_test":"authorized"}`, line: "http-request auth realm admin unless authorized"},
	{name: "auth bare", path: "http_request_rules", json: `{"type":"auth"}`, line: "http-request auth"},
	{name: "redirect", path: "http_request_rules", json: `{"type":"redirect","redir_type":"scheme","redir_value":"https","redir_code":301,"cond":"unless","cond_test":"{ ssl_fc }"}`, line: "http-request redirect scheme https code 301 unless { ssl_fc }"},
	{name: "redirect options", path: "http_response_rules", json: `{"type":"redirect","redir_type":"location","redir_value":"/login","redir_option":"drop-query set-cookie SEEN=1"}`, line: "http-response redirect location /login drop-query set-cookie SEEN=1"},
	{name: "set-status", path: "http_response_rules", json: `{"type":"set-status","status":503,"status_reason":"\"Try later\""}`, line: "http-response set-status 503 reason Try later"},
	{name: "set-path", path: "http_request_rules", json: `{"type":"set-path","path_fmt":"/api%[path]"}`, line: "http-request set-path /api%[path]"},
	{name: "set-pathq", path: "http_request_rules", json: `{"type":"set-pathq","path_fmt":"/x"}`, line: "http-request set-pathq /x"},
	{name: "replace-path", path: "http_request_rules", json: `{"type":"replace-path","path_match":"/api/(.*)","path_fmt":"/\\1"}`, line: `http-request replace-path /api/(.*) /\1`},
	{name: "replace-pathq", path: "http_request_rules", json: `{"type":"replace-pathq","path_match":"(.*)","path_fmt":"/v2\\1"}`, line: `http-request replace-pathq (.*) /v2\1`},
	{name: "set-uri", path: "http_request_rules", json: `{"type":"set-uri","uri-fmt":"/x?y=1"}`, line: "http-request set-uri /x?y=1"},
	{name: "replace-uri", path: "http_request_rules", json: `{"type":"replace-uri","uri-match":"^http://(.*)","uri-fmt":"https://\\1"}`, line: `http-request replace-uri ^http://(.*) https://\1`},
	{name: "set-query", path: "http_request_rules", json: `{"type":"set-query","query-fmt":"%[query]&x=1"}`, line: "http-request set-query %[query]&x=1"},
	{name: "set-method", path: "http_request_rules", json: `{"type":"set-method","method_fmt":"POST"}`, line: "http-request set-method POST"},
	{name: "normalize-uri", path: "http_request_rules", json: `{"type":"normalize-uri","normalizer":"path-strip-dotdot","normalizer_full":true}`, line: "http-request normalize-uri path-strip-dotdot full"},
	{name: "normalize-uri strict", path: "http_request_rules", json: `{"type":"normalize-uri","normalizer":"percent-to-uppercase","normalizer_strict":true}`, line: "http-request normalize-uri percent-to-uppercase strict"},
	{name: "set-var", path: "http_request_rules", json: `{"type":"set-var","var_scope":"txn","var_name":"host","var_expr":"req.hdr(host),lower"}`, line: "http-request set-var(txn.host) req.hdr(host),lower"},
	{name: "set-var-fmt", path: "http_response_rules", json: `{"type":"set-var-fmt","var_scope":"res","var_name":"v","var_format":"%[status]-x"}`, line: "http-response set-var-fmt(res.v) %[status]-x"},
	{name: "unset-var", path: "http_after_response_rules", json: `{"type":"unset-var","var_scope":"txn","var_name":"host"}`, line: "http-after-response unset-var(txn.host)"},
	{name: "track-sc", path: "http_request_rules", json: `{"type":"track-sc","track_sc_stick_counter":1,"track_sc_key":"src","track_sc_table":"per_ip"}`, line: "http-request track-sc1 src table per_ip"},
	{name: "sc-inc-gpc0", path: "http_request_rules", json: `{"type":"sc-inc-gpc0","sc_id":0}`, line: "http-request sc-inc-gpc0(0)"},
	{name: "sc-inc-gpc", path: "http_response_rules", json: `{"type":"sc-inc-gpc","sc_idx":1,"sc_id":2}`, line: "http-response sc-inc-gpc(1,2)"},
	{name: "sc-set-gpt0 int", path: "http_request_rules", json: `{"type":"sc-set-gpt0","sc_id":0,"sc_int":1}`, line: "http-request sc-set-gpt0(0) 1"},
	{name: "sc-set-gpt expr", path: "http_request_rules", json: `{"type":"sc-set-gpt","sc_idx":0,"sc_id":1,"sc_expr":"req.hdr_cnt(x)"}`, line: "http-request sc-set-gpt(0,1) req.hdr_cnt(x)"},
	{name: "set-log-level", path: "http_after_response_rules", json: `{"type":"set-log-level","log_level":"silent"}`, line: "http-after-response set-log-level silent"},
	{name: "set-timeout", path: "http_request_rules", json: `{"type":"set-timeout","timeout_type":"server","timeout":"5s"}`, line: "http-request set-timeout server 5s"},
	{name: "capture len", path: "http_request_rules", json: `{"type":"capture","capture_sample":"req.hdr(host)","capture_len":32}`, line: "http-request capture req.hdr(host) len 32"},
	{name: "capture id", path: "http_response_rules", json: `{"type":"capture","capture_sample":"res.hdr(server)","capture_id":0}`, line: "http-response capture res.hdr(server) id 0"},
	{name: "set-map", path: "http_request_rules", json: `{"type":"set-map","map_file":"/etc/m.map","map_keyfmt":"%[src]","map_valuefmt":"%[req.hdr(x)]"}`, line: "http-request set-map(/etc/m.map) %[src] %[req.hdr(x)]"},
	{name: "del-map", path: "http_response_rules", json: `{"type":"del-map","map_file":"/etc/m.map","map_keyfmt":"%[src]"}`, line: "http-response del-map(/etc/m.map) %[src]"},
	{name: "add-acl", path: "http_request_rules", json: `{"type":"add-acl","acl_file":"/etc/bad.acl","acl_keyfmt":"%[src]"}`, line: "http-request add-acl(/etc/bad.acl) %[src]"},
	{name: "del-acl", path: "http_after_response_rules", json: `{"type":"del-acl","acl_file":"/etc/bad.acl","acl_keyfmt":"%[src]"}`, line: "http-after-response del-acl(/etc/bad.acl) %[src]"},
	{name: "set-retries", path: "http_request_rules", json: `{"type":"set-retries","expr":"3"}`, line: "http-request set-retries 3"},
	{name: "wait-for-body", path: "http_request_rules", json: `{"type":"wait-for-body","wait_time":2000,"wait_at_least":1024}`, line: "http-request wait-for-body time 2s at-least 1k"},
	{name: "wait-for-body ms", path: "http_response_rules", json: `{"type":"wait-for-body","wait_time":1500}`, line: "http-response wait-for-body time 1500ms"},
	{name: "use-service", path: "http_request_rules", json: `{"type":"use-service","service_name":"prometheus-exporter","cond":"if","cond_test":"{ path /metrics }"}`, line: "http-request use-service prometheus-exporter if { path /metrics }"},

	{name: "unsupported action", path: "http_request_rules", json: `{"type":"cache-use"}`, err: "type: 'http-request cache-use' is not supported by hawser"},
	{name: "lua", path: "http_request_rules", json: `{"type":"lua"}`, err: "type: 'http-request lua' is not supported by hawser"},
	{name: "unknown action", path: "http_request_rules", json: `{"type":"frobnicate"}`, err: `type: unknown action "frobnicate"`},
	{name: "wrong direction", path: "http_response_rules", json: `{"type":"set-path","path_fmt":"/"}`, err: "type: 'set-path' is not valid in http-response rules"},
	{name: "missing type", path: "http_request_rules", json: `{"hdr_name":"x"}`, err: "type: is required"},
	{name: "missing hdr_name", path: "http_request_rules", json: `{"type":"set-header","hdr_format":"x"}`, err: "hdr_name: is required"},
	{name: "field of another type", path: "http_request_rules", json: `{"type":"allow","hdr_name":"x"}`, err: `hdr_name: is not used by type "allow"`},
	{name: "deny_status on return", path: "http_request_rules", json: `{"type":"return","deny_status":403}`, err: "deny_status: is not used"},
	{name: "errorfile payload", path: "http_request_rules", json: `{"type":"deny","return_content_format":"errorfile","return_content":"/x"}`, err: "return_content_format: 'errorfile' is not supported by hawser"},
	{name: "bad redir_code", path: "http_request_rules", json: `{"type":"redirect","redir_type":"location","redir_value":"/","redir_code":305}`, err: "redir_code: must be"},
	{name: "bad redir_type", path: "http_request_rules", json: `{"type":"redirect","redir_type":"host","redir_value":"/"}`, err: "redir_type: must be"},
	{name: "track-sc3", path: "http_request_rules", json: `{"type":"track-sc","track_sc_stick_counter":3,"track_sc_key":"src"}`, err: "track_sc_stick_counter: must be 0, 1 or 2"},
	{name: "track-sc0 spelled", path: "http_request_rules", json: `{"type":"track-sc0","track_sc_key":"src"}`, err: "type: unknown action"},
	{name: "unsupported HAProxy field", path: "http_request_rules", json: `{"type":"silent-drop","rst_ttl":1}`, err: `unknown field "rst_ttl"`},
	{name: "two words in hdr_format", path: "http_request_rules", json: `{"type":"set-header","hdr_name":"x","hdr_format":"a b"}`, err: "hdr_format: must be one word"},
	{name: "hash in cond_test", path: "http_request_rules", json: `{"type":"allow","cond":"if","cond_test":"a # b"}`, err: "cond_test: '#' must be quoted"},
}

// TestHTTPRuleTypeEnum checks that each rule set's type enum lists exactly
// the actions hawser implements there, so the OpenAPI document tells
// clients the truth.
func TestHTTPRuleTypeEnum(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model any
		dir   rules.Dir
	}{
		{HTTPRequestRule{}, rules.Request},
		{HTTPResponseRule{}, rules.Response},
		{HTTPAfterResponseRule{}, rules.AfterResponse},
	} {
		f, _ := reflectField(tc.model, "Type")
		got := strings.Split(f.Tag.Get("enum"), ",")
		sort.Strings(got)
		if diff := cmp.Diff(rulesActions(tc.dir), got); diff != "" {
			t.Errorf("%T type enum (-implemented +declared):\n%s", tc.model, diff)
		}
	}
}

// corpusFiles parses the corpus and returns each file with the lines that
// config.Load reports an error at.
func corpusFiles(t *testing.T) (files []*cfgfile.File, bad []map[int]string, loads []bool) {
	t.Helper()
	paths, _ := filepath.Glob("../../../../shared/corpus/haproxy-cfg/*.cfg")
	if len(paths) == 0 {
		t.Skip("corpus not present")
	}
	noEnv := func(string) (string, bool) { return "", false }
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		f, err := cfgfile.Parse(filepath.Base(p), data, noEnv)
		if err != nil {
			continue
		}
		errLines := map[int]string{}
		_, err = config.Load([]*cfgfile.File{f})
		if el, ok := err.(config.ErrorList); ok {
			for _, e := range el {
				errLines[e.Pos.Line] += e.Msg + "\n"
			}
		} else if err != nil {
			continue
		}
		files, bad, loads = append(files, f), append(bad, errLines), append(loads, err == nil)
	}
	return files, bad, loads
}

// TestCorpusListRoundTrip decodes every line of the corpus that a list
// converter owns and config.Load accepts, encodes the model again and
// wants the same words back (times may change unit); then it rewrites those lines in every file
// that loads and wants config.Load to accept the result.
func TestCorpusListRoundTrip(t *testing.T) {
	t.Parallel()
	files, bad, loads := corpusFiles(t)
	t.Cleanup(func() {
		t.Logf("%d corpus lines config refuses as not supported are refused by the models too", refusedLines.Load())
	})
	type count struct{ lines, ok int }
	counts := map[string]*count{}
	for i, f := range files {
		rewritten := false
		for _, s := range f.Sections {
			for _, l := range s.Lines {
				if len(l.Words) == 0 {
					continue
				}
				// A line belongs to one model at most: its section's
				// or one of the section's collections'.
				var owners []string
				for _, c := range Children() {
					if c.Owns(l.Words) && (slices.Contains(c.Parents, s.Kind) || s.Kind == "listen") {
						owners = append(owners, c.Path)
					}
				}
				for _, sec := range Sections() {
					if sec.Kind == s.Kind && sec.Owns(l.Words) {
						owners = append(owners, sec.Kind)
					}
				}
				if len(owners) > 1 {
					t.Errorf("%s:%d: %q is owned by %v", f.Name, l.Line, l.Words, owners)
				}
				if msg, isBad := bad[i][l.Line]; isBad {
					wantRefused(t, f.Name, l, msg)
					continue
				}
				for _, c := range Children() {
					if c.Name != nil || !c.Owns(l.Words) {
						continue
					}
					n := counts[c.Path]
					if n == nil {
						n = &count{}
						counts[c.Path] = n
					}
					n.lines++
					m, err := c.Decode(l.Words)
					if err != nil {
						t.Errorf("%s:%d: %s: Decode: %v", f.Name, l.Line, c.Path, err)
						continue
					}
					words, err := c.Encode(m)
					if err != nil {
						t.Errorf("%s:%d: %s: Encode: %v", f.Name, l.Line, c.Path, err)
						continue
					}
					if !slices.EqualFunc(words, l.Words, sameWord) {
						t.Errorf("%s:%d: %s: round trip\n got %q\nwant %q", f.Name, l.Line, c.Path, words, l.Words)
						continue
					}
					n.ok++
					l.SetWords(words...)
					rewritten = true
				}
			}
		}
		if rewritten && loads[i] {
			g, err := cfgfile.Parse(f.Name, f.Bytes(), func(string) (string, bool) { return "", false })
			if err == nil {
				_, err = config.Load([]*cfgfile.File{g})
			}
			if err != nil {
				t.Errorf("%s: rewritten lines no longer load: %v", f.Name, err)
			}
		}
	}
	var paths []string
	for p := range counts {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		t.Logf("%-28s %4d of %4d corpus lines round-trip", p, counts[p].ok, counts[p].lines)
	}
}

func reflectField(v any, name string) (reflect.StructField, bool) {
	return reflect.TypeOf(v).FieldByName(name)
}

// rulesActions lists the HTTP actions hawser implements in rule set d, as
// rule types.
func rulesActions(d rules.Dir) []string {
	var out []string
	for _, a := range rules.Actions() {
		if !a.Supported() || !a.Dirs.Has(d) {
			continue
		}
		n := a.Name
		if strings.HasPrefix(n, "track-sc") {
			n = "track-sc"
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// TestDecodeRefuses checks that lines hawser does not implement are refused
// with an error naming the field, not turned into a partial model.
func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path, line, err string
	}{
		{"http_request_rules", "http-request cache-use c1", "type: 'http-request cache-use' is not supported by hawser"},
		{"http_request_rules", "http-request lua.foo", "type: 'http-request lua.foo' is not supported by hawser"},
		{"http_request_rules", "http-request set-header X", "hdr_format: missing"},
		{"http_request_rules", "http-request set-header X a b", `type: unexpected argument "b"`},
		{"http_request_rules", "http-request deny errorfile /x", "return_content_format: 'errorfile' is not supported by hawser"},
		{"backend_switching_rules", "use_backend", "name: expects one word"},
		{"acls", "acl x", "criterion: missing"},
	} {
		t.Run(tc.line, func(t *testing.T) {
			t.Parallel()
			_, err := childByPath(t, tc.path).Decode(strings.Fields(tc.line))
			if err == nil || !strings.HasPrefix(err.Error(), tc.err) {
				t.Fatalf("Decode error = %v, want prefix %q", err, tc.err)
			}
		})
	}
}

// sameWord compares words of a round trip: times may change unit ("5000"
// milliseconds comes back as "5s").
func sameWord(a, b string) bool {
	if a == b {
		return true
	}
	da, err1 := durationMS("", a, "ms")
	db, err2 := durationMS("", b, "ms")
	if err1 == nil && err2 == nil && *da == *db {
		return true
	}
	// Sizes come back in the largest exact unit: "0k" is "0".
	if sa, err1 := parseSize(a); err1 == nil {
		if sb, err2 := parseSize(b); err2 == nil && sa == sb {
			return true
		}
	}
	// Numbers the model stores as integers come back without leading
	// zeros: "sc-inc-gpc0(00)" is "sc-inc-gpc0(0)".
	return trimLeadingZeros(a) == trimLeadingZeros(b)
}

// trimLeadingZeros drops the leading zeros of every run of digits in w.
func trimLeadingZeros(w string) string {
	var out strings.Builder
	leading := true // at the start of a run of digits, or in its zeros
	for i := 0; i < len(w); i++ {
		c := w[i]
		isDigit := c >= '0' && c <= '9'
		nextDigit := i+1 < len(w) && w[i+1] >= '0' && w[i+1] <= '9'
		if isDigit && leading && c == '0' && nextDigit {
			continue
		}
		leading = !isDigit
		out.WriteByte(c)
	}
	return out.String()
}

var refusedLines atomic.Int64

// wantRefused wants a line that config refuses as not supported by hawser
// to be refused by the collection that owns it, and not become a model
// that could be written back.
func wantRefused(t *testing.T, file string, l *cfgfile.Line, msg string) {
	t.Helper()
	// Sample fetches and converters are config.Load's to check when a
	// change is committed; the models check keywords, actions and options.
	if !strings.Contains(msg, "is not supported by hawser") || strings.Contains(msg, "sample expression") {
		return
	}
	for _, c := range Children() {
		if c.Name != nil || !c.Owns(l.Words) {
			continue
		}
		if _, err := c.Decode(l.Words); err == nil {
			t.Errorf("%s:%d: %s: Decode accepts a line config refuses: %s", file, l.Line, c.Path, msg)
			continue
		}
		refusedLines.Add(1)
	}
}

func TestTrimLeadingZeros(t *testing.T) {
	for in, want := range map[string]string{"000": "0", "a(007)": "a(7)", "100": "100", "x0y": "x0y", "sc0(00),01": "sc0(0),1"} {
		if got := trimLeadingZeros(in); got != want {
			t.Errorf("trimLeadingZeros(%q) = %q, want %q", in, got, want)
		}
	}
}
