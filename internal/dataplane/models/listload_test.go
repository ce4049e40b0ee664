package models

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

// listSection is where TestListCasesLoad writes each collection's line:
// http rules go in the frontend (capture ... len needs one), except
// set-retries, which only a backend takes; tcp-response rules go in a
// mode tcp backend.
var listSection = map[string]string{
	"acls": "fe", "backend_switching_rules": "fe", "captures": "fe", "filters": "fe",
	"http_request_rules": "fe", "http_response_rules": "fe", "http_after_response_rules": "fe",
	"server_switching_rules": "be", "stick_rules": "be", "http_checks": "be", "tcp_checks": "be",
	"log_targets": "be", "tcp_response_rules": "tb",
	"tcp_request_rules": "fe",
}

// listLoadConfig surrounds the line under test with the ACLs, backends,
// tables and capture slots the table cases refer to.
const listLoadConfig = `
frontend fe
    mode http
    bind 127.0.0.1:8080
    declare capture request len 64
    declare capture response len 64
    acl is_api path_beg /api
    acl is_local src 127.0.0.1
    acl local src 127.0.0.1
    acl abuse src 10.9.9.9
    acl ok always_true
    acl authorized http_auth(users)
    %s
    default_backend be

backend be
    mode http
    stick-table type ip size 1k store gpc0,gpc1,gpt0,http_req_rate(10s)
    acl local src 127.0.0.1
    acl ok always_true
    %s
    server s1 127.0.0.1:1

backend tb
    mode tcp
    acl ok always_true
    %s
    server s1 127.0.0.1:1

backend api
    mode http
    server s1 127.0.0.1:1
backend static
    mode http
    server s1 127.0.0.1:1
backend per_ip
    stick-table type ip size 1k
backend t
    stick-table type ip size 1k
backend t1
    stick-table type ip size 1k

ring buf
    size 32768

userlist users
    user admin insecure-password x
`

// TestListCasesLoad writes the line of every accepted table case into a
// configuration and wants config.Load to accept it: what the models write
// is what hawser reads.
func TestListCasesLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, f := range []string{"m.map", "bad.acl", "503.html"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var cases []listCase
	for _, set := range [][]listCase{casesACLAndSwitchingRules, casesHTTPRules, casesTCPRules, casesStickCaptureLogFilter, casesChecks} {
		cases = append(cases, set...)
	}
	for _, tc := range cases {
		if tc.err != "" {
			continue
		}
		t.Run(tc.path+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c := childByPath(t, tc.path)
			m := c.New()
			js := strings.ReplaceAll(tc.json, "/etc/", dir+"/")
			if err := json.Unmarshal([]byte(js), m); err != nil {
				t.Fatal(err)
			}
			words, err := c.Encode(m)
			if err != nil {
				t.Fatal(err)
			}
			line := cfgfile.NewLine("", words...).Raw
			sec := listSection[tc.path]
			if strings.Contains(line, "set-retries") {
				sec = "be"
			}
			at := map[string]string{sec: line}
			text := fmt.Sprintf(listLoadConfig, at["fe"], at["be"], at["tb"])
			f, err := cfgfile.Parse("test.cfg", []byte(text), func(string) (string, bool) { return "", false })
			if err == nil {
				_, err = config.Load([]*cfgfile.File{f})
			}
			if err != nil {
				t.Fatalf("%s\n%v", line, err)
			}
		})
	}
}
