package engine

import (
	"net/netip"
	"strings"
	"testing"
)

// fakeRes is a TCPSample with the server's first bytes.
type fakeRes struct {
	sessSample
	res   []byte
	final bool
}

func (f *fakeRes) ResPayload() ([]byte, bool) { return f.res, f.final }

// TestRunTCPResponse runs tcp-response content rules on server data.
func TestRunTCPResponse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		rules   []string // action|cond
		payload string
		final   bool
		want    TCPVerdict
		wantAt  int
	}{
		{name: "reject on payload", rules: []string{"reject|{ res.payload(0,3) -m str BAD }"}, payload: "BAD\n", want: TCPReject, wantAt: 1},
		{name: "other payload goes on", rules: []string{"reject|{ res.payload(0,3) -m str BAD }"}, payload: "OK\n", final: true, want: TCPContinue, wantAt: 1},
		{name: "short payload waits", rules: []string{"reject|{ res.payload(0,3) -m str BAD }"}, payload: "BA", want: TCPWait},
		{name: "payload_lv", rules: []string{"reject|{ res.payload_lv(0,1) -m str BAD }"}, payload: "\x03BADx", want: TCPReject, wantAt: 1},
		{name: "payload_lv short waits", rules: []string{"reject|{ res.payload_lv(0,1) -m str BAD }"}, payload: "\x03BA", want: TCPWait},
		{name: "short final payload skips", rules: []string{"reject|{ res.payload(0,3) -m str BAD }", "accept|"}, payload: "BA", final: true, want: TCPAccept, wantAt: 2},
		{name: "close", rules: []string{"close|{ res.len ge 3 }"}, payload: "BYE", final: true, want: TCPClose, wantAt: 1},
		{name: "res.len waits while not final", rules: []string{"accept|{ res.len ge 10 }"}, payload: "abc", want: TCPWait},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var rules []*TCPRule
			for _, r := range tc.rules {
				action, cond, _ := strings.Cut(r, "|")
				rules = append(rules, rule(t, action, cond, nil))
			}
			s := &Session{Src: netip.MustParseAddrPort("192.0.2.1:1000")}
			smp := &fakeRes{sessSample: sessSample{s}, res: []byte(tc.payload), final: tc.final}
			if v, at := RunTCP(rules, 0, smp, tc.final); v != tc.want || at != tc.wantAt {
				t.Errorf("RunTCP = %d at %d, want %d at %d", v, at, tc.want, tc.wantAt)
			}
		})
	}
}
