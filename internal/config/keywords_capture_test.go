package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCaptureSlots(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		req, res []Capture
		wantErr  string
	}{
		{
			name: "slots in declaration order",
			body: "capture request header Host len 10\n    http-request capture path len 5\n    declare capture request len 7\n    capture response header Server len 3\n    declare capture response len 4",
			req:  []Capture{{Pos: posAt("haproxy.cfg", 4), Header: "Host", Len: 10}, {Pos: posAt("haproxy.cfg", 5), Len: 5}, {Pos: posAt("haproxy.cfg", 6), Len: 7}},
			res:  []Capture{{Pos: posAt("haproxy.cfg", 7), Header: "Server", Len: 3}, {Pos: posAt("haproxy.cfg", 8), Len: 4}},
		},
		{name: "bad length", body: "capture request header Host len 0", wantErr: "invalid length '0'"},
		{name: "missing header", body: "capture request len 5", wantErr: "expects 'request|response header"},
		{name: "capture cookie", body: "capture cookie SRV len 5", wantErr: "not supported by hawser"},
		{name: "bad declare", body: "declare capture both len 5", wantErr: "expects 'capture request|response len"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, err := loadText(t, "haproxy.cfg", "defaults\n    mode http\nfrontend fe\n    "+tc.body+"\n    bind :8080\n")
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			fe := s.Frontends[0]
			if diff := cmp.Diff(tc.req, fe.ReqCaptures); diff != "" {
				t.Errorf("request slots: %s", diff)
			}
			if diff := cmp.Diff(tc.res, fe.ResCaptures); diff != "" {
				t.Errorf("response slots: %s", diff)
			}
		})
	}
}

// Only frontends hold capture slots.
func TestCaptureInBackend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, line, wantErr string
	}{
		{name: "rule with len", line: "http-request capture path len 5", wantErr: "only a frontend has"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := loadText(t, "haproxy.cfg", "defaults\n    mode http\nbackend be\n    "+tc.line+"\n")
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
		})
	}
}
