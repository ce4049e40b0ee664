package engine

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/clienthello"
	"github.com/hawser-lb/hawser/internal/config"
	"github.com/hawser-lb/hawser/internal/stick"
)

// fakeTCP is a TCPSample over a session with a payload.
type fakeTCP struct {
	sessSample
	buf   []byte
	final bool
}

func (f *fakeTCP) Payload() ([]byte, bool)            { return f.buf, f.final }
func (f *fakeTCP) Hello() (*clienthello.Hello, error) { return clienthello.Parse(f.buf) }

func rule(t *testing.T, action, cond string, tbl *stick.Table) *TCPRule {
	t.Helper()
	rc := &config.TCPRule{Action: action, Key: "src"}
	r := &TCPRule{Cfg: rc, Table: tbl}
	if cond != "" {
		c, err := acl.Compile(strings.Fields(cond), false, nil)
		if err != nil {
			t.Fatal(err)
		}
		r.Cond = c
	}
	if action == config.TCPTrackSC {
		r.Key, _ = acl.CompileExpr("src")
	}
	return r
}

func TestRunTCP(t *testing.T) {
	t.Parallel()
	decl, err := stick.ParseDecl(strings.Fields("type ip size 10 store conn_cur,conn_cnt,gpc0"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		rules   []string // action|cond
		payload string
		final   bool
		want    TCPVerdict
		wantAt  int
		tracked bool
	}{
		{name: "no rules", want: TCPContinue},
		{name: "accept stops", rules: []string{"accept|", "reject|"}, want: TCPAccept, wantAt: 1},
		{name: "reject by src", rules: []string{"reject|{ src 192.0.2.0/24 }", "accept|"}, want: TCPReject, wantAt: 1},
		{name: "skip unmatched", rules: []string{"reject|{ src 10.0.0.0/8 }", "silent-drop|"}, want: TCPSilentDrop, wantAt: 2},
		{name: "wait for data", rules: []string{"track-sc|", "accept|{ req.len ge 4 }", "reject|"}, payload: "ab", want: TCPWait, wantAt: 1, tracked: true},
		{name: "final decides", rules: []string{"accept|{ req.len ge 4 }", "reject|"}, payload: "ab", final: true, want: TCPReject, wantAt: 2},
		{name: "track then gpc0", rules: []string{"track-sc|", "sc-inc-gpc0|", "reject|{ sc0_get_gpc0 gt 0 }"}, want: TCPReject, wantAt: 3, tracked: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tbl := stick.New("t", decl)
			var rules []*TCPRule
			for _, r := range tc.rules {
				action, cond, _ := strings.Cut(r, "|")
				rules = append(rules, rule(t, action, cond, tbl))
			}
			s := &Session{Src: netip.MustParseAddrPort("192.0.2.1:1000")}
			smp := &fakeTCP{sessSample: sessSample{s}, buf: []byte(tc.payload), final: tc.final}
			v, at := RunTCP(rules, 0, smp, tc.final)
			if v != tc.want || at != tc.wantAt {
				t.Errorf("RunTCP = %d at %d, want %d at %d", v, at, tc.want, tc.wantAt)
			}
			if got := s.Tracked(0) != nil; got != tc.tracked {
				t.Fatalf("tracked = %v, want %v", got, tc.tracked)
			}
			if tc.tracked {
				if n, _ := s.Tracked(0).Counter(stick.ConnCur); n != 1 {
					t.Errorf("conn_cur = %d, want 1", n)
				}
				s.releaseTracked()
				if n, _ := tbl.Get(stick.IPKey(s.Src.Addr())).Counter(stick.ConnCur); n != 0 {
					t.Errorf("conn_cur after release = %d, want 0", n)
				}
			}
		})
	}
}
