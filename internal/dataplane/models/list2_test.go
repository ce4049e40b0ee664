package models

import (
	"strings"
	"testing"
)

func TestTCPRules(t *testing.T) {
	t.Parallel()
	runListCases(t, casesTCPRules)
}

var casesTCPRules = []listCase{
	{name: "inspect-delay", path: "tcp_request_rules", json: `{"type":"inspect-delay","timeout":5000}`, line: "tcp-request inspect-delay 5s"},
	{name: "inspect-delay ms", path: "tcp_response_rules", json: `{"type":"inspect-delay","timeout":250}`, line: "tcp-response inspect-delay 250ms"},
	{name: "connection accept", path: "tcp_request_rules", json: `{"type":"connection","action":"accept","cond":"if","cond_test":"{ src 10.0.0.0/8 }"}`, line: "tcp-request connection accept if { src 10.0.0.0/8 }"},
	{name: "connection reject", path: "tcp_request_rules", json: `{"type":"connection","action":"reject","cond":"if","cond_test":"{ sc_http_req_rate(0) gt 10 }"}`, line: "tcp-request connection reject if { sc_http_req_rate(0) gt 10 }"},
	{name: "expect-proxy", path: "tcp_request_rules", json: `{"type":"connection","action":"expect-proxy"}`, line: "tcp-request connection expect-proxy layer4"},
	{name: "track-sc", path: "tcp_request_rules", json: `{"type":"connection","action":"track-sc","track_stick_counter":0,"track_key":"src","track_table":"t"}`, line: "tcp-request connection track-sc0 src table t"},
	{name: "session sc-inc-gpc0", path: "tcp_request_rules", json: `{"type":"session","action":"sc-inc-gpc0","sc_inc_id":"1"}`, line: "tcp-request session sc-inc-gpc0(1)"},
	{name: "content set-var", path: "tcp_request_rules", json: `{"type":"content","action":"set-var","var_scope":"sess","var_name":"sni","expr":"req.ssl_sni"}`, line: "tcp-request content set-var(sess.sni) req.ssl_sni"},
	{name: "content unset-var", path: "tcp_request_rules", json: `{"type":"content","action":"unset-var","var_scope":"sess","var_name":"sni"}`, line: "tcp-request content unset-var(sess.sni)"},
	{name: "content silent-drop", path: "tcp_request_rules", json: `{"type":"content","action":"silent-drop"}`, line: "tcp-request content silent-drop"},
	{name: "response close", path: "tcp_response_rules", json: `{"type":"content","action":"close","cond":"unless","cond_test":"ok"}`, line: "tcp-response content close unless ok"},
	{name: "response sc-inc-gpc0", path: "tcp_response_rules", json: `{"type":"content","action":"sc-inc-gpc0","sc_id":2}`, line: "tcp-response content sc-inc-gpc0(2)"},
	{name: "response set-var", path: "tcp_response_rules", json: `{"type":"content","action":"set-var","var_scope":"txn","var_name":"x","expr":"res.len"}`, line: "tcp-response content set-var(txn.x) res.len"},

	{name: "refused action", path: "tcp_request_rules", json: `{"type":"content","action":"do-resolve"}`, err: "action: 'tcp-request content do-resolve' is not supported by hawser"},
	{name: "lua", path: "tcp_request_rules", json: `{"type":"content","action":"lua"}`, err: "action: 'tcp-request content lua' is not supported by hawser"},
	{name: "expect-proxy in content", path: "tcp_request_rules", json: `{"type":"content","action":"expect-proxy"}`, err: "action: unknown action"},
	{name: "close in request", path: "tcp_request_rules", json: `{"type":"content","action":"close"}`, err: "action: unknown action"},
	{name: "bad type", path: "tcp_response_rules", json: `{"type":"connection","action":"accept"}`, err: "type: unknown rule set"},
	{name: "missing action", path: "tcp_request_rules", json: `{"type":"content"}`, err: "action: is required"},
	{name: "missing timeout", path: "tcp_request_rules", json: `{"type":"inspect-delay"}`, err: "timeout: is required"},
	{name: "timeout on a rule", path: "tcp_request_rules", json: `{"type":"content","action":"accept","timeout":5}`, err: `timeout: is not used by action accept`},
	{name: "track counter", path: "tcp_request_rules", json: `{"type":"content","action":"track-sc","track_key":"src"}`, err: "track_stick_counter: must be 0, 1 or 2"},
	{name: "unsupported field", path: "tcp_request_rules", json: `{"type":"content","action":"accept","log_level":"info"}`, err: `unknown field "log_level"`},
}

func TestStickCaptureLogFilter(t *testing.T) {
	t.Parallel()
	runListCases(t, casesStickCaptureLogFilter)
}

var casesStickCaptureLogFilter = []listCase{
	{name: "stick on", path: "stick_rules", json: `{"type":"on","pattern":"src","table":"t1","cond":"if","cond_test":"!local"}`, line: "stick on src table t1 if !local"},
	{name: "stick store-response", path: "stick_rules", json: `{"type":"store-response","pattern":"res.cook(SRV)"}`, line: "stick store-response res.cook(SRV)"},
	{name: "stick match", path: "stick_rules", json: `{"type":"match","pattern":"req.cook(SRV)"}`, line: "stick match req.cook(SRV)"},
	{name: "stick bad type", path: "stick_rules", json: `{"type":"store","pattern":"src"}`, err: "type: must be"},
	{name: "stick missing pattern", path: "stick_rules", json: `{"type":"on"}`, err: "pattern: is required"},

	{name: "declare capture", path: "captures", json: `{"type":"request","length":64}`, line: "declare capture request len 64"},
	{name: "declare capture response", path: "captures", json: `{"type":"response","length":8}`, line: "declare capture response len 8"},
	{name: "capture bad type", path: "captures", json: `{"type":"cookie","length":8}`, err: "type: must be request or response"},
	{name: "capture no length", path: "captures", json: `{"type":"request"}`, err: "length: must be a positive integer"},

	{name: "log global", path: "log_targets", json: `{"global":true}`, line: "log global"},
	{name: "no log", path: "log_targets", json: `{"nolog":true}`, line: "no log"},
	{name: "log stdout", path: "log_targets", json: `{"address":"stdout","format":"raw","facility":"local0"}`, line: "log stdout format raw local0"},
	{name: "log full", path: "log_targets", json: `{"address":"127.0.0.1:514","length":4096,"format":"rfc5424","sample_range":"1-2","sample_size":10,"facility":"local1","level":"info","minlevel":"err"}`, line: "log 127.0.0.1:514 len 4096 format rfc5424 sample 1-2:10 local1 info err"},
	{name: "log ring", path: "log_targets", json: `{"address":"ring@buf","facility":"daemon","level":"notice"}`, line: "log ring@buf daemon notice"},
	{name: "log bad facility", path: "log_targets", json: `{"address":"stdout","facility":"local9"}`, err: "facility: unknown facility"},
	{name: "log minlevel without level", path: "log_targets", json: `{"address":"stdout","facility":"local0","minlevel":"err"}`, err: "level: is required with minlevel"},
	{name: "log global with address", path: "log_targets", json: `{"global":true,"address":"stdout"}`, err: "address: is not used"},
	{name: "log sample without size", path: "log_targets", json: `{"address":"stdout","facility":"local0","sample_range":"1"}`, err: "sample_size: is required"},
	{name: "log profile", path: "log_targets", json: `{"address":"stdout","facility":"local0","profile":"p"}`, err: `unknown field "profile"`},

	{name: "http-error refused", path: "http_error_rules", json: `{"type":"status","status":503}`, err: "type: 'http-error' is not supported by hawser"},
	{name: "filter refused", path: "filters", json: `{"type":"compression"}`, err: "type: 'filter compression' is not supported by hawser"},
	{name: "filter spoe fields", path: "filters", json: `{"type":"spoe","spoe_engine":"e"}`, err: `unknown field "spoe_engine"`},
}

func TestChecks(t *testing.T) {
	t.Parallel()
	runListCases(t, casesChecks)
}

var casesChecks = []listCase{
	{name: "send", path: "http_checks", json: `{"type":"send","method":"GET","uri":"/health","version":"HTTP/1.1","headers":[{"name":"Host","fmt":"example.com"}],"body":"ping","check_comment":"probe"}`, line: "http-check send meth GET uri /health ver HTTP/1.1 hdr Host example.com body ping comment probe"},
	{name: "expect status", path: "http_checks", json: `{"type":"expect","match":"status","pattern":"200-399"}`, line: "http-check expect status 200-399"},
	{name: "expect negated string", path: "http_checks", json: `{"type":"expect","exclamation_mark":true,"match":"string","pattern":"maintenance"}`, line: "http-check expect ! string maintenance"},
	{name: "expect options", path: "http_checks", json: `{"type":"expect","min_recv":10,"check_comment":"c","ok_status":"L7OK","error_status":"L7RSP","tout_status":"L7TOUT","on_success":"up","on_error":"down","match":"rstatus","pattern":"^2"}`, line: "http-check expect min-recv 10 comment c ok-status L7OK error-status L7RSP tout-status L7TOUT on-success up on-error down rstatus ^2"},
	{name: "expect hdr", path: "http_checks", json: `{"type":"expect","match":"hdr","pattern":"name -m str x-ok value -m beg yes"}`, line: "http-check expect hdr name -m str x-ok value -m beg yes"},
	{name: "connect", path: "http_checks", json: `{"type":"connect","default":true,"port":8080,"addr":"10.0.0.1","send_proxy":true,"linger":true,"check_comment":"c"}`, line: "http-check connect default port 8080 addr 10.0.0.1 send-proxy linger comment c"},
	{name: "comment", path: "http_checks", json: `{"type":"comment","check_comment":"\"step 1\""}`, line: "http-check comment step 1"},
	{name: "disable-on-404", path: "http_checks", json: `{"type":"disable-on-404"}`, line: "http-check disable-on-404"},
	{name: "send-state", path: "http_checks", json: `{"type":"send-state"}`, line: "http-check send-state"},
	{name: "http set-var refused", path: "http_checks", json: `{"type":"set-var"}`, err: "type: 'http-check ... set-var' is not supported by hawser"},
	{name: "http connect ssl refused", path: "http_checks", json: `{"type":"connect","ssl":true}`, err: `unknown field "ssl"`},
	{name: "http expect status-code refused", path: "http_checks", json: `{"type":"expect","match":"status","pattern":"200","status-code":"x"}`, err: `unknown field "status-code"`},
	{name: "http expect bad match", path: "http_checks", json: `{"type":"expect","match":"binary","pattern":"00"}`, err: "match: must be one of"},
	{name: "http send with pattern", path: "http_checks", json: `{"type":"send","pattern":"x"}`, err: `pattern: is not used by type send`},

	{name: "tcp connect", path: "tcp_checks", json: `{"action":"connect","port":6379}`, line: "tcp-check connect port 6379"},
	{name: "tcp send", path: "tcp_checks", json: `{"action":"send","data":"\"PING\\\\r\\\\n\""}`, line: `tcp-check send PING\r\n`},
	{name: "tcp send-binary", path: "tcp_checks", json: `{"action":"send-binary","hex_string":"50494e47","check_comment":"ping"}`, line: "tcp-check send-binary 50494e47 comment ping"},
	{name: "tcp expect", path: "tcp_checks", json: `{"action":"expect","match":"string","pattern":"+PONG"}`, line: "tcp-check expect string +PONG"},
	{name: "tcp expect rbinary", path: "tcp_checks", json: `{"action":"expect","match":"rbinary","pattern":"^00"}`, line: "tcp-check expect rbinary ^00"},
	{name: "tcp comment", path: "tcp_checks", json: `{"action":"comment","check_comment":"redis"}`, line: "tcp-check comment redis"},
	{name: "tcp send-lf refused", path: "tcp_checks", json: `{"action":"send-lf"}`, err: "action: 'tcp-check ... send-lf' is not supported by hawser"},
	{name: "tcp expect status", path: "tcp_checks", json: `{"action":"expect","match":"status","pattern":"200"}`, err: "match: must be one of"},
	{name: "tcp missing data", path: "tcp_checks", json: `{"action":"send"}`, err: "data: is required"},
}

func TestDurations(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		in   string
		ms   int64
		text string
		err  string
	}{
		{in: "5s", ms: 5000, text: "5s"},
		{in: "5000", ms: 5000, text: "5s"},
		{in: "1500ms", ms: 1500, text: "1500ms"},
		{in: "2000us", ms: 2, text: "2ms"},
		{in: "90m", ms: 5_400_000, text: "90m"},
		{in: "1d", ms: 86_400_000, text: "1d"},
		{in: "0", ms: 0, text: "0ms"},
		{in: "1500us", err: "finer than the millisecond"},
		{in: "5x", err: "invalid time unit"},
		{in: "s", err: "invalid time"},
		{in: "9999999999999999d", err: "too large"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			ms, err := durationMS("timeout", tc.in, "ms")
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || *ms != tc.ms || durationText(*ms) != tc.text {
				t.Fatalf("got %v %v, want %d %s", ms, err, tc.ms, tc.text)
			}
		})
	}
}
