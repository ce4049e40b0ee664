package models

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/cfgfile"
	"github.com/hawser-lb/hawser/internal/config"
)

// loadLine loads a small configuration holding line in a frontend (or a
// mode tcp backend for tcp-response) and returns config's error.
func loadLine(line string) error {
	fe, be := line, ""
	if strings.HasPrefix(line, "tcp-response") {
		fe, be = "", line
	}
	text := fmt.Sprintf("frontend fe\n    bind 127.0.0.1:8080\n    %s\n    default_backend be\nbackend be\n    %s\n    server s1 127.0.0.1:1\n", fe, be)
	f, err := cfgfile.Parse("t.cfg", []byte(text), func(string) (string, bool) { return "", false })
	if err != nil {
		return err
	}
	_, err = config.Load([]*cfgfile.File{f})
	return err
}

// TestTCPActionsMatchConfig keeps the models' tcp action lists in step
// with config: every action a model refuses as not supported, config
// refuses the same way, and every action a model accepts, config knows.
func TestTCPActionsMatchConfig(t *testing.T) {
	t.Parallel()
	for phase, actions := range tcpPhaseActions {
		for _, a := range tcpRefused {
			if a == "lua" {
				a = "lua.x"
			}
			err := loadLine(phase + " " + a)
			if err == nil || !strings.Contains(err.Error(), "is not supported by hawser") {
				t.Errorf("%s %s: config says %v, the model refuses it as not supported", phase, a, err)
			}
		}
		for _, a := range actions {
			err := loadLine(phase + " " + a)
			if err != nil && strings.Contains(err.Error(), "unknown action") {
				t.Errorf("%s %s: config says %v, the model accepts it", phase, a, err)
			}
		}
	}
}

// TestTCPActionEnums checks that the action enums list what the rule sets
// accept.
func TestTCPActionEnums(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		model  any
		phases []string
	}{
		{TCPRequestRule{}, []string{"tcp-request connection", "tcp-request session", "tcp-request content"}},
		{TCPResponseRule{}, []string{"tcp-response content"}},
	} {
		f, _ := reflect.TypeOf(tc.model).FieldByName("Action")
		got := strings.Split(f.Tag.Get("enum"), ",")
		var want []string
		for _, p := range tc.phases {
			for _, a := range tcpPhaseActions[p] {
				if !slices.Contains(want, a) {
					want = append(want, a)
				}
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Errorf("%T action enum = %v, want %v", tc.model, got, want)
		}
	}
}

// TestCheckRefusalsMatchConfig checks that the check rules and options the
// models refuse, config refuses as not supported too.
func TestCheckRefusalsMatchConfig(t *testing.T) {
	t.Parallel()
	lines := []string{
		"http-check set-var(check.x) int(1)", "http-check set-var-fmt(check.x) x", "http-check unset-var(check.x)",
		"tcp-check set-var(check.x) int(1)", "tcp-check send-lf x", "tcp-check send-binary-lf 00",
		"http-check connect ssl", "http-check connect sni x", "http-check connect alpn h2", "http-check connect proto h2", "http-check connect via-socks4",
		"http-check send uri-lf /x", "http-check send body-lf x", "http-check send hdr-lf x y",
		"http-check expect status-code 200 status 200", "tcp-check expect string-lf x", "tcp-check expect binary-lf 00",
		"http-check expect custom x",
	}
	for _, line := range lines {
		words := strings.Fields(line)
		text := fmt.Sprintf("backend be\n    %s\n    server s1 127.0.0.1:1\n", line)
		f, err := cfgfile.Parse("t.cfg", []byte(text), func(string) (string, bool) { return "", false })
		if err == nil {
			_, err = config.Load([]*cfgfile.File{f})
		}
		if err == nil || !strings.Contains(err.Error(), "is not supported by hawser") {
			t.Errorf("%s: config says %v", line, err)
		}
		path := map[string]string{"http-check": "http_checks", "tcp-check": "tcp_checks"}[words[0]]
		if _, err := childByPath(t, path).Decode(words); err == nil || !strings.Contains(err.Error(), "is not supported by hawser") {
			t.Errorf("%s: Decode says %v", line, err)
		}
	}
}

// haproxyHTTPActions are the rule types of HAProxy's Data Plane API
// models; hawser either implements each or refuses it as not supported,
// never as unknown.
var haproxyHTTPActions = strings.Fields(`add-acl add-header add-headers-bin allow auth cache-use cache-store capture
	del-acl del-header del-headers-bin del-map deny disable-l7-retry do-resolve early-hint lua normalize-uri pause
	redirect reject replace-header replace-path replace-pathq replace-uri replace-value return sc-add-gpc sc-inc-gpc
	sc-inc-gpc0 sc-inc-gpc1 sc-set-gpt sc-set-gpt0 send-spoe-group set-bc-mark set-bc-tos set-dst set-dst-port
	set-fc-mark set-fc-tos set-header set-headers-bin set-log-level set-map set-mark set-method set-nice set-path
	set-pathq set-priority-class set-priority-offset set-query set-src set-src-port set-status set-timeout set-tos
	set-uri set-var set-var-fmt silent-drop strict-mode tarpit track-sc unset-var use-service wait-for-body
	wait-for-handshake set-bandwidth-limit set-retries do-log`)

func TestHAProxyHTTPActionsKnown(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"http_request_rules", "http_response_rules", "http_after_response_rules"} {
		c := childByPath(t, path)
		for _, a := range haproxyHTTPActions {
			m := c.New()
			if err := json.Unmarshal([]byte(`{"type":"`+a+`"}`), m); err != nil {
				t.Fatal(err)
			}
			_, err := c.Encode(m)
			if err != nil && strings.Contains(err.Error(), "unknown action") {
				t.Errorf("%s: %v", path, err)
			}
		}
	}
}
