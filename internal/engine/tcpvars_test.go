package engine

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/hawser-lb/hawser/internal/acl"
	"github.com/hawser-lb/hawser/internal/config"
)

// varRule is a set-var or unset-var rule; expr is set-var's expression.
func varRule(t *testing.T, action, name, expr string) *TCPRule {
	t.Helper()
	r := &TCPRule{Cfg: &config.TCPRule{Action: action, Var: name, Key: expr}}
	if expr != "" {
		var err error
		if r.Key, err = acl.CompileExpr(expr); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// TestRunTCPVars checks set-var and unset-var in tcp rules and that var()
// in a later rule's condition sees them.
func TestRunTCPVars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		rules []*TCPRule
		want  TCPVerdict
	}{
		{name: "set then match", rules: []*TCPRule{
			varRule(t, config.TCPSetVar, "sess.who", "src"),
			rule(t, config.TCPReject, "{ var(sess.who) -m ip 192.0.2.0/24 }", nil),
		}, want: TCPReject},
		{name: "string value", rules: []*TCPRule{
			varRule(t, config.TCPSetVar, "txn.tag", "str(blue)"),
			rule(t, config.TCPAccept, "{ var(txn.tag) -m str blue }", nil),
		}, want: TCPAccept},
		{name: "unset hides it", rules: []*TCPRule{
			varRule(t, config.TCPSetVar, "sess.x", "int(1)"),
			varRule(t, config.TCPUnsetVar, "sess.x", ""),
			rule(t, config.TCPReject, "{ var(sess.x) -m found }", nil),
		}, want: TCPContinue},
		{name: "expression without value keeps the variable", rules: []*TCPRule{
			varRule(t, config.TCPSetVar, "sess.x", "int(7)"),
			varRule(t, config.TCPSetVar, "sess.x", "req.payload(100,4)"),
			rule(t, config.TCPAccept, "{ var(sess.x) -m int 7 }", nil),
		}, want: TCPAccept},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := &Session{Src: netip.MustParseAddrPort("192.0.2.1:1000")}
			smp := &fakeTCP{sessSample: sessSample{s}, final: true}
			if v, _ := RunTCP(tc.rules, 0, smp, true); v != tc.want {
				t.Errorf("RunTCP = %d, want %d", v, tc.want)
			}
		})
	}
}

// TestSessionVarsOutliveRuleSets checks that a variable set by a
// connection rule is seen by a content rule of the same session.
func TestSessionVarsOutliveRuleSets(t *testing.T) {
	t.Parallel()
	s := &Session{Src: netip.MustParseAddrPort("192.0.2.1:1000")}
	RunTCP([]*TCPRule{varRule(t, config.TCPSetVar, "sess.n", "int(3)")}, 0, sessSample{s}, true)
	c, err := acl.Compile(strings.Fields("{ var(sess.n) -m int 3 }"), false, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Match(&fakeTCP{sessSample: sessSample{s}, final: true}) {
		t.Error("var(sess.n) not seen by a later rule set")
	}
}
