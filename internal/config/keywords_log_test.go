package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRingAndLogForwardSections(t *testing.T) {
	t.Parallel()
	cfg := `global
    log ring@buf local0
    log-tag lb
ring buf
    description "recent logs"
    format rfc5424
    maxlen 1200
    size 32k
    timeout connect 2s
    timeout server 3s
    server s1 127.0.0.1:6514
log-forward relay
    bind 127.0.0.1:1514
    dgram-bind udp@127.0.0.1:1514,ipv4@127.0.0.1:1515
    log global
    log tcp@10.0.0.1:514 format rfc3164 local1 info
    maxconn 10
    timeout client 5s
    option assume-rfc6587-ntf
frontend fe
    bind :8080
    log-tag web
    log ring@buf local2
    unique-id-format %{+X}o %ci:%cp_%Ts_%rt
    unique-id-header X-Unique-ID
`
	s, err := loadText(t, "haproxy.cfg", cfg)
	if err != nil {
		t.Fatal(err)
	}
	wantRing := &Ring{Pos: posAt("haproxy.cfg", 4), Name: "buf", Description: "recent logs", Format: "rfc5424", MaxLen: 1200, Size: 32 << 10,
		Servers:        []RingServer{{Pos: posAt("haproxy.cfg", 11), Name: "s1", Address: "127.0.0.1:6514"}},
		TimeoutConnect: 2 * time.Second, TimeoutServer: 3 * time.Second}
	if diff := cmp.Diff([]*Ring{wantRing}, s.Rings); diff != "" {
		t.Errorf("rings (-want +got):\n%s", diff)
	}
	f := s.LogForwards[0]
	if f.Name != "relay" || len(f.Binds) != 1 || f.Binds[0].Address != "127.0.0.1:1514" || len(f.DgramBinds) != 2 ||
		f.DgramBinds[1].Address != "127.0.0.1:1515" || len(f.Logs) != 2 || !f.Logs[0].Global || f.Logs[1].Address != "tcp@10.0.0.1:514" ||
		f.MaxConn != 10 || f.Timeout != 5*time.Second || !f.AssumeNTF || f.DontParse {
		t.Errorf("log-forward = %+v", f)
	}
	if fe := s.Frontends[0]; fe.UniqueIDFormat != "%{+X}o %ci:%cp_%Ts_%rt" || fe.UniqueIDHeader != "X-Unique-ID" {
		t.Errorf("unique-id: format %q, header %q", fe.UniqueIDFormat, fe.UniqueIDHeader)
	}
	if s.Global.LogTag != "lb" || s.Frontends[0].LogTag != "web" {
		t.Errorf("log-tag: global %q, frontend %q", s.Global.LogTag, s.Frontends[0].LogTag)
	}
	if c := s.Clone(); !cmp.Equal(c.Rings, s.Rings) || c.LogForwards[0] == s.LogForwards[0] {
		t.Error("Clone does not deep-copy rings and log-forwards")
	}
}

func TestRingAndLogForwardErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, cfg, want string }{
		{"unknown ring", "global\n    log ring@nope local0\n", "haproxy.cfg:2 : log: no such ring 'nope'"},
		{"ring without name", "ring\n    size 1k\n", "'ring' expects"},
		{"duplicate ring", "ring a\nring a\n", "ring 'a' has the same name"},
		{"ring size", "ring a\n    size 10\n", "'size' must be at least 256"},
		{"ring format", "ring a\n    format json\n", "unknown log format 'json'"},
		{"ring server option", "ring a\n    server s 127.0.0.1:1 check\n", "server options in a ring are not supported by hawser"},
		{"ring server port", "ring a\n    server s 127.0.0.1\n", "missing port"},
		{"backing-file", "ring a\n    backing-file /tmp/x\n", "'backing-file' is not supported by hawser"},
		{"no bind", "log-forward f\n    log stdout local0\n", "log-forward 'f': no 'bind' or 'dgram-bind' line"},
		{"bind option", "log-forward f\n    bind :514 ssl\n", "bind option 'ssl' is not supported by hawser"},
		{"dgram prefix", "log-forward f\n    dgram-bind tcp@:514\n", "'tcp@' is not supported by hawser here"},
		{"option host", "log-forward f\n    dgram-bind :514\n    log stdout local0\n    option host bogus\n", "'option host' expects replace, fill, keep or append"},
		{"no log", "log-forward f\n    dgram-bind :514\n", "log-forward 'f': no 'log' line"},
		{"frontend keyword", "log-forward f\n    dgram-bind :514\n    mode http\n", "'mode'"},
		{"log-tag arity", "global\n    log-tag\n", "log-tag"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, "haproxy.cfg", tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestHTTPSLogAndErrorLogFormatKeywords(t *testing.T) {
	t.Parallel()
	s, err := loadText(t, "haproxy.cfg", `defaults
    mode http
    option httpslog
frontend fe
    bind :8443
    error-log-format "%ci:%cp %[fc_err_str]"
frontend plain
    bind :8080
    option httplog
`)
	if err != nil {
		t.Fatal(err)
	}
	var fe, plain *Proxy
	for _, f := range s.Frontends {
		switch f.Name {
		case "fe":
			fe = &f.Proxy
		case "plain":
			plain = &f.Proxy
		}
	}
	if fe == nil || plain == nil {
		t.Fatal("frontends missing")
	}
	if !fe.HTTPSLog || fe.HTTPLog || fe.ErrorLogFormat != `%ci:%cp %[fc_err_str]` {
		t.Errorf("fe: httpslog %v httplog %v error-log-format %q", fe.HTTPSLog, fe.HTTPLog, fe.ErrorLogFormat)
	}
	if plain.HTTPSLog || !plain.HTTPLog {
		t.Errorf("option httplog after a defaults httpslog: httpslog %v httplog %v", plain.HTTPSLog, plain.HTTPLog)
	}
	if _, err := loadText(t, "bad.cfg", "frontend fe\n    bind :80\n    option httpslog clf\n"); err == nil || !strings.Contains(err.Error(), "bad.cfg:3") {
		t.Errorf("option httpslog clf: err = %v, want an error naming bad.cfg:3", err)
	}
}

func TestLogTargetSampleAndUnixAddresses(t *testing.T) {
	t.Parallel()
	s, err := loadText(t, "haproxy.cfg", `global
    log uxst@/run/log.sock local0
    log abns@syslog format rfc5424 local1
    log 127.0.0.1:514 sample 1-2,5:6 local2 info
`)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(s.Global.Logs); got != 3 {
		t.Fatalf("%d log targets, want 3", got)
	}
	want := &LogSample{Ranges: [][2]int{{1, 2}, {5, 5}}, Size: 6}
	if diff := cmp.Diff(want, s.Global.Logs[2].Sample); diff != "" {
		t.Errorf("sample (-want +got):\n%s", diff)
	}
	errs := []struct{ name, cfg, want string }{
		{"sample without size", "global\n    log 127.0.0.1 sample 1 local0\n", "expects <ranges>:<size>"},
		{"sample past size", "global\n    log 127.0.0.1 sample 1-4:3 local0\n", "range '1-4' exceeds the sample size 3"},
		{"sample bad range", "global\n    log 127.0.0.1 sample 0:3 local0\n", "invalid range '0'"},
		{"log profile", "global\n    log 127.0.0.1 profile p local0\n", "'log ... profile' is not supported by hawser"},
		{"log backend", "global\n    log backend@logs local0\n", "log target 'backend@logs' is not supported by hawser"},
		{"empty uxst", "global\n    log uxst@ local0\n", "missing socket name after 'uxst@'"},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, "haproxy.cfg", tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
